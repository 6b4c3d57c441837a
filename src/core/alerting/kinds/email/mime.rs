//! The raw message Cloudflare's Email Service binding (`send_email`) takes: RFC 5322 headers
//! and a `multipart/alternative` MIME body with the text and HTML parts, CRLF line endings
//! throughout. Every header value is built here from one-line text (names and subjects lose
//! their line breaks, non-ASCII becomes RFC 2047 encoded words) and both parts are base64, so
//! nothing the user wrote can end a header, start another, or close a part.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::address::is_mail_address;
use super::body;
use crate::core::alerting::alert::Alert;
use crate::core::time::civil_from_days;

const CRLF: &str = "\r\n";
/// RFC 2045's longest base64 line.
const BASE64_LINE: usize = 76;
/// The UTF-8 bytes one encoded word carries: 36 bytes are 48 base64 characters, a 60-character
/// word with `=?UTF-8?B?` and `?=`, so even after `Subject: ` its line stays within RFC 2047's
/// 76 characters.
const ENCODED_WORD_BYTES: usize = 36;

/// `text` with every control character (CR and LF among them) turned into a space.
fn flat(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A header's text: as is when it is printable ASCII that cannot read as an encoded word,
/// else RFC 2047 `B` encoded words, folded between words, each cut on a character.
pub fn header_text(text: &str) -> String {
    let text = flat(text);
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) && !text.contains("=?") {
        return text;
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > ENCODED_WORD_BYTES {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", STANDARD.encode(w)))
        .collect::<Vec<_>>()
        .join(&format!("{CRLF} "))
}

/// `MAIL_FROM` as a header: `addr`, or `Name <addr>` with the name quoted (or encoded when it
/// is not ASCII) so a comma in it never reads as a second address.
fn mailbox(from: &str) -> String {
    let from = flat(from);
    let from = from.trim();
    let Some((name, addr)) = from
        .strip_suffix('>')
        .and_then(|f| f.rsplit_once('<'))
        .map(|(name, addr)| (name.trim().trim_matches('"'), addr.trim()))
    else {
        return from.to_string();
    };
    if name.is_empty() {
        return format!("<{addr}>");
    }
    let name = if name.is_ascii() {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        header_text(name)
    };
    format!("{name} <{addr}>")
}

/// The domain a Message-ID is made unique in: the sender's, or `edgebeat.invalid`.
fn id_domain(from: &str) -> String {
    let domain: String = from
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    match domain.trim_matches('.') {
        "" => "edgebeat.invalid".to_string(),
        d => d.to_string(),
    }
}

/// A Message-ID's (and the boundary's) unique part: the seed's letters, digits, `.`, `-` and
/// `_`, at most 40 of them.
fn id_part(seed: &str) -> String {
    let part: String = seed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(40)
        .collect();
    match part.as_str() {
        "" => "edgebeat".to_string(),
        _ => part,
    }
}

/// RFC 5322's date: "Thu, 03 Dec 2026 10:00:00 +0000".
pub fn rfc5322_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ms.div_euclid(86_400_000);
    let secs = ms.rem_euclid(86_400_000) / 1_000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[m as usize - 1],
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A part's text in canonical form (CRLF line breaks), base64 in 76-character lines.
fn base64_lines(text: &str) -> String {
    let canonical = text.replace("\r\n", "\n").replace('\n', CRLF);
    let encoded = STANDARD.encode(canonical);
    encoded
        .as_bytes()
        .chunks(BASE64_LINE)
        .map(|line| std::str::from_utf8(line).expect("base64 is ASCII"))
        .collect::<Vec<_>>()
        .join(CRLF)
}

/// `<{public_url}/channels>`, where a recipient turns the channel off, when `PUBLIC_URL` is a
/// URL that fits between angle brackets.
pub fn list_unsubscribe(public_url: &str) -> Option<String> {
    let base = public_url.trim_end_matches('/');
    let fits = !base.is_empty()
        && base
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && c != '<' && c != '>');
    fits.then(|| format!("<{base}/channels>"))
}

/// The whole message. `to` is checked again here (an address that is not a plain addr-spec is
/// left out); the Date is the alert's own moment, so a retried delivery is the same message;
/// `message_id_seed` (the delivery's id) makes the Message-ID and the boundary.
pub fn mime_message(from: &str, to: &[String], alert: &Alert, public_url: &str, message_id_seed: &str) -> String {
    let id = id_part(message_id_seed);
    // `=` and `_` never occur in base64 text, so no line of a part can match the boundary.
    let boundary = format!("=_edgebeat_{id}");
    let to: Vec<&str> = to.iter().map(|a| a.trim()).filter(|a| is_mail_address(a)).collect();
    let mut headers = vec![
        format!("From: {}", mailbox(from)),
        format!("To: {}", to.join(", ")),
        format!("Subject: {}", header_text(&body::subject(alert))),
        format!("Date: {}", rfc5322_date(alert.at)),
        format!("Message-ID: <{id}@{}>", id_domain(from)),
        "MIME-Version: 1.0".to_string(),
        // RFC 3834: an automatic message, which auto-responders must not answer.
        "Auto-Submitted: auto-generated".to_string(),
    ];
    if let Some(unsubscribe) = list_unsubscribe(public_url) {
        headers.push(format!("List-Unsubscribe: {unsubscribe}"));
    }
    headers.push(format!("Content-Type: multipart/alternative; boundary=\"{boundary}\""));
    let part = |content_type: &str, text: &str| {
        format!(
            "--{boundary}{CRLF}Content-Type: {content_type}; charset=utf-8{CRLF}\
             Content-Transfer-Encoding: base64{CRLF}{CRLF}{}{CRLF}",
            base64_lines(text)
        )
    };
    format!(
        "{}{CRLF}{CRLF}{}{}--{boundary}--{CRLF}",
        headers.join(CRLF),
        part("text/plain", &body::text(alert)),
        part("text/html", &body::html(alert)),
    )
}

#[cfg(test)]
mod tests;
