//! The key and the project a batch names, remembered from D1 (`core::cached_lookup` says for
//! how long) and looked up once however many batches ask at the same time.

use worker::Result;

use super::memory::Project;
use super::tables::{read_meter, write_meter, METER_PROJECT, METER_PROJECT_ID};
use crate::core::access::scope::Scope;
use crate::core::cached_lookup::{Cached, Recheck};
use crate::core::events::event_rate::{month_of, MonthlyQuota};
use crate::core::events::event_store::month_label;
use crate::core::events::ingest_admission::{KeyFacts, ProjectMeters};
use crate::edge::db::database;
use crate::edge::durable::look_up_once;
use crate::edge::events::event_rows::{key_for_ingest, month_usage, project_limits, IngestKeyRow, ProjectLimits};

/// Keys and the project's limits are re-read from D1 every 5 minutes, a missing one every
/// minute (revocation and limit changes are also pushed at once; this bounds a missed push).
const RECHECK: Recheck = Recheck {
    found_ms: 300_000,
    missing_ms: 60_000,
};

fn key_facts(row: IngestKeyRow) -> KeyFacts {
    KeyFacts {
        scope: Scope::parse(&row.scope),
        revoked: row.revoked_at.is_some(),
        allowed_origins: row
            .allowed_origins
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok()),
        project_id: row.project_id,
        secret_hash: row.secret_hash,
    }
}

impl Project {
    /// The key with this id, from memory or (single-flight) from D1; `None` when it does not
    /// exist or was revoked.
    pub(super) async fn key(&self, key_id: &str, now: i64) -> Result<Option<KeyFacts>> {
        let (hot, id) = (self.hot.clone(), key_id.to_string());
        let cached = move || hot.borrow().keys.get(&id).and_then(|c| c.fresh(now, RECHECK));
        let (hot, env, key_id) = (self.hot.clone(), self.env.clone(), key_id.to_string());
        look_up_once(&self.state, cached, async move {
            let facts = key_for_ingest(&database(&env)?, &key_id).await?.map(key_facts);
            hot.borrow_mut().keys.insert(key_id, Cached::found(facts.clone(), now));
            Ok(facts)
        })
        .await
    }

    /// The project's status and limits, and its meters loaded; `None` when there is no such
    /// project.
    pub(super) async fn project(&self, project_id: &str, now: i64) -> Result<Option<ProjectLimits>> {
        let hot = self.hot.clone();
        let cached = move || {
            let hot = hot.borrow();
            // A known project is only ready once its meters are loaded too.
            hot.project
                .fresh(now, RECHECK)
                .filter(|answer| hot.meters.is_some() || answer.is_none())
        };
        let (hot, env, storage, project_id) = (
            self.hot.clone(),
            self.env.clone(),
            self.state.storage(),
            project_id.to_string(),
        );
        look_up_once(&self.state, cached, async move {
            let db = database(&env)?;
            let Some(limits) = project_limits(&db, &project_id).await? else {
                hot.borrow_mut().project = Cached::found(None, now);
                return Ok(None);
            };
            let sql = storage.sql();
            let stored: Option<ProjectMeters> = match hot.borrow().meters.clone() {
                Some(meters) => Some(meters),
                None => read_meter(&sql, METER_PROJECT)?,
            };
            let mut meters = match stored {
                Some(meters) => meters,
                // A first batch: the month's usage so far is what D1 has stored.
                None => {
                    let used = month_usage(&db, &project_id, &month_label(now)).await?;
                    let mut meters = ProjectMeters::new(limits.event_rate_per_min.max(0) as u64);
                    meters.quota = MonthlyQuota {
                        month: month_of(now),
                        used: used.max(0) as u64,
                    };
                    write_meter(&sql, METER_PROJECT_ID, &project_id)?;
                    meters
                }
            };
            meters.rate.set_limit(limits.event_rate_per_min.max(0) as u64);
            let mut hot = hot.borrow_mut();
            hot.meters = Some(meters);
            hot.project = Cached::found(Some(limits.clone()), now);
            Ok(Some(limits))
        })
        .await
    }
}
