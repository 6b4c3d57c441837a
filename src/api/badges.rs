//! Status badges: `GET /badge/{badge_key}/{selector}.svg` and `.json` (shields.io endpoint).
//! No credential: the project's badge key is the capability, and a badge shows one word of
//! status, never a monitor's name or anything of another project.

use worker::{Env, Headers, Request, Response};

use crate::core::access::credentials::is_badge_key;
use crate::core::heartbeat::badge::{endpoint_json, label, select, svg};
use crate::core::heartbeat::health::Health;
use crate::core::http_contract::url_parts::path_decode;
use crate::edge::access::projects::project_for_badge_key;
use crate::edge::db::database;
use crate::edge::heartbeat::monitor_health::badge_monitors;
use crate::http::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy)]
pub enum BadgeFormat {
    Svg,
    Json,
}

/// The badge's status, and 404 for a badge key no active project has (a grey `unknown`
/// badge all the same, so an embedded image still draws). A valid key with a selector that
/// names nothing is 200 `unknown`: a tag before its first monitor is a normal state.
async fn badge_health(env: &Env, badge_key: &str, selector: &str) -> Result<(u16, Health), ApiError> {
    if !is_badge_key(badge_key) {
        return Ok((404, Health::Unknown));
    }
    let db = database(env)?;
    let Some(project_id) = project_for_badge_key(&db, badge_key).await? else {
        return Ok((404, Health::Unknown));
    };
    let monitors = badge_monitors(&db, &project_id, selector).await?;
    Ok((200, select(&monitors, selector)))
}

pub async fn badge(
    _req: &mut Request,
    env: &Env,
    badge_key: &str,
    raw_selector: &str,
    format: BadgeFormat,
) -> ApiResult {
    let selector = path_decode(raw_selector);
    let (status, health) = badge_health(env, badge_key, &selector).await?;
    let label = label(&selector);
    let headers = Headers::new();
    headers.set("cache-control", "public, max-age=60")?;
    headers.set("access-control-allow-origin", "*")?;
    headers.set("x-content-type-options", "nosniff")?;
    let body = match format {
        BadgeFormat::Svg => {
            headers.set("content-type", "image/svg+xml; charset=utf-8")?;
            // Opened on its own, the SVG can run nothing.
            headers.set(
                "content-security-policy",
                "default-src 'none'; style-src 'unsafe-inline'",
            )?;
            svg(&label, health)
        }
        BadgeFormat::Json => {
            headers.set("content-type", "application/json")?;
            endpoint_json(&label, health).to_string()
        }
    };
    Ok(Response::ok(body)?.with_status(status).with_headers(headers))
}
