//! Alert delivery: channels in D1, the outbox (queued in the flip's transaction), and the
//! notifier that sends due deliveries, and each monitor's alert history.

pub mod channels;
pub mod history;
pub mod notifier;
pub mod outbox;
