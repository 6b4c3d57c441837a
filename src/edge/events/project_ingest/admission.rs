//! Deciding a batch: the key, the project's status, the 24 h `event_id` dedup, the key's
//! token bucket, the project's rate and monthly quota; then holding what was admitted, in
//! one local transaction, and arming the flush.

use std::collections::HashMap;

use worker::Result;

use super::memory::Project;
use super::protocol::{AcceptMeta, AcceptOutcome, LimitedBy};
use super::tables::{read_meter, write_meter, METER_PROJECT};
use crate::core::events::event_dedup::{first_in_batch, sighting, Sighting};
use crate::core::events::event_store::lines_to_array;
use crate::core::events::ingest_admission::{retry_after_s, Admission, Charge, Forbidden, KeyVerdict, ProjectMeters};
use crate::core::events::token_bucket::TokenBucket;
use crate::edge::db::now_ms;
use crate::edge::durable::internal;
use crate::edge::events::event_rows::ProjectLimits;
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;
use crate::edge::vars;

/// Admitted batches wait this long so several reach D1 together (var EVENT_FLUSH_DELAY_MS).
const DEFAULT_FLUSH_DELAY_MS: i64 = 1_000;

fn bucket_meter(key_id: &str) -> String {
    format!("key:{key_id}")
}

impl Project {
    fn flush_delay_ms(&self) -> i64 {
        vars::integer(&self.env, "EVENT_FLUSH_DELAY_MS").unwrap_or(DEFAULT_FLUSH_DELAY_MS)
    }

    /// Answers a batch: the key and the project (from memory, or D1 once), then the decision;
    /// the first batch held since the last flush arms the next one.
    pub(super) async fn accept(&self, project_id: &str, body: &str) -> Result<AcceptOutcome> {
        let now = now_ms();
        let mut lines = body.split('\n');
        let meta: AcceptMeta = serde_json::from_str(lines.next().unwrap_or_default()).map_err(internal)?;
        let lines: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
        if lines.len() != meta.event_ids.len() || lines.is_empty() {
            return Err(internal("a batch's lines and ids disagree"));
        }
        let Some(key) = self.key(&meta.key_id, now).await? else {
            return Ok(AcceptOutcome::UnknownKey);
        };
        match key.verdict(project_id, &meta.secret_hash, meta.origin.as_deref()) {
            KeyVerdict::Valid => {}
            KeyVerdict::Unknown => return Ok(AcceptOutcome::UnknownKey),
            KeyVerdict::Forbidden(reason) => return Ok(AcceptOutcome::Forbidden { reason }),
        }
        let Some(project) = self.project(project_id, now).await? else {
            return Ok(AcceptOutcome::UnknownKey);
        };
        if project.status != "active" {
            return Ok(AcceptOutcome::Forbidden {
                reason: Forbidden::Inactive,
            });
        }
        let outcome = self.admit(&meta, &lines, &project, now)?;
        let arm = matches!(outcome, AcceptOutcome::Accepted { stored, .. } if stored > 0)
            && !std::mem::replace(&mut self.hot.borrow_mut().flush_armed, true);
        if arm {
            if let Err(e) = self.state.storage().set_alarm(self.flush_delay_ms()).await {
                // The batch is stored; the next batch (or the sweep's hurry) arms the flush.
                self.hot.borrow_mut().flush_armed = false;
                worker::console_error!("could not arm the event flush: {e}");
            }
        }
        Ok(outcome)
    }

    /// Decides and records a batch. Synchronous on purpose: no await between the checks and
    /// the writes, so no other batch is decided in between, and the writes commit together.
    fn admit(&self, meta: &AcceptMeta, lines: &[&str], project: &ProjectLimits, now: i64) -> Result<AcceptOutcome> {
        let sql = self.state.storage().sql();
        let first = first_in_batch(meta.event_ids.iter().map(Option::as_deref));
        let asked: Vec<&str> = meta
            .event_ids
            .iter()
            .zip(&first)
            .filter_map(|(id, first)| id.as_deref().filter(|_| *first))
            .collect();
        let seen: HashMap<String, i64> = if asked.is_empty() {
            HashMap::new()
        } else {
            struct Seen {
                event_id: String,
                first_seen: i64,
            }
            row_fields!(Seen { event_id, first_seen });
            let rows: Vec<Seen> = sql
                .exec(
                    "SELECT event_id, first_seen FROM seen WHERE event_id IN (SELECT value FROM json_each(?))",
                    vec![serde_json::to_string(&asked).map_err(internal)?.into()],
                )?
                .rows()?;
            rows.into_iter().map(|r| (r.event_id, r.first_seen)).collect()
        };
        let keep: Vec<bool> = meta
            .event_ids
            .iter()
            .zip(&first)
            .map(|(id, first)| {
                *first
                    && id
                        .as_deref()
                        .is_none_or(|id| sighting(seen.get(id).copied(), now) == Sighting::New)
            })
            .collect();
        let charge = Charge {
            sent: lines.len() as u64,
            new: keep.iter().filter(|k| **k).count() as u64,
        };
        let bucket_name = bucket_meter(&meta.key_id);
        let mut hot = self.hot.borrow_mut();
        let mut meters = hot
            .meters
            .clone()
            .unwrap_or_else(|| ProjectMeters::new(project.event_rate_per_min.max(0) as u64));
        let mut bucket = if meta.source.charges_key_bucket() {
            Some(match hot.buckets.get(&meta.key_id) {
                Some(bucket) => bucket.clone(),
                None => read_meter(&sql, &bucket_name)?.unwrap_or_else(|| TokenBucket::for_key(now)),
            })
        } else {
            None
        };
        let quota = project.monthly_event_quota.map(|q| q.max(0) as u64);
        match meters.admit(bucket.as_mut(), charge, quota, now) {
            Admission::Admitted => {}
            Admission::QuotaExceeded(e) => {
                return Ok(AcceptOutcome::QuotaExceeded {
                    limit: e.limit,
                    resets_at: e.resets_at_ms,
                })
            }
            Admission::ProjectLimited(refusal) => {
                return Ok(AcceptOutcome::Limited {
                    by: LimitedBy::Project,
                    retry_after_s: retry_after_s(refusal, now),
                })
            }
            Admission::KeyLimited(refusal) => {
                return Ok(AcceptOutcome::Limited {
                    by: LimitedBy::Key,
                    retry_after_s: retry_after_s(refusal, now),
                })
            }
        }
        // One implicit transaction: every statement below commits, or none does.
        if charge.new > 0 {
            let kept = lines_to_array(
                lines
                    .iter()
                    .zip(&keep)
                    .filter(|(_, keep)| **keep)
                    .map(|(line, _)| *line),
            );
            let new_ids: Vec<&str> = meta
                .event_ids
                .iter()
                .zip(&keep)
                .filter_map(|(id, keep)| id.as_deref().filter(|_| *keep))
                .collect();
            let (n, bytes) = (charge.new as i64, kept.len() as i64);
            let names = serde_json::to_string(&meta.names).map_err(internal)?;
            sql.exec(
                "INSERT INTO pending (events, n, bytes, names) VALUES (?, ?, ?, ?)",
                vec![kept.into(), n.into(), bytes.into(), names.into()],
            )?;
            if !new_ids.is_empty() {
                sql.exec(
                    "INSERT OR REPLACE INTO seen (event_id, first_seen) SELECT value, ? FROM json_each(?)",
                    vec![now.into(), serde_json::to_string(&new_ids).map_err(internal)?.into()],
                )?;
            }
        }
        write_meter(&sql, METER_PROJECT, &meters)?;
        if let Some(bucket) = &bucket {
            write_meter(&sql, &bucket_name, bucket)?;
        }
        hot.meters = Some(meters);
        if let Some(bucket) = bucket {
            hot.buckets.insert(meta.key_id.clone(), bucket);
        }
        Ok(AcceptOutcome::Accepted {
            accepted: charge.sent,
            stored: charge.new,
        })
    }
}
