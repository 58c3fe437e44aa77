//! MIME parsing with `mail-parser` into [`ParsedEmail`].
//!
//! The flow: size cap, 8-bit header repair, `mail-parser`, then a walk over
//! the flat part list that sorts every leaf into body text, body HTML or
//! attachment. Body text is split into new text, quoted history and
//! signature ([`super::quote`]); bounces are recognised by
//! [`super::bounce`]; loop markers are read into [`Automation`].
//!
//! Invariants: never panics (a panic inside the third-party MIME parser is
//! caught and reported as [`ParseError::Malformed`]); addresses are
//! lower-cased; ids carry no angle brackets; HTML is sanitised with
//! [`autocrm_domain::html::sanitize`] (`cid:` URLs kept); attachment names
//! are bare, safe file names; nothing is dropped silently (a capped
//! attachment is listed in `skipped_attachments`).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use mail_parser::{HeaderName, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use sha2::{Digest as _, Sha256};

use super::{Address, Automation, ParsedAttachment, ParsedEmail, bounce, quote};

/// Caps applied while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest raw message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Most attachments kept per message; the rest are listed in `skipped_attachments`.
    pub max_attachments: usize,
    /// Largest single attachment kept, in bytes.
    pub max_attachment_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_message_bytes: 25 * 1024 * 1024, max_attachments: 50, max_attachment_bytes: 15 * 1024 * 1024 }
    }
}

/// Why a message could not be accepted at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// Larger than [`Limits::max_message_bytes`]; the sender gets a bounce.
    #[error("the message is {size} bytes, larger than the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    /// Not an RFC 5322 message (no header section).
    #[error("not an e-mail message: {0}")]
    Malformed(String),
}

/// Parses a raw message with the default [`Limits`].
pub fn parse(raw: &[u8]) -> Result<ParsedEmail, ParseError> {
    parse_with_limits(raw, &Limits::default())
}

/// Parses a raw message.
pub fn parse_with_limits(raw: &[u8], limits: &Limits) -> Result<ParsedEmail, ParseError> {
    if raw.len() > limits.max_message_bytes {
        return Err(ParseError::TooLarge { size: raw.len(), limit: limits.max_message_bytes });
    }
    // mail-parser promises not to panic, but it is third-party code fed by
    // strangers: a bug there must cost one message, not the IMAP poller.
    std::panic::catch_unwind(|| parse_checked(raw, limits))
        .unwrap_or_else(|_| Err(ParseError::Malformed("the MIME structure could not be read".into())))
}

fn parse_checked(raw: &[u8], limits: &Limits) -> Result<ParsedEmail, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Malformed("empty message".into()));
    }
    let repaired = repair_8bit_headers(raw);
    let msg = MessageParser::default()
        .parse(repaired.as_ref())
        .ok_or_else(|| ParseError::Malformed("no header section".into()))?;
    if !msg.headers().iter().any(|h| is_message_header(&h.name)) {
        drop_flat(msg);
        return Err(ParseError::Malformed("no RFC 5322 header fields".into()));
    }

    let from = addresses(&msg, &HeaderName::From)
        .into_iter()
        .next()
        .or_else(|| addresses(&msg, &HeaderName::Sender).into_iter().next());
    let return_path = return_path(&msg);
    let automation = automation(&msg, from.as_ref(), return_path.as_deref());

    let walked = walk(&msg);
    let html_source = without_head(&walked.html.join("\n"));
    let plain = walked.text.join("\n").replace("\r\n", "\n");
    let (html, text) = if html_source.trim().is_empty() {
        (None, plain)
    } else if html_depth(&html_source) > MAX_HTML_DEPTH {
        // Too deep to render in reasonable time: keep the words, not the markup.
        let text = if plain.trim().is_empty() { strip_tags(&html_source) } else { plain };
        (None, text)
    } else {
        let html = autocrm_domain::html::sanitize(&html_source).trim().to_owned();
        let text = if plain.trim().is_empty() { autocrm_domain::html::html_to_text(&html) } else { plain };
        (Some(html), text)
    };
    let (attachments, skipped_attachments) = attachments(&msg, &walked.attachments, &html_source, limits);

    let automated = automation.role_sender || automation.null_return_path || automation.auto_submitted;
    let bounce = bounce::detect(&msg, &text, automated);
    let split = quote::split(&text);

    let parsed = ParsedEmail {
        message_id: message_id(&msg),
        in_reply_to: ids(&msg, &HeaderName::InReplyTo),
        references: ids(&msg, &HeaderName::References),
        from,
        reply_to: addresses(&msg, &HeaderName::ReplyTo),
        to: addresses(&msg, &HeaderName::To),
        cc: addresses(&msg, &HeaderName::Cc),
        delivered_to: delivered_to(&msg),
        return_path,
        subject: msg.subject().map(|s| s.trim().to_owned()).unwrap_or_default(),
        date: msg.date().and_then(to_utc),
        text_new: split.new,
        text_quoted: split.quoted,
        signature: split.signature,
        html,
        attachments,
        automation,
        bounce,
        body_hash: body_hash(&text),
        skipped_attachments,
        raw_size: raw.len(),
    };
    drop_flat(msg);
    Ok(parsed)
}

/// Drops a parsed message one nesting level at a time. `mail-parser` nests
/// `message/rfc822` parts as values, and dropping tens of thousands of
/// levels recursively overflows the stack (an abort, not a panic).
fn drop_flat(msg: Message<'_>) {
    let mut pending = vec![msg];
    while let Some(mut m) = pending.pop() {
        for part in &mut m.parts {
            if let PartType::Message(inner) = std::mem::take(&mut part.body) {
                pending.push(inner);
            }
        }
    }
}

/// Nesting beyond which HTML is neither sanitised nor rendered: html5ever
/// and html2text take time quadratic in the depth (minutes at 50 000
/// levels), while real mail stays in the tens.
const MAX_HTML_DEPTH: usize = 512;

/// Elements that never hold children, or whose end tag is implied by the
/// next sibling (`<p>a<p>b` is flat): neither deepens the tree.
const NON_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p",
    "li", "dt", "dd", "td", "th", "tr", "option",
];

/// An upper estimate of the element nesting depth, in one linear pass.
fn html_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + offset + 1;
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = if closing { start + 1 } else { start };
        let name_len = bytes[name_start.min(bytes.len())..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 {
            i = start;
            continue;
        }
        let name = &html[name_start..name_start + name_len];
        let end = bytes[name_start + name_len..].iter().position(|&b| b == b'>').map(|p| name_start + name_len + p);
        let self_closing = end.is_some_and(|e| bytes[e - 1] == b'/');
        if !self_closing && !NON_NESTING.iter().any(|t| t.eq_ignore_ascii_case(name)) {
            if closing {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                max = max.max(depth);
            }
        }
        i = end.map_or(bytes.len(), |e| e + 1);
    }
    max
}

/// Removes the `<head>` element (title, styles, meta): its text is not
/// part of the message and the sanitiser would keep the title's words.
fn without_head(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let start = lower
        .match_indices("<head")
        .map(|(i, _)| i)
        .find(|&i| matches!(lower.as_bytes().get(i + 5), Some(b'>' | b' ' | b'\t' | b'\r' | b'\n' | b'/')));
    match (start, lower.find("</head>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b + "</head>".len()..]),
        _ => html.to_owned(),
    }
}

/// Plain text from HTML in one linear pass, for HTML too deep to render:
/// tags dropped (block tags become line breaks), scripts and styles
/// dropped with their content, the common entities decoded.
fn strip_tags(html: &str) -> String {
    const BLOCKS: &[&str] = &["br", "p", "div", "tr", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table"];
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() / 2);
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        out.push_str(&html[i..i + offset]);
        let tag_start = i + offset;
        let Some(len) = html[tag_start..].find('>') else {
            i = html.len();
            break;
        };
        let tag = &lower[tag_start + 1..tag_start + len];
        let name: String = tag.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect();
        i = tag_start + len + 1;
        if !tag.starts_with('/') && (name == "script" || name == "style") {
            let close = format!("</{name}");
            i = lower[i..].find(&close).map_or(html.len(), |p| i + p);
        } else if BLOCKS.contains(&name.as_str()) {
            out.push('\n');
        }
    }
    out.push_str(&html[i.min(html.len())..]);
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Header lines with raw 8-bit bytes that are not UTF-8 (RFC 5322 forbids
/// them, old clients send Latin-1 anyway) are re-read as Windows-1252, the
/// superset of Latin-1 every client means by it.
fn repair_8bit_headers(raw: &[u8]) -> Cow<'_, [u8]> {
    // The header section ends at the first blank line, CRLF or bare LF.
    let crlf = find(raw, b"\r\n\r\n").map(|i| i + 2);
    let lf = find(raw, b"\n\n").map(|i| i + 1);
    let header_end = crlf.into_iter().chain(lf).min().unwrap_or(raw.len());
    let (head, body) = raw.split_at(header_end);
    if std::str::from_utf8(head).is_ok() {
        return Cow::Borrowed(raw);
    }
    let Some(decode) = mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252") else {
        return Cow::Borrowed(raw);
    };
    let mut out = Vec::with_capacity(raw.len() + 64);
    for line in head.split_inclusive(|&b| b == b'\n') {
        if std::str::from_utf8(line).is_ok() {
            out.extend_from_slice(line);
        } else {
            out.extend_from_slice(decode(line).as_bytes());
        }
    }
    out.extend_from_slice(body);
    Cow::Owned(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether a header is one a real message carries (garbage parses into
/// "headers" with odd names, never into these).
fn is_message_header(name: &HeaderName<'_>) -> bool {
    match name {
        HeaderName::From
        | HeaderName::Sender
        | HeaderName::To
        | HeaderName::Cc
        | HeaderName::Bcc
        | HeaderName::ReplyTo
        | HeaderName::Subject
        | HeaderName::Date
        | HeaderName::MessageId
        | HeaderName::InReplyTo
        | HeaderName::References
        | HeaderName::Received
        | HeaderName::ReturnPath
        | HeaderName::MimeVersion
        | HeaderName::ContentType => true,
        HeaderName::Other(n) => {
            ["delivered-to", "x-original-to", "envelope-to"].iter().any(|h| n.eq_ignore_ascii_case(h))
        }
        _ => false,
    }
}

fn clean_id(id: &str) -> String {
    id.trim().trim_start_matches('<').trim_end_matches('>').trim().to_owned()
}

/// Every Message-ID in every `name` header, read from the raw text: the
/// `<…>` tokens, or bare `local@domain` tokens when a client left the
/// brackets out. Anything with whitespace or brackets inside is not an id.
fn ids(msg: &Message<'_>, name: &HeaderName<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for header in msg.headers().iter().filter(|h| h.name == *name) {
        let Some(raw) = msg.raw_message.get(header.offset_start as usize..header.offset_end as usize) else { continue };
        for id in ids_in(&String::from_utf8_lossy(raw)) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// The first `Message-ID` of `msg` (also used for returned messages in bounces).
pub(super) fn message_id(msg: &Message<'_>) -> Option<String> {
    ids(msg, &HeaderName::MessageId).into_iter().next()
}

pub(super) fn ids_in(text: &str) -> Vec<String> {
    let bracketed: Vec<String> = text
        .split('<')
        .skip(1)
        .filter_map(|piece| piece.split_once('>').map(|(id, _)| id.trim().to_owned()))
        .filter(|id| is_plausible_id(id))
        .collect();
    if !bracketed.is_empty() || text.contains('<') {
        return bracketed;
    }
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(str::trim)
        .filter(|t| t.contains('@') && is_plausible_id(t))
        .map(str::to_owned)
        .collect()
}

fn is_plausible_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 998
        && !id.contains(|c: char| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

/// Every address in every header called `name`, groups flattened.
fn addresses(msg: &Message<'_>, name: &HeaderName<'_>) -> Vec<Address> {
    let mut out: Vec<Address> = Vec::new();
    for value in msg.header_values(name.clone()) {
        let Some(list) = value.as_address() else { continue };
        for addr in list.iter() {
            let Some(email) = addr.address().map(|a| a.trim().trim_matches(['<', '>']).to_lowercase()) else {
                continue;
            };
            if email.is_empty() || out.iter().any(|a| a.email == email) {
                continue;
            }
            let name = addr.name().map(|n| n.trim().trim_matches('"').trim().to_owned()).filter(|n| !n.is_empty());
            out.push(Address { name, email });
        }
    }
    out
}

/// The address inside `<…>`, or the whole trimmed value, lower-cased.
fn bare_address(value: &str) -> String {
    let value = value.trim();
    let inner = match (value.find('<'), value.rfind('>')) {
        (Some(a), Some(b)) if a < b => &value[a + 1..b],
        _ => value,
    };
    inner.trim().to_lowercase()
}

fn delivered_to(msg: &Message<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for header in msg.headers() {
        let name = header.name.as_str();
        if !["delivered-to", "x-original-to", "envelope-to"].iter().any(|h| name.eq_ignore_ascii_case(h)) {
            continue;
        }
        let Some(text) = header.value.as_text() else { continue };
        for piece in text.split(',') {
            let address = bare_address(piece);
            if address.contains('@') && !out.contains(&address) {
                out.push(address);
            }
        }
    }
    out
}

/// `Return-Path`, read raw: mail-parser turns `<>` into nothing.
fn return_path(msg: &Message<'_>) -> Option<String> {
    msg.header_raw(HeaderName::ReturnPath).map(bare_address)
}

fn to_utc(dt: &mail_parser::DateTime) -> Option<DateTime<Utc>> {
    let local = NaiveDate::from_ymd_opt(i32::from(dt.year), u32::from(dt.month), u32::from(dt.day))?.and_hms_opt(
        u32::from(dt.hour),
        u32::from(dt.minute),
        u32::from(dt.second),
    )?;
    if dt.tz_hour > 23 || dt.tz_minute > 59 {
        return None;
    }
    let offset = TimeDelta::hours(i64::from(dt.tz_hour)) + TimeDelta::minutes(i64::from(dt.tz_minute));
    // `tz_before_gmt` is a negative offset (-0500): UTC is later than local time.
    let utc = if dt.tz_before_gmt { local.checked_add_signed(offset)? } else { local.checked_sub_signed(offset)? };
    Some(utc.and_utc())
}

fn header_text<'a>(msg: &'a Message<'_>, name: &str) -> Option<&'a str> {
    msg.headers().iter().find(|h| h.name.as_str().eq_ignore_ascii_case(name)).and_then(|h| h.value.as_text())
}

fn has_header(msg: &Message<'_>, name: &str) -> bool {
    msg.headers().iter().any(|h| h.name.as_str().eq_ignore_ascii_case(name))
}

/// Local parts of senders that are systems, not people.
const ROLE_LOCAL_PARTS: &[&str] = &[
    "mailer-daemon",
    "mailerdaemon",
    "postmaster",
    "noreply",
    "no-reply",
    "no_reply",
    "do-not-reply",
    "do_not_reply",
    "donotreply",
    "bounce",
    "bounces",
];

fn automation(msg: &Message<'_>, from: Option<&Address>, return_path: Option<&str>) -> Automation {
    let lower = |name: &str| header_text(msg, name).map(|v| v.trim().to_ascii_lowercase());
    let auto_submitted = lower("auto-submitted")
        .is_some_and(|v| v.split(';').next().is_some_and(|token| !token.trim().is_empty() && token.trim() != "no"));
    let bulk_precedence = lower("precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list"));
    let mailing_list = has_header(msg, "list-id") || has_header(msg, "list-unsubscribe");
    let role_sender = from.is_some_and(|a| {
        let local = a.email.split('@').next().unwrap_or_default();
        ROLE_LOCAL_PARTS.contains(&local)
            || ["noreply", "no-reply", "no_reply", "donotreply", "do-not-reply"].iter().any(|p| local.starts_with(p))
    });
    let suppress =
        lower("x-auto-response-suppress").is_some_and(|v| v.split(',').any(|t| matches!(t.trim(), "oof" | "all")));
    let autoresponder_marker = has_header(msg, "x-autoreply") || has_header(msg, "x-autorespond") || suppress;
    Automation {
        auto_submitted,
        bulk_precedence,
        mailing_list,
        null_return_path: return_path == Some(""),
        role_sender,
        autoresponder_marker,
    }
}

/// The leaf parts sorted by role: body text, body HTML, and the ids of
/// every other part (the attachments).
struct Walked<'a> {
    text: Vec<&'a str>,
    html: Vec<&'a str>,
    attachments: Vec<usize>,
}

/// Sorts every leaf part. `msg.parts` is in document order, so a flat pass
/// keeps the body order without recursion (no stack to exhaust however deep
/// the nesting).
fn walk<'a>(msg: &'a Message<'_>) -> Walked<'a> {
    let mut walked = Walked { text: Vec::new(), html: Vec::new(), attachments: Vec::new() };
    for (id, part) in msg.parts.iter().enumerate() {
        if matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        let named = part.attachment_name().is_some_and(|n| !n.trim().is_empty());
        let attachment_disposition = part.content_disposition().is_some_and(mail_parser::ContentType::is_attachment);
        let body_candidate = !named && !attachment_disposition;
        match &part.body {
            PartType::Text(text) if body_candidate && is_plain_text(part) => walked.text.push(text),
            PartType::Html(html) if body_candidate => walked.html.push(html),
            _ => walked.attachments.push(id),
        }
    }
    walked
}

fn is_plain_text(part: &MessagePart<'_>) -> bool {
    part.content_type().is_none_or(|ct| {
        ct.ctype().eq_ignore_ascii_case("text") && ct.subtype().is_none_or(|s| s.eq_ignore_ascii_case("plain"))
    })
}

fn content_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) if !ct.ctype().is_empty() && !sub.is_empty() => {
                format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase()
            }
            _ => "application/octet-stream".into(),
        },
        None if part.is_message() => "message/rfc822".into(),
        None => "text/plain".into(),
    }
}

/// Builds the attachment list, applying the caps in document order.
fn attachments(msg: &Message<'_>, ids: &[usize], html: &str, limits: &Limits) -> (Vec<ParsedAttachment>, Vec<String>) {
    let html_lower = html.to_lowercase();
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for (n, &id) in ids.iter().enumerate() {
        let Some(part) = msg.parts.get(id) else { continue };
        let content_type = content_type(part);
        let filename = attachment_name(part, &content_type, n + 1);
        let data = part.contents();
        if data.len() > limits.max_attachment_bytes || kept.len() >= limits.max_attachments {
            skipped.push(filename);
            continue;
        }
        let content_id = part.content_id().map(clean_id).filter(|c| is_plausible_id(c));
        let inline = content_id.as_ref().is_some_and(|cid| {
            let not_attachment = !part.content_disposition().is_some_and(mail_parser::ContentType::is_attachment);
            not_attachment && (in_related(msg, id) || html_lower.contains(&format!("cid:{}", cid.to_lowercase())))
        });
        kept.push(ParsedAttachment { filename, content_type, content_id, inline, data: data.to_vec() });
    }
    (kept, skipped)
}

/// Whether part `id` sits inside a `multipart/related`.
fn in_related(msg: &Message<'_>, id: usize) -> bool {
    msg.parts.iter().any(|p| {
        p.sub_parts().is_some_and(|subs| subs.iter().any(|&s| s as usize == id))
            && p.content_type().is_some_and(|ct| ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("related")))
    })
}

fn attachment_name(part: &MessagePart<'_>, content_type: &str, n: usize) -> String {
    let given = part.attachment_name().map(safe_filename).filter(|s| !s.is_empty());
    if let Some(name) = given {
        return name;
    }
    if content_type == "text/calendar" {
        return "invite.ics".into();
    }
    if let Some(subject) = part.message().and_then(Message::subject) {
        let name = safe_filename(&format!("{}.eml", subject.trim()));
        if name.len() > ".eml".len() {
            return name;
        }
    }
    format!("attachment-{n}.{}", extension_for(content_type))
}

fn extension_for(content_type: &str) -> &'static str {
    match content_type {
        "message/rfc822" | "message/global" => "eml",
        "text/calendar" => "ics",
        "text/plain" | "text/rfc822-headers" | "message/delivery-status" | "message/global-delivery-status" => "txt",
        "text/html" => "html",
        "text/csv" => "csv",
        "image/png" => "png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "text/vcard" | "text/x-vcard" => "vcf",
        _ => "bin",
    }
}

/// The longest file name kept, in bytes.
const MAX_FILENAME_BYTES: usize = 200;

/// A bare, safe file name: no directories, no control or bidi-override
/// characters, no leading dots, no characters Windows forbids, at most
/// [`MAX_FILENAME_BYTES`] with the extension kept. May be empty.
fn safe_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|&c| !c.is_control() && !is_invisible_format(c))
        .map(|c| if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .collect();
    let cleaned = cleaned
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    truncate_keeping_extension(cleaned, MAX_FILENAME_BYTES)
}

/// Zero-width and bidirectional-override characters, used to disguise
/// `invoice\u{202e}fdp.exe` as `invoiceexe.pdf`.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() && ext.len() <= 16 => (stem, Some(ext)),
        _ => (name, None),
    };
    let room = max - ext.map_or(0, |e| e.len() + 1);
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    match ext {
        Some(ext) => format!("{}.{ext}", stem[..cut].trim_end()),
        None => stem[..cut].to_owned(),
    }
}

/// Hex SHA-256 of the text with lines trimmed and blank runs collapsed, so
/// a re-encoded copy of the same message hashes the same.
fn body_hash(text: &str) -> String {
    let mut normalised = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            blank = true;
            continue;
        }
        if !normalised.is_empty() {
            normalised.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        normalised.push_str(line);
    }
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::path::Path;

    #[test]
    fn file_names_lose_paths_controls_and_leading_dots() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("C:\\x\\y.pdf"), "y.pdf");
        assert_eq!(safe_filename("..\u{0}.\u{7}hidden.txt"), "hidden.txt");
        assert_eq!(safe_filename("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(safe_filename("a:b?.txt"), "a_b_.txt");
        assert_eq!(safe_filename("../.."), "");
    }

    #[test]
    fn long_file_names_keep_their_extension() {
        let name = format!("{}.pdf", "é".repeat(150));
        let safe = safe_filename(&name);
        assert!(safe.len() <= MAX_FILENAME_BYTES);
        assert!(Path::new(&safe).extension().is_some_and(|e| e == "pdf"));
        assert!(safe.starts_with('é'));
    }

    #[test]
    fn oversize_input_is_refused_before_parsing() {
        let limits = Limits { max_message_bytes: 10, ..Limits::default() };
        assert_eq!(
            parse_with_limits(b"Subject: far too long\n\nbody", &limits),
            Err(ParseError::TooLarge { size: 27, limit: 10 })
        );
    }

    #[test]
    fn text_without_a_header_section_is_malformed() {
        assert!(matches!(parse(b"hello world\n\nbody"), Err(ParseError::Malformed(_))));
        assert!(matches!(parse(b""), Err(ParseError::Malformed(_))));
        assert!(matches!(parse(b"\x00\x01\x02garbage"), Err(ParseError::Malformed(_))));
    }

    #[test]
    fn negative_offsets_move_the_date_forward_to_utc() {
        let m = parse(b"From: a@b.example\nDate: Mon, 4 Mar 2024 22:30:00 -0500\n\nx").unwrap();
        assert_eq!(m.date.unwrap().to_rfc3339(), "2024-03-05T03:30:00+00:00");
    }

    #[test]
    fn null_return_path_is_some_empty_string() {
        let m = parse(b"Return-Path: <>\nFrom: MAILER-DAEMON@mx.example\n\nx").unwrap();
        assert_eq!(m.return_path.as_deref(), Some(""));
        assert!(m.automation.null_return_path);
        assert!(m.automation.role_sender);
    }

    #[test]
    fn latin1_bytes_in_a_header_are_read_as_windows_1252() {
        let m = parse(b"From: Ren\xe9 <rene@example.fr>\nSubject: Caf\xe9 cr\xe8me\n\nx").unwrap();
        assert_eq!(m.subject, "Café crème");
        assert_eq!(m.from.unwrap().name.as_deref(), Some("René"));
    }

    /// Parses on a thread with a tokio worker's 2 MiB stack.
    fn parse_on_small_stack(raw: Vec<u8>) -> Result<ParsedEmail, ParseError> {
        std::thread::Builder::new().stack_size(2 << 20).spawn(move || parse(&raw)).unwrap().join().unwrap()
    }

    #[test]
    fn deeply_nested_html_keeps_its_words_but_not_its_markup() {
        let depth = 50_000;
        let raw = format!(
            "From: a@b.example\r\nContent-Type: text/html\r\n\r\n<script>x()</script>{}deep &amp; words{}",
            "<div><blockquote>".repeat(depth),
            "</blockquote></div>".repeat(depth)
        );
        let m = parse_on_small_stack(raw.into_bytes()).unwrap();
        assert_eq!(m.html, None);
        assert_eq!(m.text_new, "deep & words");
    }

    #[test]
    fn deeply_nested_forwarded_messages_do_not_exhaust_the_stack() {
        let mut raw = String::from("From: a@b.example\r\nSubject: outer\r\n");
        for _ in 0..60_000 {
            raw.push_str("Content-Type: message/rfc822\r\n\r\nFrom: a@b.example\r\n");
        }
        raw.push_str("\r\ninnermost\r\n");
        let m = parse_on_small_stack(raw.into_bytes()).unwrap();
        assert_eq!(m.subject, "outer");
        assert_eq!(m.attachments.len(), 1);
    }

    #[test]
    fn html_depth_counts_containers_not_flat_or_void_tags() {
        assert_eq!(html_depth("<div><div><br><img src=x/><p>a<p>b</div></div>"), 2);
        assert_eq!(html_depth(&"<p>unclosed ".repeat(1000)), 0);
        assert_eq!(html_depth(&"<ul><li>".repeat(600)), 600);
        assert_eq!(html_depth("a < b and <"), 0);
    }

    #[test]
    fn the_head_and_its_title_are_not_part_of_the_body() {
        let m = parse(b"From: a@b.example\nContent-Type: text/html\n\n<html><head><title>Promo</title><style>p{}</style></head><body><p>Hello</p></body></html>").unwrap();
        assert_eq!(m.html.as_deref(), Some("<p>Hello</p>"));
        assert_eq!(m.text_new, "Hello");
        assert_eq!(without_head("<HEAD>x</HEAD>y<header>z</header>"), "y<header>z</header>");
    }

    #[test]
    fn only_the_header_section_is_re_read_as_windows_1252() {
        let m = parse(b"Subject: Caf\xe9\nContent-Type: text/plain; charset=iso-8859-1\n\nGr\xfc\xdfe\r\n\r\nEnde")
            .unwrap();
        assert_eq!(m.subject, "Café");
        assert_eq!(m.text_new, "Grüße\n\nEnde");
    }

    #[test]
    fn ids_lose_their_brackets_and_comments_and_may_come_bare() {
        let m = parse(
            b"From: a@b.example\nMessage-ID: abc.123@x.example\nIn-Reply-To: <p@q.example> (Bob's message of Monday)\nReferences: <1@x.example>\n <2@x.example>\n <2@x.example>\n\nx",
        )
        .unwrap();
        assert_eq!(m.message_id.as_deref(), Some("abc.123@x.example"));
        assert_eq!(m.in_reply_to, vec!["p@q.example"]);
        assert_eq!(m.references, vec!["1@x.example", "2@x.example"]);
    }

    #[test]
    fn groups_are_flattened_and_names_decoded_and_addresses_lower_cased() {
        let m = parse(
            b"From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <Juergen@Example.DE>\nTo: Undisclosed recipients:;\nCc: Team: A@x.example, \"Bee, B\" <b@x.example>;, c@y.example\nDelivered-To: Support@Shop.example\nX-Original-To: sales@shop.example\n\nx",
        )
        .unwrap();
        let from = m.from.unwrap();
        assert_eq!((from.name.as_deref(), from.email.as_str()), (Some("Jürgen Müller"), "juergen@example.de"));
        assert!(m.to.is_empty());
        let cc: Vec<_> = m.cc.iter().map(|a| (a.name.as_deref(), a.email.as_str())).collect();
        assert_eq!(cc, vec![(None, "a@x.example"), (Some("Bee, B"), "b@x.example"), (None, "c@y.example")]);
        assert_eq!(m.delivered_to, vec!["support@shop.example", "sales@shop.example"]);
    }

    #[test]
    fn body_hash_ignores_whitespace_differences() {
        assert_eq!(body_hash("a  \n\n\n b\n"), body_hash("a\n\nb"));
        assert_ne!(body_hash("a\nb"), body_hash("a\n\nb"));
    }
}
