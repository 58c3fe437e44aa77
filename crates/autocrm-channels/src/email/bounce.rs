//! Delivery status notifications (RFC 3464) and common non-standard bounces.
//!
//! Two recognisers, tried in order:
//! 1. a `message/delivery-status` part (inside `multipart/report`): the
//!    per-recipient fields give the failed recipients, status and diagnostic;
//!    the returned `message/rfc822` or `text/rfc822-headers` part gives the
//!    bounced message's `Message-ID`;
//! 2. the plain-text bounces of qmail, Exim and older Postfix/Sendmail, only
//!    when the message comes from an automated sender (a role address such as
//!    `mailer-daemon`, the null return path or `Auto-Submitted`), so a
//!    customer forwarding a bounce to support is not mistaken for one.
//!
//! Invariants: addresses are lower-cased, ids carry no angle brackets, and a
//! DSN that only reports successful deliveries is not a bounce.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use super::Bounce;

/// The bounce `msg` reports, if it is one. `body_text` is the message's
/// plain-text body; `automated_sender` says whether the sender is a role
/// address, the null sender or `Auto-Submitted`.
pub(crate) fn detect(msg: &Message<'_>, body_text: &str, automated_sender: bool) -> Option<Bounce> {
    if let Some(report) = delivery_status_part(msg) {
        let text = String::from_utf8_lossy(report);
        return from_delivery_status(&text, original_id(msg, body_text));
    }
    if automated_sender {
        return from_plain_text(msg, body_text);
    }
    None
}

fn delivery_status_part<'a>(msg: &'a Message<'_>) -> Option<&'a [u8]> {
    msg.parts
        .iter()
        .find(|p| {
            p.content_type().is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case("message")
                    && ct.subtype().is_some_and(|s| {
                        s.eq_ignore_ascii_case("delivery-status") || s.eq_ignore_ascii_case("global-delivery-status")
                    })
            })
        })
        .map(mail_parser::MessagePart::contents)
}

/// One per-recipient group of a delivery-status report.
#[derive(Default)]
struct Recipient {
    address: Option<String>,
    action: Option<String>,
    status: Option<String>,
    diagnostic: Option<String>,
}

fn from_delivery_status(text: &str, original_message_id: Option<String>) -> Option<Bounce> {
    let mut recipients = Vec::new();
    for group in field_groups(text) {
        let mut r = Recipient::default();
        let mut original_recipient = None;
        for (name, value) in group {
            match name.as_str() {
                "final-recipient" => r.address = typed_address(&value),
                "original-recipient" => original_recipient = typed_address(&value),
                "action" => r.action = Some(value.trim().to_ascii_lowercase()),
                "status" => r.status = find_status_code(&value),
                "diagnostic-code" => r.diagnostic = Some(after_type(&value)).filter(|d| !d.is_empty()),
                _ => {}
            }
        }
        r.address = r.address.or(original_recipient);
        if r.address.is_some() || r.action.is_some() || r.status.is_some() {
            recipients.push(r);
        }
    }
    let failing: Vec<&Recipient> = recipients
        .iter()
        .filter(|r| match r.action.as_deref() {
            Some("failed" | "delayed") => true,
            Some(_) => false,
            // No Action field: trust the status class.
            None => r.status.as_deref().is_none_or(|s| !s.starts_with('2')),
        })
        .collect();
    if failing.is_empty() && !recipients.is_empty() {
        // Only "delivered", "relayed" or "expanded": a receipt, not a bounce.
        return None;
    }
    let permanent = failing
        .iter()
        .any(|r| r.action.as_deref() == Some("failed") || r.status.as_deref().is_some_and(|s| s.starts_with('5')));
    let mut failed_recipients: Vec<String> = Vec::new();
    for address in failing.iter().filter_map(|r| r.address.clone()) {
        if !failed_recipients.contains(&address) {
            failed_recipients.push(address);
        }
    }
    Some(Bounce {
        original_message_id,
        failed_recipients,
        status: failing.iter().find_map(|r| r.status.clone()),
        permanent,
        diagnostic: failing.iter().find_map(|r| r.diagnostic.clone()),
    })
}

/// Header-style fields, unfolded, names lower-cased, grouped by blank lines.
fn field_groups(text: &str) -> Vec<Vec<(String, String)>> {
    let mut groups = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            current.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// `rfc822; User@Example.com` → `user@example.com`.
fn typed_address(value: &str) -> Option<String> {
    let address = after_type(value);
    let address = address.trim_matches(|c: char| c == '<' || c == '>' || c.is_whitespace()).to_lowercase();
    (!address.is_empty()).then_some(address)
}

/// The value after an RFC 3464 type prefix (`smtp; 550 …` → `550 …`), whitespace collapsed.
fn after_type(value: &str) -> String {
    let rest = match value.split_once(';') {
        Some((kind, rest)) if !kind.trim().is_empty() && !kind.contains(' ') => rest,
        _ => value,
    };
    rest.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first enhanced status code (`5.1.1`, `#4.4.7`) in `text`.
fn find_status_code(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|t| t.trim_end_matches('.'))
        .find(|t| {
            let parts: Vec<&str> = t.split('.').collect();
            parts.len() == 3
                && matches!(parts[0], "2" | "4" | "5")
                && (1..=3).contains(&parts[1].len())
                && (1..=3).contains(&parts[2].len())
                && parts[1..].iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_owned)
}

/// The bounced message's id: from a returned message part, a
/// `text/rfc822-headers` part, or a copy of the headers in the text.
fn original_id(msg: &Message<'_>, body_text: &str) -> Option<String> {
    for part in msg.parts.iter().skip(1) {
        match &part.body {
            PartType::Message(inner) => {
                if let Some(id) = super::parse::message_id(inner) {
                    return Some(id);
                }
            }
            PartType::Text(text) if part.is_content_type("text", "rfc822-headers") => {
                if let Some(id) = id_from_headers(text) {
                    return Some(id);
                }
            }
            PartType::Binary(bytes) if part.is_content_type("text", "rfc822-headers") => {
                if let Some(id) = id_from_headers(&String::from_utf8_lossy(bytes)) {
                    return Some(id);
                }
            }
            _ => {}
        }
    }
    id_in_copied_headers(body_text)
}

fn id_from_headers(text: &str) -> Option<String> {
    MessageParser::default()
        .parse_headers(text.as_bytes())
        .and_then(|m| super::parse::message_id(&m))
        .or_else(|| id_in_copied_headers(text))
}

/// Lower-case phrases that start the copy of the original message in a
/// plain-text bounce; the `Message-ID` is searched below it.
const COPY_MARKERS: &[&str] = &[
    "below this line is a copy of the message",
    "this is a copy of the message",
    "copy of the original message",
    "original message headers",
    "the header of the original message",
    "message headers follow",
];

/// A `Message-ID:` header line in a copy of the original message.
fn id_in_copied_headers(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let start = COPY_MARKERS.iter().filter_map(|m| lower.find(m)).min().unwrap_or(0);
    let lines: Vec<&str> = text.get(start..).unwrap_or(text).lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some((name, value)) = trimmed.split_once(':') else { continue };
        if !name.eq_ignore_ascii_case("message-id") {
            continue;
        }
        // The id may be folded onto the next line.
        let value = if value.trim().is_empty() { lines.get(i + 1).copied().unwrap_or("") } else { value };
        if let Some(id) = super::parse::ids_in(value).into_iter().next() {
            return Some(id);
        }
    }
    None
}

/// Lower-case phrases of plain-text bounces (qmail, Exim, Sendmail, old Postfix, Gmail).
const PLAIN_MARKERS: &[&str] = &[
    "this is the qmail-send program",
    "this message was created automatically by mail delivery software",
    "could not be delivered to one or more recipients",
    "could not be delivered to one or more of its recipients",
    "has not yet been delivered to one or more of its recipients",
    "delivery to the following recipient failed",
    "delivery to the following recipients failed",
    "delivery has failed to these recipients",
    "the following addresses had permanent fatal errors",
    "unable to deliver your message to the following addresses",
];

/// Phrases that mark a delay warning rather than a failure.
const DELAY_MARKERS: &[&str] =
    &["has not yet been delivered", "will continue to try", "still trying", "delivery delayed", "message delayed"];

fn from_plain_text(msg: &Message<'_>, body_text: &str) -> Option<Bounce> {
    let lower = body_text.to_lowercase();
    if !PLAIN_MARKERS.iter().any(|m| lower.contains(m)) {
        return None;
    }
    // The report is the part above the copy of the original message.
    let copy_at = COPY_MARKERS.iter().filter_map(|m| lower.find(m)).min().unwrap_or(body_text.len());
    let report = body_text.get(..copy_at).unwrap_or(body_text);

    let mut failed_recipients: Vec<String> = Vec::new();
    let mut diagnostic_lines: Vec<&str> = Vec::new();
    let mut in_diagnostic = false;
    for line in report.lines() {
        if let Some(address) = lone_address(line) {
            if !failed_recipients.contains(&address) {
                failed_recipients.push(address);
            }
            in_diagnostic = failed_recipients.len() == 1;
            continue;
        }
        if in_diagnostic {
            if line.trim().is_empty() {
                in_diagnostic = false;
            } else {
                diagnostic_lines.push(line.trim());
            }
        }
    }
    let diagnostic = diagnostic_lines.join(" ");
    let status = find_status_code(&diagnostic).or_else(|| find_status_code(report));
    let report_lower = report.to_lowercase();
    let permanent = match status.as_deref() {
        Some(s) => s.starts_with('5'),
        None => !DELAY_MARKERS.iter().any(|m| report_lower.contains(m)),
    };
    Some(Bounce {
        original_message_id: original_id(msg, body_text),
        failed_recipients,
        status,
        permanent,
        diagnostic: (!diagnostic.is_empty()).then_some(diagnostic),
    })
}

/// A line that is nothing but one address: qmail's `<user@host>:` or
/// Exim's indented `  user@host`.
fn lone_address(line: &str) -> Option<String> {
    let t = line.trim().trim_end_matches(':').trim();
    let t = t.strip_prefix('<').and_then(|t| t.strip_suffix('>')).unwrap_or(t);
    let (local, domain) = t.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !t.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | '"'));
    ok.then(|| t.to_lowercase())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn parse(raw: &str) -> Message<'_> {
        MessageParser::default().parse(raw.as_bytes()).unwrap()
    }

    const DSN: &str = "From: Mail Delivery System <MAILER-DAEMON@mx.shop.example>\r
To: support@shop.example\r
Subject: Undelivered Mail Returned to Sender\r
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r
\r
--B\r
Content-Type: text/plain\r
\r
I'm sorry to have to inform you that your message could not\r
be delivered to one or more recipients.\r
--B\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.shop.example\r
\r
Final-Recipient: rfc822; Gone@Example.com\r
Original-Recipient: rfc822;gone@example.com\r
Action: failed\r
Status: 5.1.1\r
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address\r
    rejected: User unknown\r
--B\r
Content-Type: text/rfc822-headers\r
\r
From: support@shop.example\r
Message-ID: <reply-1@shop.example>\r
Subject: Re: Order\r
--B--\r
";

    #[test]
    fn rfc3464_report_yields_recipient_status_diagnostic_and_original_id() {
        let msg = parse(DSN);
        let b = detect(&msg, "", true).unwrap();
        assert_eq!(b.failed_recipients, vec!["gone@example.com"]);
        assert_eq!(b.status.as_deref(), Some("5.1.1"));
        assert!(b.permanent);
        assert_eq!(b.original_message_id.as_deref(), Some("reply-1@shop.example"));
        assert_eq!(
            b.diagnostic.as_deref(),
            Some("550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown")
        );
    }

    #[test]
    fn delayed_action_is_a_temporary_bounce() {
        let raw = DSN.replace("Action: failed", "Action: delayed").replace("Status: 5.1.1", "Status: 4.4.7");
        let msg = parse(&raw);
        let b = detect(&msg, "", true).unwrap();
        assert!(!b.permanent);
        assert_eq!(b.status.as_deref(), Some("4.4.7"));
    }

    #[test]
    fn a_delivery_receipt_is_not_a_bounce() {
        let raw = DSN.replace("Action: failed", "Action: delivered").replace("Status: 5.1.1", "Status: 2.0.0");
        let msg = parse(&raw);
        assert_eq!(detect(&msg, "", true), None);
    }

    const QMAIL: &str = "Hi. This is the qmail-send program at mail.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<nobody@example.net>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <support@shop.example>
Message-ID:
 <reply-9@shop.example>
Subject: Re: hello
";

    #[test]
    fn qmail_bounce_from_an_automated_sender_is_recognised() {
        let msg = parse("From: MAILER-DAEMON@mail.example.net\nSubject: failure notice\n\nx\n");
        let b = detect(&msg, QMAIL, true).unwrap();
        assert_eq!(b.failed_recipients, vec!["nobody@example.net"]);
        assert_eq!(b.status.as_deref(), Some("5.1.1"));
        assert!(b.permanent);
        assert_eq!(b.original_message_id.as_deref(), Some("reply-9@shop.example"));
        assert_eq!(b.diagnostic.as_deref(), Some("Sorry, no mailbox here by that name. (#5.1.1)"));
    }

    #[test]
    fn a_person_forwarding_a_bounce_text_is_not_a_bounce() {
        let msg = parse("From: bob@example.com\nSubject: Fwd: failure notice\n\nx\n");
        assert_eq!(detect(&msg, QMAIL, false), None);
    }

    #[test]
    fn exim_delay_warning_is_temporary() {
        let text = "This message was created automatically by mail delivery software.
A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on mx.example.org.

The message identifier is:     1rABCD-0001

  slow@example.org
    Delay reason: SMTP error from remote mail server after RCPT TO:<slow@example.org>:
    host mx.example.org [192.0.2.1]: 451 Temporary local problem

No action is required on your part.
";
        let msg = parse(
            "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nSubject: Warning: message 1rABCD-0001 delayed 24 hours\n\nx\n",
        );
        let b = detect(&msg, text, true).unwrap();
        assert!(!b.permanent);
        assert_eq!(b.failed_recipients, vec!["slow@example.org"]);
        assert_eq!(b.status, None);
    }

    #[test]
    fn status_codes_are_found_only_in_their_shape() {
        assert_eq!(find_status_code("Status: 5.1.1 (bad)"), Some("5.1.1".into()));
        assert_eq!(find_status_code("(#4.4.7)"), Some("4.4.7".into()));
        assert_eq!(find_status_code("version 1.2.3 and 10.0.0.1"), None);
    }
}
