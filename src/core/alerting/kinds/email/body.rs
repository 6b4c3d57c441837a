//! What an alert email says, whichever way it leaves: the subject, a plain-text body and an
//! HTML body with a button to the alert's page. Every text of the user's is HTML-escaped in
//! the HTML body; the subject is one line, so a name cannot start a header of its own.

use crate::core::alerting::alert::Alert;
use crate::core::alerting::markup::{html as escape, one_line};

/// Long subjects are cut by mail clients anyway; this keeps the header on one line.
pub const MAX_SUBJECT: usize = 200;

/// "DOWN: nightly backup".
pub fn subject(alert: &Alert) -> String {
    one_line(&alert.title(), MAX_SUBJECT)
}

/// The alert's lines, its link, and a signature naming the channel that sent it.
pub fn text(alert: &Alert) -> String {
    let mut out = alert.lines().join("\n");
    if let Some(link) = &alert.link {
        out.push_str(&format!("\n\nOpen in edgebeat: {link}"));
    }
    out.push_str(&format!(
        "\n\n-- \nSent by edgebeat to the channel {}.\n",
        alert.channel_name
    ));
    out
}

/// The same in HTML, with inline styles only (mail clients drop style sheets); the button is
/// red for a problem, green for a recovery, grey for a test.
pub fn html(alert: &Alert) -> String {
    let colour = match (alert.is_problem(), alert.event) {
        (true, _) => "#c0392b",
        (false, crate::core::alerting::alert::AlertEvent::Up) => "#27ae60",
        (false, _) => "#7f8c8d",
    };
    let mut out = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222\">\
         <h1 style=\"font-size:18px\">{}</h1>",
        escape(&subject(alert)),
        escape(&alert.title())
    );
    for line in alert.lines() {
        out.push_str(&format!("<p>{}</p>", escape(&line)));
    }
    if let Some(link) = &alert.link {
        out.push_str(&format!(
            "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 16px;background:{colour};\
             color:#fff;text-decoration:none;border-radius:4px\">Open in edgebeat</a></p>",
            escape(link)
        ));
    }
    out.push_str(&format!(
        "<p style=\"color:#777;font-size:12px\">Sent by edgebeat to the channel {}.</p></body></html>",
        escape(&alert.channel_name)
    ));
    out
}
