//! De-duplication of events by `event_id` for 24 hours after an id is first seen.
//!
//! Why: the ingest API promises that a retried event carrying the same `event_id` within 24 hours
//! is stored once; the project's Durable Object keeps one storage key per id, and these
//! helpers are the arithmetic it applies to them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How long an id is remembered after it is first seen.
pub const DEDUP_WINDOW_MS: i64 = 86_400_000;

/// The storage key remembering `event_id` (a canonical UUID).
pub fn dedup_key(event_id: &str) -> String {
    format!("dedup:{event_id}")
}

/// When an id first seen at `first_seen_ms` is forgotten.
pub fn expires_at(first_seen_ms: i64) -> i64 {
    first_seen_ms.saturating_add(DEDUP_WINDOW_MS)
}

/// Whether an id first seen at `first_seen_ms` is still remembered at `now_ms`.
pub fn is_live(first_seen_ms: i64, now_ms: i64) -> bool {
    now_ms < expires_at(first_seen_ms)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sighting {
    /// Store the event, and remember its id from now.
    New,
    /// Drop the event: its id was seen less than 24 hours ago.
    Duplicate,
}

/// What an id arriving at `now_ms` is, given when its key says it was first seen.
pub fn sighting(stored_first_seen_ms: Option<i64>, now_ms: i64) -> Sighting {
    match stored_first_seen_ms {
        Some(first_seen) if is_live(first_seen, now_ms) => Sighting::Duplicate,
        _ => Sighting::New,
    }
}

/// Which events of a batch to keep, by position: every event without an id, and the first
/// event of each id (the same id twice in one batch counts once).
pub fn first_in_batch<'a>(ids: impl IntoIterator<Item = Option<&'a str>>) -> Vec<bool> {
    let mut seen = std::collections::BTreeSet::new();
    ids.into_iter().map(|id| id.is_none_or(|id| seen.insert(id))).collect()
}

/// Ids and when each was first seen, held in memory; the same rule as the storage keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenIds {
    first_seen: BTreeMap<String, i64>,
}

impl SeenIds {
    /// Whether `event_id` is new at `now_ms`; a new one is remembered from `now_ms`, a
    /// duplicate does not extend how long its id is remembered.
    pub fn observe(&mut self, event_id: &str, now_ms: i64) -> Sighting {
        let found = sighting(self.first_seen.get(event_id).copied(), now_ms);
        if found == Sighting::New {
            self.first_seen.insert(event_id.to_string(), now_ms);
        }
        found
    }

    /// Forgets the ids that have expired at `now_ms`.
    pub fn prune(&mut self, now_ms: i64) {
        self.first_seen.retain(|_, &mut first_seen| is_live(first_seen, now_ms));
    }

    pub fn len(&self) -> usize {
        self.first_seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.first_seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_790_000_000_000;
    const ID: &str = "6766163a-568d-47b4-a1fa-91a0957e06d4";
    const OTHER: &str = "a1b2c3d4-e5f6-7890-a1b2-c3d4e5f67890";

    #[test]
    fn the_key_names_the_id_under_its_own_prefix() {
        assert_eq!(dedup_key(ID), "dedup:6766163a-568d-47b4-a1fa-91a0957e06d4");
    }

    #[test]
    fn an_id_expires_exactly_24_hours_after_it_is_first_seen() {
        assert_eq!(expires_at(T0), T0 + 86_400_000);
    }

    #[test]
    fn an_id_is_live_until_one_ms_before_it_expires() {
        assert!(is_live(T0, T0));
        assert!(is_live(T0, T0 + 86_399_999));
        assert!(!is_live(T0, T0 + 86_400_000));
    }

    #[test]
    fn an_id_seen_after_a_clock_step_back_is_still_live() {
        assert!(is_live(T0, T0 - 5_000));
    }

    #[test]
    fn expiry_saturates_at_the_end_of_time() {
        assert_eq!(expires_at(i64::MAX - 1), i64::MAX);
        assert!(is_live(i64::MAX, i64::MAX - 1));
    }

    #[test]
    fn an_unknown_id_is_new() {
        assert_eq!(sighting(None, T0), Sighting::New);
    }

    #[test]
    fn a_live_id_is_a_duplicate() {
        assert_eq!(sighting(Some(T0), T0 + 86_399_999), Sighting::Duplicate);
    }

    #[test]
    fn an_expired_id_is_new_again() {
        assert_eq!(sighting(Some(T0), T0 + 86_400_000), Sighting::New);
    }

    #[test]
    fn a_batch_keeps_the_first_of_each_id_and_every_event_without_one() {
        let kept = first_in_batch([Some(ID), None, Some(OTHER), Some(ID), None, Some(OTHER)]);
        assert_eq!(kept, vec![true, true, true, false, true, false]);
    }

    #[test]
    fn an_empty_batch_keeps_nothing() {
        assert!(first_in_batch(std::iter::empty()).is_empty());
    }

    #[test]
    fn seen_ids_report_a_repeat_within_24_hours() {
        let mut seen = SeenIds::default();
        assert_eq!(seen.observe(ID, T0), Sighting::New);
        assert_eq!(seen.observe(ID, T0 + 86_399_999), Sighting::Duplicate);
        assert_eq!(seen.observe(OTHER, T0 + 1), Sighting::New);
    }

    #[test]
    fn a_duplicate_does_not_extend_the_window() {
        let mut seen = SeenIds::default();
        seen.observe(ID, T0);
        seen.observe(ID, T0 + 3_600_000);
        assert_eq!(seen.observe(ID, T0 + 86_400_000), Sighting::New);
    }

    #[test]
    fn an_id_seen_again_after_it_expired_starts_a_new_window() {
        let mut seen = SeenIds::default();
        seen.observe(ID, T0);
        seen.observe(ID, T0 + 86_400_000);
        assert_eq!(seen.observe(ID, T0 + 86_400_001), Sighting::Duplicate);
        assert_eq!(seen.observe(ID, T0 + 2 * 86_400_000), Sighting::New);
    }

    #[test]
    fn prune_forgets_exactly_the_expired_ids() {
        let mut seen = SeenIds::default();
        seen.observe(ID, T0);
        seen.observe(OTHER, T0 + 1);
        assert_eq!(seen.len(), 2);
        assert!(!seen.is_empty());
        seen.prune(T0 + 86_399_999);
        assert_eq!(seen.len(), 2);
        seen.prune(T0 + 86_400_000);
        assert_eq!(seen.len(), 1);
        assert_eq!(seen.observe(OTHER, T0 + 86_400_000), Sighting::Duplicate);
        seen.prune(T0 + 86_400_001);
        assert!(seen.is_empty());
    }

    #[test]
    fn seen_ids_survive_a_serde_round_trip() {
        let mut seen = SeenIds::default();
        seen.observe(ID, T0);
        let mut back: SeenIds = serde_json::from_str(&serde_json::to_string(&seen).unwrap()).unwrap();
        assert_eq!(back, seen);
        assert_eq!(back.observe(ID, T0 + 1), Sighting::Duplicate);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn a_batch_keeps_each_id_once(ids in proptest::collection::vec(proptest::option::of("[ab]"), 0..20)) {
                let kept = first_in_batch(ids.iter().map(Option::as_deref));
                prop_assert_eq!(kept.len(), ids.len());
                for id in ["a", "b"] {
                    let kept_of_id = ids.iter().zip(&kept).filter(|(i, k)| i.as_deref() == Some(id) && **k).count();
                    prop_assert_eq!(kept_of_id, usize::from(ids.iter().any(|i| i.as_deref() == Some(id))));
                }
                prop_assert!(ids.iter().zip(&kept).all(|(i, k)| i.is_some() || *k));
            }

            #[test]
            fn never_panics(first_seen in any::<Option<i64>>(), now in any::<i64>(), id in any::<String>()) {
                let _ = sighting(first_seen, now);
                let mut seen = SeenIds::default();
                seen.observe(&id, now);
                seen.prune(now);
                let _ = dedup_key(&id);
            }
        }
    }
}
