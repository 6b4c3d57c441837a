//! What a project's object answers about itself: what it holds and what its flushes cost
//! (`/state`, the specs and the bench read it), and the month's usage (`/usage`).

use worker::{Response, Result};

use super::memory::Project;
use super::tables::{pending_counts, read_meter, METER_PROJECT};
use crate::core::events::event_store::month_label;
use crate::core::events::ingest_admission::ProjectMeters;
use crate::edge::db::now_ms;
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;

impl Project {
    pub(super) fn state_answer(&self) -> Result<Response> {
        let sql = self.state.storage().sql();
        let (batches, events) = pending_counts(&sql)?;
        struct Row {
            n: i64,
        }
        row_fields!(Row { n });
        let seen: Row = sql.exec("SELECT COUNT(*) AS n FROM seen", None)?.one_row()?;
        let hot = self.hot.borrow();
        let meters = match &hot.meters {
            Some(meters) => Some(meters.clone()),
            None => read_meter::<ProjectMeters>(&sql, METER_PROJECT)?,
        };
        let stored_this_month = meters.map_or(0, |m| m.quota.used_at(now_ms()));
        Response::from_json(&serde_json::json!({
            "stored_this_month": stored_this_month,
            "pending_batches": batches,
            "pending_events": events,
            "seen_ids": seen.n,
            "flush_failures": hot.flush_backoff.failures(),
            "flushed": hot.stats,
        }))
    }

    /// `GET /usage`: the month's events and the limits, as this object counts them.
    pub(super) async fn usage(&self, project_id: &str) -> Result<Response> {
        let now = now_ms();
        let Some(limits) = self.project(project_id, now).await? else {
            return Response::error("no such project", 404);
        };
        let used = self.hot.borrow().meters.as_ref().map_or(0, |m| m.quota.used_at(now));
        let (_, pending) = pending_counts(&self.state.storage().sql())?;
        Response::from_json(&serde_json::json!({
            "month": month_label(now),
            "events": used,
            "pending_events": pending,
            "event_rate_per_min": limits.event_rate_per_min,
            "monthly_event_quota": limits.monthly_event_quota,
        }))
    }
}
