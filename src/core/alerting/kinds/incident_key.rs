//! The key a paging service groups one problem's events under (PagerDuty's `dedup_key`,
//! Opsgenie's `alias`, Pushover's emergency tag), so that a recovery resolves the incident its
//! outage opened. Only what third parties may see goes into it: the monitor's `unique_key`,
//! never its id (which can ping), an error event's name, or a test's delivery id.

use sha2::{Digest, Sha256};

use crate::core::alerting::alert::{percent_encode, Alert, AlertEvent};

/// `edgebeat-{unique_key}` for a monitor's down and up; `edgebeat-errors-{name}` (the name
/// percent-encoded, or its SHA-256 in hex when that would pass `max`) for an error digest, so
/// digests of one name while its incident is open add to that incident (an error told at
/// once by a route joins it too; business events group as `edgebeat-events-{name}`); and
/// `edgebeat-test-{delivery id}` for a test (`edgebeat-daily-` for a daily rollup), which
/// must never touch a real incident.
pub fn incident_key(alert: &Alert, max: usize) -> String {
    match alert.event {
        AlertEvent::Down | AlertEvent::Up => {
            let unique_key = alert
                .monitor
                .as_ref()
                .map(|m| m.unique_key.as_str())
                .unwrap_or_default();
            format!("edgebeat-{unique_key}")
        }
        AlertEvent::ErrorDigest | AlertEvent::ErrorAlert => by_name(alert, "errors", max),
        AlertEvent::EventAlert | AlertEvent::EventDigest => by_name(alert, "events", max),
        AlertEvent::Test => format!("edgebeat-test-{}", alert.delivery_id),
        AlertEvent::DailyRollup => format!("edgebeat-daily-{}", alert.delivery_id),
    }
}

/// `edgebeat-{group}-{name}`, the name percent-encoded, or its SHA-256 in hex when that
/// would pass `max`.
fn by_name(alert: &Alert, group: &str, max: usize) -> String {
    let name = alert.digest.as_ref().map(|d| d.name.as_str()).unwrap_or_default();
    let key = format!("edgebeat-{group}-{}", percent_encode(name));
    if key.len() <= max {
        key
    } else {
        let hash: String = Sha256::digest(name.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("edgebeat-{group}-{hash}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alerting::kinds::sample_alerts::{digest, down, test_alert, up};

    #[test]
    fn a_monitor_keys_its_incident_by_its_unique_key_only() {
        assert_eq!(incident_key(&down("n"), 255), "edgebeat-uk_0123456789abcdef01234567");
        assert_eq!(incident_key(&up("n"), 255), "edgebeat-uk_0123456789abcdef01234567");
    }

    #[test]
    fn a_digest_keys_by_its_name_and_a_test_by_its_delivery() {
        assert_eq!(
            incident_key(&digest("checkout failed"), 255),
            "edgebeat-errors-checkout%20failed"
        );
        assert_eq!(incident_key(&test_alert("ops"), 255), "edgebeat-test-42");
    }

    #[test]
    fn a_routed_error_joins_its_names_incident_and_events_and_rollups_have_their_own() {
        let with = |event| Alert {
            event,
            ..digest("checkout failed")
        };
        assert_eq!(
            incident_key(&with(AlertEvent::ErrorAlert), 255),
            "edgebeat-errors-checkout%20failed"
        );
        assert_eq!(
            incident_key(&with(AlertEvent::EventAlert), 255),
            "edgebeat-events-checkout%20failed"
        );
        assert_eq!(
            incident_key(&with(AlertEvent::EventDigest), 255),
            "edgebeat-events-checkout%20failed"
        );
        let daily = with(AlertEvent::DailyRollup);
        assert_eq!(
            incident_key(&daily, 255),
            format!("edgebeat-daily-{}", daily.delivery_id)
        );
        let long = Alert {
            event: AlertEvent::EventAlert,
            ..digest(&"é".repeat(100))
        };
        assert_eq!(incident_key(&long, 255).len(), "edgebeat-events-".len() + 64);
    }

    #[test]
    fn a_name_too_long_for_the_key_is_hashed() {
        let long = incident_key(&digest(&"é".repeat(100)), 255);
        assert_eq!(long.len(), "edgebeat-errors-".len() + 64);
        assert!(long.starts_with("edgebeat-errors-") && long[16..].bytes().all(|b| b.is_ascii_hexdigit()));
        // Exactly at the limit the name is still readable.
        let fits = "a".repeat(255 - "edgebeat-errors-".len());
        assert_eq!(incident_key(&digest(&fits), 255), format!("edgebeat-errors-{fits}"));
        assert_ne!(
            incident_key(&digest(&"é".repeat(100)), 255),
            incident_key(&digest(&"è".repeat(100)), 255)
        );
    }
}
