//! Building outbound messages (multipart text + HTML + attachments) with our own Message-IDs.
//!
//! Layout: `text/plain` alone, or `multipart/alternative` (text, HTML); when
//! inline images (`content_id`) accompany HTML, the HTML becomes
//! `multipart/related` (HTML, images) inside the alternative; other
//! attachments wrap all of it in `multipart/mixed`.
//!
//! Invariants: no caller-supplied string can inject a header (CR and LF in
//! subjects, names and file names become spaces; ids with whitespace or
//! brackets are refused or dropped); automatic messages always carry
//! `Auto-Submitted` and `X-Auto-Response-Suppress: All`, so neither RFC 3834
//! robots nor Exchange answer them; non-ASCII text is RFC 2047/2231 encoded
//! by lettre.

use chrono::{DateTime, Utc};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, Message, MultiPart, SinglePart};

use super::Address;

/// `Auto-Submitted` values we write (RFC 3834, RFC 5436).
const AUTO_SUBMITTED_VALUES: [&str; 3] = ["auto-generated", "auto-replied", "auto-notified"];

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The sender (the mailbox, with the agent's or the shop's name).
    pub from: Address,
    /// Primary recipients.
    pub to: Vec<Address>,
    /// Copy recipients.
    pub cc: Vec<Address>,
    /// `Reply-To`: an address, optionally with a name (`Shop <support+tok@shop.example>`).
    pub reply_to: Option<String>,
    /// Subject, unencoded.
    pub subject: String,
    /// Plain-text body (always sent).
    pub text: String,
    /// HTML body, when there is one.
    pub html: Option<String>,
    /// Our `Message-ID`, without angle brackets (see [`new_message_id`]).
    pub message_id: String,
    /// `In-Reply-To`, without brackets.
    pub in_reply_to: Option<String>,
    /// `References`, without brackets, oldest first.
    pub references: Vec<String>,
    /// `Auto-Submitted`: `auto-generated` (notices, automations) or
    /// `auto-replied` (acknowledgements); `None` for what an agent wrote.
    pub auto_submitted: Option<String>,
    /// Files; those with a `content_id` are shown inline in the HTML.
    pub attachments: Vec<OutgoingAttachment>,
    /// `List-Unsubscribe` value: `<https://…>` or `<mailto:…>` entries; a
    /// bare URL is wrapped in brackets.
    pub list_unsubscribe: Option<String>,
}

/// A file attached to an [`OutgoingEmail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingAttachment {
    /// File name shown to the recipient.
    pub filename: String,
    /// MIME type (`image/png`); an unparsable one is sent as `application/octet-stream`.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// `Content-ID` without brackets, for `cid:` references in the HTML.
    pub content_id: Option<String>,
}

/// Why a message could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OutboundError {
    /// An address (From, To, Cc or Reply-To) is not a valid mailbox.
    #[error("{field} address {address:?} is not valid")]
    InvalidAddress {
        /// Which header it was for.
        field: &'static str,
        /// The offending address.
        address: String,
    },
    /// Our own Message-ID is empty or not of the form `left@right`.
    #[error("message id {0:?} is not valid")]
    InvalidMessageId(String),
    /// `auto_submitted` is not one of the RFC 3834 values we write.
    #[error("Auto-Submitted value {0:?} is not one we send")]
    InvalidAutoSubmitted(String),
    /// lettre refused the message (no recipient, for instance).
    #[error("the message cannot be built: {0}")]
    Build(String),
}

impl OutgoingEmail {
    /// The RFC 5322 bytes, dated now.
    pub fn to_bytes(&self) -> Result<Vec<u8>, OutboundError> {
        self.to_bytes_at(Utc::now())
    }

    /// The RFC 5322 bytes with the given `Date` (for a clock the caller controls).
    pub fn to_bytes_at(&self, date: DateTime<Utc>) -> Result<Vec<u8>, OutboundError> {
        Ok(self.build(date)?.formatted())
    }

    /// The SMTP `RCPT TO` addresses: To and Cc, lower-cased, deduplicated.
    pub fn envelope_recipients(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in self.to.iter().chain(&self.cc) {
            let email = a.email.trim().to_ascii_lowercase();
            if !email.is_empty() && !out.contains(&email) {
                out.push(email);
            }
        }
        out
    }

    fn build(&self, date: DateTime<Utc>) -> Result<Message, OutboundError> {
        let id = bare_id(&self.message_id).ok_or_else(|| OutboundError::InvalidMessageId(self.message_id.clone()))?;
        let mut b = Message::builder()
            .from(mailbox("From", &self.from)?)
            .subject(one_line(&self.subject))
            .message_id(Some(format!("<{id}>")))
            .date(date.into());
        for a in &self.to {
            b = b.to(mailbox("To", a)?);
        }
        for a in &self.cc {
            b = b.cc(mailbox("Cc", a)?);
        }
        if let Some(reply_to) = &self.reply_to {
            let parsed = one_line(reply_to)
                .parse::<Mailbox>()
                .map_err(|_| OutboundError::InvalidAddress { field: "Reply-To", address: reply_to.clone() })?;
            b = b.reply_to(parsed);
        }
        // A malformed id from an inbound message must not stop the reply:
        // threading degrades, delivery does not.
        if let Some(parent) = self.in_reply_to.as_deref().and_then(bare_id) {
            b = b.in_reply_to(format!("<{parent}>"));
        }
        let references: Vec<String> =
            self.references.iter().filter_map(|r| bare_id(r)).map(|r| format!("<{r}>")).collect();
        if !references.is_empty() {
            b = b.references(references.join(" "));
        }
        if let Some(kind) = &self.auto_submitted {
            let kind = kind.trim().to_ascii_lowercase();
            if !AUTO_SUBMITTED_VALUES.contains(&kind.as_str()) {
                return Err(OutboundError::InvalidAutoSubmitted(kind));
            }
            b = b
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), kind))
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"), "All".into()));
        }
        if let Some(unsubscribe) = &self.list_unsubscribe {
            let v = one_line(unsubscribe);
            let v = v.trim();
            let v = if v.starts_with('<') { v.to_owned() } else { format!("<{v}>") };
            b = b.raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), v));
        }
        b.multipart(self.body()).map_err(|e| OutboundError::Build(e.to_string()))
    }

    /// The MIME tree (see the module header for its shape).
    fn body(&self) -> MultiPart {
        let inline_ok = self.html.is_some();
        let (inline, files): (Vec<&OutgoingAttachment>, Vec<&OutgoingAttachment>) =
            self.attachments.iter().partition(|a| inline_ok && a.content_id.as_deref().and_then(bare_id).is_some());

        let text = SinglePart::plain(self.text.clone());
        let alternative = match &self.html {
            None => None,
            Some(html) if inline.is_empty() => {
                Some(MultiPart::alternative().singlepart(text.clone()).singlepart(SinglePart::html(html.clone())))
            }
            Some(html) => {
                let related =
                    inline.iter().fold(MultiPart::related().singlepart(SinglePart::html(html.clone())), |m, a| {
                        m.singlepart(part(a))
                    });
                Some(MultiPart::alternative().singlepart(text.clone()).multipart(related))
            }
        };
        match (alternative, files.is_empty()) {
            (Some(alt), true) => alt,
            (Some(alt), false) => files.iter().fold(MultiPart::mixed().multipart(alt), |m, a| m.singlepart(part(a))),
            // lettre's `multipart` needs a multipart: a lone text part goes
            // in a one-part mixed, which every client shows as plain text.
            (None, _) => files.iter().fold(MultiPart::mixed().singlepart(text), |m, a| m.singlepart(part(a))),
        }
    }
}

/// A fresh Message-ID for `domain`, without brackets: `autocrm.<32 hex>@domain`.
/// An empty or unusable domain becomes `autocrm.invalid`.
pub fn new_message_id(domain: &str) -> String {
    let random: [u8; 16] = rand::random();
    let domain = domain.trim().trim_matches(|c| c == '<' || c == '>' || c == '@').to_ascii_lowercase();
    let usable = !domain.is_empty() && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let domain = if usable { domain.as_str() } else { "autocrm.invalid" };
    format!("autocrm.{}@{domain}", hex::encode(random))
}

/// `id` without surrounding brackets, if it is a plausible `left@right`
/// id with no whitespace, brackets or control characters.
fn bare_id(id: &str) -> Option<&str> {
    let id = id.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    let id = id.strip_suffix('>').unwrap_or(id);
    let clean = id.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    let (left, right) = id.split_once('@')?;
    (clean && !left.is_empty() && !right.is_empty() && id.len() <= 500).then_some(id)
}

fn one_line(s: &str) -> String {
    s.chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect()
}

fn mailbox(field: &'static str, a: &Address) -> Result<Mailbox, OutboundError> {
    let invalid = || OutboundError::InvalidAddress { field, address: a.email.clone() };
    let email = a.email.trim().parse::<lettre::Address>().map_err(|_| invalid())?;
    let name = a.name.as_deref().map(one_line).map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, email))
}

fn part(a: &OutgoingAttachment) -> SinglePart {
    let content_type = ContentType::parse(a.content_type.trim())
        .unwrap_or_else(|_| ContentType::parse("application/octet-stream").unwrap_or(ContentType::TEXT_PLAIN));
    let filename = one_line(&a.filename);
    let attachment = match a.content_id.as_deref().and_then(bare_id) {
        Some(cid) => Attachment::new_inline_with_name(cid.to_owned(), filename),
        None => Attachment::new(filename),
    };
    attachment.body(a.data.clone(), content_type)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders as _};

    fn addr(name: Option<&str>, email: &str) -> Address {
        Address { name: name.map(str::to_owned), email: email.to_owned() }
    }

    fn email() -> OutgoingEmail {
        OutgoingEmail {
            from: addr(Some("Zoë from Shop"), "support@shop.example"),
            to: vec![addr(Some("Ann"), "ann@example.com")],
            cc: vec![addr(None, "Bob@Example.com"), addr(None, "ann@example.com")],
            reply_to: Some("Shop <support+abc@shop.example>".into()),
            subject: "Re: Où est ma commande ? [#1042]".into(),
            text: "Bonjour Ann,\n\nVotre commande est partie.\n".into(),
            html: Some("<p>Bonjour Ann,</p><p>Votre commande est partie. <img src=\"cid:logo@shop\"></p>".into()),
            message_id: "autocrm.1234@shop.example".into(),
            in_reply_to: Some("m1@example.com".into()),
            references: vec!["m0@example.com".into(), "m1@example.com".into()],
            auto_submitted: None,
            attachments: vec![],
            list_unsubscribe: None,
        }
    }

    /// The body as written: on the wire lines end in CRLF.
    fn lf(text: &str) -> String {
        text.replace("\r\n", "\n").trim_end().to_owned()
    }

    fn date() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-02T10:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn headers_round_trip_through_a_parser() {
        let bytes = email().to_bytes_at(date()).unwrap();
        let m = MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(m.subject(), Some("Re: Où est ma commande ? [#1042]"));
        assert_eq!(m.message_id(), Some("autocrm.1234@shop.example"));
        assert_eq!(m.in_reply_to().as_text(), Some("m1@example.com"));
        assert_eq!(m.references().as_text_list().unwrap(), vec!["m0@example.com", "m1@example.com"]);
        let from = m.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("Zoë from Shop"));
        assert_eq!(from.address(), Some("support@shop.example"));
        assert_eq!(m.reply_to().unwrap().first().unwrap().address(), Some("support+abc@shop.example"));
        assert_eq!(m.to().unwrap().first().unwrap().address(), Some("ann@example.com"));
        assert_eq!(m.cc().unwrap().iter().count(), 2);
        assert_eq!(m.date().unwrap().to_timestamp(), date().timestamp());
        assert!(m.header("Auto-Submitted").is_none());
        assert!(m.header("X-Auto-Response-Suppress").is_none());
        // The raw bytes are 7-bit: the non-ASCII subject and name were encoded.
        let head =
            String::from_utf8_lossy(&bytes[..bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap()]).to_string();
        assert!(head.is_ascii(), "{head}");
        assert!(head.contains("=?utf-8?"), "{head}");
    }

    #[test]
    fn text_and_html_are_alternatives() {
        let bytes = email().to_bytes_at(date()).unwrap();
        let m = MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(m.content_type().unwrap().subtype(), Some("alternative"));
        assert_eq!(lf(&m.body_text(0).unwrap()), "Bonjour Ann,\n\nVotre commande est partie.");
        assert!(m.body_html(0).unwrap().contains("Votre commande est partie."));
        assert_eq!(m.attachment_count(), 0);
    }

    #[test]
    fn text_only_messages_carry_the_text() {
        let mut e = email();
        e.html = None;
        let m_bytes = e.to_bytes_at(date()).unwrap();
        let m = MessageParser::default().parse(&m_bytes).unwrap();
        assert_eq!(lf(&m.body_text(0).unwrap()), "Bonjour Ann,\n\nVotre commande est partie.");
        assert!(m.body_html(0).is_none_or(|h| !h.contains("<img")));
        assert_eq!(m.attachment_count(), 0);
    }

    #[test]
    fn attachments_and_inline_images_keep_their_bytes() {
        let mut e = email();
        let pdf: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let png = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3, 0xff];
        e.attachments = vec![
            OutgoingAttachment {
                filename: "facture n°42.pdf".into(),
                content_type: "application/pdf".into(),
                data: pdf.clone(),
                content_id: None,
            },
            OutgoingAttachment {
                filename: "logo.png".into(),
                content_type: "image/png".into(),
                data: png.clone(),
                content_id: Some("logo@shop".into()),
            },
        ];
        let bytes = e.to_bytes_at(date()).unwrap();
        let m = MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(m.content_type().unwrap().subtype(), Some("mixed"));
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains("multipart/related"), "{raw}");
        assert!(raw.contains("multipart/alternative"));

        let atts: Vec<_> = m.attachments().collect();
        assert_eq!(atts.len(), 2, "{raw}");
        let pdf_part = atts.iter().find(|p| p.attachment_name() == Some("facture n°42.pdf")).expect("the pdf");
        assert_eq!(pdf_part.contents(), &pdf[..]);
        assert_eq!(pdf_part.content_type().unwrap().subtype(), Some("pdf"));
        let png_part = atts.iter().find(|p| p.content_id() == Some("logo@shop")).expect("the inline image");
        assert_eq!(png_part.contents(), &png[..]);
        assert!(m.body_html(0).unwrap().contains("cid:logo@shop"));
        assert_eq!(lf(&m.body_text(0).unwrap()), "Bonjour Ann,\n\nVotre commande est partie.");
    }

    #[test]
    fn inline_images_without_html_become_plain_attachments() {
        let mut e = email();
        e.html = None;
        e.attachments = vec![OutgoingAttachment {
            filename: "logo.png".into(),
            content_type: "not a type".into(),
            data: vec![1, 2, 3],
            content_id: Some("logo@shop".into()),
        }];
        let bytes = e.to_bytes_at(date()).unwrap();
        let m = MessageParser::default().parse(&bytes).unwrap();
        let atts: Vec<_> = m.attachments().collect();
        assert_eq!(atts.len(), 1);
        assert_eq!(atts[0].contents(), &[1, 2, 3]);
        assert_eq!(atts[0].content_type().unwrap().ctype(), "application");
        assert!(!String::from_utf8_lossy(&bytes).contains("multipart/related"));
    }

    #[test]
    fn automatic_messages_say_so() {
        let mut e = email();
        e.auto_submitted = Some("auto-replied".into());
        e.list_unsubscribe = Some("https://shop.example/unsubscribe/xyz".into());
        let bytes = e.to_bytes_at(date()).unwrap();
        let m = MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(m.header_raw("Auto-Submitted").map(str::trim), Some("auto-replied"));
        assert_eq!(m.header_raw("X-Auto-Response-Suppress").map(str::trim), Some("All"));
        assert_eq!(m.header_raw("List-Unsubscribe").map(str::trim), Some("<https://shop.example/unsubscribe/xyz>"));

        e.auto_submitted = Some("yes please".into());
        assert_eq!(e.to_bytes_at(date()), Err(OutboundError::InvalidAutoSubmitted("yes please".into())));
    }

    #[test]
    fn no_header_can_be_injected() {
        let mut e = email();
        e.subject = "Hi\r\nBcc: victim@example.com".into();
        e.from.name = Some("Evil\r\nX-Injected: 1".into());
        e.references = vec![
            "ok@example.com".into(),
            "bad id@example.com".into(),
            "x\r\nX-Injected: 1@y".into(),
            "<also-ok@example.com>".into(),
        ];
        e.in_reply_to = Some("no-at-sign".into());
        let bytes = e.to_bytes_at(date()).unwrap();
        let m = MessageParser::default().parse(&bytes).unwrap();
        assert!(m.header("Bcc").is_none());
        assert!(m.header("X-Injected").is_none());
        assert_eq!(m.subject(), Some("Hi  Bcc: victim@example.com"));
        assert_eq!(m.references().as_text_list().unwrap(), vec!["ok@example.com", "also-ok@example.com"]);
        assert!(m.header("In-Reply-To").is_none());
    }

    #[test]
    fn many_references_are_folded_below_the_line_limit() {
        let mut e = email();
        e.references = (0..60).map(|i| format!("message-{i}-abcdefghijklmnop@mail.example.com")).collect();
        let bytes = e.to_bytes_at(date()).unwrap();
        assert!(bytes.split(|b| *b == b'\n').all(|line| line.len() <= 998));
        let m = MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(m.references().as_text_list().unwrap().len(), 60);
    }

    #[test]
    fn bad_addresses_and_ids_are_refused() {
        let mut e = email();
        e.to.push(addr(None, "not an address"));
        assert!(matches!(e.to_bytes_at(date()), Err(OutboundError::InvalidAddress { field: "To", .. })));
        let mut e = email();
        e.message_id = "no brackets or at".into();
        assert!(matches!(e.to_bytes_at(date()), Err(OutboundError::InvalidMessageId(_))));
        let mut e = email();
        e.reply_to = Some("<<>>".into());
        assert!(matches!(e.to_bytes_at(date()), Err(OutboundError::InvalidAddress { field: "Reply-To", .. })));
    }

    #[test]
    fn envelope_recipients_are_to_and_cc_once_each() {
        assert_eq!(email().envelope_recipients(), vec!["ann@example.com".to_owned(), "bob@example.com".to_owned()]);
    }

    #[test]
    fn message_ids_are_random_and_well_formed() {
        let a = new_message_id("shop.example");
        let b = new_message_id("shop.example");
        assert_ne!(a, b);
        assert!(a.starts_with("autocrm.") && a.ends_with("@shop.example"), "{a}");
        assert_eq!(bare_id(&a), Some(a.as_str()));
        assert!(new_message_id("").ends_with("@autocrm.invalid"));
        assert!(new_message_id("bad domain>\r\n").ends_with("@autocrm.invalid"));
    }
}
