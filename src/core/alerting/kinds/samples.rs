//! The alerts, answers and settings every kind's tests render and read: one alert per event,
//! each with every text field filled, so a test sees each piece of user text escaped.

use serde_json::{Map, Value};

use super::kind::RenderContext;
use crate::core::alerting::alert::{Alert, AlertEvent, ErrorDigest, EscalationStep, LastPing, MonitorFacts, Reminder};
use crate::core::alerting::outbound::{Answer, Outbound};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;

/// A name that tries every trick at once: a Slack broadcast, Markdown bold and link, a
/// Discord mention, an HTML tag, and the characters HTML attributes care about.
pub const HOSTILE: &str = "<!channel> *b* [x](http://evil) @everyone <script>&\"'";

/// 2025-12-03T10:00:00.000Z
pub const AT: i64 = 1_764_756_000_000;

pub const KEY: &str = "uk_0123456789abcdef01234567";

fn monitor(name: &str, down_since: Option<i64>) -> MonitorFacts {
    MonitorFacts {
        unique_key: KEY.into(),
        name: name.into(),
        tags: vec!["prod".into(), "db".into()],
        last_ping: Some(LastPing {
            at: AT - 3_600_000,
            result: "success".into(),
            exit_status: Some(0),
            message: Some("ok".into()),
            duration_ms: Some(3_000),
        }),
        down_since,
    }
}

/// A monitor named `name` went down.
pub fn down(name: &str) -> Alert {
    Alert {
        event: AlertEvent::Down,
        delivery_id: 42,
        at: AT,
        reason: "no ping by the due time plus grace".into(),
        monitor: Some(monitor(name, None)),
        digest: None,
        link: Some(format!("https://eb.example/monitor?id={KEY}")),
        channel_name: "ops".into(),
        reminder: None,
        escalation: None,
        ack_link: None,
    }
}

/// The monitor named `name` is still down: reminder 3 of 10, 2 h 10 min in, with its
/// acknowledge link.
pub fn reminder(name: &str) -> Alert {
    Alert {
        at: AT + 7_800_000,
        reminder: Some(Reminder {
            number: 3,
            max: 10,
            down_for_ms: 7_800_000,
        }),
        ack_link: Some(ACK_LINK.into()),
        ..down(name)
    }
}

/// The monitor named `name` is down and nobody acknowledged: escalation step 2 of 2.
pub fn escalated(name: &str) -> Alert {
    Alert {
        escalation: Some(EscalationStep {
            step: 2,
            of: 2,
            after_s: 900,
        }),
        ack_link: Some(ACK_LINK.into()),
        ..down(name)
    }
}

pub const ACK_LINK: &str = "https://eb.example/ack/uk_0123456789abcdef01234567.1796292000000.c2lnbmF0dXJl";

/// The monitor named `name` is up again after 2 h 10 min.
pub fn up(name: &str) -> Alert {
    Alert {
        event: AlertEvent::Up,
        reason: "a ping reported success".into(),
        monitor: Some(monitor(name, Some(AT - 7_800_000))),
        ..down(name)
    }
}

/// Three errors named `name`.
pub fn digest(name: &str) -> Alert {
    Alert {
        event: AlertEvent::ErrorDigest,
        delivery_id: 43,
        at: AT,
        reason: format!("3 error events named {name} in the last 10 min"),
        monitor: None,
        digest: Some(ErrorDigest {
            name: name.into(),
            count: 3,
            message: Some("card declined".into()),
            last_at: Some(AT),
            window_minutes: 10,
        }),
        link: Some("https://eb.example/events?type=error&name=checkout".into()),
        channel_name: "ops".into(),
        reminder: None,
        escalation: None,
        ack_link: None,
    }
}

/// A test sent to the channel named `ops`, on a deploy without `PUBLIC_URL`: no link.
pub fn test_alert() -> Alert {
    Alert {
        event: AlertEvent::Test,
        delivery_id: 44,
        at: AT,
        reason: "a test alert, sent from edgebeat to check this channel".into(),
        monitor: None,
        digest: None,
        link: None,
        channel_name: "ops".into(),
        reminder: None,
        escalation: None,
        ack_link: None,
    }
}

pub fn ctx() -> RenderContext<'static> {
    RenderContext {
        now_s: AT / 1_000,
        signing_secret: "",
        mail: None,
        public_url: "https://eb.example",
        payload: "{}",
    }
}

pub fn body(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("a JSON object")
}

/// No `WEBHOOK_HOSTS`: any host that is not internal.
pub fn open() -> WebhookHosts {
    WebhookHosts::default()
}

/// `WEBHOOK_HOSTS=127.0.0.1`: a receiver on this machine is allowed.
pub fn listed() -> WebhookHosts {
    WebhookHosts::from_var(Some("127.0.0.1"))
}

/// The JSON body of a request, which must parse.
pub fn sent(o: &Outbound) -> Value {
    serde_json::from_str(o.body.as_deref().expect("a body")).expect("the body is JSON")
}

pub fn answer(status: u16, retry_after: Option<&str>, body: &str) -> Answer {
    Answer {
        status,
        retry_after: retry_after.map(str::to_string),
        body: body.into(),
    }
}

/// A kind's `configure`.
pub type Configure = fn(&Map<String, Value>, &WebhookHosts) -> Checked<Map<String, Value>>;

/// The rules every URL field an alert goes to follows, checked on `configure` with the
/// kind's other required fields in `others`: required, a string, no internal host unless
/// `WEBHOOK_HOSTS` lists it.
pub fn url_field_is_checked(configure: Configure, field: &str, others: Value) {
    let with = |url: Value| {
        let mut b = body(others.clone());
        b.insert(field.into(), url);
        b
    };
    let refused = |b: Map<String, Value>, hosts: &WebhookHosts| configure(&b, hosts).unwrap_err();
    let missing = refused(body(others.clone()), &open());
    assert_eq!(
        (missing.field.as_str(), missing.message.as_str()),
        (field, "is required")
    );
    let number = refused(with(Value::from(7)), &open());
    assert_eq!(
        (number.field.as_str(), number.message.as_str()),
        (field, "must be a string")
    );
    assert_eq!(refused(with(Value::from("http://10.0.0.1/")), &open()).field, field);
    assert_eq!(refused(with(Value::from("not a url")), &open()).field, field);
    let stored = configure(&with(Value::from("http://127.0.0.1:9/hook")), &listed()).unwrap();
    assert_eq!(stored[field], "http://127.0.0.1:9/hook");
}
