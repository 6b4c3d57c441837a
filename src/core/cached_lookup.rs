//! A Durable Object's memory of a D1 lookup (a token's monitor, a key, a project's limits):
//! how long an answer may be reused before D1 is asked again.
//!
//! Why: an object answers most requests without D1, but a change it was not told about (a
//! missed retirement or revocation push) must not live forever, so every answer expires; a
//! found answer lives longer than a missing one (ids are random: asking again is rare and
//! cheap). A revocation the object was told about never expires: nothing brings a revoked
//! credential back.

/// How long each kind of answer may be reused (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recheck {
    pub found_ms: i64,
    pub missing_ms: i64,
}

/// A lookup remembered for a while.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached<T> {
    /// Never looked up, or to be looked up again.
    Unresolved,
    Known {
        value: T,
        checked_at: i64,
    },
    Missing {
        checked_at: i64,
    },
    /// Revoked (a token rotated away or deleted, a key revoked) while this object lived:
    /// never valid again.
    Revoked,
}

impl<T: Clone> Cached<T> {
    /// The remembered answer while it is still fresh: `Some(Some(value))` found, `Some(None)`
    /// missing or revoked; `None` when D1 must be asked.
    pub fn fresh(&self, now: i64, recheck: Recheck) -> Option<Option<T>> {
        match self {
            Cached::Known { value, checked_at } if now - checked_at < recheck.found_ms => Some(Some(value.clone())),
            Cached::Missing { checked_at } if now - checked_at < recheck.missing_ms => Some(None),
            Cached::Revoked => Some(None),
            _ => None,
        }
    }

    /// What D1 answered at `now`.
    pub fn found(value: Option<T>, now: i64) -> Self {
        match value {
            Some(value) => Cached::Known { value, checked_at: now },
            None => Cached::Missing { checked_at: now },
        }
    }

    /// A known value confirmed again at `now` (by a write that read it back): its recheck
    /// starts over. Anything else stays as it is.
    pub fn confirmed(&mut self, now: i64) {
        if let Cached::Known { checked_at, .. } = self {
            *checked_at = now;
        }
    }

    /// Asks D1 again on the next use (something changed), unless revoked: a revocation stands.
    pub fn forget(&mut self) {
        if !matches!(self, Cached::Revoked) {
            *self = Cached::Unresolved;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmed_value_is_fresh_again_and_nothing_else_changes() {
        let recheck = Recheck {
            found_ms: 100,
            missing_ms: 10,
        };
        let mut known = Cached::found(Some(7), 0);
        assert_eq!(known.fresh(150, recheck), None, "expired");
        known.confirmed(120);
        assert_eq!(known.fresh(150, recheck), Some(Some(7)));
        let mut missing: Cached<i32> = Cached::found(None, 0);
        missing.confirmed(120);
        assert_eq!(missing.fresh(20, recheck), None, "a missing one is not made fresh");
        let mut revoked: Cached<i32> = Cached::Revoked;
        revoked.confirmed(120);
        assert_eq!(revoked.fresh(20, recheck), Some(None));
    }

    const RECHECK: Recheck = Recheck {
        found_ms: 300,
        missing_ms: 60,
    };

    #[test]
    fn an_unresolved_lookup_asks_d1() {
        assert_eq!(Cached::<u8>::Unresolved.fresh(0, RECHECK), None);
    }

    #[test]
    fn a_found_answer_is_reused_until_its_recheck_time() {
        let known = Cached::found(Some(7u8), 1_000);
        assert_eq!(known.fresh(1_000, RECHECK), Some(Some(7)));
        assert_eq!(known.fresh(1_299, RECHECK), Some(Some(7)));
        assert_eq!(known.fresh(1_300, RECHECK), None);
    }

    #[test]
    fn a_missing_answer_expires_sooner_than_a_found_one() {
        let missing = Cached::<u8>::found(None, 1_000);
        assert_eq!(missing.fresh(1_059, RECHECK), Some(None));
        assert_eq!(missing.fresh(1_060, RECHECK), None);
    }

    #[test]
    fn a_revocation_never_expires() {
        assert_eq!(Cached::<u8>::Revoked.fresh(i64::MAX, RECHECK), Some(None));
    }

    #[test]
    fn forgetting_asks_again_unless_revoked() {
        let mut known = Cached::found(Some(7u8), 1_000);
        known.forget();
        assert_eq!(known, Cached::Unresolved);
        let mut revoked = Cached::<u8>::Revoked;
        revoked.forget();
        assert_eq!(revoked, Cached::Revoked);
    }
}
