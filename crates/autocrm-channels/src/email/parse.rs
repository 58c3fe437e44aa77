//! MIME parsing with `mail-parser` into [`ParsedEmail`]. (Skeleton: the
//! contract the store codes against; the implementation fills it in.)

use super::ParsedEmail;

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
    let _ = (raw, limits);
    unimplemented!("filled in by the parsing work")
}
