use super::*;
use crate::core::alerting::policy::Step;
use crate::core::heartbeat::cron::{FixedZone, Zone};
use crate::core::heartbeat::maintenance::Windows;
use proptest::prelude::*;

const MIN: i64 = 60_000;
const DOWN: i64 = 1_796_292_000_000; // 2026-12-03T10:00:00Z

fn reminders(every_s: i64, max: u32) -> AlertPolicy {
    AlertPolicy {
        realert_every_s: Some(every_s),
        realert_max: max,
        escalation: None,
    }
}

fn escalation(afters_s: &[i64]) -> AlertPolicy {
    AlertPolicy {
        escalation: Some(
            afters_s
                .iter()
                .map(|after_s| Step {
                    channels: vec![format!("c{after_s}")],
                    after_s: *after_s,
                })
                .collect(),
        ),
        ..AlertPolicy::default()
    }
}

const FREE: Holds = Holds {
    snoozed_until: None,
    maintenance: Windows(Vec::new()),
};

fn utc(_: &str) -> Box<dyn Zone> {
    Box::new(FixedZone(0))
}

/// Runs the planner at each of `times` in turn, keeping its progress; what went out when.
fn run(policy: &AlertPolicy, holds: &Holds, times: &[i64]) -> (Vec<(i64, Vec<usize>, Option<u32>)>, Plan) {
    let mut progress = Progress::down_at(DOWN);
    let mut sent = Vec::new();
    let mut last = plan(policy, progress, holds, &utc, DOWN);
    for &now in times {
        last = plan(policy, progress, holds, &utc, now);
        if !last.steps.is_empty() || last.reminder.is_some() {
            sent.push((now, last.steps.clone(), last.reminder));
        }
        progress = last.progress;
    }
    (sent, last)
}

#[test]
fn a_monitor_that_is_not_down_has_nothing_to_send() {
    let p = plan(&reminders(300, 3), Progress::default(), &FREE, &utc, DOWN);
    assert_eq!((p.steps, p.reminder, p.next_look), (vec![], None, None));
}

#[test]
fn without_escalation_the_down_alert_is_one_step_at_once() {
    let p = plan(&AlertPolicy::default(), Progress::down_at(DOWN), &FREE, &utc, DOWN);
    assert_eq!(p.steps, vec![0]);
    assert_eq!(p.progress.steps_sent, 1);
    assert_eq!(p.next_look, None, "no reminders, nothing more");
    let again = plan(&AlertPolicy::default(), p.progress, &FREE, &utc, DOWN + MIN);
    assert!(again.steps.is_empty(), "each step once");
}

#[test]
fn reminders_come_every_so_often_numbered_and_stop_at_the_max() {
    let times: Vec<i64> = (0..=40).map(|m| DOWN + m * MIN).collect();
    let (sent, last) = run(&reminders(600, 3), &FREE, &times);
    assert_eq!(
        sent,
        vec![
            (DOWN, vec![0], None),
            (DOWN + 10 * MIN, vec![], Some(1)),
            (DOWN + 20 * MIN, vec![], Some(2)),
            (DOWN + 30 * MIN, vec![], Some(3)),
        ]
    );
    assert_eq!(last.next_look, None, "the max reached, nothing more to look at");
    assert_eq!(
        (last.progress.reminders_sent, last.progress.reminded_at),
        (3, Some(DOWN + 30 * MIN))
    );
}

#[test]
fn the_next_look_is_the_next_reminder() {
    let first = plan(&reminders(600, 3), Progress::down_at(DOWN), &FREE, &utc, DOWN + MIN);
    assert_eq!(first.next_look, Some(DOWN + 10 * MIN));
    let reminded = plan(&reminders(600, 3), first.progress, &FREE, &utc, DOWN + 12 * MIN);
    assert_eq!(reminded.reminder, Some(1));
    assert_eq!(
        reminded.next_look,
        Some(DOWN + 22 * MIN),
        "spaced from the last reminder"
    );
}

#[test]
fn a_late_sweep_sends_one_reminder_not_a_burst() {
    let first = plan(&reminders(600, 10), Progress::down_at(DOWN), &FREE, &utc, DOWN);
    let late = plan(&reminders(600, 10), first.progress, &FREE, &utc, DOWN + 65 * MIN);
    assert_eq!(late.reminder, Some(1));
    assert_eq!(late.next_look, Some(DOWN + 75 * MIN));
}

#[test]
fn no_reminder_goes_out_while_snoozed_and_the_overdue_one_goes_when_it_ends() {
    let snoozed = Holds {
        snoozed_until: Some(DOWN + 25 * MIN),
        ..Holds::default()
    };
    let times: Vec<i64> = (0..=40).map(|m| DOWN + m * MIN).collect();
    let (sent, _) = run(&reminders(600, 5), &snoozed, &times);
    assert_eq!(
        sent,
        vec![(DOWN + 25 * MIN, vec![], Some(1)), (DOWN + 35 * MIN, vec![], Some(2))],
        "the held down alert is passed over, not sent late"
    );
    let first = plan(
        &reminders(600, 5),
        Progress::down_at(DOWN),
        &snoozed,
        &utc,
        DOWN + 10 * MIN,
    );
    assert_eq!(
        first.next_look,
        Some(DOWN + 25 * MIN),
        "looks again when the snooze ends"
    );
    assert_eq!(first.progress.steps_sent, 1, "the held step counts as reached");
}

#[test]
fn escalation_steps_go_out_at_their_delays_each_once() {
    let policy = escalation(&[0, 900, 1_800]);
    let times: Vec<i64> = (0..=40).map(|m| DOWN + m * MIN).collect();
    let (sent, last) = run(&policy, &FREE, &times);
    assert_eq!(
        sent,
        vec![
            (DOWN, vec![0], None),
            (DOWN + 15 * MIN, vec![1], None),
            (DOWN + 30 * MIN, vec![2], None)
        ]
    );
    assert_eq!(last.next_look, None);
    let first = plan(&policy, Progress::down_at(DOWN), &FREE, &utc, DOWN);
    assert_eq!(first.next_look, Some(DOWN + 15 * MIN));
    assert_eq!(next_step(&policy, &first.progress), Some((2, DOWN + 15 * MIN)));
}

#[test]
fn a_late_look_sends_every_step_that_came_due() {
    let p = plan(
        &escalation(&[0, 900, 1_800]),
        Progress::down_at(DOWN),
        &FREE,
        &utc,
        DOWN + 20 * MIN,
    );
    assert_eq!(p.steps, vec![0, 1]);
    assert_eq!(p.next_look, Some(DOWN + 30 * MIN));
}

#[test]
fn a_first_step_after_a_delay_sends_nothing_at_once() {
    let policy = AlertPolicy {
        realert_every_s: Some(300),
        ..escalation(&[600])
    };
    let p = plan(&policy, Progress::down_at(DOWN), &FREE, &utc, DOWN + 6 * MIN);
    assert_eq!(
        (p.steps.clone(), p.reminder),
        (vec![], None),
        "no reminder before anyone was told"
    );
    assert_eq!(p.next_look, Some(DOWN + 10 * MIN));
}

#[test]
fn acknowledging_stops_later_steps_and_reminders() {
    let policy = AlertPolicy {
        realert_every_s: Some(300),
        ..escalation(&[0, 900])
    };
    let first = plan(&policy, Progress::down_at(DOWN), &FREE, &utc, DOWN);
    let acked = Progress {
        acknowledged_at: Some(DOWN + MIN),
        ..first.progress
    };
    let later = plan(&policy, acked, &FREE, &utc, DOWN + 60 * MIN);
    assert_eq!((later.steps, later.reminder, later.next_look), (vec![], None, None));
    assert_eq!(later.progress, acked);
    assert_eq!(next_step(&policy, &acked), None);
    assert_eq!(next_step(&policy, &Progress::default()), None);
}

#[test]
fn a_step_due_while_snoozed_is_passed_over() {
    let snoozed = Holds {
        snoozed_until: Some(DOWN + 20 * MIN),
        ..Holds::default()
    };
    let times: Vec<i64> = (0..=40).map(|m| DOWN + m * MIN).collect();
    let (sent, _) = run(&escalation(&[0, 900, 1_800]), &snoozed, &times);
    assert_eq!(sent, vec![(DOWN + 30 * MIN, vec![2], None)]);
}

fn policies() -> impl Strategy<Value = AlertPolicy> {
    (
        prop::option::of(300i64..3_600),
        1u32..6,
        prop::option::of(prop::collection::btree_set(0i64..7_200, 1..5)),
    )
        .prop_map(|(every, max, afters)| AlertPolicy {
            realert_every_s: every,
            realert_max: max,
            escalation: afters.map(|a| {
                a.into_iter()
                    .map(|after_s| Step {
                        channels: vec!["c".into()],
                        after_s,
                    })
                    .collect()
            }),
        })
}

proptest! {
    #[test]
    fn over_any_looks_each_step_goes_once_and_reminders_never_exceed_the_max(
        policy in policies(),
        gaps in prop::collection::vec(1i64..1_800_000, 1..80),
        snooze in prop::option::of(0i64..36_000_000),
    ) {
        let holds = Holds { snoozed_until: snooze.map(|s| DOWN + s), ..Holds::default() };
        let mut progress = Progress::down_at(DOWN);
        let mut now = DOWN;
        let (mut steps, mut reminders) = (Vec::new(), Vec::new());
        for gap in gaps {
            let p = plan(&policy, progress, &holds, &utc, now);
            prop_assert!(p.next_look.is_none_or(|at| at > now), "the next look is later");
            steps.extend(p.steps.iter().copied());
            if let Some(n) = p.reminder {
                prop_assert!(holds.first(now, &utc).is_none(), "no reminder while held");
                reminders.push((n, now));
            }
            progress = p.progress;
            now += gap;
        }
        let mut unique = steps.clone();
        unique.dedup();
        prop_assert_eq!(&unique, &steps);
        prop_assert!(steps.windows(2).all(|w| w[0] < w[1]), "in order, each once");
        prop_assert!(reminders.len() <= policy.realert_max as usize);
        for (i, (n, _)) in reminders.iter().enumerate() {
            prop_assert_eq!(*n as usize, i + 1, "numbered from 1");
        }
        let every = policy.realert_every_s.unwrap_or(0) * 1_000;
        prop_assert!(reminders.windows(2).all(|w| w[1].1 - w[0].1 >= every), "spaced at least realert_every");
        prop_assert!(reminders.first().is_none_or(|(_, at)| at - DOWN >= every));
    }

    #[test]
    fn once_acknowledged_nothing_goes_out(policy in policies(), ack in 0i64..3_600_000, later in 0i64..36_000_000) {
        let progress = Progress { acknowledged_at: Some(DOWN + ack), ..Progress::down_at(DOWN) };
        let p = plan(&policy, progress, &FREE, &utc, DOWN + ack + later);
        prop_assert_eq!((p.steps, p.reminder, p.next_look, p.progress), (vec![], None, None, progress));
    }
}
