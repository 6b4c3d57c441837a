//! The events a project stored: `GET /v1/events` (newest first, a stable cursor),
//! `GET /v1/events/names` and `GET /v1/events/rollup` (from the maintained rollups), with a
//! `manage` or `read` key.

use serde_json::{json, Value};
use worker::{Env, Request};

use crate::core::events::event::parse_event_name;
use crate::core::events::event_query::{encode_cursor, parse_event_query, RawEventQuery};
use crate::core::events::rollup::parse_rollup_range;
use crate::core::http_contract::validation::FieldError;
use crate::core::time::format_rfc3339;
use crate::edge::db::{database, now_ms};
use crate::edge::events::event_rows::{event_names, list_events, rollup_buckets, StoredEvent};
use crate::http::{json, project_key, query_param, ApiResult, Need};

fn view(e: &StoredEvent) -> Value {
    json!({
        "id": e.id,
        "event_id": e.event_id,
        "type": e.kind,
        "name": e.name,
        "message": e.message,
        "value": e.value,
        "ts": format_rfc3339(e.ts),
        "client_ts": e.client_ts.map(format_rfc3339),
        "received_at": format_rfc3339(e.received_at),
        "source": e.source,
        "document": serde_json::from_str::<Value>(&e.document).unwrap_or(Value::Null),
    })
}

/// `GET /v1/events?type=&name=&since=&until=&limit=&cursor=`
pub async fn list(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let params = ["type", "name", "since", "until", "limit", "cursor"].map(|p| query_param(req, p));
    let query = parse_event_query(RawEventQuery {
        kind: params[0].as_deref(),
        name: params[1].as_deref(),
        since: params[2].as_deref(),
        until: params[3].as_deref(),
        limit: params[4].as_deref(),
        cursor: params[5].as_deref(),
    })?;
    let mut events = list_events(&database(env)?, &project_id, &query).await?;
    let more = events.len() as i64 > query.limit;
    events.truncate(query.limit as usize);
    let next_cursor = events.last().filter(|_| more).map(|e| encode_cursor(e.ts, &e.id));
    json(
        200,
        &json!({
            "items": events.iter().map(view).collect::<Vec<_>>(),
            "limit": query.limit,
            "next_cursor": next_cursor,
        }),
    )
}

/// `GET /v1/events/names?limit=`: each name with its count and when it was last seen.
pub async fn names(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let limit = match query_param(req, "limit") {
        None => 100,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if (1..=1_000).contains(&n) => n,
            _ => return Err(FieldError::new("limit", "must be a whole number between 1 and 1000").into()),
        },
    };
    let items: Vec<Value> = event_names(&database(env)?, &project_id, limit)
        .await?
        .iter()
        .map(|n| json!({"name": n.name, "count": n.count, "last_seen": format_rfc3339(n.last_seen)}))
        .collect();
    json(200, &json!({ "items": items }))
}

/// `GET /v1/events/rollup?name=&from=&to=&bucket=hour|day`: every bucket of the range, with
/// the count, sum, min and max of the values of the name's events (empty buckets count 0).
pub async fn rollup(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let name = query_param(req, "name").ok_or_else(|| FieldError::new("name", "is required"))?;
    let name = parse_event_name("name", &name)?;
    let range = parse_rollup_range(
        query_param(req, "bucket").as_deref(),
        query_param(req, "from").as_deref(),
        query_param(req, "to").as_deref(),
        now_ms(),
    )?;
    let stored = rollup_buckets(&database(env)?, &project_id, &name, &range).await?;
    let len = range.bucket.len_ms();
    let mut stored = stored.into_iter().peekable();
    let mut items = Vec::new();
    let mut start = range.from_ms;
    while start < range.to_ms {
        let bucket = stored.next_if(|b| b.start_ms == start);
        items.push(json!({
            "start": format_rfc3339(start),
            "count": bucket.as_ref().map_or(0, |b| b.count),
            "sum": bucket.as_ref().map_or(0.0, |b| b.sum),
            "min": bucket.as_ref().and_then(|b| b.min),
            "max": bucket.as_ref().and_then(|b| b.max),
        }));
        start += len;
    }
    json(
        200,
        &json!({
            "name": name,
            "bucket": range.bucket.as_str(),
            "from": format_rfc3339(range.from_ms),
            "to": format_rfc3339(range.to_ms),
            "items": items,
        }),
    )
}
