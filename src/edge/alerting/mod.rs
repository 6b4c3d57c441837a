//! Alert delivery: channels in D1, the outbox (queued in the flip's transaction), the
//! notifier that sends due deliveries, event routes (their digests and daily rollups), and
//! each monitor's alert history.

pub mod channels;
pub mod event_routes;
pub mod history;
pub mod notifier;
pub mod outbox;
