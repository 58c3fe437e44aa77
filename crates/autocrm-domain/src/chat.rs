//! Live chat rules without IO: signed visitor tokens, the shop's identity
//! hash (`user_hash`), the widget's allowed sites and greeting languages.
//!
//! Invariants:
//! - A visitor token is `vt1.<workspace>.<visitor>.<expires>.<signature>`,
//!   the signature an HMAC-SHA256 over everything before it with the
//!   workspace's own token key. It names its workspace, so a token signed
//!   for one workspace never verifies with another's key, and it expires.
//! - An identity is proven only by `user_hash = hex(HMAC-SHA256(identity
//!   secret, user_id or e-mail))`, computed by the shop's backend; the
//!   comparison is constant-time.
//! - An allowed site is a scheme, a host (optionally `*.` for every
//!   subdomain) and a port (the scheme's default when omitted, `*` for any);
//!   nothing else in an `Origin` ever matches.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use sha2::Sha256;

/// The prefix every visitor token starts with (its format version).
pub const TOKEN_PREFIX: &str = "vt1.";

/// How long a visitor token is valid; every session call issues a fresh one.
pub const TOKEN_DAYS: i64 = 30;

/// The claims of a verified visitor token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorClaims {
    /// The workspace the visitor belongs to.
    pub workspace_id: i64,
    /// The visitor's public id.
    pub visitor: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

/// Why a visitor token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of this format.
    #[error("malformed visitor token")]
    Malformed,
    /// The signature does not match (forged, altered or another workspace's).
    #[error("bad visitor token signature")]
    BadSignature,
    /// Past its expiry.
    #[error("expired visitor token")]
    Expired,
}

/// A fresh random key (token keys and identity secrets): 32 bytes, URL-safe base64.
pub fn generate_key() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    URL_SAFE_NO_PAD.encode(key)
}

/// A fresh public visitor id: 16 random bytes, URL-safe base64 (no dots).
pub fn generate_visitor_id() -> String {
    let mut id = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut id);
    URL_SAFE_NO_PAD.encode(id)
}

fn mac(key: &str) -> Option<Hmac<Sha256>> {
    Hmac::<Sha256>::new_from_slice(key.as_bytes()).ok()
}

/// Signs a visitor token.
pub fn sign_token(key: &str, claims: &VisitorClaims) -> String {
    let body = format!("{TOKEN_PREFIX}{}.{}.{}", claims.workspace_id, claims.visitor, claims.expires_at);
    let Some(mut m) = mac(key) else {
        return body; // unreachable: HMAC takes keys of any length
    };
    m.update(body.as_bytes());
    format!("{body}.{}", URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
}

/// Reads the workspace a token claims, before verification (to find its key).
pub fn token_workspace(token: &str) -> Option<i64> {
    token.strip_prefix(TOKEN_PREFIX)?.split('.').next()?.parse().ok()
}

/// Verifies a token with its workspace's key at `now` (Unix seconds).
pub fn verify_token(key: &str, token: &str, now: i64) -> Result<VisitorClaims, TokenError> {
    let rest = token.strip_prefix(TOKEN_PREFIX).ok_or(TokenError::Malformed)?;
    let parts: Vec<&str> = rest.split('.').collect();
    let [ws, visitor, expires, signature] = parts.as_slice() else {
        return Err(TokenError::Malformed);
    };
    let workspace_id: i64 = ws.parse().map_err(|_| TokenError::Malformed)?;
    let expires_at: i64 = expires.parse().map_err(|_| TokenError::Malformed)?;
    if visitor.is_empty() || visitor.len() > 64 {
        return Err(TokenError::Malformed);
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
    let body = &token[..token.len() - parts[3].len() - 1];
    let mut m = mac(key).ok_or(TokenError::BadSignature)?;
    m.update(body.as_bytes());
    // Constant-time comparison.
    m.verify_slice(&signature).map_err(|_| TokenError::BadSignature)?;
    if expires_at <= now {
        return Err(TokenError::Expired);
    }
    Ok(VisitorClaims { workspace_id, visitor: (*visitor).to_owned(), expires_at })
}

/// The `user_hash` the shop's backend computes for `value` (the user id, or
/// the e-mail when there is no id): lower-case hex HMAC-SHA256.
pub fn user_hash(secret: &str, value: &str) -> String {
    let Some(mut m) = mac(secret) else {
        return String::new();
    };
    m.update(value.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// Whether `hash` is the `user_hash` of `value` (hex, either case; constant-time).
pub fn verify_user_hash(secret: &str, value: &str, hash: &str) -> bool {
    let Ok(given) = hex::decode(hash.trim()) else {
        return false;
    };
    let Some(mut m) = mac(secret) else {
        return false;
    };
    m.update(value.as_bytes());
    m.verify_slice(&given).is_ok()
}

/// One allowed site of a widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedSite {
    scheme: String,
    /// The host, or the parent domain when `subdomains` is set.
    host: String,
    subdomains: bool,
    /// `None`: any port.
    port: Option<u16>,
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" { 443 } else { 80 }
}

/// Splits `scheme://host[:port]` (no path, query, user info or fragment).
fn split_origin(raw: &str) -> Option<(String, String, Option<&str>)> {
    let (scheme, rest) = raw.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https") {
        return None;
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    let (host, port) = if rest.starts_with('[') {
        // IPv6 literal: `[::1]:8080`.
        let end = rest.find(']')?;
        let host = &rest[..=end];
        match &rest[end + 1..] {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':')?)),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase(), port))
}

impl AllowedSite {
    /// Parses `https://shop.example`, `https://*.shop.example`,
    /// `http://127.0.0.2:*` or `http://localhost:5173`.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        const WHY: &str =
            "must be an origin such as https://shop.example, https://*.shop.example or http://127.0.0.2:*";
        let (scheme, host, port) = split_origin(raw.trim()).ok_or(WHY)?;
        let port = match port {
            None => Some(default_port(&scheme)),
            Some("*") => None,
            Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0).ok_or(WHY)?),
        };
        let (host, subdomains) = match host.strip_prefix("*.") {
            Some(parent) => (parent.to_owned(), true),
            None => (host, false),
        };
        let valid_host = host.starts_with('[')
            || (!host.is_empty()
                && host.split('.').all(|l| {
                    !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                }));
        if !valid_host || host.len() > 253 {
            return Err(WHY);
        }
        Ok(Self { scheme, host, subdomains, port })
    }

    /// The canonical form (what is stored and shown).
    pub fn as_string(&self) -> String {
        let host = if self.subdomains { format!("*.{}", self.host) } else { self.host.clone() };
        match self.port {
            None => format!("{}://{host}:*", self.scheme),
            Some(p) if p == default_port(&self.scheme) => format!("{}://{host}", self.scheme),
            Some(p) => format!("{}://{host}:{p}", self.scheme),
        }
    }

    /// Whether a request's `Origin` header value is this site.
    pub fn matches(&self, origin: &str) -> bool {
        let Some((scheme, host, port)) = split_origin(origin.trim()) else {
            return false;
        };
        let Some(port) = port.map_or(Some(default_port(&scheme)), |p| p.parse::<u16>().ok()) else {
            return false;
        };
        let host_ok = if self.subdomains {
            host.strip_suffix(&self.host).is_some_and(|prefix| prefix.ends_with('.') && prefix.len() > 1)
        } else {
            host == self.host
        };
        scheme == self.scheme && host_ok && self.port.is_none_or(|p| p == port)
    }
}

/// Whether `origin` is one of `sites` (stored canonical strings; unparsable ones never match).
pub fn origin_allowed(sites: &[String], origin: &str) -> bool {
    sites.iter().filter_map(|s| AllowedSite::parse(s).ok()).any(|s| s.matches(origin))
}

/// The best of `available` locales for a visitor who asked for `wanted`
/// (most preferred first): an exact tag, then the same language, else `fallback`.
pub fn pick_locale<'a>(available: &[&'a str], wanted: &[&str], fallback: &'a str) -> &'a str {
    for w in wanted {
        if let Some(hit) = available.iter().find(|a| a.eq_ignore_ascii_case(w)) {
            return hit;
        }
        let lang = w.split('-').next().unwrap_or_default();
        if let Some(hit) = available.iter().find(|a| a.split('-').next().is_some_and(|l| l.eq_ignore_ascii_case(lang)))
        {
            return hit;
        }
    }
    fallback
}

/// The display name of an anonymous visitor's contact: "Visitor 4821",
/// stable for the visitor (derived from its public id).
pub fn anonymous_name(visitor_public_id: &str) -> String {
    let n = visitor_public_id.bytes().fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("Visitor {}", 1000 + n % 9000)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn claims() -> VisitorClaims {
        VisitorClaims { workspace_id: 7, visitor: "abc_DEF-123".into(), expires_at: 2_000 }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let token = sign_token("key-a", &claims());
        assert_eq!(token_workspace(&token), Some(7));
        assert_eq!(verify_token("key-a", &token, 1_999).unwrap(), claims());
        assert_eq!(verify_token("key-a", &token, 2_000), Err(TokenError::Expired));
    }

    #[test]
    fn another_key_or_an_altered_claim_breaks_the_signature() {
        let token = sign_token("key-a", &claims());
        assert_eq!(verify_token("key-b", &token, 0), Err(TokenError::BadSignature));
        let forged = token.replacen("vt1.7.", "vt1.8.", 1);
        assert_eq!(verify_token("key-a", &forged, 0), Err(TokenError::BadSignature));
        let later = token.replace(".2000.", ".9999.");
        assert_eq!(verify_token("key-a", &later, 0), Err(TokenError::BadSignature));
        assert_eq!(verify_token("key-a", "vt1.7.x", 0), Err(TokenError::Malformed));
        assert_eq!(verify_token("key-a", "acrm_abc", 0), Err(TokenError::Malformed));
    }

    #[test]
    fn user_hash_is_the_hex_hmac_the_shop_computes() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'secret',b'user-42',hashlib.sha256).hexdigest())"
        let h = user_hash("secret", "user-42");
        assert_eq!(h, "e286b7b944100ab478fe553b39122922de0000aee1d04087dc3e96eefc3a8d47");
        assert!(verify_user_hash("secret", "user-42", &h));
        assert!(verify_user_hash("secret", "user-42", &h.to_uppercase()));
        assert!(!verify_user_hash("secret", "user-43", &h));
        assert!(!verify_user_hash("other", "user-42", &h));
        assert!(!verify_user_hash("secret", "user-42", "not hex"));
    }

    #[test]
    fn allowed_sites_match_scheme_host_and_port_exactly() {
        let site = AllowedSite::parse("https://shop.example").unwrap();
        assert!(site.matches("https://shop.example"));
        assert!(site.matches("https://shop.example:443"));
        assert!(!site.matches("http://shop.example"));
        assert!(!site.matches("https://shop.example:8443"));
        assert!(!site.matches("https://evilshop.example"));
        assert!(!site.matches("https://shop.example.evil.test"));
        assert!(!site.matches("null"));

        let wild = AllowedSite::parse("https://*.shop.example").unwrap();
        assert!(wild.matches("https://www.shop.example"));
        assert!(!wild.matches("https://shop.example"));
        assert!(!wild.matches("https://evilshop.example"));

        let any_port = AllowedSite::parse("http://127.0.0.2:*").unwrap();
        assert!(any_port.matches("http://127.0.0.2:41234"));
        assert!(any_port.matches("http://127.0.0.2"));
        assert!(!any_port.matches("http://127.0.0.1:41234"));
        assert_eq!(any_port.as_string(), "http://127.0.0.2:*");
        assert_eq!(AllowedSite::parse("HTTPS://Shop.Example/").unwrap().as_string(), "https://shop.example");
    }

    #[test]
    fn sites_with_paths_or_other_schemes_are_refused() {
        for bad in ["shop.example", "https://shop.example/path", "ftp://shop.example", "https://", "https://a b"] {
            assert!(AllowedSite::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_visitors_language_picks_the_greeting() {
        let available = ["en", "de", "pt-BR"];
        assert_eq!(pick_locale(&available, &["de-AT", "en"], "en"), "de");
        assert_eq!(pick_locale(&available, &["pt-BR"], "en"), "pt-BR");
        assert_eq!(pick_locale(&available, &["fr"], "en"), "en");
    }

    #[test]
    fn anonymous_names_are_stable_four_digit_numbers() {
        let name = anonymous_name("abc");
        assert_eq!(name, anonymous_name("abc"));
        assert!(name.starts_with("Visitor ") && name.len() == "Visitor 1234".len(), "{name}");
    }
}
