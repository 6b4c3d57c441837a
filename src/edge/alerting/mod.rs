//! Alert delivery: channels in D1, the outbox (queued in the flip's transaction), and the
//! notifier that sends due deliveries.

pub mod channels;
pub mod notifier;
pub mod outbox;
