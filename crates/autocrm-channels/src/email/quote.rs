//! Separating the new text of a reply from its quoted history and signature.

/// A body split into what the sender wrote now and what they carried along.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// The new text.
    pub new: String,
    /// Quoted history ("On … wrote:", `>` lines, Outlook's "From: … Sent: …" blocks).
    pub quoted: String,
    /// The signature (after `-- `, or a recognised sign-off block).
    pub signature: Option<String>,
}

/// Splits a plain-text body.
pub fn split(text: &str) -> Split {
    let _ = text;
    unimplemented!()
}
