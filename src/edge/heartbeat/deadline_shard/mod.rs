//! Deadline shards (`DeadlineShard`, bound as `DEADLINE_SHARD`, named `shard-{n}`): a few
//! objects that keep, in memory, the deadline each up monitor's latest check-in left, so a
//! quiet ping moves no deadline in D1 (`core::heartbeat::deadline_watch` has the rules).
//!
//! - `client`: the calls (a token's object tells, the sweep asks and settles);
//! - `protocol`: the paths and bodies both sides use;
//! - `object`: the Durable Object: its watchlist, the snapshot a call writes, startup;
//! - `holds`: the tokens whose objects' flushes failed (the sweep asks those objects).

pub mod client;
mod holds;
mod object;
pub mod protocol;
