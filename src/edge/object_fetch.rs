//! A call to a Durable Object with nothing between the worker and the runtime: one JS request
//! built from a URL and a text body, the stub's `fetch`, the answer's text read in one piece.
//!
//! `worker`'s `Stub::fetch_with_request` wraps both sides in its own types: a `RequestInit`
//! with every field set, a `Response` that reads its headers, `cf` and WebSocket up front and
//! its body through a stream reader, whose release makes the runtime build a `TypeError` with
//! a stack trace on every call (about 3% of a ping's CPU, seen with `perf` on workerd). Every
//! call to an object takes this way instead; the ping path makes one per ping.

use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Result, Stub};

use crate::edge::durable::internal;
use crate::edge::js_value::from_js;

/// Calls `url` on the object behind `stub`: a POST of `body`, or a GET without one; `header`
/// is one header to send (a name and its value). Answers the text of a 2xx answer; any other
/// status is an error naming the URL.
pub async fn call(stub: Stub, url: &str, body: Option<&str>, header: Option<(&str, &str)>) -> Result<String> {
    let init = web_sys::RequestInit::new();
    if let Some(body) = body {
        init.set_method("POST");
        init.set_body(&JsValue::from_str(body));
    }
    if let Some((name, value)) = header {
        let pair = js_sys::Array::of2(&JsValue::from_str(name), &JsValue::from_str(value));
        init.set_headers(&js_sys::Array::of1(&pair));
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init)?;
    let object: worker::worker_sys::DurableObject = stub.into_rpc();
    let response: web_sys::Response = JsFuture::from(object.fetch_with_request(&request)?).await?.dyn_into()?;
    let status = response.status();
    if !(200..300).contains(&status) {
        return Err(internal(format!("{url} answered {status}")));
    }
    Ok(JsFuture::from(response.text()?).await?.as_string().unwrap_or_default())
}

/// POSTs `body` to `url` on the object behind `stub`.
pub async fn post(stub: Stub, url: &str, body: &str) -> Result<String> {
    call(stub, url, Some(body), None).await
}

/// An object's answer read as JSON: parsed by the runtime, read through `js_value`.
pub fn parsed<T: DeserializeOwned>(text: &str) -> Result<T> {
    let value = js_sys::JSON::parse(text).map_err(|_| internal("an object's answer is not JSON"))?;
    from_js(value)
}

/// What an object's caller asked: the call's JSON body, parsed by the runtime and read
/// through `js_value`.
pub async fn asked<T: DeserializeOwned>(req: &worker::Request) -> Result<T> {
    from_js(JsFuture::from(req.inner().json()?).await?)
}
