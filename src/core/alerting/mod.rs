//! Telling people: what an alert says (`alert`), each channel kind's request in the shape its
//! service documents (`kinds`, one file per service), the markup escapes they share, how an
//! answer is read (`outbound`), where an alert may be sent (`outbound_url`), how the webhook
//! kind signs (`signature`), when a failed delivery is tried again (`delivery`), why a
//! flip's alert is held (`hold`), a monitor's alert history (`history`), who hears of a down
//! monitor when: reminders and escalation (`policy`, `planner`), acknowledged by a signed
//! link (`ack`), and which events are told to whom (`event_routes`, with the `daily_rollup`
//! its daily rules send). A new channel kind is a file in `kinds/`.

pub mod ack;
pub mod alert;
pub mod daily_rollup;
pub mod delivery;
pub mod event_routes;
pub mod history;
pub mod hold;
pub mod kinds;
pub mod markup;
pub mod outbound;
pub mod outbound_url;
pub mod planner;
pub mod policy;
pub mod signature;
