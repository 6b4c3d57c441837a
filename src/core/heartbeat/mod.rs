//! Heartbeats: what a monitor is, its schedules (interval, cron), the pings and runs that
//! feed it, the status machine and the rules it
//! applies (tolerance, runtime bounds, volume bands, maintenance windows, dependencies; why
//! each flip happened, when the sweep looks next), and what is read of it (statistic, health,
//! badges).

pub mod badge;
pub mod beacon;
pub mod cron;
pub mod cron_pattern;
pub mod deadline_watch;
pub mod dependencies;
pub mod flip_reason;
pub mod health;
pub mod look;
pub mod maintenance;
pub mod monitor;
pub mod monitor_list;
pub mod ping;
pub mod ping_log;
pub mod rate_window;
pub mod retention;
pub mod run;
pub mod runtime_bounds;
pub mod snooze;
pub mod statistic;
pub mod status;
pub mod token_ledger;
pub mod tolerance;
pub mod volume_band;
