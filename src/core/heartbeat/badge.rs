//! Status badges: which monitors a badge's selector names, and the badge itself as SVG (the
//! flat style shields.io draws) or as a shields.io "endpoint" JSON document.

use serde_json::{json, Value};

use crate::core::heartbeat::health::{worst, Health};

/// What a badge needs to know of one of the project's monitors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadgeMonitor {
    pub slug: Option<String>,
    pub tags: Vec<String>,
    pub health: Health,
}

/// Selectors longer than this name nothing (and are not echoed back at full length).
pub const MAX_SELECTOR: usize = 100;

/// A selector is a monitor's slug or a tag: the monitor with that slug if there is one,
/// otherwise every monitor with that tag, the worst of them winning; nothing is unknown.
pub fn select(monitors: &[BadgeMonitor], selector: &str) -> Health {
    let by_slug: Vec<Health> = monitors
        .iter()
        .filter(|m| m.slug.as_deref() == Some(selector))
        .map(|m| m.health)
        .collect();
    if !by_slug.is_empty() {
        return worst(by_slug);
    }
    worst(
        monitors
            .iter()
            .filter(|m| m.tags.iter().any(|t| t == selector))
            .map(|m| m.health),
    )
}

/// The colour of each word: hex for the SVG, the shields.io name for the endpoint JSON.
fn colors(health: Health) -> (&'static str, &'static str) {
    match health {
        Health::Up => ("#4c1", "brightgreen"),
        Health::Late => ("#dfb317", "yellow"),
        Health::Down => ("#e05d44", "red"),
        Health::Unknown => ("#9f9f9f", "lightgrey"),
    }
}

/// The label a badge shows: the selector, cut to `MAX_SELECTOR` characters.
pub fn label(selector: &str) -> String {
    selector.chars().take(MAX_SELECTOR).collect()
}

/// The shields.io endpoint document (https://shields.io/badges/endpoint-badge).
pub fn endpoint_json(label: &str, health: Health) -> Value {
    json!({"schemaVersion": 1, "label": label, "message": health.as_str(), "color": colors(health).1})
}

/// Estimated width in pixels of `text` in 11 px Verdana, which badges use; about right is
/// enough, the text is centred in its box.
pub fn text_width(text: &str) -> u32 {
    let tenths: u32 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 32,
            'f' | 'r' | 't' | 'I' | ' ' | '(' | ')' | '[' | ']' | '-' | '/' | '"' => 45,
            'm' | 'w' | 'M' | 'W' | '@' | '%' => 100,
            'A'..='Z' | '0'..='9' | '#' | '&' | '_' => 75,
            c if c.is_ascii() => 66,
            // East Asian and other wide scripts.
            c if c as u32 >= 0x1100 => 110,
            _ => 75,
        })
        .sum();
    tenths.div_ceil(10)
}

/// Text made safe inside an SVG element or attribute: the five XML specials become
/// entities, and characters XML 1.0 cannot carry at all become U+FFFD.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The badge as a flat, two-part SVG: grey label, coloured status word.
pub fn svg(label: &str, health: Health) -> String {
    let message = health.as_str();
    let label_w = text_width(label) + 10;
    let message_w = text_width(message) + 10;
    let width = label_w + message_w;
    let color = colors(health).0;
    let (label, title) = (escape_xml(label), escape_xml(&format!("{label}: {message}")));
    // Text x positions in tenths of a pixel, scaled back down, as shields.io does.
    let label_x = label_w * 5;
    let message_x = label_w * 10 + message_w * 5;
    format!(
        concat!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{title}">"##,
            r##"<title>{title}</title>"##,
            r##"<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>"##,
            r##"<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>"##,
            r##"<g clip-path="url(#r)"><rect width="{label_w}" height="20" fill="#555"/><rect x="{label_w}" width="{message_w}" height="20" fill="{color}"/><rect width="{width}" height="20" fill="url(#s)"/></g>"##,
            r##"<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="110">"##,
            r##"<text x="{label_x}" y="140" transform="scale(.1)">{label}</text>"##,
            r##"<text x="{message_x}" y="140" transform="scale(.1)">{message}</text>"##,
            r##"</g></svg>"##
        ),
        width = width,
        title = title,
        label_w = label_w,
        message_w = message_w,
        color = color,
        label_x = label_x,
        message_x = message_x,
        label = label,
        message = message,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Health::*;

    fn monitor(slug: Option<&str>, tags: &[&str], health: Health) -> BadgeMonitor {
        BadgeMonitor {
            slug: slug.map(String::from),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            health,
        }
    }

    #[test]
    fn a_tag_shows_the_worst_of_its_monitors() {
        let monitors = [
            monitor(None, &["prod"], Up),
            monitor(None, &["prod", "db"], Late),
            monitor(None, &["staging"], Down),
        ];
        assert_eq!(select(&monitors, "prod"), Late);
        assert_eq!(select(&monitors, "db"), Late);
        assert_eq!(select(&monitors, "staging"), Down);
    }

    #[test]
    fn a_slug_names_its_monitor_before_any_tag_of_that_name() {
        let monitors = [monitor(Some("backup"), &[], Up), monitor(None, &["backup"], Down)];
        assert_eq!(select(&monitors, "backup"), Up);
    }

    #[test]
    fn a_selector_that_names_nothing_is_unknown() {
        assert_eq!(select(&[monitor(Some("a"), &["b"], Down)], "c"), Unknown);
        assert_eq!(select(&[], "prod"), Unknown);
    }

    #[test]
    fn the_endpoint_document_is_shields_format() {
        assert_eq!(
            endpoint_json("prod", Down),
            json!({"schemaVersion": 1, "label": "prod", "message": "down", "color": "red"})
        );
        assert_eq!(endpoint_json("x", Up)["color"], "brightgreen");
        assert_eq!(endpoint_json("x", Late)["color"], "yellow");
        assert_eq!(endpoint_json("x", Unknown)["color"], "lightgrey");
    }

    #[test]
    fn xml_specials_are_escaped() {
        assert_eq!(
            escape_xml(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(escape_xml("a\u{0}b\u{1b}c\nd"), "a\u{FFFD}b\u{FFFD}c d");
        assert_eq!(escape_xml("ünïcödé ✓"), "ünïcödé ✓");
    }

    #[test]
    fn a_hostile_label_cannot_break_out_of_the_svg() {
        let svg = svg(r#"</text><script>alert(1)</script>""#, Up);
        assert!(!svg.contains("<script>") && !svg.contains("</text><script"));
        assert!(svg.contains("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));
    }

    #[test]
    fn the_svg_names_both_parts_and_colours_the_status() {
        let svg = svg("nightly-backup", Down);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("<title>nightly-backup: down</title>"));
        assert!(svg.contains(">nightly-backup</text>") && svg.contains(">down</text>"));
        assert!(svg.contains("fill=\"#e05d44\""));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn the_badge_is_as_wide_as_its_two_boxes() {
        let label_w = text_width("prod") + 10;
        let message_w = text_width("up") + 10;
        let s = svg("prod", Up);
        assert!(s.contains(&format!("width=\"{}\" height=\"20\" role", label_w + message_w)));
        assert!(s.contains(&format!("<rect x=\"{label_w}\" width=\"{message_w}\"")));
    }

    #[test]
    fn text_width_grows_with_the_text_and_knows_narrow_and_wide_letters() {
        assert_eq!(text_width(""), 0);
        assert!(text_width("iiii") < text_width("aaaa"));
        assert!(text_width("aaaa") < text_width("MMMM"));
        assert!(text_width("up") < text_width("unknown"));
        assert_eq!(text_width("aaaaaaaaaa"), 66);
        assert_eq!(text_width("漢字"), 22);
    }

    #[test]
    fn each_class_of_letter_has_its_verdana_width() {
        // Ten of a letter: its width in tenths of a pixel, exactly.
        let ten = |c: char| text_width(&c.to_string().repeat(10));
        assert_eq!(ten('i'), 32);
        assert_eq!(ten('f'), 45);
        assert_eq!(ten('m'), 100);
        assert_eq!(ten('A'), 75);
        assert_eq!(ten('7'), 75);
        assert_eq!(ten('a'), 66);
        assert_eq!(ten('漢'), 110, "wide scripts");
        assert_eq!(ten('é'), 75, "other letters");
    }

    #[test]
    fn characters_xml_cannot_carry_become_replacement_characters() {
        assert_eq!(escape_xml("a\u{1}b"), "a\u{FFFD}b");
        assert_eq!(escape_xml("\u{FFFE}\u{FFFF}"), "\u{FFFD}\u{FFFD}");
        assert_eq!(escape_xml("\u{FFFD}é"), "\u{FFFD}é");
    }

    #[test]
    fn each_text_is_centred_in_its_box() {
        let (label_w, message_w) = (text_width("nightly") + 10, text_width("down") + 10);
        let svg = svg("nightly", Down);
        // x is in tenths of a pixel (the text is scaled by .1): the middle of each box.
        let centre_of_label = label_w * 10 / 2;
        let centre_of_message = (label_w * 10) + (message_w * 10 / 2);
        assert!(
            svg.contains(&format!(r#"<text x="{centre_of_label}" y="140""#)),
            "{svg}"
        );
        assert!(
            svg.contains(&format!(r#"<text x="{centre_of_message}" y="140""#)),
            "{svg}"
        );
        assert!(svg.contains(&format!(r#"<rect x="{label_w}" width="{message_w}""#)));
    }

    #[test]
    fn labels_are_cut_to_the_selector_limit() {
        assert_eq!(label(&"é".repeat(150)).chars().count(), MAX_SELECTOR);
        assert_eq!(label("prod"), "prod");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_label_makes_well_formed_text_without_raw_specials(text in any::<String>()) {
            let escaped = escape_xml(&text);
            prop_assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('"'));
            prop_assert!(escaped.chars().all(|c| c as u32 >= 0x20));
            let s = svg(&label(&text), Health::Up);
            prop_assert_eq!(s.matches("<text ").count(), 2);
        }
    }
}
