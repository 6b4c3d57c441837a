//! Channel kinds: one file per service, each saying which fields a channel of that kind has
//! (and which are secret), the requests an alert becomes in exactly the shape the service
//! documents, and how the service's answer is read. The outbox and the notifier deliver
//! every kind alike. A new kind is a file here, a variant of `ChannelKind` and its line in
//! each `match` below.

use serde_json::{Map, Value};

use crate::core::alerting::alert::Alert;
use crate::core::alerting::outbound::{Answer, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;
use fields::hint;
use kind::{Kind, RenderContext, Rendered};

pub mod appearance;
pub mod discord;
pub mod fields;
pub mod google_chat;
pub mod kind;
pub mod matrix;
pub mod mattermost;
pub mod slack;
pub mod teams;
pub mod telegram;
pub mod webhook;

#[cfg(test)]
mod samples;
// Push and paging services, and email.
pub mod credential;
pub mod email;
pub mod gotify;
pub mod incident_key;
pub mod ntfy;
pub mod opsgenie;
pub mod pagerduty;
pub mod pushover;
#[cfg(test)]
mod sample_alerts;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Webhook,
    Slack,
    Discord,
    Teams,
    GoogleChat,
    Mattermost,
    Telegram,
    Matrix,
    Ntfy,
    Gotify,
    Pushover,
    PagerDuty,
    Opsgenie,
    Email,
}

impl ChannelKind {
    pub const ALL: &'static [ChannelKind] = &[
        ChannelKind::Webhook,
        ChannelKind::Slack,
        ChannelKind::Discord,
        ChannelKind::Teams,
        ChannelKind::GoogleChat,
        ChannelKind::Mattermost,
        ChannelKind::Telegram,
        ChannelKind::Matrix,
        ChannelKind::Ntfy,
        ChannelKind::Gotify,
        ChannelKind::Pushover,
        ChannelKind::PagerDuty,
        ChannelKind::Opsgenie,
        ChannelKind::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
            ChannelKind::Discord => "discord",
            ChannelKind::Teams => "teams",
            ChannelKind::GoogleChat => "google_chat",
            ChannelKind::Mattermost => "mattermost",
            ChannelKind::Telegram => "telegram",
            ChannelKind::Matrix => "matrix",
            ChannelKind::Ntfy => "ntfy",
            ChannelKind::Gotify => "gotify",
            ChannelKind::Pushover => "pushover",
            ChannelKind::PagerDuty => "pagerduty",
            ChannelKind::Opsgenie => "opsgenie",
            ChannelKind::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn secret_fields(self) -> &'static [&'static str] {
        match self {
            ChannelKind::Webhook => webhook::Webhook::SECRET_FIELDS,
            ChannelKind::Slack => slack::Slack::SECRET_FIELDS,
            ChannelKind::Discord => discord::Discord::SECRET_FIELDS,
            ChannelKind::Teams => teams::Teams::SECRET_FIELDS,
            ChannelKind::GoogleChat => google_chat::GoogleChat::SECRET_FIELDS,
            ChannelKind::Mattermost => mattermost::Mattermost::SECRET_FIELDS,
            ChannelKind::Telegram => telegram::Telegram::SECRET_FIELDS,
            ChannelKind::Matrix => matrix::Matrix::SECRET_FIELDS,
            ChannelKind::Ntfy => ntfy::Ntfy::SECRET_FIELDS,
            ChannelKind::Gotify => gotify::Gotify::SECRET_FIELDS,
            ChannelKind::Pushover => pushover::Pushover::SECRET_FIELDS,
            ChannelKind::PagerDuty => pagerduty::PagerDuty::SECRET_FIELDS,
            ChannelKind::Opsgenie => opsgenie::Opsgenie::SECRET_FIELDS,
            ChannelKind::Email => email::Email::SECRET_FIELDS,
        }
    }

    pub fn configure(self, body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        match self {
            ChannelKind::Webhook => webhook::Webhook::configure(body, hosts),
            ChannelKind::Slack => slack::Slack::configure(body, hosts),
            ChannelKind::Discord => discord::Discord::configure(body, hosts),
            ChannelKind::Teams => teams::Teams::configure(body, hosts),
            ChannelKind::GoogleChat => google_chat::GoogleChat::configure(body, hosts),
            ChannelKind::Mattermost => mattermost::Mattermost::configure(body, hosts),
            ChannelKind::Telegram => telegram::Telegram::configure(body, hosts),
            ChannelKind::Matrix => matrix::Matrix::configure(body, hosts),
            ChannelKind::Ntfy => ntfy::Ntfy::configure(body, hosts),
            ChannelKind::Gotify => gotify::Gotify::configure(body, hosts),
            ChannelKind::Pushover => pushover::Pushover::configure(body, hosts),
            ChannelKind::PagerDuty => pagerduty::PagerDuty::configure(body, hosts),
            ChannelKind::Opsgenie => opsgenie::Opsgenie::configure(body, hosts),
            ChannelKind::Email => email::Email::configure(body, hosts),
        }
    }

    pub fn render(self, config: &Map<String, Value>, alert: &Alert, ctx: &RenderContext) -> Rendered {
        match self {
            ChannelKind::Webhook => webhook::Webhook::render(config, alert, ctx),
            ChannelKind::Slack => slack::Slack::render(config, alert, ctx),
            ChannelKind::Discord => discord::Discord::render(config, alert, ctx),
            ChannelKind::Teams => teams::Teams::render(config, alert, ctx),
            ChannelKind::GoogleChat => google_chat::GoogleChat::render(config, alert, ctx),
            ChannelKind::Mattermost => mattermost::Mattermost::render(config, alert, ctx),
            ChannelKind::Telegram => telegram::Telegram::render(config, alert, ctx),
            ChannelKind::Matrix => matrix::Matrix::render(config, alert, ctx),
            ChannelKind::Ntfy => ntfy::Ntfy::render(config, alert, ctx),
            ChannelKind::Gotify => gotify::Gotify::render(config, alert, ctx),
            ChannelKind::Pushover => pushover::Pushover::render(config, alert, ctx),
            ChannelKind::PagerDuty => pagerduty::PagerDuty::render(config, alert, ctx),
            ChannelKind::Opsgenie => opsgenie::Opsgenie::render(config, alert, ctx),
            ChannelKind::Email => email::Email::render(config, alert, ctx),
        }
    }

    pub fn judge(self, answer: &Answer) -> Verdict {
        match self {
            ChannelKind::Webhook => webhook::Webhook::judge(answer),
            ChannelKind::Slack => slack::Slack::judge(answer),
            ChannelKind::Discord => discord::Discord::judge(answer),
            ChannelKind::Teams => teams::Teams::judge(answer),
            ChannelKind::GoogleChat => google_chat::GoogleChat::judge(answer),
            ChannelKind::Mattermost => mattermost::Mattermost::judge(answer),
            ChannelKind::Telegram => telegram::Telegram::judge(answer),
            ChannelKind::Matrix => matrix::Matrix::judge(answer),
            ChannelKind::Ntfy => ntfy::Ntfy::judge(answer),
            ChannelKind::Gotify => gotify::Gotify::judge(answer),
            ChannelKind::Pushover => pushover::Pushover::judge(answer),
            ChannelKind::PagerDuty => pagerduty::PagerDuty::judge(answer),
            ChannelKind::Opsgenie => opsgenie::Opsgenie::judge(answer),
            ChannelKind::Email => email::Email::judge(answer),
        }
    }

    /// The configuration as a list shows it: every secret field masked (`hint`).
    pub fn shown(self, config: &Map<String, Value>) -> Map<String, Value> {
        let mut out = config.clone();
        for field in self.secret_fields() {
            match config.get(*field) {
                Some(Value::String(s)) => {
                    out.insert((*field).to_string(), Value::from(hint(s)));
                }
                // A map of secrets (a webhook's headers: `Authorization: Bearer ...`): each
                // value hinted, the names kept.
                Some(Value::Object(map)) => {
                    let hinted = map
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::from(hint(v.as_str().unwrap_or_default()))))
                        .collect();
                    out.insert((*field).to_string(), Value::Object(hinted));
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use samples::Configure;

    type Render = fn(&Map<String, Value>, &Alert, &RenderContext) -> Rendered;
    type Judge = fn(&Answer) -> Verdict;

    #[test]
    fn kind_names_are_the_public_contract() {
        let names: Vec<&str> = ChannelKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "webhook",
                "slack",
                "discord",
                "teams",
                "google_chat",
                "mattermost",
                "telegram",
                "matrix",
                "ntfy",
                "gotify",
                "pushover",
                "pagerduty",
                "opsgenie",
                "email"
            ]
        );
    }

    #[test]
    fn each_kind_dispatches_to_its_own_rules() {
        use samples::{answer, body, ctx, down, open};
        use serde_json::json;
        let kinds: [(ChannelKind, Configure, Render, Judge, Value); 8] = [
            (
                ChannelKind::Webhook,
                webhook::Webhook::configure,
                webhook::Webhook::render,
                webhook::Webhook::judge,
                json!({"url": "https://e.example/h"}),
            ),
            (
                ChannelKind::Slack,
                slack::Slack::configure,
                slack::Slack::render,
                slack::Slack::judge,
                json!({"url": "https://e.example/s"}),
            ),
            (
                ChannelKind::Discord,
                discord::Discord::configure,
                discord::Discord::render,
                discord::Discord::judge,
                json!({"url": "https://e.example/d"}),
            ),
            (
                ChannelKind::Teams,
                teams::Teams::configure,
                teams::Teams::render,
                teams::Teams::judge,
                json!({"url": "https://e.example/t"}),
            ),
            (
                ChannelKind::GoogleChat,
                google_chat::GoogleChat::configure,
                google_chat::GoogleChat::render,
                google_chat::GoogleChat::judge,
                json!({"url": "https://e.example/g"}),
            ),
            (
                ChannelKind::Mattermost,
                mattermost::Mattermost::configure,
                mattermost::Mattermost::render,
                mattermost::Mattermost::judge,
                json!({"url": "https://e.example/m"}),
            ),
            (
                ChannelKind::Telegram,
                telegram::Telegram::configure,
                telegram::Telegram::render,
                telegram::Telegram::judge,
                json!({"bot_token": format!("1:{}", "a".repeat(30)), "chat_id": 1}),
            ),
            (
                ChannelKind::Matrix,
                matrix::Matrix::configure,
                matrix::Matrix::render,
                matrix::Matrix::judge,
                json!({"homeserver": "https://e.example", "access_token": "t", "room_id": "!r:e.example"}),
            ),
        ];
        let answers = [
            answer(403, None, "invalid_token"),
            answer(404, None, "gone"),
            answer(
                403,
                None,
                r#"{"message": "m", "code": 1, "errcode": "M_FORBIDDEN", "description": "d"}"#,
            ),
            answer(
                400,
                None,
                r#"{"id": "web.incoming_webhook.invalid.app_error", "description": "chat not found"}"#,
            ),
        ];
        for (kind, configure, render, judge, given) in kinds {
            let config = kind.configure(&body(given.clone()), &open()).unwrap();
            assert_eq!(config, configure(&body(given), &open()).unwrap());
            let out = kind.render(&config, &down("n"), &ctx()).unwrap();
            assert_eq!(out, render(&config, &down("n"), &ctx()).unwrap());
            assert_eq!(out.len(), 1, "{}", kind.as_str());
            for a in &answers {
                assert_eq!(kind.judge(a), judge(a), "{}", kind.as_str());
            }
        }
        let secrets: Vec<&[&str]> = ChannelKind::ALL[..8].iter().map(|k| k.secret_fields()).collect();
        let url: &[&str] = &["url"];
        assert_eq!(
            secrets,
            [
                webhook::Webhook::SECRET_FIELDS,
                url,
                url,
                url,
                url,
                url,
                &["bot_token"],
                &["access_token"]
            ]
        );
    }

    #[test]
    fn every_kind_parses_its_own_name() {
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(ChannelKind::parse("WEBHOOK"), None);
        assert_eq!(ChannelKind::parse(""), None);
    }

    #[test]
    fn shown_masks_only_the_secret_fields() {
        let mut config = Map::new();
        config.insert("url".into(), Value::from("https://example.com/hooks/abcdefghijkl"));
        config.insert("method".into(), Value::from("POST"));
        let headers = serde_json::json!({"Authorization": "Bearer 0123456789abcdef"});
        config.insert("headers".into(), headers);
        let webhook = ChannelKind::Webhook.shown(&config);
        assert_eq!(
            webhook["headers"],
            serde_json::json!({"Authorization": "…cdef"}),
            "header values are secrets"
        );
        for kind in ChannelKind::ALL {
            let shown = kind.shown(&config);
            assert_eq!(shown["method"], "POST");
            let url_is_secret = kind.secret_fields().contains(&"url");
            assert_eq!(shown["url"] == config["url"], !url_is_secret, "{}", kind.as_str());
        }
    }

    /// Each kind's sample configuration, by name.
    fn sample_config(kind: ChannelKind) -> Map<String, Value> {
        use serde_json::json;
        let body = match kind.as_str() {
            "telegram" => json!({"bot_token": format!("1:{}", "a".repeat(30)), "chat_id": 1}),
            "matrix" => json!({"homeserver": "https://e.example", "access_token": "t", "room_id": "!r:e.example"}),
            "ntfy" => json!({"topic": "t"}),
            "gotify" => json!({"url": "https://g.example.com", "token": "Aabcdefghijkl"}),
            "pushover" => json!({"app_token": "a".repeat(30), "user_key": "u".repeat(30)}),
            "pagerduty" => json!({"routing_key": "r".repeat(32)}),
            "opsgenie" => json!({"api_key": "k".repeat(36)}),
            "email" => json!({"to": "ops@example.com"}),
            _ => json!({"url": "https://e.example/h"}),
        };
        kind.configure(body.as_object().unwrap(), &WebhookHosts::default())
            .unwrap()
    }

    /// Everything a kind sends for `alert`: URLs and bodies, read as a person would (email's
    /// soft breaks joined, markup escapes and form encoding undone).
    fn everything_sent(kind: ChannelKind, alert: &Alert, payload: &str) -> String {
        use super::kind::MailSettings;
        let mail = MailSettings {
            api: "resend".into(),
            api_key: "re_1".into(),
            from: "a@eb.example".into(),
            api_url: None,
        };
        let ctx = RenderContext {
            payload,
            mail: Some(&mail),
            ..samples::ctx()
        };
        let out = kind.render(&sample_config(kind), alert, &ctx).unwrap();
        out.iter()
            .map(|o| format!("{} {}", o.url, o.body.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("=\r\n", "")
            .replace('\\', "")
            .replace('+', " ")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%2F", "/")
    }

    #[test]
    fn every_kind_tells_a_reminder_its_number_and_how_long_and_links_the_acknowledgement() {
        let reminder = samples::reminder("nightly backup");
        // The webhook kind sends the payload, which the notifier gives the link.
        let payload = serde_json::json!({"event": "down", "reminder": {"number": 3, "max": 10}, "acknowledge_url": samples::ACK_LINK}).to_string();
        for kind in ChannelKind::ALL.iter().copied() {
            let sent = everything_sent(kind, &reminder, &payload);
            let name = kind.as_str();
            if kind != ChannelKind::Webhook {
                assert!(sent.contains("reminder 3 of 10"), "{name}: {sent}");
                assert!(sent.contains("2 h 10 min"), "{name}: {sent}");
            }
            assert!(sent.contains(samples::ACK_LINK), "{name}: {sent}");
        }
    }

    #[test]
    fn every_kind_says_which_escalation_step_an_alert_is() {
        let escalated = samples::escalated("nightly backup");
        for kind in ChannelKind::ALL.iter().copied().filter(|k| *k != ChannelKind::Webhook) {
            let sent = everything_sent(kind, &escalated, "{}");
            assert!(
                sent.contains("step 2 of 2, not acknowledged after 15 min"),
                "{}: {sent}",
                kind.as_str()
            );
        }
    }

    #[test]
    fn each_push_paging_and_mail_kind_dispatches_to_its_own_rules() {
        use super::kind::MailSettings;
        use super::sample_alerts::{answer, ctx, down};
        use crate::core::alerting::outbound::Verdict;
        use serde_json::json;

        let mail = MailSettings {
            api: "resend".into(),
            api_key: "re_1".into(),
            from: "a@eb.example".into(),
            api_url: None,
        };
        let samples = [
            (
                "ntfy",
                json!({"topic": "t", "token": "tk_abcdefghijkl"}),
                &["token"][..],
                "https://ntfy.sh",
            ),
            (
                "gotify",
                json!({"url": "https://g.example.com", "token": "Aabcdefghijkl"}),
                &["token"][..],
                "https://g.example.com/message",
            ),
            (
                "pushover",
                json!({"app_token": "a".repeat(30), "user_key": "u".repeat(30)}),
                &["app_token", "user_key"][..],
                "https://api.pushover.net/1/messages.json",
            ),
            (
                "pagerduty",
                json!({"routing_key": "r".repeat(32)}),
                &["routing_key"][..],
                "https://events.pagerduty.com/v2/enqueue",
            ),
            (
                "opsgenie",
                json!({"api_key": "k".repeat(36)}),
                &["api_key"][..],
                "https://api.opsgenie.com/v2/alerts",
            ),
            (
                "email",
                json!({"to": "ops@example.com"}),
                &[][..],
                "https://api.resend.com/emails",
            ),
        ];
        for (name, body, secrets, url) in samples {
            let kind = ChannelKind::parse(name).unwrap();
            assert_eq!(kind.secret_fields(), secrets, "{name}");
            let config = kind
                .configure(body.as_object().unwrap(), &WebhookHosts::default())
                .unwrap();
            let out = kind.render(&config, &down("n"), &ctx(Some(&mail))).unwrap();
            assert_eq!(out.last().unwrap().url, url, "{name}");
            assert_eq!(kind.judge(&answer(202, None, "")), Verdict::Delivered, "{name}");
            assert!(
                matches!(kind.judge(&answer(401, None, "")), Verdict::Permanent { .. }),
                "{name}"
            );
            for secret in secrets {
                assert!(
                    kind.shown(&config)[*secret].as_str().unwrap().starts_with('…'),
                    "{name}"
                );
            }
        }
    }
}
