//! Maintenance windows (issue 18, rule 4): `POST/GET /v1/heartbeat/{id}/maintenance` for one
//! monitor, `POST/GET /v1/maintenance` for the project (every monitor, or those with a tag),
//! `DELETE /v1/maintenance/{window_id}` for either. Writes take a manage key; each change is
//! copied onto the monitors it applies to, and their token objects forget the state they
//! keep, so the next flush holds its flips by the new windows.

use serde_json::{json, Value};
use worker::{Env, Request};

use crate::api::monitors::{monitor_id, monitor_ref, own_monitor, readable_monitor};
use crate::core::heartbeat::maintenance::{parse_window, parse_window_tag, Window, Windows};
use crate::core::join_all::join_all;
use crate::core::time::format_rfc3339;
use crate::edge::db::{database, now_ms};
use crate::edge::heartbeat::maintenance_windows::{self as windows, StoredWindow, MAX_OPEN_WINDOWS};
use crate::edge::heartbeat::monitors::refresh_maintenance;
use crate::edge::heartbeat::ping_token::client::refresh_token;
use crate::edge::heartbeat::zone::intl_zone;
use crate::edge::random;
use crate::http::{json, json_body, project_access, project_key, uuid_param, ApiError, ApiResult, Need};

/// Token objects told at once after a change.
const REFRESH_IN_FLIGHT: usize = 20;

/// A window as the API shows it (the monitor by its `unique_key`, which every scope sees).
fn view(w: &StoredWindow, now: i64) -> Value {
    let window = w.window();
    let (from, until, schedule, duration, tz) = match &window {
        Window::Once { from, until } => (
            Some(format_rfc3339(*from)),
            Some(format_rfc3339(*until)),
            None,
            None,
            None,
        ),
        Window::Recurring {
            schedule,
            duration_s,
            tz,
        } => (None, None, Some(schedule.clone()), Some(*duration_s), Some(tz.clone())),
    };
    json!({
        "id": w.id,
        "heartbeat": w.monitor_unique_key,
        "tag": w.tag,
        "from": from,
        "until": until,
        "schedule": schedule,
        "duration": duration,
        "tz": tz,
        "open_until": window.end_if_open(now, &intl_zone).map(format_rfc3339),
        "created_at": format_rfc3339(w.created_at),
    })
}

/// Copies the project's windows onto its monitors (or one of them) and tells the token
/// objects of those that changed.
async fn apply(env: &Env, project_id: &str, monitor_id: Option<&str>, now: i64) -> Result<(), ApiError> {
    let tokens = refresh_maintenance(&database(env)?, project_id, monitor_id, now).await?;
    for group in tokens.chunks(REFRESH_IN_FLIGHT) {
        for told in join_all(group.iter().map(|t| refresh_token(env, t))).await {
            told?;
        }
    }
    Ok(())
}

/// Stores a window (of `monitor_id`, or the project's with `tag`), applies it, and answers it.
async fn create(
    env: &Env,
    project_id: &str,
    monitor_id: Option<&str>,
    tag: Option<&str>,
    window: &Window,
    now: i64,
) -> ApiResult {
    let db = database(env)?;
    if windows::count_open(&db, project_id, now).await? >= MAX_OPEN_WINDOWS {
        return Err(ApiError::Conflict(
            "the project has 100 maintenance windows that have not ended; delete one first",
        ));
    }
    let id = random::uuid();
    windows::insert_window(&db, &id, project_id, monitor_id, tag, window, now).await?;
    apply(env, project_id, monitor_id, now).await?;
    let stored = windows::find_window(&db, project_id, &id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("window {id} missing right after its insert")))?;
    json(201, &view(&stored, now))
}

/// `POST /v1/heartbeat/{id}/maintenance`: a window for one monitor.
pub async fn create_for_monitor(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = &monitor_id(raw_id)?;
    // Another project's monitor is not found before the body is read (every route alike).
    own_monitor(&database(env)?, &project_id, id).await?;
    let now = now_ms();
    let window = parse_window(&json_body(req).await?, now)?;
    create(env, &project_id, Some(id), None, &window, now).await
}

/// `POST /v1/maintenance`: a window for the project's monitors with `tag` (or all of them).
pub async fn create_for_project(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let body = json_body(req).await?;
    let now = now_ms();
    let tag = parse_window_tag(&body)?;
    let window = parse_window(&body, now)?;
    create(env, &project_id, None, tag.as_deref(), &window, now).await
}

fn listing(items: &[StoredWindow], now: i64) -> ApiResult {
    json(
        200,
        &json!({"items": items.iter().map(|w| view(w, now)).collect::<Vec<_>>()}),
    )
}

/// `GET /v1/heartbeat/{id}/maintenance`: the windows that apply to one monitor, and until
/// when it is in maintenance now.
pub async fn list_for_monitor(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let access = project_access(req, env, Need::Read).await?;
    let named = monitor_ref(raw_id)?;
    let db = database(env)?;
    let monitor = readable_monitor(&db, &access.project_id, &named).await?;
    let now = now_ms();
    let items = windows::list_windows(&db, &access.project_id, Some(&monitor.id)).await?;
    let all = Windows(items.iter().map(StoredWindow::window).collect());
    json(
        200,
        &json!({
            "items": items.iter().map(|w| view(w, now)).collect::<Vec<_>>(),
            "in_maintenance_until": all.open_until(now, &intl_zone).map(format_rfc3339),
        }),
    )
}

/// `GET /v1/maintenance`: every window of the project.
pub async fn list_for_project(req: &mut Request, env: &Env) -> ApiResult {
    let access = project_access(req, env, Need::Read).await?;
    let items = windows::list_windows(&database(env)?, &access.project_id, None).await?;
    listing(&items, now_ms())
}

/// `DELETE /v1/maintenance/{window_id}`: ends a window (of a monitor or of the project) at once.
pub async fn delete(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = uuid_param("window_id", raw_id)?;
    let db = database(env)?;
    let Some(found) = windows::find_window(&db, &project_id, &id).await? else {
        return Err(ApiError::NotFound("maintenance window"));
    };
    if !windows::delete_window(&db, &project_id, &id).await? {
        return Err(ApiError::NotFound("maintenance window"));
    }
    apply(env, &project_id, found.monitor_id.as_deref(), now_ms()).await?;
    json(200, &json!({"deleted": 1}))
}
