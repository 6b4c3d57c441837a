use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::*;
use crate::core::alerting::kinds::sample_alerts::{down, test_alert, up, HOSTILE, PUBLIC_URL};

const FROM: &str = "edgebeat <alerts@eb.example>";

fn to() -> Vec<String> {
    vec!["ops@example.com".into(), "oncall@example.org".into()]
}

/// The header section with folded lines joined, as (name, value) pairs.
fn headers(message: &str) -> Vec<(String, String)> {
    let (head, _) = message.split_once("\r\n\r\n").expect("a blank line ends the headers");
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if let Some(rest) = line.strip_prefix(' ') {
            out.last_mut()
                .expect("a fold follows a header")
                .1
                .push_str(&format!(" {rest}"));
        } else {
            let (name, value) = line.split_once(": ").expect("name: value");
            out.push((name.to_string(), value.to_string()));
        }
    }
    out
}

fn header(message: &str, name: &str) -> Option<String> {
    headers(message).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// Decodes a header of encoded words (or returns it as is).
fn decoded(value: &str) -> String {
    value
        .split(' ')
        .map(
            |word| match word.strip_prefix("=?UTF-8?B?").and_then(|w| w.strip_suffix("?=")) {
                Some(b64) => String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap(),
                None => word.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join(if value.starts_with("=?") { "" } else { " " })
}

/// The decoded body of the part whose Content-Type starts with `content_type`.
fn part(message: &str, content_type: &str) -> String {
    let boundary = header(message, "Content-Type")
        .unwrap()
        .split_once("boundary=\"")
        .unwrap()
        .1
        .trim_end_matches('"')
        .to_string();
    let delimiter = format!("--{boundary}");
    for p in message.split(&delimiter).skip(1) {
        let Some((head, body)) = p.split_once("\r\n\r\n") else {
            continue;
        };
        if head.contains(&format!("Content-Type: {content_type}")) {
            assert!(head.contains("Content-Transfer-Encoding: base64"));
            let b64: String = body.split("\r\n").collect();
            return String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap();
        }
    }
    panic!("no {content_type} part");
}

#[test]
fn the_message_has_its_headers_in_order_and_two_base64_parts() {
    let m = mime_message(FROM, &to(), &down("nightly backup"), PUBLIC_URL, "42");
    let names: Vec<String> = headers(&m).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "MIME-Version",
            "Auto-Submitted",
            "List-Unsubscribe",
            "Content-Type"
        ]
    );
    assert_eq!(header(&m, "From").unwrap(), "\"edgebeat\" <alerts@eb.example>");
    assert_eq!(header(&m, "To").unwrap(), "ops@example.com, oncall@example.org");
    assert_eq!(header(&m, "Subject").unwrap(), "DOWN: nightly backup");
    assert_eq!(header(&m, "Date").unwrap(), "Thu, 03 Dec 2026 10:00:00 +0000");
    assert_eq!(header(&m, "Message-ID").unwrap(), "<42@eb.example>");
    assert_eq!(header(&m, "MIME-Version").unwrap(), "1.0");
    assert_eq!(header(&m, "Auto-Submitted").unwrap(), "auto-generated");
    assert_eq!(header(&m, "List-Unsubscribe").unwrap(), "<https://eb.example/channels>");
    assert_eq!(
        header(&m, "Content-Type").unwrap(),
        "multipart/alternative; boundary=\"=_edgebeat_42\""
    );
    let text = part(&m, "text/plain; charset=utf-8");
    assert_eq!(text, body::text(&down("nightly backup")).replace('\n', "\r\n"));
    assert_eq!(
        part(&m, "text/html; charset=utf-8"),
        body::html(&down("nightly backup"))
    );
    assert!(m.ends_with("\r\n--=_edgebeat_42--\r\n"));
}

#[test]
fn every_line_ends_in_crlf_and_none_is_too_long() {
    let mut alert = down(&"é".repeat(150));
    alert.reason = "r".repeat(3_000);
    let m = mime_message(FROM, &to(), &alert, PUBLIC_URL, "42");
    assert!(m.ends_with("\r\n"));
    for line in m.split("\r\n") {
        assert!(
            !line.contains('\r') && !line.contains('\n'),
            "a bare CR or LF in {line:?}"
        );
        assert!(line.len() <= 78, "{} characters: {line}", line.len());
    }
}

#[test]
fn a_hostile_name_cannot_add_a_header() {
    for name in [
        HOSTILE,
        "x\r\nBcc: evil@x.io",
        "x\rBcc: evil@x.io",
        "x\nBcc: evil@x.io\r\n\r\nbody",
    ] {
        let m = mime_message(FROM, &to(), &down(name), PUBLIC_URL, "42");
        let hs = headers(&m);
        assert_eq!(hs.len(), 9, "{name:?}: {hs:?}");
        assert!(hs.iter().all(|(n, _)| n != "Bcc"), "{name:?}");
        let subject = header(&m, "Subject").unwrap();
        assert!(subject.contains("Bcc") || subject.starts_with("=?"), "{subject}");
    }
    let m = mime_message(FROM, &to(), &down(HOSTILE), PUBLIC_URL, "42");
    assert_eq!(
        header(&m, "Subject").unwrap(),
        "DOWN: <b>x</b> & \"q\" 'y'   Bcc: evil@x"
    );
    let html = part(&m, "text/html; charset=utf-8");
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>x"));
}

#[test]
fn a_non_ascii_subject_is_encoded_words_cut_on_characters() {
    let m = mime_message(
        FROM,
        &to(),
        &down("sauvegarde nocturne — 夜間バックアップ"),
        PUBLIC_URL,
        "42",
    );
    let raw = header(&m, "Subject").unwrap();
    assert!(raw.starts_with("=?UTF-8?B?"), "{raw}");
    assert_eq!(decoded(&raw), "DOWN: sauvegarde nocturne — 夜間バックアップ");
    let long = header_text(&"é".repeat(100));
    assert_eq!(long.split("\r\n ").count(), 6, "36 bytes per word: 18 é each");
    assert!(long.split("\r\n ").all(|w| w.len() <= 60));
    assert_eq!(decoded(&long.replace("\r\n ", " ")), "é".repeat(100));
    // A word takes exactly 36 bytes, and a character that would pass them starts the next.
    assert_eq!(header_text(&"é".repeat(18)).split("\r\n ").count(), 1);
    assert_eq!(header_text(&"é".repeat(19)).split("\r\n ").count(), 2);
    let odd = header_text(&format!("a{}", "é".repeat(40)));
    assert_eq!(odd.split("\r\n ").map(str::len).collect::<Vec<_>>(), [60, 60, 28]);
    assert_eq!(
        header_text("a =?x?="),
        "=?UTF-8?B?YSA9P3g/PQ==?=",
        "text that reads as an encoded word is encoded"
    );
    assert_eq!(header_text("plain ~ text"), "plain ~ text");
    assert_eq!(header_text("a\u{7f}b\u{1}c"), "a b c");
    assert_eq!(header_text(""), "");
}

#[test]
fn recipients_are_checked_again_and_the_sender_is_one_mailbox() {
    let to = vec![
        "ok@example.com".to_string(),
        "bad@x\r\nBcc: evil@x.io".to_string(),
        " two@example.org ".into(),
    ];
    let m = mime_message("alerts@eb.example", &to, &up("n"), PUBLIC_URL, "7");
    assert_eq!(header(&m, "To").unwrap(), "ok@example.com, two@example.org");
    assert_eq!(header(&m, "From").unwrap(), "alerts@eb.example");
    assert_eq!(mailbox("Ops, Inc <a@b.co>"), "\"Ops, Inc\" <a@b.co>");
    assert_eq!(mailbox("\"Q\\\"t\" <a@b.co>"), "\"Q\\\\\\\"t\" <a@b.co>");
    assert_eq!(mailbox("<a@b.co>"), "<a@b.co>");
    assert_eq!(mailbox("Édgebeat <a@b.co>"), "=?UTF-8?B?w4lkZ2ViZWF0?= <a@b.co>");
    assert_eq!(mailbox("Ops\r\nBcc: x@y.io <a@b.co>"), "\"Ops  Bcc: x@y.io\" <a@b.co>");
}

#[test]
fn the_message_id_and_boundary_come_from_the_seed_and_the_sender() {
    assert_eq!(id_part("42"), "42");
    assert_eq!(id_part("a b<c>@d.e_f-9"), "abcd.e_f-9");
    assert_eq!(id_part(""), "edgebeat");
    assert_eq!(id_part("<>"), "edgebeat");
    assert_eq!(id_part(&"x".repeat(100)).len(), 40);
    assert_eq!(id_domain("edgebeat <alerts@eb.example>"), "eb.example");
    assert_eq!(id_domain("alerts@mail.eb.example"), "mail.eb.example");
    assert_eq!(id_domain("no address"), "edgebeat.invalid");
    assert_eq!(id_domain("a@.>"), "edgebeat.invalid");
    assert_eq!(id_domain("a@x.io\r\nBcc: y"), "x.io");
    let m = mime_message("nobody", &to(), &test_alert("ops"), "", "d-9");
    assert_eq!(header(&m, "Message-ID").unwrap(), "<d-9@edgebeat.invalid>");
    assert_eq!(header(&m, "List-Unsubscribe"), None);
}

#[test]
fn list_unsubscribe_needs_a_url_that_fits_in_angle_brackets() {
    assert_eq!(
        list_unsubscribe("https://eb.example/").as_deref(),
        Some("<https://eb.example/channels>")
    );
    assert_eq!(list_unsubscribe(""), None);
    assert_eq!(list_unsubscribe("https://e.x/a>b"), None);
    assert_eq!(list_unsubscribe("https://e.x/<"), None);
    assert_eq!(list_unsubscribe("https://e.x/\r\nBcc: y"), None);
    assert_eq!(list_unsubscribe("https://e.x/a b"), None);
}

#[test]
fn dates_are_rfc_5322_in_utc() {
    assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    assert_eq!(rfc5322_date(1_796_292_000_000), "Thu, 03 Dec 2026 10:00:00 +0000");
    assert_eq!(rfc5322_date(951_827_696_000), "Tue, 29 Feb 2000 12:34:56 +0000");
    assert_eq!(rfc5322_date(-1_000), "Wed, 31 Dec 1969 23:59:59 +0000");
    assert_eq!(rfc5322_date(1_700_000_000_999), "Tue, 14 Nov 2023 22:13:20 +0000");
}
