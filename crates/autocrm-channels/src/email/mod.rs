//! E-mail: parsing inbound messages into facts, loop and bulk detection,
//! reply tokens, sender authentication, IMAP polling and outbound building.
//!
//! Invariants: [`parse`] never panics and never touches the filesystem
//! (attachment names are metadata only, sanitised to a bare file name);
//! every address it returns is lower-cased; HTML it returns is sanitised.

pub mod auth;
pub mod bounce;
pub mod imap;
pub mod inbound;
pub mod loops;
pub mod outbound;
mod parse;
pub mod quote;
pub mod templates;
pub mod token;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use parse::{Limits, ParseError, parse, parse_with_limits};

/// One mailbox address with its display name (RFC 2047 decoded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    /// Display name, decoded, if any.
    pub name: Option<String>,
    /// The address, lower-cased.
    pub email: String,
}

/// An attachment or inline part, already decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAttachment {
    /// A bare, safe file name (no path separators, no leading dots, at most
    /// 200 bytes); a generated one (`attachment-1.bin`) when the part had none.
    pub filename: String,
    /// MIME type, lower-case (`image/png`).
    pub content_type: String,
    /// `Content-ID` without angle brackets, for `cid:` references.
    pub content_id: Option<String>,
    /// Shown inline in the HTML (a `cid:` image) rather than listed.
    pub inline: bool,
    /// Decoded bytes.
    pub data: Vec<u8>,
}

/// Why a message must not get an automatic answer (RFC 3834 and common
/// practice). `None` of these means a person wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Automation {
    /// `Auto-Submitted` present with a value other than `no`.
    pub auto_submitted: bool,
    /// `Precedence: bulk | junk | list`.
    pub bulk_precedence: bool,
    /// `List-Id` or `List-Unsubscribe` present.
    pub mailing_list: bool,
    /// `Return-Path: <>` (the null sender of bounces and auto-replies).
    pub null_return_path: bool,
    /// The sender is `mailer-daemon`, `postmaster`, `noreply`/`no-reply`/`donotreply` and the like.
    pub role_sender: bool,
    /// `X-Autoreply`, `X-Autorespond` or a Microsoft `X-Auto-Response-Suppress: All|OOF`
    /// style out-of-office marker.
    pub autoresponder_marker: bool,
}

/// A delivery status notification (RFC 3464) or a recognisable
/// non-standard bounce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bounce {
    /// `Message-ID` of the message that bounced (from the returned headers), without brackets.
    pub original_message_id: Option<String>,
    /// Addresses that failed, lower-cased.
    pub failed_recipients: Vec<String>,
    /// `Status` code (`5.1.1`), if given.
    pub status: Option<String>,
    /// True for a permanent failure (5.x.x or `Action: failed`); false for delays.
    pub permanent: bool,
    /// The human-readable diagnostic, if any.
    pub diagnostic: Option<String>,
}

/// Everything AutoCRM needs from one inbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEmail {
    /// `Message-ID` without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` ids without brackets.
    pub in_reply_to: Vec<String>,
    /// `References` ids without brackets, oldest first.
    pub references: Vec<String>,
    /// `From` (the first one).
    pub from: Option<Address>,
    /// `Reply-To`.
    pub reply_to: Vec<Address>,
    /// `To`.
    pub to: Vec<Address>,
    /// `Cc`.
    pub cc: Vec<Address>,
    /// Envelope recipient hints: `Delivered-To`, `X-Original-To`, `Envelope-To`, lower-cased.
    pub delivered_to: Vec<String>,
    /// `Return-Path`: `Some("")` for the null sender `<>`.
    pub return_path: Option<String>,
    /// Decoded subject ("" when absent).
    pub subject: String,
    /// `Date`, when present and valid.
    pub date: Option<DateTime<Utc>>,
    /// The new text the sender wrote (quoted history and signature removed).
    pub text_new: String,
    /// The quoted history (kept, shown folded).
    pub text_quoted: String,
    /// The signature block, if one was recognised.
    pub signature: Option<String>,
    /// The full HTML body, sanitised, with `cid:` references intact.
    pub html: Option<String>,
    /// Attachments and inline parts (calendar invites and forwarded messages
    /// included, as attachments).
    pub attachments: Vec<ParsedAttachment>,
    /// Loop and bulk markers.
    pub automation: Automation,
    /// Set when the message is a bounce.
    pub bounce: Option<Bounce>,
    /// Hex SHA-256 of the normalised body text, for duplicate detection
    /// when there is no Message-ID.
    pub body_hash: String,
    /// Attachments left out by the count or size caps, by file name (the
    /// message keeps a note; nothing is dropped silently).
    pub skipped_attachments: Vec<String>,
    /// Size of the raw message in bytes.
    pub raw_size: usize,
}

impl ParsedEmail {
    /// The key under which a workspace stores this message once: the
    /// Message-ID, or without one a hash of sender, date and body.
    pub fn dedupe_key(&self) -> String {
        use sha2::{Digest as _, Sha256};
        if let Some(id) = &self.message_id {
            return format!("mid:{}", id.to_ascii_lowercase());
        }
        let mut h = Sha256::new();
        h.update(self.from.as_ref().map_or("", |a| a.email.as_str()));
        h.update([0]);
        h.update(self.date.map(|d| d.timestamp().to_string()).unwrap_or_default());
        h.update([0]);
        h.update(&self.body_hash);
        format!("hash:{}", hex::encode(h.finalize()))
    }

    /// Every Message-ID this message refers to, most specific first
    /// (`In-Reply-To`, then `References` newest first), deduplicated.
    pub fn referenced_ids(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in self.in_reply_to.iter().chain(self.references.iter().rev()) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(id)) {
                out.push(id.clone());
            }
        }
        out
    }

    /// Every recipient address (To, Cc and envelope hints), lower-cased, deduplicated.
    pub fn recipients(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let listed = self.to.iter().chain(self.cc.iter()).map(|a| a.email.clone());
        for a in listed.chain(self.delivered_to.iter().cloned()) {
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }
}
