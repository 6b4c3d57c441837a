//! A ping as the ingestion formats hand it to the core, and as it waits in a token's Durable Object
//! until it is flushed to D1.

use serde::{Deserialize, Serialize};

use crate::core::http_contract::validation::{check_text, Checked, FieldError, TextRule};

/// What a ping says about the job it reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PingKind {
    /// "I am alive", no outcome (beacons, the heartbeat API's default result).
    Tick,
    Success,
    Start,
    Fail,
    /// Informational; never changes status.
    Log,
}

/// Which dialect received the ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PingSource {
    Beacon,
    Heartbeat,
    Ping,
    System,
    /// An event whose name a monitor's `event_name` names.
    Event,
}

/// What recording a ping came to: the token's object decides, every format renders it.
/// Written with its variant in `outcome` beside its fields; read through `OutcomeJson`, not
/// serde's buffering of internally tagged enums (smaller, and every ping reads one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case", try_from = "OutcomeJson")]
pub enum RecordOutcome {
    Accepted {
        received_at: i64,
    },
    Limited {
        retry_at: i64,
    },
    UnknownToken,
    /// The heartbeat ping route only: the monitor does not accept this method.
    MethodNotAllowed {
        allow: Vec<String>,
    },
}

/// A `RecordOutcome` as its JSON has it: the variant's name and every variant's fields.
#[derive(Deserialize)]
struct OutcomeJson {
    outcome: String,
    #[serde(default)]
    received_at: Option<i64>,
    #[serde(default)]
    retry_at: Option<i64>,
    #[serde(default)]
    allow: Option<Vec<String>>,
}

impl TryFrom<OutcomeJson> for RecordOutcome {
    type Error = String;

    fn try_from(json: OutcomeJson) -> Result<Self, String> {
        let outcome = json.outcome;
        let missing = |field: &str| format!("outcome {outcome}: no {field}");
        Ok(match outcome.as_str() {
            "accepted" => RecordOutcome::Accepted {
                received_at: json.received_at.ok_or_else(|| missing("received_at"))?,
            },
            "limited" => RecordOutcome::Limited {
                retry_at: json.retry_at.ok_or_else(|| missing("retry_at"))?,
            },
            "unknown_token" => RecordOutcome::UnknownToken,
            "method_not_allowed" => RecordOutcome::MethodNotAllowed {
                allow: json.allow.ok_or_else(|| missing("allow"))?,
            },
            _ => return Err(format!("unknown outcome {outcome}")),
        })
    }
}

/// Headers kept with a ping are capped so one request cannot bloat storage.
pub const MAX_USER_AGENT: usize = 256;
/// The first this many bytes of a ping's body or message are kept.
pub const MAX_MESSAGE: usize = 10_000;
/// A message in a query string is bounded by the URL; longer ones go in a JSON body.
pub const MAX_QUERY_MESSAGE: usize = 2_000;

/// The heartbeat API's ping fields as the query gives them: `result` (default tick) and `message`.
pub fn heartbeat_query_fields(result: Option<&str>, message: Option<&str>) -> Checked<PingKind> {
    if let Some(m) = message {
        if m.chars().count() > MAX_QUERY_MESSAGE {
            return Err(FieldError::new(
                "message",
                format!("must be at most {MAX_QUERY_MESSAGE} characters in the query; send longer ones in a JSON body"),
            ));
        }
        check_text("message", TextRule::Free, m)?;
    }
    result.map_or(Ok(PingKind::Tick), |r| {
        PingKind::from_result(r).ok_or_else(|| FieldError::new("result", "must be tick, success or fail"))
    })
}

impl PingKind {
    /// Whether the ping ends a run started by a `start` ping.
    pub fn ends_run(self) -> bool {
        matches!(self, PingKind::Success | PingKind::Fail)
    }

    /// Whether the ping says the job ran (and so restarts the wait for the next one).
    pub fn is_check_in(self) -> bool {
        matches!(self, PingKind::Tick | PingKind::Success | PingKind::Fail)
    }

    /// The heartbeat ping route's `result` values (the heartbeat API).
    pub fn from_result(result: &str) -> Option<PingKind> {
        match result {
            "tick" => Some(PingKind::Tick),
            "success" => Some(PingKind::Success),
            "fail" => Some(PingKind::Fail),
            _ => None,
        }
    }

    /// A job's exit status: 0 is success, 1..=255 failure, anything else is not a status.
    pub fn from_exit_status(status: i64) -> Option<PingKind> {
        match status {
            0 => Some(PingKind::Success),
            1..=255 => Some(PingKind::Fail),
            _ => None,
        }
    }
}

/// Why the last segment of a cron ping URL (`/ping/{token}/{action}`) asks for no ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingActionError {
    /// Not an action: after a token the URL names nothing (after a ping key that place
    /// holds a slug).
    Unknown,
    /// A number over 255, which no process exits with. Scripts that pass `$?` through get a
    /// 400 for it on a known monitor, as healthchecks answers, not a 404.
    ExitStatusOutOfRange,
}

/// The answer to an exit status over 255 on a known monitor.
pub const EXIT_STATUS_OUT_OF_RANGE: &str = "exit status must be 0..255";

/// What a cron ping URL's last segment asks for (`None`: there is none, a success):
/// `start`, `fail`, `log`, or an exit status in digits, 0 a success and 1..=255 a failure
/// kept with the ping.
pub fn parse_ping_action(action: Option<&str>) -> Result<(PingKind, Option<i64>), PingActionError> {
    match action {
        None => Ok((PingKind::Success, None)),
        Some("start") => Ok((PingKind::Start, None)),
        Some("fail") => Ok((PingKind::Fail, None)),
        Some("log") => Ok((PingKind::Log, None)),
        Some(code) if !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()) => {
            // Too many digits for an i64 is a number over 255 all the same.
            let status = code.parse::<i64>().unwrap_or(i64::MAX);
            let kind = PingKind::from_exit_status(status).ok_or(PingActionError::ExitStatusOutOfRange)?;
            Ok((kind, Some(status)))
        }
        Some(_) => Err(PingActionError::Unknown),
    }
}

/// A ping as received, before the token's Durable Object accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PingInput {
    pub source: PingSource,
    pub kind: PingKind,
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// An accepted ping, durable in its token's Durable Object until D1 has it. Written with its
/// input's fields beside its own; read through `StoredPingJson` (serde's `flatten` would buffer
/// every field first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredPingJson")]
pub struct PendingPing {
    /// Unique per ping: flushing the same ping twice stores it once.
    pub id: String,
    pub monitor_id: String,
    pub received_at: i64,
    /// Time since the matching start, for a run's end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    #[serde(flatten)]
    pub input: PingInput,
}

/// A ping as it is stored and sent: `PendingPing`'s fields and its input's side by side, and the
/// sequence number a token's object holds it under, where it has one.
#[derive(Deserialize)]
pub struct StoredPingJson {
    #[serde(default)]
    pub seq: Option<u64>,
    id: String,
    monitor_id: String,
    received_at: i64,
    #[serde(default)]
    duration_ms: Option<i64>,
    source: PingSource,
    kind: PingKind,
    method: String,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    exit_status: Option<i64>,
    #[serde(default)]
    run_id: Option<String>,
    #[serde(default)]
    client_ip: Option<String>,
    #[serde(default)]
    user_agent: Option<String>,
}

impl From<StoredPingJson> for PendingPing {
    fn from(json: StoredPingJson) -> Self {
        PendingPing {
            id: json.id,
            monitor_id: json.monitor_id,
            received_at: json.received_at,
            duration_ms: json.duration_ms,
            input: PingInput {
                source: json.source,
                kind: json.kind,
                method: json.method,
                value: json.value,
                message: json.message,
                exit_status: json.exit_status,
                run_id: json.run_id,
                client_ip: json.client_ip,
                user_agent: json.user_agent,
            },
        }
    }
}

/// Cuts `s` to at most `max` bytes without splitting a character.
pub fn truncate_utf8(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max)]
}

/// The last ping in `batch` that carried a value, with its time.
pub fn latest_value(batch: &[PendingPing]) -> Option<(f64, i64)> {
    batch
        .iter()
        .filter_map(|p| p.input.value.map(|v| (v, p.received_at)))
        .max_by_key(|&(_, at)| at)
}

/// Any ping kind, for the property tests of the modules that read pings.
#[cfg(test)]
pub(crate) fn any_kind() -> impl proptest::strategy::Strategy<Value = PingKind> {
    proptest::sample::select(vec![
        PingKind::Tick,
        PingKind::Success,
        PingKind::Fail,
        PingKind::Start,
        PingKind::Log,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_read_as_written_and_as_earlier_builds_wrote_them() {
        for outcome in [
            RecordOutcome::Accepted { received_at: 5 },
            RecordOutcome::Limited { retry_at: 9 },
            RecordOutcome::UnknownToken,
            RecordOutcome::MethodNotAllowed {
                allow: vec!["GET".into(), "HEAD".into()],
            },
        ] {
            let text = serde_json::to_string(&outcome).unwrap();
            assert_eq!(serde_json::from_str::<RecordOutcome>(&text).unwrap(), outcome, "{text}");
        }
        let written = r#"{"received_at":7,"outcome":"accepted","later_field":1}"#;
        assert_eq!(
            serde_json::from_str::<RecordOutcome>(written).unwrap(),
            RecordOutcome::Accepted { received_at: 7 }
        );
        assert_eq!(
            serde_json::to_string(&RecordOutcome::UnknownToken).unwrap(),
            r#"{"outcome":"unknown_token"}"#
        );
        for bad in [
            r#"{"outcome":"accepted"}"#,
            r#"{"outcome":"kept","received_at":1}"#,
            r#"{}"#,
        ] {
            assert!(serde_json::from_str::<RecordOutcome>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_ping_is_read_as_written_with_its_input_beside_its_own_fields() {
        let mut full = ping(10, Some(2.5));
        full.duration_ms = Some(40);
        full.input.message = Some("done".into());
        full.input.exit_status = Some(3);
        full.input.run_id = Some("r1".into());
        full.input.client_ip = Some("192.0.2.1".into());
        full.input.user_agent = Some("curl".into());
        for p in [ping(1, None), full] {
            let text = serde_json::to_string(&p).unwrap();
            assert!(text.contains(r#""kind":"#) && !text.contains(r#""input""#), "{text}");
            assert_eq!(serde_json::from_str::<PendingPing>(&text).unwrap(), p, "{text}");
        }
        let held: StoredPingJson = serde_json::from_str(
            r#"{"seq":4,"id":"a","monitor_id":"m","received_at":1,"source":"beacon","kind":"tick","method":"GET"}"#,
        )
        .unwrap();
        assert_eq!(held.seq, Some(4));
        assert_eq!(PendingPing::from(held).input.method, "GET");
    }

    fn ping(at: i64, value: Option<f64>) -> PendingPing {
        PendingPing {
            id: format!("p{at}"),
            monitor_id: "m".into(),
            received_at: at,
            duration_ms: None,
            input: PingInput {
                source: PingSource::Beacon,
                kind: PingKind::Tick,
                method: "POST".into(),
                value,
                message: None,
                exit_status: None,
                run_id: None,
                client_ip: None,
                user_agent: None,
            },
        }
    }

    #[test]
    fn pending_pings_flatten_to_the_columns_the_flush_reads() {
        let json = serde_json::to_value(ping(5, Some(1.5))).unwrap();
        assert_eq!(json["received_at"], 5);
        assert_eq!(json["kind"], "tick");
        assert_eq!(json["source"], "beacon");
        assert_eq!(json["value"], 1.5);
        assert!(json.get("message").is_none());
    }

    #[test]
    fn latest_value_takes_the_newest_ping_with_a_value() {
        assert_eq!(
            latest_value(&[ping(1, Some(1.0)), ping(3, Some(3.0)), ping(4, None)]),
            Some((3.0, 3))
        );
        assert_eq!(latest_value(&[ping(1, None)]), None);
    }

    #[test]
    fn results_and_exit_statuses_map_to_kinds() {
        assert_eq!(PingKind::from_result("tick"), Some(PingKind::Tick));
        assert_eq!(PingKind::from_result("fail"), Some(PingKind::Fail));
        assert_eq!(PingKind::from_result("start"), None);
        assert_eq!(PingKind::from_exit_status(0), Some(PingKind::Success));
        assert_eq!(PingKind::from_exit_status(255), Some(PingKind::Fail));
        assert_eq!(PingKind::from_exit_status(256), None);
        assert_eq!(PingKind::from_exit_status(-1), None);
        assert!(PingKind::Fail.ends_run() && !PingKind::Log.ends_run() && !PingKind::Tick.ends_run());
    }

    #[test]
    fn a_cron_ping_action_names_its_kind() {
        assert_eq!(parse_ping_action(None), Ok((PingKind::Success, None)));
        assert_eq!(parse_ping_action(Some("start")), Ok((PingKind::Start, None)));
        assert_eq!(parse_ping_action(Some("fail")), Ok((PingKind::Fail, None)));
        assert_eq!(parse_ping_action(Some("log")), Ok((PingKind::Log, None)));
    }

    #[test]
    fn an_exit_status_from_0_to_255_is_a_success_or_a_failure_kept_with_the_ping() {
        assert_eq!(parse_ping_action(Some("0")), Ok((PingKind::Success, Some(0))));
        assert_eq!(parse_ping_action(Some("1")), Ok((PingKind::Fail, Some(1))));
        assert_eq!(parse_ping_action(Some("255")), Ok((PingKind::Fail, Some(255))));
        assert_eq!(parse_ping_action(Some("007")), Ok((PingKind::Fail, Some(7))));
        assert_eq!(parse_ping_action(Some("0001")), Ok((PingKind::Fail, Some(1))));
    }

    #[test]
    fn an_exit_status_over_255_is_out_of_range_not_an_unknown_action() {
        for code in ["256", "1000", "0256", "99999999999999999999999"] {
            assert_eq!(
                parse_ping_action(Some(code)),
                Err(PingActionError::ExitStatusOutOfRange),
                "{code}"
            );
        }
    }

    #[test]
    fn what_is_neither_a_word_nor_digits_is_an_unknown_action() {
        for action in ["", "-1", "+1", "1.5", "abc", "Start", "1e3", " 1", "\u{661}"] {
            assert_eq!(
                parse_ping_action(Some(action)),
                Err(PingActionError::Unknown),
                "{action:?}"
            );
        }
    }

    #[test]
    fn the_documented_slug_action_pattern_accepts_exactly_the_actions_that_record_a_ping() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../openapi.json")).expect("openapi.json parses");
        let action = doc["paths"]["/ping/{ping_key}/{slug}/{action}"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "action"))
            .expect("the action parameter");
        let pattern = regex::Regex::new(action["schema"]["pattern"].as_str().expect("a pattern")).unwrap();
        let numbers = (0..1_100).flat_map(|n| [format!("{n}"), format!("0{n}"), format!("00{n}")]);
        let words = [
            "start",
            "fail",
            "log",
            "",
            "Start",
            "-1",
            "1.5",
            "abc",
            "99999999999999999999999",
        ]
        .map(String::from);
        for action in numbers.chain(words) {
            assert_eq!(
                pattern.is_match(&action),
                parse_ping_action(Some(&action)).is_ok(),
                "{action:?}"
            );
        }
    }

    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(truncate_utf8("héllo", 2), "h");
        assert_eq!(truncate_utf8("héllo", 3), "hé");
        assert_eq!(truncate_utf8("abc", 10), "abc");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn only_the_three_results_are_kinds(result in prop_oneof![any::<String>(), "(tick|success|fail|start|log|TICK)"]) {
            let expected = ["tick", "success", "fail"].contains(&result.as_str());
            prop_assert_eq!(PingKind::from_result(&result).is_some(), expected);
        }

        #[test]
        fn exit_statuses_are_kinds_only_from_0_to_255(status in prop_oneof![any::<i64>(), -10i64..300]) {
            let kind = PingKind::from_exit_status(status);
            prop_assert_eq!(kind.is_some(), (0..=255).contains(&status));
            prop_assert_eq!(kind == Some(PingKind::Success), status == 0);
        }

        #[test]
        fn truncation_keeps_the_longest_whole_character_prefix(text in any::<String>(), max in 0usize..64) {
            let cut = truncate_utf8(&text, max);
            prop_assert!(text.starts_with(cut) && cut.len() <= max);
            // Nothing more fits: the next character would cross `max`.
            if let Some(next) = text[cut.len()..].chars().next() {
                prop_assert!(cut.len() + next.len_utf8() > max);
            }
        }
    }
}
