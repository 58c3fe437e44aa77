//! The help center's own words (not the articles') in English, German and
//! French; any other language reads English. Keys are stable: features that
//! add a navigation link name their label by key (see `super::NAV`).

use std::collections::BTreeMap;

/// `(key, English, German, French)`.
const STRINGS: &[(&str, &str, &str, &str)] = &[
    ("help_center", "Help Center", "Hilfe-Center", "Centre d'aide"),
    ("skip", "Skip to content", "Zum Inhalt springen", "Aller au contenu"),
    ("nav_label", "Help center", "Hilfe-Center", "Centre d'aide"),
    ("home", "Home", "Startseite", "Accueil"),
    ("portal", "My requests", "Meine Anfragen", "Mes demandes"),
    ("tutorials", "Step-by-step guides", "Schritt-für-Schritt-Anleitungen", "Guides pas à pas"),
    ("language", "Language", "Sprache", "Langue"),
    ("search", "Search", "Suchen", "Rechercher"),
    ("search_label", "Search the help center", "Hilfe-Center durchsuchen", "Rechercher dans le centre d'aide"),
    ("search_placeholder", "Describe your question…", "Beschreiben Sie Ihre Frage …", "Décrivez votre question…"),
    ("suggestions", "Suggested articles", "Vorgeschlagene Artikel", "Articles suggérés"),
    ("hero_title", "How can we help?", "Wie können wir helfen?", "Comment pouvons-nous vous aider ?"),
    ("categories", "Categories", "Kategorien", "Catégories"),
    ("popular", "Popular articles", "Beliebte Artikel", "Articles populaires"),
    ("empty_help_center", "There are no articles yet.", "Noch keine Artikel.", "Aucun article pour le moment."),
    ("breadcrumbs", "Breadcrumbs", "Brotkrümelnavigation", "Fil d'Ariane"),
    ("last_updated", "Last updated", "Zuletzt aktualisiert", "Dernière mise à jour"),
    ("attachments", "Attachments", "Anhänge", "Pièces jointes"),
    ("related", "Related articles", "Verwandte Artikel", "Articles connexes"),
    ("was_helpful", "Was this article helpful?", "War dieser Artikel hilfreich?", "Cet article vous a-t-il aidé ?"),
    (
        "comment_label",
        "Anything to add? (optional)",
        "Möchten Sie etwas ergänzen? (optional)",
        "Un commentaire ? (facultatif)",
    ),
    ("yes", "Yes", "Ja", "Oui"),
    ("no", "No", "Nein", "Non"),
    ("thanks", "Thank you for your feedback!", "Vielen Dank für Ihr Feedback!", "Merci pour votre avis !"),
    (
        "fallback_notice",
        "This article is not available in {wanted} yet; here it is in {shown}.",
        "Dieser Artikel ist noch nicht auf {wanted} verfügbar; hier ist er auf {shown}.",
        "Cet article n'est pas encore disponible en {wanted} ; le voici en {shown}.",
    ),
    ("search_results", "Search results", "Suchergebnisse", "Résultats de recherche"),
    ("results_one", "1 article found", "1 Artikel gefunden", "1 article trouvé"),
    ("results_many", "{n} articles found", "{n} Artikel gefunden", "{n} articles trouvés"),
    ("showing_results_for", "Showing results for", "Ergebnisse für", "Résultats pour"),
    ("no_results_for", "No results for “{q}”.", "Keine Ergebnisse für „{q}“.", "Aucun résultat pour « {q} »."),
    (
        "no_results",
        "No articles match your search. Try other words, or contact us.",
        "Keine Artikel gefunden. Versuchen Sie andere Wörter oder kontaktieren Sie uns.",
        "Aucun article ne correspond. Essayez d'autres mots ou contactez-nous.",
    ),
    (
        "search_hint",
        "Type a question or a few words.",
        "Geben Sie eine Frage oder ein paar Wörter ein.",
        "Saisissez une question ou quelques mots.",
    ),
    ("still_need_help", "Still need help?", "Brauchen Sie weitere Hilfe?", "Besoin d'aide supplémentaire ?"),
    ("contact_us", "Contact us", "Kontaktieren Sie uns", "Contactez-nous"),
    ("not_found_title", "Page not found", "Seite nicht gefunden", "Page introuvable"),
    (
        "not_found_text",
        "This article does not exist or is no longer available.",
        "Dieser Artikel existiert nicht oder ist nicht mehr verfügbar.",
        "Cet article n'existe pas ou n'est plus disponible.",
    ),
    ("back_home", "Back to the help center", "Zurück zum Hilfe-Center", "Retour au centre d'aide"),
    ("description", "Answers to common questions", "Antworten auf häufige Fragen", "Réponses aux questions fréquentes"),
];

/// The strings in `locale`'s language (English for languages without a column).
pub(crate) fn strings(locale: &str) -> BTreeMap<&'static str, &'static str> {
    let column = match autocrm_store::kb::language_of(&locale.to_ascii_lowercase()) {
        "de" => 2,
        "fr" => 3,
        _ => 1,
    };
    STRINGS
        .iter()
        .map(|(k, en, de, fr)| {
            let v = match column {
                2 => *de,
                3 => *fr,
                _ => *en,
            };
            (*k, v)
        })
        .collect()
}

/// A language's own name, for the switcher (`Deutsch` for `de`).
pub(crate) fn language_name(locale: &str) -> String {
    let name = match autocrm_store::kb::language_of(&locale.to_ascii_lowercase()) {
        "en" => "English",
        "de" => "Deutsch",
        "fr" => "Français",
        "es" => "Español",
        "it" => "Italiano",
        "nl" => "Nederlands",
        "pt" => "Português",
        "sv" => "Svenska",
        "da" => "Dansk",
        "nb" | "no" => "Norsk",
        "fi" => "Suomi",
        "pl" => "Polski",
        "cs" => "Čeština",
        "tr" => "Türkçe",
        "ja" => "日本語",
        "zh" => "中文",
        "ar" => "العربية",
        "he" => "עברית",
        _ => return locale.to_owned(),
    };
    if locale.contains('-') {
        format!("{name} ({})", locale.split_once('-').map_or("", |(_, r)| r))
    } else {
        name.to_owned()
    }
}

/// Whether a language is written right to left.
pub(crate) fn is_rtl(locale: &str) -> bool {
    matches!(autocrm_store::kb::language_of(&locale.to_ascii_lowercase()), "ar" | "he" | "fa" | "ur")
}

/// A date as people of `locale` write it (`5 March 2026`, `5. März 2026`).
pub(crate) fn human_date(date: chrono::NaiveDate, locale: &str) -> String {
    use chrono::Datelike as _;
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DE: [&str; 12] = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ];
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let m = date.month0() as usize;
    match autocrm_store::kb::language_of(&locale.to_ascii_lowercase()) {
        "de" => format!("{}. {} {}", date.day(), DE[m], date.year()),
        "fr" => format!("{} {} {}", date.day(), FR[m], date.year()),
        _ => format!("{} {} {}", date.day(), EN[m], date.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_string_and_others_read_english() {
        assert_eq!(strings("de-AT")["yes"], "Ja");
        assert_eq!(strings("pl")["yes"], "Yes");
        assert!(STRINGS.iter().all(|(_, en, de, fr)| !en.is_empty() && !de.is_empty() && !fr.is_empty()));
    }

    #[test]
    fn dates_read_naturally() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap_or_default();
        assert_eq!(human_date(d, "de"), "5. März 2026");
        assert_eq!(human_date(d, "en"), "5 March 2026");
    }
}
