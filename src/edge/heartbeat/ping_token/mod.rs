//! One Durable Object per ping token (`PingToken`, bound as `PING_TOKEN`, named by the
//! token). It serialises that token's pings, keeps the exact rate window, and holds every
//! accepted ping durably until D1 has it.
//!
//! Accepting a ping writes one row in the object's SQLite storage (committed before the answer
//! leaves, so an acknowledged ping survives a restart) and never waits on D1: each ping takes a
//! slot of the object's ring, written in place over a ping D1 already has (nothing is deleted
//! once D1 has it: the checkpoint says up to where it does), and an alarm, armed once per
//! flush window, moves them to D1 in one batch (a second or so after a quiet token's
//! ping, a few seconds for a busy token), retrying with backoff until D1 takes them. The rate
//! window, sequence and open runs are not written per ping: a checkpoint of them is written
//! once per flush, and a restart replays the held pings over it. A read asks the object to
//! flush now (`Call::Flush`, sharing the alarm's one-at-a-time guard), so it sees every
//! acknowledged ping (docs/beacon.md, "Read your writes").
//!
//! - `client`: the worker's side (what the rest of the program calls);
//! - `protocol`: the calls and the header both sides use;
//! - `object`: the Durable Object: recording, the flush, startup;
//! - `held`: the object's own tables (the ring of pings and its spill, the ledger's checkpoint).

pub mod client;
mod held;
mod object;
pub mod protocol;
