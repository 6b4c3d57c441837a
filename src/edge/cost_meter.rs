//! Counts of the billable work this isolate did: worker and Durable Object requests, storage
//! rows written, D1 statements and rows. The benchmark divides them by accepted pings.
//!
//! Counting is a few integer additions; reading the counts (and the round-trip probe the
//! benchmark uses to split CPU) exists only where the var `EDGEBEAT_METER` is "1", which only
//! the benchmark sets.

use crate::edge::vars;
use std::cell::RefCell;

use serde::Serialize;
use worker::{D1Result, Env};

pub const METER_PATH: &str = "/__meter";
/// A worker -> token object round trip that records nothing: what any ping pays to reach its
/// object.
pub const ECHO_PREFIX: &str = "/__meter/echo/";
/// The same round trip with one durable row written in the object before it answers: the
/// platform's floor for an acknowledged ping (one request, one object call, one durable row).
pub const FLOOR_PREFIX: &str = "/__meter/floor/";

#[derive(Debug, Default, Clone, Serialize)]
pub struct Counts {
    pub worker_requests: u64,
    pub do_requests: u64,
    pub do_alarms: u64,
    /// Rows the objects' storage wrote: inserts, deletes, checkpoints, alarm changes.
    pub do_rows_written: u64,
    pub d1_statements: u64,
    pub d1_rows_read: u64,
    pub d1_rows_written: u64,
    /// The deadline shards' part of the counts above (requests, rows, D1 statements), which
    /// the specs of a token's own work take out.
    pub shard_requests: u64,
    pub shard_rows_written: u64,
    pub shard_d1_statements: u64,
}

thread_local! {
    static COUNTS: RefCell<Counts> = RefCell::new(Counts::default());
}

fn add(f: impl FnOnce(&mut Counts)) {
    COUNTS.with(|c| f(&mut c.borrow_mut()));
}

pub fn enabled(env: &Env) -> bool {
    vars::switched_on(env, "EDGEBEAT_METER")
}

pub fn snapshot() -> Counts {
    COUNTS.with(|c| c.borrow().clone())
}

pub fn worker_request() {
    add(|c| c.worker_requests += 1);
}

pub fn object_request() {
    add(|c| c.do_requests += 1);
}

pub fn object_alarm() {
    add(|c| {
        c.do_requests += 1;
        c.do_alarms += 1;
    });
}

pub fn object_rows(rows: usize) {
    add(|c| c.do_rows_written += rows as u64);
}

/// A deadline shard's request (counted in the totals too; shards set no alarms).
pub fn shard_request() {
    add(|c| {
        c.do_requests += 1;
        c.shard_requests += 1;
    });
}

/// Rows a deadline shard's storage wrote (counted in the totals too).
pub fn shard_rows(rows: usize) {
    add(|c| {
        c.do_rows_written += rows as u64;
        c.shard_rows_written += rows as u64;
    });
}

/// A deadline shard's D1 statement (its registration; counted in the totals too).
pub fn shard_d1_statement() {
    add(|c| {
        c.d1_statements += 1;
        c.shard_d1_statements += 1;
    });
}

/// Statements whose results carry no row counts (`first()`): counted, rows unknown.
pub fn d1_statements(n: usize) {
    add(|c| c.d1_statements += n as u64);
}

/// One statement result per statement run (a batch answers one each).
pub fn d1_results(results: &[D1Result]) {
    let mut read = 0;
    let mut written = 0;
    for meta in results.iter().filter_map(|r| r.meta().ok().flatten()) {
        read += meta.rows_read.unwrap_or(0);
        written += meta.rows_written.unwrap_or(0);
    }
    add(|c| {
        c.d1_statements += results.len() as u64;
        c.d1_rows_read += read as u64;
        c.d1_rows_written += written as u64;
    });
}
