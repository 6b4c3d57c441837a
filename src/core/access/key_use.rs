//! When a key was last used, kept cheaply: the stored time moves at most once an hour, so
//! a key used a thousand times an hour costs one D1 write, not a thousand.

/// How stale `last_used_at` may get before a use writes it again.
pub const KEY_USE_RESOLUTION_MS: i64 = 3_600_000;

/// Whether a use at `now` should write the key's `last_used_at`.
pub fn use_worth_recording(last_used_at: Option<i64>, now: i64) -> bool {
    last_used_at.is_none_or(|at| at < now - KEY_USE_RESOLUTION_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_use_is_recorded() {
        assert!(use_worth_recording(None, 0));
    }

    #[test]
    fn uses_within_the_hour_are_not_recorded_again() {
        let at = 10 * KEY_USE_RESOLUTION_MS;
        assert!(!use_worth_recording(Some(at), at));
        assert!(!use_worth_recording(Some(at), at + KEY_USE_RESOLUTION_MS));
        assert!(use_worth_recording(Some(at), at + KEY_USE_RESOLUTION_MS + 1));
    }
}
