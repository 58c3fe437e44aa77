//! Knowledge base: categories → sections → articles, each article with
//! translations per locale, a version per saved translation, related
//! articles, attachments, "Was this helpful?" feedback and view counts; the
//! public help center reads it through [`public`], searches through
//! [`search`].
//!
//! Invariants:
//! - Article bodies are sanitised (`autocrm_domain::html`) before storage;
//!   category and section names are plain text (escaped where rendered).
//! - Only `published` articles reach anything public (help center, widget,
//!   public search, public files); `draft` and `internal` ones are for staff.
//! - Every save of a translation is a new version with the next number for
//!   (article, locale); restoring a version saves its content as a new one.
//! - Writes by staff commit with an `article.*` / `kb_category.*` /
//!   `kb_section.*` event (staff visibility); feedback and views are counters
//!   updated without events (they are high-volume and anonymous).

pub mod articles;
pub mod files;
pub mod public;
pub mod search;
pub mod stats;
pub mod structure;

use std::collections::BTreeMap;

use autocrm_domain::Principal;
use autocrm_domain::workspaces::Locale;
use sea_orm::{DbErr, SqlErr};
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// Where an article stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    /// Being written; agents only.
    Draft,
    /// In the help center, the widget and public search.
    Published,
    /// Finished but for agents only (internal procedures).
    Internal,
}

impl ArticleStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Draft, Self::Published, Self::Internal];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Internal => "internal",
        }
    }

    /// Parses a stored or requested name.
    pub fn parse(s: &str) -> StoreResult<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| StoreError::invalid("/status", "must be draft, published or internal"))
    }
}

/// A category's or section's name and description in one locale (plain text).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NameText {
    /// The name (1–120 characters).
    pub name: String,
    /// An optional description (up to 500 characters).
    #[serde(default)]
    pub description: String,
}

/// Names per locale, keyed by canonical BCP 47 tag.
pub type Names = BTreeMap<String, NameText>;

/// Longest article title.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest category or section name.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest category or section description.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Most tags on an article.
pub const MAX_TAGS: usize = 20;
/// Most related articles on an article.
pub const MAX_RELATED: usize = 10;

/// Parses a locale tag into its canonical form, reporting `pointer` when it is not one.
pub fn parse_locale(raw: &str, pointer: &str) -> StoreResult<String> {
    Locale::parse(raw)
        .map(|l| l.as_str().to_owned())
        .map_err(|_| StoreError::invalid(pointer, "must be a BCP 47 language tag such as en or de-CH"))
}

/// The primary language subtag (`de` of `de-CH`), lower case.
pub fn language_of(locale: &str) -> &str {
    locale.split('-').next().unwrap_or(locale)
}

/// Picks the best of `available` for `wanted`: the exact tag, then the same
/// language (`de-CH` ↔ `de`), else `None`.
pub fn best_locale<'a>(wanted: &str, available: impl IntoIterator<Item = &'a str> + Clone) -> Option<&'a str> {
    let wanted_lower = wanted.to_ascii_lowercase();
    available.clone().into_iter().find(|a| a.eq_ignore_ascii_case(&wanted_lower)).or_else(|| {
        let lang = language_of(&wanted_lower).to_owned();
        available.into_iter().find(|a| language_of(a).eq_ignore_ascii_case(&lang))
    })
}

/// Staff only: customers and anonymous callers never reach authoring.
pub(crate) fn staff_only(p: &Principal) -> StoreResult<()> {
    if p.sees_all_tickets() { Ok(()) } else { Err(StoreError::Forbidden) }
}

/// Checks names per locale; `partial` allows `None` values (removals).
pub(crate) fn check_names(
    input: BTreeMap<String, Option<NameText>>,
    pointer: &str,
) -> StoreResult<BTreeMap<String, Option<NameText>>> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (raw, value) in input {
        let Ok(locale) = parse_locale(&raw, &format!("{pointer}/{raw}")) else {
            problems.push(crate::FieldProblem::new(format!("{pointer}/{raw}"), "must be a BCP 47 language tag"));
            continue;
        };
        let value = match value {
            Some(v) => {
                let name = v.name.trim().to_owned();
                let description = v.description.trim().to_owned();
                if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
                    problems.push(crate::FieldProblem::new(
                        format!("{pointer}/{raw}/name"),
                        format!("must be 1–{MAX_NAME_CHARS} characters"),
                    ));
                }
                if description.chars().count() > MAX_DESCRIPTION_CHARS {
                    problems.push(crate::FieldProblem::new(
                        format!("{pointer}/{raw}/description"),
                        format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
                    ));
                }
                Some(NameText { name, description })
            }
            None => None,
        };
        out.insert(locale, value);
    }
    if problems.is_empty() { Ok(out) } else { Err(StoreError::Invalid(problems)) }
}

/// The name in `locale`, else the default locale's, else any.
pub fn name_in<'a>(names: &'a Names, locale: &str, default_locale: &str) -> Option<&'a NameText> {
    best_locale(locale, names.keys().map(String::as_str))
        .or_else(|| best_locale(default_locale, names.keys().map(String::as_str)))
        .and_then(|l| names.get(l))
        .or_else(|| names.values().next())
}

/// Maps the knowledge base's uniqueness violations to their stable codes.
pub(crate) fn db_error(e: DbErr) -> StoreError {
    if let Some(SqlErr::UniqueConstraintViolation(msg)) = e.sql_err() {
        if msg.contains("kb_translations_article_locale_key") || msg.contains("kb_translations.article_id") {
            return StoreError::Conflict {
                code: "kb_translation_exists",
                message: "the article already has a translation in this locale".into(),
            };
        }
        if msg.contains("kb_versions_number_key") || msg.contains("kb_versions.article_id") {
            return StoreError::Conflict {
                code: "kb_version_conflict",
                message: "someone saved this translation at the same moment; try again".into(),
            };
        }
    }
    StoreError::from(e)
}

/// Plain text of sanitised HTML for search: tags dropped (block ends become
/// line breaks), entities decoded, the private-use characters search
/// snippets use as highlight markers removed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim_start_matches('/').to_ascii_lowercase();
        let name: String = tag.chars().take_while(char::is_ascii_alphanumeric).collect();
        if matches!(
            name.as_str(),
            "p" | "br" | "div" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "tr" | "blockquote" | "pre" | "hr"
        ) {
            out.push('\n');
        } else if matches!(name.as_str(), "td" | "th") {
            out.push(' ');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(&decode_entities(rest));
    let cleaned: String = out.chars().filter(|c| !matches!(*c, search::MARK_START | search::MARK_END)).collect();
    // Collapse runs of blank lines and trailing spaces.
    let mut text = String::with_capacity(cleaned.len());
    for line in cleaned.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
    }
    text
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let ent = &after[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse::<u32>().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        if let Some((c, e)) = decoded {
            out.push(c);
            rest = &after[e + 1..];
        } else {
            out.push('&');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    out
}

/// A URL path segment for a title: lower-case ASCII words joined by `-`
/// (German umlauts spelled out), at most 80 characters.
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in title.chars().flat_map(char::to_lowercase) {
        let spelled: Option<&str> = match c {
            'ä' => Some("ae"),
            'ö' => Some("oe"),
            'ü' => Some("ue"),
            'ß' => Some("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' => Some("a"),
            'è' | 'é' | 'ê' | 'ë' => Some("e"),
            'ì' | 'í' | 'î' | 'ï' => Some("i"),
            'ò' | 'ó' | 'ô' | 'õ' => Some("o"),
            'ù' | 'ú' | 'û' => Some("u"),
            'ç' => Some("c"),
            'ñ' => Some("n"),
            _ => None,
        };
        if let Some(s) = spelled {
            out.push_str(s);
            dash = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
        if out.len() >= 80 {
            break;
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        let t = plain_text(
            "<h2>Returns</h2><p>Send it back &amp; get a <a href=\"x\">refund</a>&nbsp;fast.</p><ul><li>one</li><li>two</li></ul>",
        );
        assert_eq!(t, "Returns\nSend it back & get a refund fast.\none\ntwo");
    }

    #[test]
    fn slugs_are_readable_ascii() {
        assert_eq!(slugify("Rückgabe & Umtausch: so geht's!"), "rueckgabe-umtausch-so-geht-s");
        assert_eq!(slugify("  How do I return an item?  "), "how-do-i-return-an-item");
        assert_eq!(slugify("<script>"), "script");
    }

    #[test]
    fn the_best_locale_matches_exactly_then_by_language() {
        let available = ["en", "de"];
        assert_eq!(best_locale("de-CH", available), Some("de"));
        assert_eq!(best_locale("EN", available), Some("en"));
        assert_eq!(best_locale("fr", available), None);
    }
}
