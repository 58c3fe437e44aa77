//! Workspace settings: the display name, the IANA time zone and the BCP 47
//! locale. Each is parsed once at the edge; the store trusts the result.

use std::fmt;
use std::str::FromStr as _;

/// What is wrong with a workspace setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceError {
    /// The name is empty or too long.
    #[error("must be 1–100 characters")]
    Name,
    /// Not a time zone of the IANA database.
    #[error("must be an IANA time zone such as Europe/Berlin or UTC")]
    TimeZone,
    /// Not a well-formed BCP 47 language tag.
    #[error("must be a BCP 47 language tag such as en, en-US or de")]
    Locale,
}

/// A workspace's display name: trimmed, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    /// Parses a name.
    pub fn parse(raw: &str) -> Result<Self, WorkspaceError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(WorkspaceError::Name);
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A time zone of the IANA database (`Europe/Berlin`, `America/New_York`, `UTC`),
/// spelled as the database spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// Parses an IANA name (case-sensitive, as the database names it).
    pub fn parse(raw: &str) -> Result<Self, WorkspaceError> {
        chrono_tz::Tz::from_str(raw.trim()).map(Self).map_err(|_| WorkspaceError::TimeZone)
    }

    /// The IANA name.
    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }

    /// The zone, for date arithmetic.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A BCP 47 language tag (RFC 5646 `langtag`: language, then optional script,
/// region, variants, extensions and private use), in canonical case:
/// `en`, `en-US`, `zh-Hant-TW`, `de-CH-1996`, `en-US-u-ca-gregory`.
///
/// The check is syntactic: subtags are not looked up in the IANA registry,
/// so `xx-YY` passes while `en_US`, `english` and `e` do not. Languages are
/// the 2–3 letter ISO 639 codes (no 5–8 letter subtag has ever been registered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    /// Longest tag accepted (far above any real one).
    pub const MAX_LEN: usize = 64;

    /// Parses a tag and puts it in canonical case.
    pub fn parse(raw: &str) -> Result<Self, WorkspaceError> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > Self::MAX_LEN || !raw.is_ascii() {
            return Err(WorkspaceError::Locale);
        }
        let subtags: Vec<&str> = raw.split('-').collect();
        let mut out: Vec<String> = Vec::with_capacity(subtags.len());
        let mut i = 0;
        let alpha = |s: &str| s.chars().all(|c| c.is_ascii_alphabetic());
        let alnum = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric());
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());

        // language: 2–3 letters (ISO 639); RFC 5646's 4–8 letter forms have no registered subtag.
        let lang = subtags[i];
        if !(alpha(lang) && matches!(lang.len(), 2 | 3)) {
            return Err(WorkspaceError::Locale);
        }
        out.push(lang.to_ascii_lowercase());
        i += 1;
        // script: 4 letters, title case.
        if let Some(s) = subtags.get(i).filter(|s| s.len() == 4 && alpha(s)) {
            let mut t = s.to_ascii_lowercase();
            t[..1].make_ascii_uppercase();
            out.push(t);
            i += 1;
        }
        // region: 2 letters (upper case) or 3 digits.
        if let Some(s) = subtags.get(i).filter(|s| (s.len() == 2 && alpha(s)) || (s.len() == 3 && digits(s))) {
            out.push(s.to_ascii_uppercase());
            i += 1;
        }
        // variants: 5–8 alphanumerics, or a digit and 3 alphanumerics; no repeats.
        let mut variants: Vec<String> = Vec::new();
        while let Some(s) = subtags.get(i).filter(|s| {
            alnum(s) && ((5..=8).contains(&s.len()) || (s.len() == 4 && s.starts_with(|c: char| c.is_ascii_digit())))
        }) {
            let v = s.to_ascii_lowercase();
            if variants.contains(&v) {
                return Err(WorkspaceError::Locale);
            }
            variants.push(v.clone());
            out.push(v);
            i += 1;
        }
        // extensions: a singleton (not `x`) and one or more 2–8 alphanumerics; no repeated singleton.
        let mut singletons: Vec<char> = Vec::new();
        while let Some(s) = subtags.get(i).filter(|s| s.len() == 1 && alnum(s) && !s.eq_ignore_ascii_case("x")) {
            let c = s.chars().next().map(|c| c.to_ascii_lowercase()).ok_or(WorkspaceError::Locale)?;
            if singletons.contains(&c) {
                return Err(WorkspaceError::Locale);
            }
            singletons.push(c);
            out.push(c.to_string());
            i += 1;
            let start = i;
            while let Some(s) = subtags.get(i).filter(|s| (2..=8).contains(&s.len()) && alnum(s)) {
                out.push(s.to_ascii_lowercase());
                i += 1;
            }
            if i == start {
                return Err(WorkspaceError::Locale);
            }
        }
        // private use: `x` and one or more 1–8 alphanumerics, to the end.
        if subtags.get(i).is_some_and(|s| s.eq_ignore_ascii_case("x")) {
            out.push("x".to_owned());
            i += 1;
            let start = i;
            while let Some(s) = subtags.get(i).filter(|s| (1..=8).contains(&s.len()) && alnum(s)) {
                out.push(s.to_ascii_lowercase());
                i += 1;
            }
            if i == start {
                return Err(WorkspaceError::Locale);
            }
        }
        if i != subtags.len() {
            return Err(WorkspaceError::Locale);
        }
        Ok(Self(out.join("-")))
    }

    /// The tag in canonical case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn iana_time_zones_parse_and_others_do_not() {
        assert_eq!(TimeZone::parse("Europe/Berlin").unwrap().as_str(), "Europe/Berlin");
        assert_eq!(TimeZone::parse(" UTC ").unwrap().as_str(), "UTC");
        assert_eq!(
            TimeZone::parse("America/Argentina/Buenos_Aires").unwrap().as_str(),
            "America/Argentina/Buenos_Aires"
        );
        for bad in ["", "Europe/Atlantis", "CEST", "+02:00", "europe/berlin", "Mars/Olympus_Mons"] {
            assert_eq!(TimeZone::parse(bad), Err(WorkspaceError::TimeZone), "{bad}");
        }
    }

    #[test]
    fn bcp47_tags_parse_in_canonical_case() {
        for (raw, want) in [
            ("en", "en"),
            ("EN-us", "en-US"),
            ("de", "de"),
            ("zh-hant-tw", "zh-Hant-TW"),
            ("es-419", "es-419"),
            ("de-CH-1996", "de-CH-1996"),
            ("sl-rozaj-biske", "sl-rozaj-biske"),
            ("en-US-u-ca-gregory", "en-US-u-ca-gregory"),
            ("en-x-private", "en-x-private"),
            ("gsw", "gsw"),
        ] {
            assert_eq!(Locale::parse(raw).unwrap().as_str(), want, "{raw}");
        }
    }

    #[test]
    fn malformed_tags_are_refused() {
        for bad in [
            "",
            "e",
            "en_US",
            "english",
            "english-language",
            "en-",
            "-en",
            "en--US",
            "en-US-",
            "en-a",
            "en-x",
            "de-1996-1996",
            "en-a-bb-a-cc",
            "12",
            "en US",
            "ünï",
            "toolongtag",
        ] {
            assert_eq!(Locale::parse(bad), Err(WorkspaceError::Locale), "{bad:?}");
        }
        assert!(Locale::parse(&format!("en-{}", ["abcde"; 20].join("-"))).is_err(), "over the length limit");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(WorkspaceName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert_eq!(WorkspaceName::parse("   "), Err(WorkspaceError::Name));
        assert_eq!(WorkspaceName::parse(&"x".repeat(101)), Err(WorkspaceError::Name));
        assert!(WorkspaceName::parse(&"é".repeat(100)).is_ok(), "counted in characters");
    }

    proptest! {
        #[test]
        fn a_parsed_tag_parses_to_itself(raw in "[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-[0-9][a-zA-Z0-9]{3})?") {
            let once = Locale::parse(&raw).unwrap();
            let twice = Locale::parse(once.as_str()).unwrap();
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn locale_parsing_never_panics(raw in "\\PC{0,80}") {
            let _ = Locale::parse(&raw);
        }
    }
}
