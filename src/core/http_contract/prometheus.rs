//! Prometheus metrics of a project's monitors, in the text exposition format 0.0.4
//! (https://prometheus.io/docs/instrumenting/exposition_formats/).

use crate::core::heartbeat::health::Health;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the metrics say about one monitor.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorMetrics {
    /// The monitor's non-secret name: scrapers hold read keys, and an id pings its monitor.
    pub unique_key: String,
    pub name: String,
    pub tags: Vec<String>,
    pub health: Health,
    pub last_ping_at: Option<i64>,
    pub pings: i64,
    pub flips: i64,
}

/// A label value with the three characters the format escapes: backslash, double quote, newline.
pub fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn labels(m: &MonitorMetrics) -> String {
    format!(
        "unique_key=\"{}\",name=\"{}\",tags=\"{}\"",
        escape_label_value(&m.unique_key),
        escape_label_value(&m.name),
        escape_label_value(&m.tags.join(","))
    )
}

struct Family {
    name: &'static str,
    kind: &'static str,
    help: &'static str,
    /// The sample of one monitor at `now` (ms); `None` leaves that monitor out.
    value: fn(&MonitorMetrics, i64) -> Option<String>,
}

fn flag(on: bool) -> Option<String> {
    Some(if on { "1" } else { "0" }.into())
}

const FAMILIES: &[Family] = &[
    Family {
        name: "edgebeat_monitor_up",
        kind: "gauge",
        help: "1 if the monitor is up (or a run is under way), else 0.",
        value: |m, _| flag(m.health == Health::Up),
    },
    Family {
        name: "edgebeat_monitor_late",
        kind: "gauge",
        help: "1 if the monitor missed its due time and is within its grace, else 0.",
        value: |m, _| flag(m.health == Health::Late),
    },
    Family {
        name: "edgebeat_monitor_down",
        kind: "gauge",
        help: "1 if the monitor is down, else 0.",
        value: |m, _| flag(m.health == Health::Down),
    },
    Family {
        name: "edgebeat_monitor_seconds_since_last_ping",
        kind: "gauge",
        help: "Seconds since the monitor's last ping; absent when it never pinged.",
        value: |m, now| m.last_ping_at.map(|at| seconds((now - at).max(0))),
    },
    Family {
        name: "edgebeat_monitor_pings_total",
        kind: "counter",
        help: "Pings the monitor has recorded.",
        value: |m, _| Some(m.pings.max(0).to_string()),
    },
    Family {
        name: "edgebeat_monitor_flips_total",
        kind: "counter",
        help: "Times the monitor went down or came back up.",
        value: |m, _| Some(m.flips.max(0).to_string()),
    },
];

/// Milliseconds as seconds with up to three decimals ("12.5", "3").
fn seconds(ms: i64) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:03}").trim_end_matches('0').to_string()
    }
}

/// The exposition of every monitor at `now` (ms): each family's HELP and TYPE once, then
/// one sample per monitor.
pub fn render(monitors: &[MonitorMetrics], now: i64) -> String {
    let mut out = String::new();
    for family in FAMILIES {
        out.push_str(&format!(
            "# HELP {} {}\n# TYPE {} {}\n",
            family.name, family.help, family.name, family.kind
        ));
        for m in monitors {
            if let Some(value) = (family.value)(m, now) {
                out.push_str(&format!("{}{{{}}} {}\n", family.name, labels(m), value));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap, HashSet};

    /// One sample of a strictly parsed exposition.
    #[derive(Debug, PartialEq)]
    struct Sample {
        name: String,
        labels: BTreeMap<String, String>,
        value: f64,
    }

    fn is_metric_name(s: &str) -> bool {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }

    fn is_label_name(s: &str) -> bool {
        is_metric_name(s) && !s.contains(':')
    }

    /// A strict parser of the text format 0.0.4: every line a HELP, a TYPE or a sample; a
    /// family's TYPE before its samples and never twice; label values with only the three
    /// escapes; no series twice; counters named `_total`. Any deviation is an error.
    fn parse(text: &str) -> Result<Vec<Sample>, String> {
        if !text.ends_with('\n') {
            return Err("no final newline".into());
        }
        let mut types: HashMap<String, String> = HashMap::new();
        let mut helps = HashSet::new();
        let mut seen = HashSet::new();
        let mut samples = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let err = |why: &str| format!("line {}: {why}: {line:?}", n + 1);
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, _) = rest.split_once(' ').ok_or_else(|| err("HELP without text"))?;
                if !is_metric_name(name) || !helps.insert(name.to_string()) {
                    return Err(err("bad or repeated HELP"));
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').ok_or_else(|| err("TYPE without type"))?;
                if !["counter", "gauge"].contains(&kind) || !is_metric_name(name) {
                    return Err(err("bad TYPE"));
                }
                if kind == "counter" && !name.ends_with("_total") {
                    return Err(err("counter not named _total"));
                }
                if types.insert(name.into(), kind.into()).is_some() {
                    return Err(err("TYPE twice"));
                }
                continue;
            }
            if line.starts_with('#') || line.is_empty() {
                return Err(err("unexpected comment or blank line"));
            }
            let open = line.find('{').ok_or_else(|| err("no labels"))?;
            let name = &line[..open];
            if !types.contains_key(name) {
                return Err(err("sample before its TYPE"));
            }
            let mut labels = BTreeMap::new();
            let mut chars = line[open + 1..].chars();
            loop {
                let label: String = chars.by_ref().take_while(|&c| c != '=').collect();
                if !is_label_name(&label) {
                    return Err(err("bad label name"));
                }
                if chars.next() != Some('"') {
                    return Err(err("label value not quoted"));
                }
                let mut value = String::new();
                loop {
                    match chars.next().ok_or_else(|| err("unterminated label value"))? {
                        '"' => break,
                        '\n' => return Err(err("raw newline in label value")),
                        '\\' => match chars.next() {
                            Some('\\') => value.push('\\'),
                            Some('"') => value.push('"'),
                            Some('n') => value.push('\n'),
                            _ => return Err(err("bad escape")),
                        },
                        c => value.push(c),
                    }
                }
                if labels.insert(label, value).is_some() {
                    return Err(err("label twice"));
                }
                match chars.next() {
                    Some(',') => continue,
                    Some('}') => break,
                    _ => return Err(err("expected , or }")),
                }
            }
            let rest: String = chars.collect();
            let value = rest.strip_prefix(' ').ok_or_else(|| err("no space before the value"))?;
            let value: f64 = match value {
                "NaN" => f64::NAN,
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v.parse().map_err(|_| err("value is not a number"))?,
            };
            if !seen.insert(format!("{name}{labels:?}")) {
                return Err(err("series twice"));
            }
            samples.push(Sample {
                name: name.into(),
                labels,
                value,
            });
        }
        Ok(samples)
    }

    const NOW: i64 = 1_764_000_000_000;

    fn monitor(id: &str, name: &str, tags: &[&str], health: Health, last: Option<i64>) -> MonitorMetrics {
        MonitorMetrics {
            unique_key: id.into(),
            name: name.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            health,
            last_ping_at: last,
            pings: 7,
            flips: 2,
        }
    }

    fn value(samples: &[Sample], name: &str, id: &str) -> Option<f64> {
        samples
            .iter()
            .find(|s| s.name == name && s.labels["unique_key"] == id)
            .map(|s| s.value)
    }

    #[test]
    fn every_family_has_help_and_type_and_each_monitor_a_sample() {
        let text = render(
            &[
                monitor("a", "backup", &["prod", "db"], Health::Down, Some(NOW - 12_500)),
                monitor("b", "report", &[], Health::Up, Some(NOW - 3_000)),
            ],
            NOW,
        );
        let samples = parse(&text).unwrap();
        assert_eq!(samples.len(), 6 * 2);
        for name in [
            "edgebeat_monitor_up",
            "edgebeat_monitor_down",
            "edgebeat_monitor_late",
            "edgebeat_monitor_seconds_since_last_ping",
            "edgebeat_monitor_pings_total",
            "edgebeat_monitor_flips_total",
        ] {
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        }
        assert!(text.contains("# TYPE edgebeat_monitor_up gauge\n"));
        assert!(text.contains("# TYPE edgebeat_monitor_pings_total counter\n"));
        assert_eq!(value(&samples, "edgebeat_monitor_down", "a"), Some(1.0));
        assert_eq!(value(&samples, "edgebeat_monitor_up", "a"), Some(0.0));
        assert_eq!(value(&samples, "edgebeat_monitor_up", "b"), Some(1.0));
        assert_eq!(
            value(&samples, "edgebeat_monitor_seconds_since_last_ping", "a"),
            Some(12.5)
        );
        assert_eq!(
            value(&samples, "edgebeat_monitor_seconds_since_last_ping", "b"),
            Some(3.0)
        );
        assert_eq!(value(&samples, "edgebeat_monitor_pings_total", "a"), Some(7.0));
        assert_eq!(value(&samples, "edgebeat_monitor_flips_total", "b"), Some(2.0));
        let a = samples.iter().find(|s| s.labels["unique_key"] == "a").unwrap();
        assert_eq!(a.labels["tags"], "prod,db");
        assert_eq!(a.labels["name"], "backup");
    }

    #[test]
    fn a_late_monitor_is_neither_up_nor_down() {
        let samples = parse(&render(&[monitor("a", "x", &[], Health::Late, None)], NOW)).unwrap();
        assert_eq!(value(&samples, "edgebeat_monitor_late", "a"), Some(1.0));
        assert_eq!(value(&samples, "edgebeat_monitor_up", "a"), Some(0.0));
        assert_eq!(value(&samples, "edgebeat_monitor_down", "a"), Some(0.0));
    }

    #[test]
    fn a_monitor_that_never_pinged_has_no_seconds_since_last_ping() {
        let samples = parse(&render(&[monitor("a", "x", &[], Health::Unknown, None)], NOW)).unwrap();
        assert_eq!(value(&samples, "edgebeat_monitor_seconds_since_last_ping", "a"), None);
        assert_eq!(samples.len(), 5);
    }

    #[test]
    fn hostile_names_and_tags_parse_back_exactly() {
        let hostile = "a\\b\"c\nd} x=\"1\" 2\n# TYPE evil gauge\nevil{} 1";
        let tags = ["we\"ird", "back\\slash", "new\nline"];
        let text = render(&[monitor("id\"1", hostile, &tags, Health::Up, Some(NOW))], NOW);
        assert!(!text.contains("\nevil{"), "a name cannot start a line of its own");
        let samples = parse(&text).unwrap();
        assert_eq!(samples.len(), 6);
        for s in &samples {
            assert_eq!(s.labels["name"], hostile);
            assert_eq!(s.labels["unique_key"], "id\"1");
            assert_eq!(s.labels["tags"], tags.join(","));
        }
    }

    #[test]
    fn label_values_escape_exactly_three_characters() {
        assert_eq!(escape_label_value("a\\b\"c\nd\té"), "a\\\\b\\\"c\\nd\té");
    }

    #[test]
    fn no_monitors_is_still_a_valid_exposition() {
        let text = render(&[], NOW);
        assert_eq!(parse(&text).unwrap(), vec![]);
        assert_eq!(text.lines().count(), 12);
    }

    #[test]
    fn seconds_keep_milliseconds_without_trailing_zeros() {
        assert_eq!(seconds(0), "0");
        assert_eq!(seconds(1_000), "1");
        assert_eq!(seconds(1_500), "1.5");
        assert_eq!(seconds(1_005), "1.005");
        assert_eq!(seconds(61_230), "61.23");
    }

    #[test]
    fn a_ping_stamped_after_now_counts_as_just_now() {
        let samples = parse(&render(&[monitor("a", "x", &[], Health::Up, Some(NOW + 5_000))], NOW)).unwrap();
        assert_eq!(
            value(&samples, "edgebeat_monitor_seconds_since_last_ping", "a"),
            Some(0.0)
        );
    }

    #[test]
    fn the_strict_parser_refuses_what_the_format_forbids() {
        let ok = "# TYPE m gauge\nm{a=\"1\"} 1\n";
        assert!(parse(ok).is_ok());
        for bad in [
            "m{a=\"1\"} 1\n",
            "# TYPE m gauge\nm{a=\"1\"} 1",
            "# TYPE m gauge\nm{a=\"x\\t\"} 1\n",
            "# TYPE m gauge\nm{a=\"1\"} 1\nm{a=\"1\"} 2\n",
            "# TYPE m gauge\nm{a=1} 1\n",
            "# TYPE m gauge\nm{a=\"1\"} one\n",
            "# TYPE m_total counter\n# TYPE m_total counter\n",
            "# TYPE m counter\n",
            "# TYPE m gauge\nm{a=\"1\"}1\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn escaped_values_contain_no_raw_newline_or_unescaped_quote(value in any::<String>()) {
            let escaped = escape_label_value(&value);
            prop_assert!(!escaped.contains('\n'));
            let mut chars = escaped.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    prop_assert!(matches!(chars.next(), Some('\\' | '"' | 'n')));
                } else {
                    prop_assert!(c != '"');
                }
            }
        }
    }
}
