//! Text analysis shared by the built-in engine: normalising, tokens, stems, n-grams.
//!
//! Every function here is pure and deterministic, so features computed at
//! training time and at prediction time are identical, and the retrieval,
//! sentiment and classifier modules agree on what a "word" is.
//!
//! Invariants:
//! - tokens are lowercase (Unicode-aware), contain only alphanumeric
//!   characters and inner apostrophes, and every run of digits is masked to a
//!   single `0`, so order numbers and amounts become one class token;
//! - n-grams never cross a word boundary (character n-grams) and keep word order
//!   (word n-grams, joined by one space);
//! - [`feature_hash`] is a fixed FNV-1a, stable across platforms and releases,
//!   because trained models store feature hashes.

use rust_stemmers::{Algorithm, Stemmer};

/// Lowercases `text` (Unicode-aware) and, when `strip_accents` is set, folds
/// accented Latin letters to their base letters (`é` → `e`, `ß` → `ss`) and
/// drops combining marks. Typographic apostrophes become `'`.
pub fn normalise(text: &str, strip_accents: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if matches!(c, '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`') { '\'' } else { c };
        if strip_accents {
            if ('\u{0300}'..='\u{036F}').contains(&c) {
                continue;
            }
            if let Some(folded) = fold_accent(c) {
                out.push_str(folded);
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// The accent-free spelling of a lowercase Latin letter, if it has one.
fn fold_accent(c: char) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("àáâãäåāăą", "a"),
        ("çćĉċč", "c"),
        ("ðďđ", "d"),
        ("èéêëēĕėęě", "e"),
        ("ĝğġģ", "g"),
        ("ĥħ", "h"),
        ("ìíîïĩīĭįı", "i"),
        ("ĵ", "j"),
        ("ķ", "k"),
        ("ĺļľŀł", "l"),
        ("ñńņňŉ", "n"),
        ("òóôõöøōŏő", "o"),
        ("ŕŗř", "r"),
        ("śŝşš", "s"),
        ("ţťŧ", "t"),
        ("ùúûüũūŭůűų", "u"),
        ("ŵ", "w"),
        ("ýÿŷ", "y"),
        ("źżž", "z"),
        ("æ", "ae"),
        ("œ", "oe"),
        ("ß", "ss"),
        ("þ", "th"),
    ];
    if c.is_ascii() {
        return None;
    }
    TABLE.iter().find(|(from, _)| from.contains(c)).map(|(_, to)| *to)
}

/// Splits already-normalised text into word tokens: maximal runs of
/// alphanumeric characters, keeping apostrophes between letters (`don't`),
/// with every digit run masked to `0` (`order 12345` → `order`, `0`).
pub fn split_words(normalised: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut chars = normalised.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_numeric() {
            // One `0` per digit run: numbers carry their role, not their value.
            if !current.ends_with('0') || current.is_empty() {
                current.push('0');
            }
        } else if c.is_alphanumeric()
            || (c == '\'' && !current.is_empty() && chars.peek().is_some_and(|n| n.is_alphabetic()))
        {
            current.push(c);
        } else if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// Normalised word tokens of `text` (lowercase, accents kept, digits masked).
/// The common tokeniser of the built-in engine.
pub fn tokens(text: &str) -> Vec<String> {
    split_words(&normalise(text, false))
}

/// Like [`tokens`], with accents optionally folded (`café` → `cafe`), for
/// matching text typed with and without accents.
pub fn tokenise(text: &str, strip_accents: bool) -> Vec<String> {
    split_words(&normalise(text, strip_accents))
}

/// The Snowball algorithm for a language tag (BCP 47 primary subtag or
/// English name: `en`, `en-GB`, `english`, `de`, …); `None` when there is no
/// stemmer for it. No tag means English.
pub fn stem_algorithm(lang: Option<&str>) -> Option<Algorithm> {
    let tag = lang.unwrap_or("en").trim().to_ascii_lowercase();
    let primary = tag.split(['-', '_']).next().unwrap_or_default();
    Some(match primary {
        "ar" | "ara" | "arabic" => Algorithm::Arabic,
        "da" | "dan" | "danish" => Algorithm::Danish,
        "nl" | "nld" | "dutch" => Algorithm::Dutch,
        "en" | "eng" | "english" => Algorithm::English,
        "fi" | "fin" | "finnish" => Algorithm::Finnish,
        "fr" | "fra" | "french" => Algorithm::French,
        "de" | "deu" | "german" => Algorithm::German,
        "el" | "ell" | "greek" => Algorithm::Greek,
        "hu" | "hun" | "hungarian" => Algorithm::Hungarian,
        "it" | "ita" | "italian" => Algorithm::Italian,
        "no" | "nb" | "nn" | "nor" | "nob" | "norwegian" => Algorithm::Norwegian,
        "pt" | "por" | "portuguese" => Algorithm::Portuguese,
        "ro" | "ron" | "romanian" => Algorithm::Romanian,
        "ru" | "rus" | "russian" => Algorithm::Russian,
        "es" | "spa" | "spanish" => Algorithm::Spanish,
        "sv" | "swe" | "swedish" => Algorithm::Swedish,
        "ta" | "tam" | "tamil" => Algorithm::Tamil,
        "tr" | "tur" | "turkish" => Algorithm::Turkish,
        _ => return None,
    })
}

/// Stems tokens with the language's Snowball stemmer (English when `lang` is
/// `None`); tokens of a language without a stemmer are returned unchanged.
pub fn stem_all(tokens: &[String], lang: Option<&str>) -> Vec<String> {
    match stem_algorithm(lang) {
        Some(algorithm) => {
            let stemmer = Stemmer::create(algorithm);
            tokens.iter().map(|t| stemmer.stem(t).into_owned()).collect()
        }
        None => tokens.to_vec(),
    }
}

/// Stemmed normalised tokens of `text` (see [`tokens`] and [`stem_all`]).
pub fn stems(text: &str, lang: Option<&str>) -> Vec<String> {
    stem_all(&tokens(text), lang)
}

/// Word n-grams of orders `1..=max_n`, unigrams first, each joined by one space.
pub fn word_ngrams(tokens: &[String], max_n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for n in 1..=max_n {
        out.extend(tokens.windows(n).map(|w| w.join(" ")));
    }
    out
}

/// Character n-grams of orders `min_n..=max_n` of one word, padded with a
/// space on each side so prefixes and suffixes are their own features
/// (`card`, 2..=3 → ` c`, `ca`, `ar`, `rd`, `d `, ` ca`, `car`, `ard`, `rd `).
/// A padded word no longer than `n` yields itself once, and stops the orders.
pub fn char_ngrams(word: &str, min_n: usize, max_n: usize) -> Vec<String> {
    let padded: Vec<char> = std::iter::once(' ').chain(word.chars()).chain(std::iter::once(' ')).collect();
    let mut out = Vec::new();
    for n in min_n.max(1)..=max_n {
        if padded.len() <= n {
            // As scikit-learn's `char_wb`: a word this short counts once, whole.
            out.push(padded.iter().collect());
            break;
        }
        out.extend(padded.windows(n).map(|w| w.iter().collect::<String>()));
    }
    out
}

/// A stable 64-bit FNV-1a hash of a feature: a namespace byte (so a word and a
/// character n-gram with the same spelling stay distinct) then the UTF-8 bytes.
pub fn feature_hash(namespace: u8, feature: &str) -> u64 {
    let mut h = FeatureHasher::new(namespace);
    h.write_str(feature);
    h.finish()
}

/// An incremental [`feature_hash`]: building a feature from parts hashes the
/// same as hashing the joined string, without allocating it.
#[derive(Debug, Clone, Copy)]
pub struct FeatureHasher(u64);

impl FeatureHasher {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    /// A hasher primed with the namespace byte.
    pub fn new(namespace: u8) -> Self {
        let mut h = Self(Self::OFFSET);
        h.write_bytes(&[namespace]);
        h
    }

    /// Feeds bytes.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// Feeds a string's UTF-8 bytes.
    pub fn write_str(&mut self, s: &str) {
        self.write_bytes(s.as_bytes());
    }

    /// Feeds one character's UTF-8 bytes.
    pub fn write_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.write_bytes(c.encode_utf8(&mut buf).as_bytes());
    }

    /// The hash so far.
    pub fn finish(self) -> u64 {
        self.0
    }
}

/// Lower-cased words: maximal runs of alphanumeric characters.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// Whether a line is a list item (`1.`, `2)`, `-`, `*`, `•`): one unit, never split.
pub fn is_list_item(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with(['-', '*', '•']) {
        return true;
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && digits <= 3 && t[digits..].starts_with(['.', ')'])
}

/// Sentences and list items of a text, in order, trimmed, non-empty.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut paragraph = String::new();
    let flush = |paragraph: &mut String, out: &mut Vec<String>| {
        out.extend(split_sentences(paragraph));
        paragraph.clear();
    };
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut paragraph, &mut out);
        } else if is_list_item(t) {
            flush(&mut paragraph, &mut out);
            out.push(t.to_string());
        } else {
            if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(t);
        }
    }
    flush(&mut paragraph, &mut out);
    out.retain(|s| s.chars().any(char::is_alphanumeric));
    out
}

/// Words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] =
    &["mr", "mrs", "ms", "dr", "prof", "st", "no", "nr", "vs", "etc", "ca", "bzw", "usw", "inkl", "ggf", "evtl", "str"];

/// Splits running text after `.`, `!`, `?` followed by a space and an
/// upper-case letter or digit, unless the word before is an abbreviation or a number.
fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        if !matches!(chars[i], '.' | '!' | '?') || i + 2 >= chars.len() || chars[i + 1] != ' ' {
            continue;
        }
        let next = chars[i + 2];
        if !(next.is_uppercase() || next.is_ascii_digit() || matches!(next, '"' | '“' | '„' | '(')) {
            continue;
        }
        // "e.g. ", "z.B. ", "Nr. ", "am 3. März": not the end of a sentence.
        let word: String = {
            let mut w: Vec<char> = chars[..i].iter().rev().take_while(|c| !c.is_whitespace()).copied().collect();
            w.reverse();
            w.into_iter().collect::<String>().to_lowercase()
        };
        if chars[i] == '.'
            && (word.contains('.')
                || word.chars().all(|c| c.is_ascii_digit())
                || ABBREVIATIONS.contains(&word.as_str()))
        {
            continue;
        }
        out.push(chars[start..=i].iter().collect::<String>().trim().to_string());
        start = i + 2;
    }
    let rest: String = chars[start..].iter().collect();
    if !rest.trim().is_empty() {
        out.push(rest.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_lowercase_mask_digits_and_keep_inner_apostrophes() {
        assert_eq!(
            tokens("Where's my ORDER #113542617735902? It's £20.50!"),
            ["where's", "my", "order", "0", "it's", "0", "0"]
        );
        assert_eq!(tokens("  "), Vec::<String>::new());
        assert_eq!(tokens("ÉTÉ Straße"), ["été", "straße"]);
        assert_eq!(tokens("abc123def 4x4"), ["abc0def", "0x0"]);
        assert_eq!(tokens("don’t 'quoted'"), ["don't", "quoted"]);
    }

    #[test]
    fn accents_fold_only_when_asked() {
        assert_eq!(tokenise("Café Crème Straße", true), ["cafe", "creme", "strasse"]);
        assert_eq!(tokenise("Café", false), ["café"]);
        // A combining acute accent (e + U+0301) is dropped too.
        assert_eq!(normalise("e\u{301}t\u{e9}", true), "ete");
    }

    #[test]
    fn stems_use_the_language_and_default_to_english() {
        assert_eq!(stems("Cancelling my orders", None), ["cancel", "my", "order"]);
        assert_eq!(stems("les commandes annulées", Some("fr-FR")), ["le", "command", "annul"]);
        // No stemmer for Japanese: tokens come back unchanged.
        assert_eq!(stems("running", Some("ja")), ["running"]);
        assert_eq!(stem_algorithm(Some("zz")), None);
    }

    #[test]
    fn word_ngrams_are_unigrams_then_bigrams() {
        let t = tokens("track my order");
        assert_eq!(word_ngrams(&t, 2), ["track", "my", "order", "track my", "my order"]);
        assert_eq!(word_ngrams(&t[..1], 2), ["track"]);
    }

    #[test]
    fn char_ngrams_stay_inside_the_padded_word() {
        assert_eq!(char_ngrams("card", 2, 3), [" c", "ca", "ar", "rd", "d ", " ca", "car", "ard", "rd "]);
        // " a " has 3 chars: its bigrams, then itself once.
        assert_eq!(char_ngrams("a", 2, 5), [" a", "a ", " a "]);
        assert!(char_ngrams("été", 2, 2).contains(&"té".to_string()));
    }

    #[test]
    fn feature_hash_is_incremental_and_namespaced() {
        let mut h = FeatureHasher::new(b'w');
        h.write_str("my");
        h.write_char(' ');
        h.write_str("order");
        assert_eq!(h.finish(), feature_hash(b'w', "my order"));
        assert_ne!(feature_hash(b'w', "ab"), feature_hash(b'c', "ab"));
        // Pinned: models store these hashes, so the function must never change.
        assert_eq!(feature_hash(b'w', ""), 0xaf63_ea4c_8602_0456);
    }

    #[test]
    fn sentences_keep_list_items_and_abbreviations_whole() {
        let s = sentences("Do this first, e.g. log in. Then go on.\n1. Open Settings.\n2. Click Reset.");
        assert_eq!(s, vec!["Do this first, e.g. log in.", "Then go on.", "1. Open Settings.", "2. Click Reset."]);
    }
}
