//! Language detection (whatlang), reduced to the ISO 639-1 codes (BCP 47
//! primary tags) AutoCRM uses for locales.
//!
//! Invariants: a text with fewer than [`MIN_LETTERS`] letters gives `None`
//! (a "thx" or an order number says nothing about the language); a result
//! from a restricted detection is always one of the allowed codes.

use serde::{Deserialize, Serialize};
use whatlang::{Detector, Lang};

/// Texts with fewer letters than this are not detected at all.
pub const MIN_LETTERS: usize = 8;

/// whatlang's confidence below which a detection is flagged unreliable.
const RELIABLE_CONFIDENCE: f64 = 0.5;

/// A detected language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detected {
    /// ISO 639-1 code (`en`, `de`).
    pub code: String,
    /// 0..=1.
    pub confidence: f32,
    /// Whether the text was long and clear enough to trust the result.
    pub reliable: bool,
}

/// whatlang's languages with their ISO 639-1 codes (the ones that have one).
const CODES: &[(Lang, &str)] = &[
    (Lang::Eng, "en"),
    (Lang::Deu, "de"),
    (Lang::Fra, "fr"),
    (Lang::Spa, "es"),
    (Lang::Ita, "it"),
    (Lang::Por, "pt"),
    (Lang::Nld, "nl"),
    (Lang::Dan, "da"),
    (Lang::Swe, "sv"),
    (Lang::Nob, "nb"),
    (Lang::Fin, "fi"),
    (Lang::Pol, "pl"),
    (Lang::Ces, "cs"),
    (Lang::Slk, "sk"),
    (Lang::Slv, "sl"),
    (Lang::Hrv, "hr"),
    (Lang::Srp, "sr"),
    (Lang::Hun, "hu"),
    (Lang::Ron, "ro"),
    (Lang::Bul, "bg"),
    (Lang::Ell, "el"),
    (Lang::Tur, "tr"),
    (Lang::Rus, "ru"),
    (Lang::Ukr, "uk"),
    (Lang::Bel, "be"),
    (Lang::Mkd, "mk"),
    (Lang::Lit, "lt"),
    (Lang::Lav, "lv"),
    (Lang::Est, "et"),
    (Lang::Cat, "ca"),
    (Lang::Lat, "la"),
    (Lang::Epo, "eo"),
    (Lang::Afr, "af"),
    (Lang::Cym, "cy"),
    (Lang::Ara, "ar"),
    (Lang::Heb, "he"),
    (Lang::Yid, "yi"),
    (Lang::Pes, "fa"),
    (Lang::Urd, "ur"),
    (Lang::Hin, "hi"),
    (Lang::Ben, "bn"),
    (Lang::Mar, "mr"),
    (Lang::Guj, "gu"),
    (Lang::Pan, "pa"),
    (Lang::Tam, "ta"),
    (Lang::Tel, "te"),
    (Lang::Kan, "kn"),
    (Lang::Mal, "ml"),
    (Lang::Ori, "or"),
    (Lang::Nep, "ne"),
    (Lang::Sin, "si"),
    (Lang::Tha, "th"),
    (Lang::Khm, "km"),
    (Lang::Mya, "my"),
    (Lang::Vie, "vi"),
    (Lang::Ind, "id"),
    (Lang::Jav, "jv"),
    (Lang::Tgl, "tl"),
    (Lang::Cmn, "zh"),
    (Lang::Jpn, "ja"),
    (Lang::Kor, "ko"),
    (Lang::Kat, "ka"),
    (Lang::Hye, "hy"),
    (Lang::Aze, "az"),
    (Lang::Uzb, "uz"),
    (Lang::Tuk, "tk"),
    (Lang::Amh, "am"),
    (Lang::Aka, "ak"),
    (Lang::Zul, "zu"),
    (Lang::Sna, "sn"),
];

fn code_of(lang: Lang) -> Option<&'static str> {
    CODES.iter().find(|(l, _)| *l == lang).map(|(_, c)| *c)
}

fn lang_of(code: &str) -> Option<Lang> {
    // Accept a full tag ("de-AT") by its primary subtag.
    let primary = code.split(['-', '_']).next().unwrap_or(code).to_ascii_lowercase();
    CODES.iter().find(|(_, c)| *c == primary).map(|(l, _)| *l)
}

/// Detects the language of a text among all languages whatlang knows.
pub fn detect(text: &str) -> Option<Detected> {
    run(&Detector::new(), text)
}

/// Detects the language of a text among `allowed` codes (the workspace's
/// locales). Unknown codes are ignored; with no known code, detects freely.
pub fn detect_among(text: &str, allowed: &[&str]) -> Option<Detected> {
    let langs: Vec<Lang> = allowed.iter().filter_map(|c| lang_of(c)).collect();
    match langs.as_slice() {
        [] => detect(text),
        // With one candidate there is nothing to choose; still refuse texts too short to say anything.
        [only] => (letters(text) >= MIN_LETTERS).then(|| Detected {
            code: code_of(*only).unwrap_or("en").to_string(),
            confidence: 1.0,
            reliable: true,
        }),
        _ => run(&Detector::with_allowlist(langs), text),
    }
}

fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphabetic()).count()
}

fn run(detector: &Detector, text: &str) -> Option<Detected> {
    if letters(text) < MIN_LETTERS {
        return None;
    }
    let info = detector.detect(text)?;
    let code = code_of(info.lang())?;
    // whatlang's own reliability needs long texts; a confident short text is still usable.
    let reliable = info.is_reliable() || (info.confidence() >= RELIABLE_CONFIDENCE && letters(text) >= 20);
    #[allow(clippy::cast_possible_truncation)] // a confidence in 0..=1
    let confidence = info.confidence() as f32;
    Some(Detected { code: code.to_string(), confidence, reliable })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_german_support_messages_are_detected() {
        let en = detect("Hello, my parcel has not arrived yet and I would like to know where it is.");
        assert_eq!(en.as_ref().map(|d| d.code.as_str()), Some("en"));
        assert!(en.is_some_and(|d| d.reliable));
        let de = detect("Hallo, mein Paket ist noch nicht angekommen. Können Sie mir bitte helfen?");
        assert_eq!(de.map(|d| d.code), Some("de".to_string()));
    }

    #[test]
    fn short_texts_are_not_guessed() {
        assert_eq!(detect("thx"), None);
        assert_eq!(detect("#W4824466"), None);
        assert_eq!(detect_among("ok!", &["en", "de"]), None);
    }

    #[test]
    fn restricted_detection_only_answers_allowed_codes() {
        // Dutch, restricted to English and German, must come out as one of them.
        let d = detect_among("Ik wil graag mijn bestelling annuleren, alstublieft", &["en", "de"]).map(|d| d.code);
        assert!(matches!(d.as_deref(), Some("en" | "de")), "{d:?}");
        let de = detect_among("Wo ist meine Bestellung? Ich warte schon lange.", &["en", "de-AT"]);
        assert_eq!(de.map(|d| d.code), Some("de".to_string()));
        assert_eq!(detect_among("Where is my order, please?", &["de"]).map(|d| d.code), Some("de".to_string()));
    }
}
