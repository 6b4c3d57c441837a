//! A call to a Durable Object with nothing between the worker and the runtime: one JS request
//! built from a URL and a text body, the stub's `fetch`, the answer's text read in one piece.
//!
//! `worker`'s `Stub::fetch_with_request` wraps both sides in its own types: a `RequestInit`
//! with every field set, a `Response` that reads its headers, `cf` and WebSocket up front and
//! its body through a stream reader, whose release makes the runtime build a `TypeError` with
//! a stack trace on every call (about 3% of a ping's CPU, seen with `perf` on workerd). The
//! ping path calls its token's object once per ping, so it takes this way instead.

use wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Result, Stub};

/// An object's answer: its status and its body as text.
pub struct Answer {
    pub status: u16,
    pub text: String,
}

/// POSTs `body` to `url` on the object behind `stub`.
pub async fn post(stub: Stub, url: &str, body: &str) -> Result<Answer> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&wasm_bindgen::JsValue::from_str(body));
    let request = web_sys::Request::new_with_str_and_init(url, &init)?;
    let object: worker::worker_sys::DurableObject = stub.into_rpc();
    let response: web_sys::Response = JsFuture::from(object.fetch_with_request(&request)?).await?.dyn_into()?;
    let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
    Ok(Answer {
        status: response.status(),
        text,
    })
}
