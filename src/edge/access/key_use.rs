//! Keys whose `last_used_at` is worth writing, gathered while requests authenticate and
//! written after the answer has gone (`Context::wait_until` in `lib.rs`), so no request
//! waits for that write.
//!
//! The list is per isolate, not per request: handlers do not carry the request's `Context`.
//! A request drains whatever is listed when it ends, so every use noted is written by the
//! end of the request that noted it or of one that ended after the note.

use std::cell::RefCell;

use worker::Env;

use crate::core::access::key_use::use_worth_recording;
use crate::edge::access::api_keys::record_key_uses;
use crate::edge::db::{database, now_ms};

thread_local! {
    static USED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Notes a use of the key, when its stored `last_used_at` is older than the resolution.
pub fn note_use(key_id: &str, last_used_at: Option<i64>, now: i64) {
    if use_worth_recording(last_used_at, now) {
        USED.with(|used| {
            let mut used = used.borrow_mut();
            if !used.iter().any(|id| id == key_id) {
                used.push(key_id.to_string());
            }
        });
    }
}

/// The keys noted so far, leaving none.
pub fn take_noted() -> Vec<String> {
    USED.with(|used| std::mem::take(&mut *used.borrow_mut()))
}

/// Writes the uses; a failure is logged, never an error of any request.
pub async fn record(env: Env, key_ids: Vec<String>) {
    let written = match database(&env) {
        Ok(db) => record_key_uses(&db, &key_ids, now_ms()).await,
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        worker::console_error!("recording key use failed: {e}");
    }
}
