//! How every chat kind shows an alert alike, whatever the service: one colour per event, the
//! title on one line within a service's limit, and the words of the link to edgebeat.

use crate::core::alerting::alert::{Alert, AlertEvent};
use crate::core::alerting::markup::{escaped_within, one_line};

/// What a link to edgebeat's own page says, on every service that shows one as a button.
pub const LINK_LABEL: &str = "Open in edgebeat";

/// The colour of an alert where a service colours messages (`0xRRGGBB`), the same on every
/// service so that a glance tells the news: red for a problem, green for its end, blue for
/// a test or news that is no problem (business events, a daily rollup).
pub fn colour(alert: &Alert) -> u32 {
    match alert.event {
        AlertEvent::Down | AlertEvent::ErrorDigest | AlertEvent::ErrorAlert => 0xD3_2F_2F,
        AlertEvent::Up => 0x38_8E_3C,
        AlertEvent::Test | AlertEvent::EventAlert | AlertEvent::EventDigest | AlertEvent::DailyRollup => 0x19_76_D2,
    }
}

/// `colour` as services that take CSS hex write it: `#D32F2F`.
pub fn hex_colour(alert: &Alert) -> String {
    format!("#{:06X}", colour(alert))
}

/// The alert's title on one line, escaped by `escape`, in at most `max` characters.
pub fn title_within(alert: &Alert, max: usize, escape: fn(&str) -> String) -> String {
    escaped_within(&one_line(&alert.title(), max), max, escape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alerting::kinds::samples::{digest, down, test_alert, up};
    use crate::core::alerting::markup::html;

    #[test]
    fn colours_tell_problems_recoveries_and_tests_apart() {
        assert_eq!(
            [down("n"), digest("n"), up("n"), test_alert()].map(|a| hex_colour(&a)),
            ["#D32F2F", "#D32F2F", "#388E3C", "#1976D2"]
        );
        assert_eq!(colour(&up("n")), 0x38_8E_3C);
        let as_event = |event| hex_colour(&Alert { event, ..digest("n") });
        assert_eq!(
            [
                AlertEvent::ErrorAlert,
                AlertEvent::EventAlert,
                AlertEvent::EventDigest,
                AlertEvent::DailyRollup
            ]
            .map(as_event),
            ["#D32F2F", "#1976D2", "#1976D2", "#1976D2"],
            "an error told at once is a problem; business events and rollups are news"
        );
    }

    #[test]
    fn a_title_is_one_escaped_line_within_its_limit() {
        assert_eq!(title_within(&down("a\nb<c"), 100, html), "DOWN: a b&lt;c");
        assert_eq!(title_within(&down("abcdef"), 10, html), "DOWN: abc…");
    }
}
