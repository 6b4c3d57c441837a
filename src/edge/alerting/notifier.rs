//! Sends due deliveries from the outbox, every kind alike: claims a batch in one statement
//! (so concurrent sweeps never send one twice), renders each through its channel's kind, sends
//! the requests a few at a time with a timeout and no redirects, reads each answer by the
//! kind's rules, and records every outcome in one batch: delivered, retried (after the
//! service's own wait when it named one), or failed, marking the channel failing when the
//! service refused for good.

use futures_util::StreamExt;
use serde_json::{Map, Value};
use worker::{
    D1Database, D1PreparedStatement, EmailMessage, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect,
    Result, SendEmail,
};

use crate::core::alerting::ack::{ack_link, with_ack_url};
use crate::core::alerting::alert::down_flip_of;
use crate::core::alerting::alert::{Alert, AlertEvent};
use crate::core::alerting::delivery::{after_verdict, retry_delay_ms, AfterAttempt, DEFAULT_MAX_ATTEMPTS};
use crate::core::alerting::kinds::email::mime::mime_message;
use crate::core::alerting::kinds::email::stored_recipients;
use crate::core::alerting::kinds::kind::{MailSettings, RenderContext};
use crate::core::alerting::kinds::ChannelKind;
use crate::core::alerting::outbound::{delivery_key, Answer, Method as OutMethod, Outbound, Verdict};
use crate::core::alerting::outbound_url::{check_delivery_host, check_delivery_url, WebhookHosts};
use crate::core::join_all::join_all;
use crate::edge::access::session::session_secret;
use crate::edge::alerting::channels::{self, channels_by_ids, Channel};
use crate::edge::alerting::outbox::{claim_due, claim_one, flip_payload, record_attempt, Claimed};
use crate::edge::db::{database, now_ms};
use crate::edge::vars;

/// Deliveries attempted per run when `DELIVERIES_PER_RUN` is unset: within a paid plan's
/// subrequests per invocation (each delivery is one or two fetches); a free plan (50) sets 40.
const DEFAULT_PER_RUN: i64 = 200;
/// Requests in flight at once (the runtime allows six open connections per invocation).
const IN_FLIGHT: usize = 6;
const TIMEOUT_MS: u32 = 10_000;
/// The most of an answer read to judge it (a service's error word or JSON).
const ANSWER_BYTES: usize = 4_096;

#[derive(Debug, Default, Clone, Copy)]
pub struct NotifyReport {
    pub attempted: i64,
    pub delivered: i64,
    pub failed: i64,
}

fn max_attempts(env: &Env) -> i64 {
    vars::integer(env, "WEBHOOK_MAX_ATTEMPTS").unwrap_or(DEFAULT_MAX_ATTEMPTS)
}

/// The var `WEBHOOK_HOSTS`: the only hosts alerts may go to when set, and the only internal
/// ones they may ever go to.
pub fn webhook_hosts(env: &Env) -> WebhookHosts {
    WebhookHosts::from_var(env.var("WEBHOOK_HOSTS").ok().map(|v| v.to_string()).as_deref())
}

/// The deploy's mail API, when `MAIL_API`, `MAIL_API_KEY` and `MAIL_FROM` are all set.
fn mail_settings(env: &Env) -> Option<MailSettings> {
    Some(MailSettings {
        api: vars::setting(env, "MAIL_API")?,
        api_key: vars::setting(env, "MAIL_API_KEY")?,
        from: vars::setting(env, "MAIL_FROM")?,
        api_url: vars::setting(env, "MAIL_API_URL"),
    })
}

/// What a run needs from the environment, read once.
struct Settings {
    max_attempts: i64,
    hosts: WebhookHosts,
    mail: Option<MailSettings>,
    /// Cloudflare's Email Service binding (`[[send_email]] name = "EMAIL"`) and the sender
    /// (`MAIL_FROM`): when both are there, email goes through it rather than a mail API.
    email_binding: Option<(SendEmail, String)>,
    public_url: String,
    /// Signs acknowledge links (`SESSION_SECRET`; without it alerts carry none).
    ack_secret: String,
}

impl Settings {
    fn of(env: &Env) -> Self {
        Settings {
            max_attempts: max_attempts(env),
            hosts: webhook_hosts(env),
            mail: mail_settings(env),
            email_binding: env.send_email("EMAIL").ok().zip(vars::setting(env, "MAIL_FROM")),
            public_url: vars::public_url(env),
            ack_secret: session_secret(env).unwrap_or_default(),
        }
    }
}

/// How one attempt went.
struct Outcome {
    http_status: Option<u16>,
    verdict: Verdict,
}

/// Sends one request: the URL checked again (the var may have changed, the row come from
/// elsewhere), then as the runtime itself reads it, so no difference between two parsers can
/// open a host. Answers the service's answer, or a fixed phrase (never the runtime's error
/// text, which can describe the network behind the URL).
async fn send(delivery_id: i64, out: &Outbound, hosts: &WebhookHosts) -> std::result::Result<Answer, &'static str> {
    check_delivery_url(&out.url, hosts).map_err(|r| r.delivery_error())?;
    let runtime_host = web_sys::Url::new(&out.url).map(|u| u.hostname()).unwrap_or_default();
    check_delivery_host(&runtime_host, hosts).map_err(|r| r.delivery_error())?;
    let build = || -> std::result::Result<Request, worker::Error> {
        let headers = Headers::new();
        for (name, value) in &out.headers {
            headers.set(name, value)?;
        }
        let mut init = RequestInit::new();
        init.with_method(match out.method {
            OutMethod::Get => Method::Get,
            OutMethod::Post => Method::Post,
            OutMethod::Put => Method::Put,
        })
        .with_headers(headers)
        // A redirect could lead anywhere, internal addresses included: its 3xx is the answer.
        .with_redirect(RequestRedirect::Manual)
        .with_body(out.body.as_deref().map(Into::into));
        Request::new_with_init(&out.url, &init)
    };
    let request = build().map_err(|e| {
        worker::console_error!("delivery {delivery_id}: request not built: {e}");
        "request could not be built"
    })?;
    let signal = worker::AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS));
    let mut response = match Fetch::Request(request).send_with_signal(&signal).await {
        Ok(response) => response,
        Err(_) if signal.aborted() => return Err("timed out after 10 s"),
        Err(e) => {
            worker::console_warn!("delivery {delivery_id}: {e}");
            return Err("connection failed");
        }
    };
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let mut body = Vec::new();
    if let Ok(mut stream) = response.stream() {
        while let Some(Ok(chunk)) = stream.next().await {
            body.extend_from_slice(&chunk);
            if body.len() >= ANSWER_BYTES {
                body.truncate(ANSWER_BYTES);
                break;
            }
        }
    }
    Ok(Answer {
        status: response.status_code(),
        retry_after,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The payload of a claimed delivery: frozen when queued, or built now for an old row.
async fn payload_of(db: &D1Database, d: &Claimed) -> Result<String> {
    if let Some(frozen) = &d.payload {
        return Ok(frozen.clone());
    }
    Ok(match d.flip_id {
        Some(flip_id) => flip_payload(db, flip_id).await?.unwrap_or_else(|| "{}".into()),
        None => "{}".into(),
    })
}

/// Renders the delivery through its channel's kind and sends its requests in order, stopping
/// at the first that is not delivered.
async fn attempt(d: &Claimed, payload: &str, channel: Option<&Channel>, settings: &Settings, now: i64) -> Outcome {
    let permanent = |reason: &str| Outcome {
        http_status: None,
        verdict: Verdict::Permanent { reason: reason.into() },
    };
    let Some(channel) = channel else {
        return permanent("channel not found");
    };
    let (Some(kind), Ok(config)) = (
        ChannelKind::parse(&channel.kind),
        serde_json::from_str::<Map<String, Value>>(&channel.config),
    ) else {
        return permanent("channel configuration unreadable");
    };
    let event = AlertEvent::parse(&d.event).unwrap_or(AlertEvent::Test);
    let payload_json: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
    let mut alert = Alert::from_payload(event, &payload_json, d.id, &channel.name, &settings.public_url, now);
    // The acknowledge link is signed as it is sent, never stored; the webhook kind's body
    // (the payload) carries it too.
    alert.ack_link = down_flip_of(&payload_json)
        .and_then(|(key, at)| ack_link(&settings.public_url, settings.ack_secret.as_bytes(), &key, at));
    let with_link = alert.ack_link.as_deref().map(|link| with_ack_url(payload, link));
    let payload = with_link.as_deref().unwrap_or(payload);
    if let (ChannelKind::Email, Some((binding, from))) = (kind, &settings.email_binding) {
        return send_by_binding(
            binding,
            from,
            &stored_recipients(&config),
            &alert,
            settings,
            d.id,
            payload,
        )
        .await;
    }
    let ctx = RenderContext {
        now_s: now / 1_000,
        signing_secret: &channel.secret,
        mail: settings.mail.as_ref(),
        public_url: &settings.public_url,
        payload,
    };
    let requests = match kind.render(&config, &alert, &ctx) {
        Ok(requests) => requests,
        Err(reason) => return permanent(&reason),
    };
    let mut last = Outcome {
        http_status: None,
        verdict: Verdict::Delivered,
    };
    for out in &requests {
        last = match send(d.id, out, &settings.hosts).await {
            Ok(answer) => Outcome {
                http_status: Some(answer.status),
                verdict: kind.judge(&answer),
            },
            Err(phrase) => Outcome {
                http_status: None,
                verdict: Verdict::Retry {
                    error: phrase.into(),
                    after_ms: None,
                },
            },
        };
        if last.verdict != Verdict::Delivered {
            break;
        }
    }
    last
}

/// Sends an email alert through the Email Service binding: one raw MIME message (built by
/// the core) per recipient, since the binding takes one envelope recipient a message.
async fn send_by_binding(
    binding: &SendEmail,
    from: &str,
    to: &[String],
    alert: &Alert,
    settings: &Settings,
    delivery_id: i64,
    payload: &str,
) -> Outcome {
    let message_id_seed = delivery_key(delivery_id, payload);
    for recipient in to {
        let raw = mime_message(
            from,
            std::slice::from_ref(recipient),
            alert,
            &settings.public_url,
            &message_id_seed,
        );
        let sent = match EmailMessage::new(from, recipient, &raw) {
            Ok(message) => binding.send(&message).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            worker::console_warn!("delivery {delivery_id}: the email binding refused the message: {e:?}");
            return Outcome {
                http_status: None,
                verdict: Verdict::Retry {
                    error: "the email binding refused the message".into(),
                    after_ms: None,
                },
            };
        }
    }
    Outcome {
        http_status: None,
        verdict: Verdict::Delivered,
    }
}

/// The statements that record one attempt's outcome, and how it counts.
fn record(
    db: &D1Database,
    d: &Claimed,
    payload: &str,
    outcome: &Outcome,
    settings: &Settings,
    at: i64,
    report: &mut NotifyReport,
) -> Result<Vec<D1PreparedStatement>> {
    let now = now_ms();
    let next = after_verdict(&outcome.verdict, d.attempts, settings.max_attempts, at);
    let (status, next_at) = match next.delivery {
        AfterAttempt::Delivered => ("delivered", at),
        AfterAttempt::RetryAt(when) => ("pending", when),
        AfterAttempt::Failed => ("failed", at),
    };
    report.attempted += 1;
    report.delivered += i64::from(status == "delivered");
    report.failed += i64::from(status == "failed");
    let mut statements = vec![record_attempt(
        db,
        d.id,
        status,
        next_at,
        outcome.http_status,
        next.error.as_deref(),
        payload,
        now,
    )?];
    if let Some(reason) = &next.channel_failing {
        statements.push(channels::mark_failing(db, &d.channel_id, reason, now)?);
    } else if status == "delivered" && d.event == "test" {
        statements.push(channels::clear_failing(db, &d.channel_id)?);
    }
    if let Some(until) = next.hold_channel_until {
        statements.push(channels::hold(db, &d.channel_id, until)?);
    }
    Ok(statements)
}

/// Attempts the claimed deliveries, a few at a time, and records every outcome in one batch.
async fn deliver(db: &D1Database, claimed: Vec<Claimed>, settings: &Settings, at: i64) -> Result<NotifyReport> {
    let mut report = NotifyReport::default();
    if claimed.is_empty() {
        return Ok(report);
    }
    let ids: Vec<String> = claimed.iter().map(|d| d.channel_id.clone()).collect();
    let channels = channels_by_ids(db, &ids).await?;
    let mut statements = Vec::new();
    for group in claimed.chunks(IN_FLIGHT) {
        let mut payloads = Vec::with_capacity(group.len());
        for d in group {
            payloads.push(payload_of(db, d).await?);
        }
        let now = now_ms();
        let outcomes = join_all(group.iter().zip(&payloads).map(|(d, payload)| {
            let channel = channels.iter().find(|c| c.id == d.channel_id);
            attempt(d, payload, channel, settings, now)
        }))
        .await;
        for ((d, payload), outcome) in group.iter().zip(&payloads).zip(&outcomes) {
            statements.extend(record(db, d, payload, outcome, settings, at, &mut report)?);
        }
    }
    db.batch(statements).await?;
    Ok(report)
}

/// Attempts deliveries due by `at` (the trigger's scheduled time), up to a run's budget; a
/// larger backlog goes out over the next runs.
pub async fn deliver_due(env: &Env, at: i64) -> Result<NotifyReport> {
    let db = database(env)?;
    let settings = Settings::of(env);
    let limit = vars::integer(env, "DELIVERIES_PER_RUN")
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_PER_RUN);
    let claimed = claim_due(&db, at, limit, at + retry_delay_ms(1)).await?;
    deliver(&db, claimed, &settings, at).await
}

/// Attempts one delivery now, and nothing else (a channel test: a backlog of other
/// deliveries neither delays it nor is sent with it).
pub async fn deliver_one(env: &Env, id: i64, at: i64) -> Result<()> {
    let db = database(env)?;
    if let Some(d) = claim_one(&db, id, at + retry_delay_ms(1)).await? {
        deliver(&db, vec![d], &Settings::of(env), at).await?;
    }
    Ok(())
}
