//! Tolerance (issue 18, rule 1): how many failures in a row a monitor takes before it is down
//! (`failure_tolerance`: a flaky job may miss once without waking anyone), and how many
//! successes in a row it needs to be up again (`recovery_threshold`: one good run of a job
//! that keeps failing is not a recovery). The status machine applies them.

/// How many failures in a row a monitor takes before it is down, and how many successes in a
/// row it needs to be up again (`failure_tolerance`, `recovery_threshold`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tolerance {
    pub failures: u32,
    pub recovery: u32,
}

impl Tolerance {
    /// Down on the first failure, up on the first success.
    pub const NONE: Tolerance = Tolerance {
        failures: 0,
        recovery: 1,
    };
    pub const MAX_FAILURES: u32 = 100;
    pub const MAX_RECOVERY: u32 = 100;

    /// The monitor row's `failure_tolerance` and `recovery_threshold`, read back within the
    /// bounds the API keeps them in.
    pub fn from_columns(failures: i64, recovery: i64) -> Tolerance {
        let within = |n: i64, min: u32, max: u32| u32::try_from(n.clamp(i64::from(min), i64::from(max))).unwrap_or(min);
        Tolerance {
            failures: within(failures, 0, Tolerance::MAX_FAILURES),
            recovery: within(recovery, 1, Tolerance::MAX_RECOVERY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_back_as_stored_and_out_of_range_values_within_the_bounds() {
        assert_eq!(Tolerance::from_columns(0, 1), Tolerance::NONE);
        assert_eq!(
            Tolerance::from_columns(2, 3),
            Tolerance {
                failures: 2,
                recovery: 3
            }
        );
        assert_eq!(
            Tolerance::from_columns(100, 100),
            Tolerance {
                failures: 100,
                recovery: 100
            }
        );
        assert_eq!(Tolerance::from_columns(-1, 0), Tolerance::NONE);
        assert_eq!(
            Tolerance::from_columns(i64::MAX, i64::MAX),
            Tolerance {
                failures: 100,
                recovery: 100
            }
        );
    }
}
