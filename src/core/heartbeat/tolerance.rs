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
}
