//! People: e-mail addresses and names as parsed values.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A syntactically plausible e-mail address, lower-cased.
///
/// The check is deliberately simple (one `@`, a dot in the domain, no spaces,
/// ≤ 254 bytes): deliverability is proven by sending, not by regex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid e-mail address")]
pub struct InvalidEmail(pub String);

impl EmailAddress {
    /// Parses and normalises an address.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let s = raw.trim().to_lowercase();
        let bad = || InvalidEmail(raw.chars().take(80).collect());
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>') {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        Ok(Self(s))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`, a fallback display name.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = InvalidEmail;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Normalises a tag: trimmed, lower-case, inner spaces as `-`, 1–64 chars of
/// letters, digits, `-`, `_`, `:` or `.`.
pub fn normalize_tag(raw: &str) -> Option<String> {
    let tag: String = raw.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join("-");
    let ok = !tag.is_empty()
        && tag.chars().count() <= 64
        && tag.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
    ok.then_some(tag)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn addresses_are_normalised_and_junk_refused() {
        assert_eq!(EmailAddress::parse(" Anna@Example.COM ").unwrap().as_str(), "anna@example.com");
        for bad in ["", "anna", "anna@", "@x.com", "a b@x.com", "a@x", "a@@x.com", "a@x..com", "<a@x.com>"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(normalize_tag("  VIP Customer ").as_deref(), Some("vip-customer"));
        assert_eq!(normalize_tag("refund:requested").as_deref(), Some("refund:requested"));
        assert_eq!(normalize_tag("no<script>"), None);
        assert_eq!(normalize_tag("   "), None);
    }
}
