//! Rollups of stored events: per name, per UTC hour and per UTC day, the count of events and
//! the sum, minimum and maximum of their values; and the parsing of a rollup query.
//!
//! Why: raw events are kept for a bounded time, but charts read rollups, so every stored
//! batch adds its increments to them (`count = count + ?, sum = sum + ?, min = MIN(min, ?),
//! max = MAX(max, ?)`) in one statement per row rather than per event.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::events::event::{Event, EventKind};
use crate::core::http_contract::validation::{Checked, FieldError};
use crate::core::time::parse_rfc3339;

/// At most this many buckets per query.
pub const MAX_BUCKETS: i64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Hour,
    Day,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Hour => "hour",
            Bucket::Day => "day",
        }
    }

    pub fn len_ms(self) -> i64 {
        match self {
            Bucket::Hour => 3_600_000,
            Bucket::Day => 86_400_000,
        }
    }
}

/// The start of the UTC bucket holding `ts_ms` (floored, so before 1970 too).
pub fn bucket_start(ts_ms: i64, bucket: Bucket) -> i64 {
    let len = bucket.len_ms();
    ts_ms.div_euclid(len).saturating_mul(len)
}

/// Count of events, and sum, min and max of the values of those that had one.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Rollup {
    pub count: u64,
    pub sum: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Rollup {
    /// Counts one event with `value`. The sum saturates at ±f64::MAX, so it stays a finite
    /// number that JSON and D1 can hold.
    pub fn add(&mut self, value: Option<f64>) {
        self.count = self.count.saturating_add(1);
        if let Some(v) = value.filter(|v| v.is_finite()) {
            self.include(v, v, v);
        }
    }

    /// Adds another rollup of the same bucket.
    pub fn merge(&mut self, other: &Rollup) {
        self.count = self.count.saturating_add(other.count);
        if let (Some(min), Some(max)) = (other.min, other.max) {
            self.include(other.sum, min, max);
        }
    }

    fn include(&mut self, sum: f64, min: f64, max: f64) {
        self.sum = (self.sum + sum).clamp(-f64::MAX, f64::MAX);
        self.min = Some(self.min.map_or(min, |m| m.min(min)));
        self.max = Some(self.max.map_or(max, |m| m.max(max)));
    }
}

/// One increment to UPSERT: the rollup of a batch's events of one name and kind in one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollupRow {
    pub name: String,
    pub kind: EventKind,
    pub bucket: Bucket,
    pub start_ms: i64,
    pub rollup: Rollup,
}

/// The hourly and daily increments of a batch of events, one row per (name, kind, bucket,
/// start), in a stable order (bucket, name, kind, start).
pub fn rollup_rows(events: &[Event]) -> Vec<RollupRow> {
    rollup_rows_of(events.iter().map(|e| (e.name.as_str(), e.kind, e.ts_ms, e.value)))
}

/// The same increments from each event's (name, kind, ts, value): what a flush has at hand.
pub fn rollup_rows_of<'a>(events: impl IntoIterator<Item = (&'a str, EventKind, i64, Option<f64>)>) -> Vec<RollupRow> {
    let mut rows: BTreeMap<(Bucket, &str, EventKind, i64), Rollup> = BTreeMap::new();
    for (name, kind, ts_ms, value) in events {
        for bucket in [Bucket::Hour, Bucket::Day] {
            let key = (bucket, name, kind, bucket_start(ts_ms, bucket));
            rows.entry(key).or_default().add(value);
        }
    }
    rows.into_iter()
        .map(|((bucket, name, kind, start_ms), rollup)| RollupRow {
            name: name.to_string(),
            kind,
            bucket,
            start_ms,
            rollup,
        })
        .collect()
}

/// `hour` or `day`.
pub fn parse_bucket(text: &str) -> Checked<Bucket> {
    match text {
        "hour" => Ok(Bucket::Hour),
        "day" => Ok(Bucket::Day),
        _ => Err(FieldError::new("bucket", "must be hour or day")),
    }
}

/// A rollup query: buckets of one size starting in `[from_ms, to_ms)`, `from_ms` on a bucket
/// boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupRange {
    pub bucket: Bucket,
    pub from_ms: i64,
    pub to_ms: i64,
}

impl RollupRange {
    /// How many buckets the range covers.
    pub fn bucket_count(&self) -> i64 {
        let span = self.to_ms.saturating_sub(self.from_ms).max(0);
        span.div_euclid(self.bucket.len_ms()) + i64::from(span.rem_euclid(self.bucket.len_ms()) != 0)
    }
}

/// A query's `bucket`, `from` and `to` (RFC 3339). Without `bucket`, hours; without `to`,
/// now; without `from`, the 24 hours or 30 days before `to`. `from` is moved back to the start
/// of its bucket. A range that does not end after it starts has no bucket; a longer one than
/// `MAX_BUCKETS` is answered for the `MAX_BUCKETS` buckets that end at `to` (as the statistic
/// does: the document cannot relate two query parameters, so neither is an error).
pub fn parse_rollup_range(
    bucket: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    now_ms: i64,
) -> Checked<RollupRange> {
    let bucket = bucket.map_or(Ok(Bucket::Hour), parse_bucket)?;
    let time = |field: &str, text: &str| {
        parse_rfc3339(text).ok_or_else(|| FieldError::new(field, "must be an RFC 3339 time with a timezone offset"))
    };
    let to_ms = to.map_or(Ok(now_ms), |t| time("to", t))?;
    let default_span = match bucket {
        Bucket::Hour => 24 * Bucket::Hour.len_ms(),
        Bucket::Day => 30 * Bucket::Day.len_ms(),
    };
    let from_ms = from.map_or(Ok(to_ms.saturating_sub(default_span)), |f| time("from", f))?;
    if from_ms >= to_ms {
        return Ok(RollupRange {
            bucket,
            from_ms: to_ms,
            to_ms,
        });
    }
    // The bucket holding the range's last instant, and the MAX_BUCKETS - 1 before it.
    let earliest = bucket_start(to_ms.saturating_sub(1 + (MAX_BUCKETS - 1) * bucket.len_ms()), bucket);
    Ok(RollupRange {
        bucket,
        from_ms: bucket_start(from_ms, bucket).max(earliest),
        to_ms,
    })
}

#[cfg(test)]
mod tests;
