//! The daily rollup (issue 18, rule 8): once a UTC day, each channel a `daily` rule names is
//! told, per event name its rule matches, the previous day's count and sum and their change
//! against the day before. Built from the day rollups every flush maintains, so it costs one
//! read per project a day, however many events there were.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::core::alerting::event_routes::{route_for, EventRoute, RouteMode};
use crate::core::events::event::EventKind;
use crate::core::events::rollup::{bucket_start, Bucket};
use crate::core::stable_sort;
use crate::core::time::format_rfc3339;

const DAY_MS: i64 = 86_400_000;
/// Names per message, the busiest first: a chat message stays readable (and within the
/// services' limits); the rest are counted as `more`.
pub const MAX_ROLLUP_NAMES: usize = 50;

/// One day rollup row of the project, as D1 holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    pub name: String,
    pub kind: EventKind,
    pub start_ms: i64,
    pub count: u64,
    pub sum: f64,
}

/// The UTC days a rollup sent at `at` covers: the day before the one `at` is in, and the day
/// before that to compare with (their starts, in ms).
pub fn days_covered(at: i64) -> (i64, i64) {
    let day = bucket_start(at, Bucket::Day) - DAY_MS;
    (day, day - DAY_MS)
}

/// `2026-12-02`: a day's UTC date.
pub fn day_label(day_start: i64) -> String {
    format_rfc3339(day_start)[..10].to_string()
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Figures {
    count: u64,
    sum: f64,
}

/// One daily message to queue: its channel and frozen payload.
#[derive(Debug, Clone, PartialEq)]
pub struct RollupMessage {
    pub channel_id: String,
    pub payload: Value,
}

/// The messages of a rollup sent at `at` for a project: one per channel a `daily` rule names
/// that has at least one of its names counted on either day. Rows of other days are ignored.
pub fn rollup_messages(project_id: &str, routes: &[EventRoute], rows: &[DayRow], at: i64) -> Vec<RollupMessage> {
    let (day, previous) = days_covered(at);
    let mut figures: BTreeMap<(&str, EventKind), [Figures; 2]> = BTreeMap::new();
    for row in rows {
        let slot = match row.start_ms {
            s if s == day => 0,
            s if s == previous => 1,
            _ => continue,
        };
        let f = &mut figures.entry((&row.name, row.kind)).or_default()[slot];
        f.count = f.count.saturating_add(row.count);
        f.sum += row.sum;
    }
    let mut per_channel: BTreeMap<&str, Vec<(&str, EventKind, [Figures; 2])>> = BTreeMap::new();
    for (&(name, kind), &both) in &figures {
        let Some(rule) = route_for(routes, kind, name).filter(|r| r.mode == RouteMode::Daily) else {
            continue;
        };
        for channel in &rule.channels {
            per_channel.entry(channel).or_default().push((name, kind, both));
        }
    }
    per_channel
        .into_iter()
        .map(|(channel_id, mut lines)| {
            // The busiest first; of equal counts, by name.
            stable_sort::sort_by(&mut lines, |a, b| b.2[0].count.cmp(&a.2[0].count).then(a.0.cmp(b.0)));
            let more = lines.len().saturating_sub(MAX_ROLLUP_NAMES);
            let names: Vec<Value> = lines
                .iter()
                .take(MAX_ROLLUP_NAMES)
                .map(|(name, kind, [now, before])| {
                    json!({
                        "name": name,
                        "type": kind.as_str(),
                        "count": now.count,
                        "sum": now.sum,
                        "previous": {"count": before.count, "sum": before.sum},
                        "change": {"count": now.count as i64 - before.count as i64, "sum": now.sum - before.sum},
                    })
                })
                .collect();
            RollupMessage {
                channel_id: channel_id.to_string(),
                payload: json!({
                    "event": "daily_rollup",
                    "project": {"id": project_id},
                    "day": day_label(day),
                    "previous_day": day_label(previous),
                    "names": names,
                    "more": more,
                }),
            }
        })
        .collect()
}

/// A number as people read it: whole numbers without a fraction (Rust's shortest form), and
/// never a negative zero (`+ 0.0` turns -0 into 0).
pub fn number_words(x: f64) -> String {
    format!("{}", x + 0.0)
}

/// A change with its sign: `+5`, `-2`, `+0`.
pub fn change_words(x: f64) -> String {
    if x < 0.0 {
        number_words(x)
    } else {
        format!("+{}", number_words(x))
    }
}

/// What a rollup payload says, for people: its subject (`events of 2026-12-02`), the total
/// count of its names, and its lines (the heading, then one per name, then how many more).
pub fn rollup_words(payload: &Value) -> (String, i64, Vec<String>) {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let number = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let (day, previous) = (text(payload, "day"), text(payload, "previous_day"));
    let names = payload
        .get("names")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut lines = vec![format!("Events of {day} (UTC), against {previous}:")];
    let mut total = 0i64;
    for n in &names {
        let count = number(n, "count");
        total = total.saturating_add(count as i64);
        let before = n.get("previous").cloned().unwrap_or(Value::Null);
        let what = if text(n, "type") == "error" { "errors" } else { "events" };
        let mut line = format!(
            "{}: {} {what} ({})",
            text(n, "name"),
            number_words(count),
            change_words(count - number(&before, "count"))
        );
        let (sum, sum_before) = (number(n, "sum"), number(&before, "sum"));
        if sum != 0.0 || sum_before != 0.0 {
            line += &format!(", sum {} ({})", number_words(sum), change_words(sum - sum_before));
        }
        lines.push(line);
    }
    let more = payload.get("more").and_then(Value::as_u64).unwrap_or(0);
    if more > 0 {
        lines.push(format!("and {more} more name{}", if more == 1 { "" } else { "s" }));
    }
    (format!("events of {day}"), total, lines)
}

#[cfg(test)]
mod tests;
