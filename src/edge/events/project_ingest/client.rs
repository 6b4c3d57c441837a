//! The worker's side of an event batch: find the key's project without a D1 query per
//! request (a key's project and scope never change, so the isolate keeps them), hash the
//! secret, and hand the validated batch to the project's Durable Object, which decides.
//!
//! Only what cannot change soon is remembered here: a key's owner, an unknown key id, and a
//! secret the object refused. Acceptance is always the object's decision.

use std::cell::RefCell;
use std::collections::HashMap;

use worker::{Env, Result, Stub};

use super::protocol::{AcceptMeta, AcceptOutcome, Call, BINDING, PROJECT_HEADER};
use crate::core::access::credentials::{parse_api_key, sha256_hex};
use crate::core::access::scope::{KeyCarrier, Scope};
use crate::core::events::event::Event;
use crate::core::events::event_store::{pending_line, EventSource, SentBy};
use crate::core::events::ingest_admission::Forbidden;
use crate::edge::db::{database, now_ms};
use crate::edge::durable::internal;
use crate::edge::durable::ObjectCall;
use crate::edge::events::event_rows::{key_owner, KeyOwner};
use crate::edge::object_fetch::{self, parsed};
use crate::edge::random;

/// Unknown key ids and refused secrets are remembered this long.
const REFUSED_TTL_MS: i64 = 60_000;
const MAX_REMEMBERED: usize = 10_000;

thread_local! {
    /// key id -> its owner (`None`: no such key, until the instant given).
    static OWNERS: RefCell<HashMap<String, (Option<KeyOwner>, i64)>> = RefCell::new(HashMap::new());
    /// (key id, secret hash) the project's object refused -> until when that answer holds.
    static REFUSED: RefCell<HashMap<(String, String), i64>> = RefCell::new(HashMap::new());
}

fn bounded_insert<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= MAX_REMEMBERED {
        map.clear();
    }
    map.insert(key, value);
}

/// A presented key that may send events, as far as the worker can tell.
#[derive(Debug, Clone)]
pub struct Sender {
    pub project_id: String,
    pub key_id: String,
    pub secret_hash: String,
    /// Whether the key's events may count as pings of event-fed monitors (not a browser key's).
    pub feeds_monitors: bool,
}

#[derive(Debug, Clone)]
pub enum KeyCheck {
    Sender(Sender),
    /// Missing, malformed or unknown (401).
    Unknown,
    /// A key that can never send events (403).
    Forbidden(Forbidden),
}

/// The key's project and scope, from the isolate or (on a miss) from D1.
async fn owner(env: &Env, key_id: &str) -> Result<Option<KeyOwner>> {
    let now = now_ms();
    let remembered = OWNERS.with(|o| {
        o.borrow()
            .get(key_id)
            .filter(|(owner, until)| owner.is_some() || now < *until)
            .map(|(owner, _)| owner.clone())
    });
    if let Some(owner) = remembered {
        return Ok(owner);
    }
    let found = key_owner(&database(env)?, key_id).await?;
    OWNERS.with(|o| {
        bounded_insert(
            &mut o.borrow_mut(),
            key_id.to_string(),
            (found.clone(), now + REFUSED_TTL_MS),
        )
    });
    Ok(found)
}

/// What the worker can say about a credential, carried so, before reading the body.
pub async fn check_key(env: &Env, credential: Option<&str>, carrier: KeyCarrier) -> Result<KeyCheck> {
    let Some(presented) = credential.and_then(parse_api_key) else {
        return Ok(KeyCheck::Unknown);
    };
    let Some(owner) = owner(env, presented.id).await? else {
        return Ok(KeyCheck::Unknown);
    };
    let Some(scope) = Scope::parse(&owner.scope).filter(|s| s.can_send_events()) else {
        return Ok(KeyCheck::Forbidden(Forbidden::Scope));
    };
    if !scope.may_be_carried_in(carrier) {
        return Ok(KeyCheck::Forbidden(Forbidden::KeyInUrl));
    }
    let secret_hash = sha256_hex(presented.secret.as_bytes());
    let refused_key = (presented.id.to_string(), secret_hash.clone());
    let now = now_ms();
    if REFUSED.with(|r| r.borrow().get(&refused_key).is_some_and(|until| now < *until)) {
        return Ok(KeyCheck::Unknown);
    }
    Ok(KeyCheck::Sender(Sender {
        project_id: owner.project_id,
        key_id: presented.id.to_string(),
        secret_hash,
        feeds_monitors: scope.feeds_monitors(),
    }))
}

/// A validated batch on its way to the project's object.
pub struct Batch {
    pub source: EventSource,
    pub origin: Option<String>,
    lines: Vec<String>,
    event_ids: Vec<Option<String>>,
    names: Vec<String>,
}

impl Batch {
    /// Each event gets its id here, at acceptance: a repeated flush stores it once.
    pub fn of<'a>(
        events: impl IntoIterator<Item = &'a Event>,
        source: EventSource,
        origin: Option<String>,
        sender: &Sender,
    ) -> Self {
        let sent_by = SentBy {
            key_id: &sender.key_id,
            feeds_monitors: sender.feeds_monitors,
        };
        let mut batch = Batch {
            source,
            origin,
            lines: Vec::new(),
            event_ids: Vec::new(),
            names: Vec::new(),
        };
        let events: Vec<&Event> = events.into_iter().collect();
        for (event, id) in events.iter().zip(random::uuids(events.len())) {
            batch.lines.push(pending_line(event, &id, source, sent_by));
            batch.event_ids.push(event.id.clone());
            if !batch.names.contains(&event.name) {
                batch.names.push(event.name.clone());
            }
        }
        batch
    }
}

/// Sends the batch to the project's object and answers its decision. An error means nothing
/// was stored (the object stores a batch in one transaction) and the client may retry.
pub async fn send_batch(env: &Env, sender: &Sender, batch: Batch) -> Result<AcceptOutcome> {
    let meta = AcceptMeta {
        key_id: sender.key_id.clone(),
        secret_hash: sender.secret_hash.clone(),
        source: batch.source,
        origin: batch.origin,
        event_ids: batch.event_ids,
        names: batch.names,
    };
    let mut body = serde_json::to_string(&meta).map_err(internal)?;
    for line in &batch.lines {
        body.push('\n');
        body.push_str(line);
    }
    let outcome: AcceptOutcome = parsed(&ask(env, &sender.project_id, Call::Accept, Some(body)).await?)?;
    if outcome == AcceptOutcome::UnknownKey {
        let refused = (sender.key_id.clone(), sender.secret_hash.clone());
        REFUSED.with(|r| bounded_insert(&mut r.borrow_mut(), refused, now_ms() + REFUSED_TTL_MS));
    }
    Ok(outcome)
}

/// The month's usage and limits as the project's object counts them.
pub async fn project_usage(env: &Env, project_id: &str) -> Result<serde_json::Value> {
    parsed(&ask(env, project_id, Call::Usage, None).await?)
}

/// Tells the project's object that a key was revoked (after D1 has it): the very next batch
/// with it is refused.
pub async fn forget_key(env: &Env, project_id: &str, key_id: &str) -> Result<()> {
    ask(env, project_id, Call::ForgetKey, Some(key_id.to_string()))
        .await
        .map(|_| ())
}

/// Tells the project's object that its status or limits changed in D1.
pub async fn refresh_project(env: &Env, project_id: &str) -> Result<()> {
    ask(env, project_id, Call::Refresh, None).await.map(|_| ())
}

/// How many batches holding events named `name` the project's object still holds for D1; it
/// starts moving them at once (the sweep asks before it calls an event-fed monitor down).
pub async fn hurry_pending_events(env: &Env, project_id: &str, name: &str) -> Result<u64> {
    #[derive(serde::Deserialize)]
    struct Pending {
        pending: u64,
    }
    let body = serde_json::json!({ "name": name }).to_string();
    let pending: Pending = parsed(&ask(env, project_id, Call::Hurry, Some(body)).await?)?;
    Ok(pending.pending)
}

/// The Durable Object of a project.
fn project_object(env: &Env, project_id: &str) -> Result<Stub> {
    env.durable_object(BINDING)?.id_from_name(project_id)?.get_stub()
}

/// Calls the project's object (a POST of `body`, or a GET): the text of its answer.
async fn ask(env: &Env, project_id: &str, call: Call, body: Option<String>) -> Result<String> {
    let header = Some((PROJECT_HEADER, project_id));
    object_fetch::call(project_object(env, project_id)?, &call.url(), body.as_deref(), header).await
}
