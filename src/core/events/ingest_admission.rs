//! Whether a project admits a batch of events now: its monthly quota, its rate and, for the
//! events API, the sending key's token bucket, all checked before any is charged.
//!
//! Why: a refused batch (403 or 429) must consume nothing, so a client that retries it later
//! is charged once; and the project's object decides this synchronously, so concurrent
//! batches are admitted exactly up to each limit.

use serde::{Deserialize, Serialize};

use crate::core::access::allowed_origins::origin_allowed;
use crate::core::access::credentials::constant_time_eq;
use crate::core::access::scope::Scope;
use crate::core::events::event_rate::{MonthlyQuota, ProjectRate, QuotaExceeded, Refusal};
use crate::core::events::token_bucket::TokenBucket;

/// Why a known, valid key may not send this batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Forbidden {
    /// A `read` key (or a scope this version does not know).
    Scope,
    /// A browser key used from an origin not on its list.
    Origin,
    /// A `manage` or `read` key presented in a URL (`?api_key=`).
    KeyInUrl,
    /// The project is inactive.
    Inactive,
}

/// An API key as the project's object knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    pub project_id: String,
    pub scope: Option<Scope>,
    pub secret_hash: String,
    pub revoked: bool,
    pub allowed_origins: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyVerdict {
    Valid,
    /// Answered as a missing key (401): revoked, another project's, or a wrong secret.
    Unknown,
    Forbidden(Forbidden),
}

impl KeyFacts {
    /// Whether a request presenting `presented_hash` (the SHA-256 of its secret) from `origin`
    /// may send events to `project_id` with this key. The hashes are compared in constant time.
    pub fn verdict(&self, project_id: &str, presented_hash: &str, origin: Option<&str>) -> KeyVerdict {
        let genuine = constant_time_eq(presented_hash.as_bytes(), self.secret_hash.as_bytes());
        if !genuine || self.revoked || self.project_id != project_id {
            return KeyVerdict::Unknown;
        }
        if !self.scope.is_some_and(Scope::can_send_events) {
            return KeyVerdict::Forbidden(Forbidden::Scope);
        }
        if !origin_allowed(self.allowed_origins.as_deref(), origin) {
            return KeyVerdict::Forbidden(Forbidden::Origin);
        }
        KeyVerdict::Valid
    }
}

/// The project's own meters, kept by its object across requests and restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectMeters {
    pub rate: ProjectRate,
    pub quota: MonthlyQuota,
}

/// What a batch costs: every valid event it sent (rate and key bucket: sending costs), and
/// the new ones among them (the quota: only stored events are counted, so a retried batch
/// whose ids were seen costs no quota).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub sent: u64,
    pub new: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// The monthly quota would be exceeded (403): nothing before the next month.
    QuotaExceeded(QuotaExceeded),
    /// The project's events per minute (429).
    ProjectLimited(Refusal),
    /// The key's token bucket (429, the events API only).
    KeyLimited(Refusal),
}

impl ProjectMeters {
    pub fn new(limit_per_minute: u64) -> Self {
        Self {
            rate: ProjectRate::new(limit_per_minute),
            quota: MonthlyQuota::default(),
        }
    }

    /// Admits the batch and charges every limit, or refuses it and charges none. `quota` is
    /// the project's monthly quota (`None`: unlimited).
    pub fn admit(
        &mut self,
        bucket: Option<&mut TokenBucket>,
        charge: Charge,
        quota: Option<u64>,
        now_ms: i64,
    ) -> Admission {
        if let Some(limit) = quota {
            if let Err(exceeded) = self.quota.check_use(charge.new, limit, now_ms) {
                return Admission::QuotaExceeded(exceeded);
            }
        }
        if let Err(refusal) = self.rate.check_admit(charge.sent, now_ms) {
            return Admission::ProjectLimited(refusal);
        }
        if let Some(bucket) = &bucket {
            if let Err(refusal) = bucket.check_take(charge.sent, now_ms) {
                return Admission::KeyLimited(refusal);
            }
        }
        // Every check passed at this instant, so every charge succeeds.
        let charged = self
            .quota
            .try_use(charge.new, quota.unwrap_or(u64::MAX), now_ms)
            .is_ok()
            && self.rate.try_admit(charge.sent, now_ms).is_ok()
            && bucket.is_none_or(|b| b.try_take(charge.sent, now_ms).is_ok());
        debug_assert!(charged, "a checked charge failed");
        Admission::Admitted
    }
}

/// The `Retry-After` seconds for a refusal at `now_ms`: rounded up, at least 1; a batch no
/// wait can pay for is told to wait a minute (and will be refused again: it is too large).
pub fn retry_after_s(refusal: Refusal, now_ms: i64) -> i64 {
    match refusal {
        Refusal::RetryAt(at) => (at.saturating_sub(now_ms).max(1) + 999) / 1_000,
        Refusal::Never => 60,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::event_rate::next_month_start_ms;
    use crate::core::time::parse_rfc3339;

    const T0: i64 = 1_780_000_000_000;

    fn charge(n: u64) -> Charge {
        Charge { sent: n, new: n }
    }

    #[test]
    fn a_batch_within_every_limit_is_charged_to_each() {
        let mut m = ProjectMeters::new(1_000);
        let mut b = TokenBucket::for_key(T0);
        assert_eq!(m.admit(Some(&mut b), charge(100), Some(500), T0), Admission::Admitted);
        assert_eq!(m.rate.used(T0), 100);
        assert_eq!(m.quota.used_at(T0), 100);
        assert_eq!(b.available(T0), 20);
    }

    #[test]
    fn a_batch_refused_by_the_key_bucket_consumes_nothing() {
        let mut m = ProjectMeters::new(1_000);
        let mut b = TokenBucket::for_key(T0);
        m.admit(Some(&mut b), charge(100), Some(500), T0);
        let before = (m.clone(), b.clone());
        assert_eq!(
            m.admit(Some(&mut b), charge(21), Some(500), T0),
            Admission::KeyLimited(Refusal::RetryAt(T0 + 1_000))
        );
        assert_eq!((m, b), before);
    }

    #[test]
    fn a_batch_refused_by_the_project_rate_consumes_nothing() {
        let mut m = ProjectMeters::new(10);
        let mut b = TokenBucket::for_key(T0);
        m.admit(Some(&mut b), charge(8), None, T0);
        let before = (m.clone(), b.clone());
        assert_eq!(
            m.admit(Some(&mut b), charge(5), None, T0 + 10),
            Admission::ProjectLimited(Refusal::RetryAt(T0 + 60_000))
        );
        assert_eq!((m, b), before);
    }

    #[test]
    fn a_batch_crossing_the_quota_mid_batch_is_refused_whole() {
        let mut m = ProjectMeters::new(1_000);
        assert_eq!(m.admit(None, charge(7), Some(10), T0), Admission::Admitted);
        let before = m.clone();
        let refused = m.admit(None, charge(5), Some(10), T0);
        let resets_at_ms = next_month_start_ms(crate::core::events::event_rate::month_of(T0));
        assert_eq!(
            refused,
            Admission::QuotaExceeded(QuotaExceeded {
                used: 7,
                limit: 10,
                resets_at_ms
            })
        );
        assert_eq!(m, before);
        assert_eq!(m.admit(None, charge(3), Some(10), T0), Admission::Admitted);
        assert!(matches!(
            m.admit(None, charge(1), Some(10), T0),
            Admission::QuotaExceeded(_)
        ));
    }

    #[test]
    fn duplicates_cost_rate_but_no_quota() {
        let mut m = ProjectMeters::new(1_000);
        m.admit(None, charge(10), Some(10), T0);
        assert_eq!(
            m.admit(None, Charge { sent: 10, new: 0 }, Some(10), T0),
            Admission::Admitted
        );
        assert_eq!((m.rate.used(T0), m.quota.used_at(T0)), (20, 10));
    }

    #[test]
    fn the_quota_starts_again_next_month() {
        let mut m = ProjectMeters::new(1_000);
        let end = parse_rfc3339("2026-11-30T23:59:59Z").unwrap();
        m.admit(None, charge(10), Some(10), end);
        assert!(matches!(
            m.admit(None, charge(1), Some(10), end),
            Admission::QuotaExceeded(_)
        ));
        let next = parse_rfc3339("2026-12-01T00:01:00Z").unwrap();
        assert_eq!(m.admit(None, charge(10), Some(10), next), Admission::Admitted);
    }

    #[test]
    fn without_a_quota_only_the_rates_limit() {
        let mut m = ProjectMeters::new(1_000);
        assert_eq!(m.admit(None, charge(1_000), None, T0), Admission::Admitted);
        assert_eq!(m.quota.used_at(T0), 1_000);
    }

    #[test]
    fn the_quota_is_checked_before_the_rates() {
        let mut m = ProjectMeters::new(5);
        assert!(matches!(
            m.admit(None, charge(6), Some(3), T0),
            Admission::QuotaExceeded(_)
        ));
    }

    fn key(scope: Scope) -> KeyFacts {
        KeyFacts {
            project_id: "p1".into(),
            scope: Some(scope),
            secret_hash: "ab".repeat(32),
            revoked: false,
            allowed_origins: None,
        }
    }

    #[test]
    fn a_live_key_of_the_project_with_its_secret_is_valid() {
        for scope in [Scope::Manage, Scope::Ingest, Scope::Browser] {
            assert_eq!(key(scope).verdict("p1", &"ab".repeat(32), None), KeyVerdict::Valid);
        }
    }

    #[test]
    fn a_wrong_secret_a_revoked_key_or_another_project_is_unknown() {
        let k = key(Scope::Ingest);
        assert_eq!(k.verdict("p1", &"ac".repeat(32), None), KeyVerdict::Unknown);
        assert_eq!(k.verdict("p1", "ab", None), KeyVerdict::Unknown);
        assert_eq!(k.verdict("p2", &"ab".repeat(32), None), KeyVerdict::Unknown);
        let revoked = KeyFacts { revoked: true, ..k };
        assert_eq!(revoked.verdict("p1", &"ab".repeat(32), None), KeyVerdict::Unknown);
    }

    #[test]
    fn a_read_key_or_an_unknown_scope_is_forbidden() {
        assert_eq!(
            key(Scope::Read).verdict("p1", &"ab".repeat(32), None),
            KeyVerdict::Forbidden(Forbidden::Scope)
        );
        let odd = KeyFacts {
            scope: None,
            ..key(Scope::Ingest)
        };
        assert_eq!(
            odd.verdict("p1", &"ab".repeat(32), None),
            KeyVerdict::Forbidden(Forbidden::Scope)
        );
    }

    #[test]
    fn a_browser_key_limited_to_origins_needs_one_of_them() {
        let k = KeyFacts {
            allowed_origins: Some(vec!["https://shop.example".into()]),
            ..key(Scope::Browser)
        };
        let hash = "ab".repeat(32);
        assert_eq!(k.verdict("p1", &hash, Some("https://shop.example")), KeyVerdict::Valid);
        assert_eq!(
            k.verdict("p1", &hash, Some("https://evil.example")),
            KeyVerdict::Forbidden(Forbidden::Origin)
        );
        assert_eq!(k.verdict("p1", &hash, None), KeyVerdict::Forbidden(Forbidden::Origin));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_s(Refusal::RetryAt(T0 + 1), T0), 1);
        assert_eq!(retry_after_s(Refusal::RetryAt(T0 + 1_000), T0), 1);
        assert_eq!(retry_after_s(Refusal::RetryAt(T0 + 1_001), T0), 2);
        assert_eq!(retry_after_s(Refusal::RetryAt(T0 - 5), T0), 1);
        assert_eq!(retry_after_s(Refusal::Never, T0), 60);
    }
}
