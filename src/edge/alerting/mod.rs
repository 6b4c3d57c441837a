//! Alert delivery: channels in D1, the outbox (queued in the flip's transaction), the
//! notifier that sends due deliveries, and event routes (their digests and daily rollups).

pub mod channels;
pub mod event_routes;
pub mod notifier;
pub mod outbox;
