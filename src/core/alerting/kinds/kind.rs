//! What every channel kind provides (`Kind`), and what a renderer is given besides the
//! channel and the alert.

use serde_json::{Map, Value};

use crate::core::alerting::alert::Alert;
use crate::core::alerting::outbound::{common_verdict, Answer, Outbound, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;

/// The deploy's mail settings (secrets and vars), for the `email` kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `resend` or `postmark`.
    pub api: String,
    pub api_key: String,
    /// The sender address, `MAIL_FROM`.
    pub from: String,
    /// Where the mail API is reached (`MAIL_API_URL`; the service's own by default).
    pub api_url: Option<String>,
}

/// What a renderer knows besides the channel and the alert.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// Unix seconds now (signatures).
    pub now_s: i64,
    /// The channel's signing secret (the `webhook` kind signs every request with it).
    pub signing_secret: &'a str,
    /// Set when the deploy configured a mail API.
    pub mail: Option<&'a MailSettings>,
    /// `PUBLIC_URL` without a trailing slash ("" when unset).
    pub public_url: &'a str,
    /// The delivery's frozen JSON payload, as the `webhook` kind sends it by default.
    pub payload: &'a str,
}

/// The requests one alert becomes, in order (usually one), or why it cannot be sent at all
/// (a permanent failure: an email channel on a deploy with no mail configured).
pub type Rendered = Result<Vec<Outbound>, String>;

/// One channel kind's rules.
pub trait Kind {
    /// Fields shown once at creation and never again (masked in lists).
    const SECRET_FIELDS: &'static [&'static str];
    /// Checks a creation body's fields (beyond `kind`, `name` and the `notify_*` switches)
    /// and answers the configuration to store, defaults filled in.
    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>>;
    fn render(config: &Map<String, Value>, alert: &Alert, ctx: &RenderContext) -> Rendered;
    fn judge(answer: &Answer) -> Verdict {
        common_verdict(answer)
    }
}
