//! The alert planner (issue 18, rules 2 and 6): for a monitor that is down, what goes out now
//! (escalation steps, a numbered reminder) and when to look again. Pure: the sweep and the
//! flush give it the down period's progress as the monitor's row keeps it, store the
//! progress it answers, and queue what it says.
//!
//! - A step is due `after` its delay into the down period; a monitor without escalation has
//!   one step at once (its channels). Each step goes out once; one due while alerts are held
//!   (snooze) is passed over, as the flip's own alert would be.
//! - A reminder is due `realert_every` after the last one (the first after going down), at
//!   most `realert_max` in a period, only once someone was told (a step reached), and not
//!   while alerts are held: one due then goes out when the hold ends.
//! - Once acknowledged, nothing more goes out in that period; a new period starts afresh.

use crate::core::alerting::hold::Holds;
use crate::core::alerting::policy::AlertPolicy;
use crate::core::heartbeat::maintenance::Zones;

/// Where a monitor's current down period stands (the monitor row's alert columns).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// When it went down (the down flip's time); `None` while it is not down.
    pub down_since: Option<i64>,
    /// Steps reached: sent, or passed over while held.
    pub steps_sent: u32,
    pub reminders_sent: u32,
    /// When the last reminder went out.
    pub reminded_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
}

impl Progress {
    /// A down period that starts at `at`: nothing sent yet.
    pub fn down_at(at: i64) -> Progress {
        Progress {
            down_since: Some(at),
            ..Progress::default()
        }
    }
}

/// What to send now and when to look again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Steps (indexes) whose channels get the down alert now.
    pub steps: Vec<usize>,
    /// The reminder to send now, numbered from 1.
    pub reminder: Option<u32>,
    /// The progress to store after sending them.
    pub progress: Progress,
    /// When the planner has something to do next; `None`: nothing more this period.
    pub next_look: Option<i64>,
}

/// When the next reminder of `p` is due, if reminders are on and some are left.
fn reminder_due(policy: &AlertPolicy, p: &Progress) -> Option<i64> {
    let every_ms = policy.realert_every_s? * 1_000;
    (p.reminders_sent < policy.realert_max && p.steps_sent > 0)
        .then(|| p.reminded_at.or(p.down_since).map(|last| last + every_ms))
        .flatten()
}

/// What goes out at `now` for a down period at `progress` under `policy`, while `holds` may
/// hold alerts.
pub fn plan(policy: &AlertPolicy, progress: Progress, holds: &Holds, zones: Zones, now: i64) -> Plan {
    let nothing = |progress| Plan {
        steps: Vec::new(),
        reminder: None,
        progress,
        next_look: None,
    };
    let Some(since) = progress.down_since else {
        return nothing(progress);
    };
    if progress.acknowledged_at.is_some() {
        return nothing(progress);
    }
    let delays = policy.step_delays_ms();
    let mut p = progress;
    let mut steps = Vec::new();
    while let Some(delay) = delays.get(p.steps_sent as usize) {
        let due = since + delay;
        if due > now {
            break;
        }
        if holds.first(due, zones).is_none() {
            steps.push(p.steps_sent as usize);
        }
        p.steps_sent += 1;
    }
    let mut reminder = None;
    if reminder_due(policy, &p).is_some_and(|due| due <= now) && holds.held_until(now, zones).is_none() {
        p.reminders_sent += 1;
        p.reminded_at = Some(now);
        reminder = Some(p.reminders_sent);
    }
    Plan {
        steps,
        reminder,
        next_look: look_at(policy, &p, holds, zones, now),
        progress: p,
    }
}

/// When the planner has something to do for a down period at `progress` (the next step, or
/// the next reminder, not before a hold at `now` ends): what the sweep's `check_at` takes
/// from alerts. `None`: nothing more this period.
pub fn look_at(policy: &AlertPolicy, progress: &Progress, holds: &Holds, zones: Zones, now: i64) -> Option<i64> {
    let since = progress.down_since.filter(|_| progress.acknowledged_at.is_none())?;
    let next_step = policy
        .step_delays_ms()
        .get(progress.steps_sent as usize)
        .map(|delay| since + delay);
    let held_until = holds.held_until(now, zones);
    let next_reminder = reminder_due(policy, progress).map(|due| held_until.map_or(due, |end| due.max(end)));
    [next_step, next_reminder].into_iter().flatten().min()
}

/// "escalation step 2 in 9 min": the next step's number (from 1) and when it is due, for the
/// monitor page, if one is still to come.
pub fn next_step(policy: &AlertPolicy, progress: &Progress) -> Option<(u32, i64)> {
    let since = progress.down_since.filter(|_| progress.acknowledged_at.is_none())?;
    let delay = *policy.step_delays_ms().get(progress.steps_sent as usize)?;
    Some((progress.steps_sent + 1, since + delay))
}

#[cfg(test)]
mod tests;
