//! Separating the new text of a reply from its quoted history and signature.
//!
//! Works line by line on plain text (HTML bodies are rendered to text first).
//! Recognised quote starts: attribution lines ("On … wrote:" in English,
//! German, French, Spanish, Dutch, Portuguese and Italian, wrapped over up to
//! three lines), `>`-quoted blocks, Outlook's "-----Original Message-----"
//! and "From: … Sent: … Subject:" header blocks, and forwarded-message
//! markers. Signatures: the `-- ` delimiter and "Sent from my iPhone"-style
//! trailers.
//!
//! Invariant: nothing is lost. Every non-blank line of the input lands in
//! exactly one of [`Split::new`], [`Split::quoted`] or [`Split::signature`],
//! except the bare `-- ` delimiter line itself.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    New,
    Quoted,
    Signature,
    /// The `-- ` line: a separator, not content.
    Delimiter,
}

/// First words of attribution lines: en, de, fr, es, nl, pt, it.
const ATTRIBUTION_LEADS: &[&str] = &["on ", "am ", "le ", "el ", "op ", "em ", "il "];

/// Inner text of dashed separator lines ("-----Original Message-----").
const SEPARATOR_MARKERS: &[&str] = &[
    "original message",
    "forwarded message",
    "ursprüngliche nachricht",
    "original-nachricht",
    "weitergeleitete nachricht",
    "message d'origine",
    "message transféré",
    "mensaje original",
    "mensaje reenviado",
    "oorspronkelijk bericht",
    "doorgestuurd bericht",
];

/// Starts of mobile-client trailers ("Sent from my iPhone").
const MOBILE_TRAILERS: &[&str] = &[
    "sent from my ",
    "sent from mail for windows",
    "sent from outlook",
    "sent from yahoo mail",
    "sent from samsung",
    "sent from proton mail",
    "get outlook for ",
    "envoyé de mon ",
    "enviado desde mi ",
    "verzonden vanaf mijn ",
    "verstuurd vanaf mijn ",
    "inviato da ",
    "enviado do meu ",
];

/// How far to look ahead for the rest of an Outlook header block.
const HEADER_BLOCK_LINES: usize = 10;

/// Splits a plain-text body.
pub fn split(text: &str) -> Split {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalised.split('\n').collect();
    let kinds = classify(&lines);

    let mut new = Vec::new();
    let mut quoted = Vec::new();
    let mut signature = Vec::new();
    for (line, kind) in lines.iter().zip(&kinds) {
        match kind {
            Kind::New => new.push(*line),
            Kind::Quoted => quoted.push(*line),
            Kind::Signature => signature.push(*line),
            Kind::Delimiter => {}
        }
    }
    let signature = join(&signature);
    Split { new: join(&new), quoted: join(&quoted), signature: (!signature.is_empty()).then_some(signature) }
}

fn join(lines: &[&str]) -> String {
    // Collapse the blank runs left where other kinds were cut out.
    let mut out = String::new();
    let mut blank_run = false;
    for line in lines {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run = true;
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_run {
                out.push('\n');
            }
        }
        blank_run = false;
        out.push_str(line);
    }
    out
}

fn classify(lines: &[&str]) -> Vec<Kind> {
    let mut kinds = vec![Kind::New; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_quoted_line(line) {
            kinds[i] = Kind::Quoted;
            i += 1;
            continue;
        }
        if line.trim().is_empty() {
            // Blank lines follow the line before them, so a quoted block stays whole.
            kinds[i] = if i > 0 && kinds[i - 1] == Kind::Quoted { Kind::Quoted } else { Kind::New };
            i += 1;
            continue;
        }
        if let Some(len) = attribution_len(lines, i) {
            let next = (i + len..lines.len()).find(|&j| !lines[j].trim().is_empty());
            if next.is_some_and(|j| is_quoted_line(lines[j])) {
                // "On … wrote:" above a `>` block: only that block is history;
                // text below it (bottom-posting, inline answers) is new.
                kinds[i..i + len].fill(Kind::Quoted);
                i += len;
                continue;
            }
            cut(&mut kinds, lines, i);
            break;
        }
        if is_separator_line(line) || is_header_block(lines, i) {
            cut(&mut kinds, lines, i);
            break;
        }
        i += 1;
    }
    // A blank line between new text and a quote belongs to the new text.
    for j in (0..kinds.len()).rev() {
        if kinds[j] == Kind::Quoted && lines[j].trim().is_empty() && j + 1 < kinds.len() && kinds[j + 1] == Kind::New {
            kinds[j] = Kind::New;
        }
    }
    mark_signatures(lines, &mut kinds);
    kinds
}

/// Everything from `start` on is quoted history; an underscore or dash rule
/// right above the block (Outlook on the web) goes with it.
fn cut(kinds: &mut [Kind], lines: &[&str], start: usize) {
    let mut start = start;
    if start > 0 && is_rule(lines[start - 1]) {
        start -= 1;
    }
    kinds[start..].fill(Kind::Quoted);
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 8 && (t.bytes().all(|b| b == b'_') || t.bytes().all(|b| b == b'-'))
}

fn is_quoted_line(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// The number of lines (1 to 3) an attribution starting at `i` spans.
fn attribution_len(lines: &[&str], i: usize) -> Option<usize> {
    let first = lines[i].trim().to_lowercase();
    if !ATTRIBUTION_LEADS.iter().any(|lead| first.starts_with(lead)) {
        return None;
    }
    let mut joined = String::new();
    for (k, line) in lines.iter().enumerate().skip(i).take(3) {
        if line.trim().is_empty() || (k > i && is_quoted_line(line)) {
            return None;
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(&line.trim().to_lowercase().replace('\u{a0}', " "));
        if joined.len() > 400 {
            return None;
        }
        if is_attribution(&joined) {
            return Some(k - i + 1);
        }
        // Without a date or an address, the shape counts only right above a `>` block.
        let quote_follows = lines.iter().skip(k + 1).find(|l| !l.trim().is_empty()).is_some_and(|l| is_quoted_line(l));
        if quote_follows && has_attribution_shape(&joined) {
            return Some(k - i + 1);
        }
    }
    None
}

fn is_attribution(s: &str) -> bool {
    // A date or an address is always part of a client's attribution line;
    // requiring one keeps prose like "On reflection, you wrote:" out.
    s.bytes().any(|b| b.is_ascii_digit() || b == b'@') && has_attribution_shape(s)
}

/// "On … wrote:" and its translations, whatever sits between.
fn has_attribution_shape(s: &str) -> bool {
    (s.starts_with("on ") && s.ends_with("wrote:"))
        || (s.starts_with("am ") && s.contains(" schrieb") && s.ends_with(':'))
        || (s.starts_with("le ") && (s.ends_with("a écrit :") || s.ends_with("a écrit:")))
        || (s.starts_with("el ") && (s.ends_with("escribió:") || s.ends_with("escribió :")))
        || (s.starts_with("op ") && s.contains(" schreef") && s.ends_with(':'))
        || (s.starts_with("em ") && s.ends_with("escreveu:"))
        || (s.starts_with("il ") && s.ends_with("ha scritto:"))
}

/// "-----Original Message-----", forwarded-message markers and their translations.
fn is_separator_line(line: &str) -> bool {
    let t = line.trim().to_lowercase();
    if t == "begin forwarded message:"
        || t == "début du message réexpédié :"
        || t == "anfang der weitergeleiteten nachricht:"
    {
        return true;
    }
    if !t.starts_with("---") && !t.starts_with("___") {
        return false;
    }
    let inner = t.trim_matches(|c: char| c == '-' || c == '_' || c.is_whitespace());
    // Bounces: qmail's "--- Below this line is a copy of the message.", Exim's
    // "------ This is a copy of the message, including all the headers. ------".
    if inner.contains("copy of the message") {
        return true;
    }
    SEPARATOR_MARKERS.contains(&inner)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    From,
    Sent,
    To,
    Subject,
}

fn header_field(line: &str) -> Option<Field> {
    // html2text renders Outlook's bold labels as `**From:**`.
    let t: String = line.trim().chars().filter(|&c| c != '*').collect::<String>().to_lowercase().replace('\u{a0}', " ");
    let label = t.split_once(':')?.0.trim_end();
    match label {
        "from" | "von" | "de" | "van" | "da" => Some(Field::From),
        "sent" | "date" | "gesendet" | "datum" | "envoyé" | "enviado" | "enviado el" | "fecha" | "verzonden"
        | "inviato" => Some(Field::Sent),
        "to" | "an" | "à" | "para" | "aan" | "a" => Some(Field::To),
        "subject" | "betreff" | "objet" | "asunto" | "onderwerp" | "oggetto" | "assunto" => Some(Field::Subject),
        _ => None,
    }
}

/// An Outlook-style header block: consecutive lines with From, Subject and
/// Sent/Date or To labels, starting at `i` with From or Sent.
fn is_header_block(lines: &[&str], i: usize) -> bool {
    if !matches!(header_field(lines[i]), Some(Field::From | Field::Sent)) {
        return false;
    }
    let mut seen = Vec::new();
    for line in lines.iter().skip(i).take(HEADER_BLOCK_LINES) {
        if line.trim().is_empty() {
            break;
        }
        if let Some(f) = header_field(line) {
            seen.push(f);
        }
    }
    seen.contains(&Field::From)
        && seen.contains(&Field::Subject)
        && (seen.contains(&Field::Sent) || seen.contains(&Field::To))
}

fn is_delimiter(line: &str) -> bool {
    line == "-- " || line.trim_end() == "--"
}

fn is_mobile_trailer(line: &str) -> bool {
    let t = line.trim().to_lowercase();
    if t.len() > 80 {
        return false;
    }
    MOBILE_TRAILERS.iter().any(|s| t.starts_with(s)) || (t.starts_with("von meinem ") && t.ends_with("gesendet"))
}

/// Marks the signature in the new text: from the first `-- ` delimiter to
/// the end of that run of new lines, and a mobile trailer ending a run.
fn mark_signatures(lines: &[&str], kinds: &mut [Kind]) {
    let mut i = 0;
    while i < lines.len() {
        if kinds[i] != Kind::New {
            i += 1;
            continue;
        }
        let run_end = (i..lines.len()).find(|&j| kinds[j] != Kind::New).unwrap_or(lines.len());
        if let Some(d) = (i..run_end).find(|&j| is_delimiter(lines[j])) {
            kinds[d] = Kind::Delimiter;
            kinds[d + 1..run_end].fill(Kind::Signature);
        }
        if let Some(last) = (i..run_end).rev().find(|&j| !lines[j].trim().is_empty())
            && kinds[last] == Kind::New
            && is_mobile_trailer(lines[last])
        {
            kinds[last] = Kind::Signature;
        }
        i = run_end;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_attribution_after_the_new_text_goes_with_the_quote_not_the_signature() {
        let s = split(
            "Hello, my parcel never arrived. Can you check where it is?\n\nOn Monday, Everline Support wrote:\n> Your order ships tomorrow.\n",
        );
        assert_eq!(s.new, "Hello, my parcel never arrived. Can you check where it is?");
        assert!(s.quoted.contains("On Monday, Everline Support wrote:"), "{s:?}");
        assert!(s.quoted.contains("Your order ships tomorrow."), "{s:?}");
        assert_eq!(s.signature, None, "{s:?}");
    }

    #[test]
    fn gmail_top_post_splits_at_the_wrapped_attribution() {
        let s = split(
            "Thanks, that worked!\n\nOn Mon, Mar 4, 2024 at 10:12 AM Jane Doe <jane@shop.example>\nwrote:\n\n> Please restart the router.\n> \n> Jane\n",
        );
        assert_eq!(s.new, "Thanks, that worked!");
        assert!(s.quoted.starts_with("On Mon, Mar 4"), "{:?}", s.quoted);
        assert!(s.quoted.contains("> Please restart the router."));
        assert_eq!(s.signature, None);
    }

    #[test]
    fn bottom_posted_answers_below_a_quote_stay_new() {
        let s = split("On 4 Mar 2024, at 10:12, Jane <jane@x.example> wrote:\n> Which size?\n\nSize M please.\n");
        assert_eq!(s.new, "Size M please.");
        assert!(s.quoted.contains("Which size?"));
        assert!(s.quoted.contains("wrote:"));
    }

    #[test]
    fn german_french_spanish_and_dutch_attributions_are_recognised() {
        for attribution in [
            "Am 04.03.2024 um 10:12 schrieb Max Mustermann <max@example.de>:",
            "Le lun. 4 mars 2024 à 10:12, Marie <marie@example.fr> a écrit :",
            "El lun, 4 mar 2024 a las 10:12, Ana (<ana@example.es>) escribió:",
            "Op ma 4 mrt. 2024 om 10:12 schreef Jan <jan@example.nl>:",
        ] {
            let s = split(&format!("Neue Antwort.\n\n{attribution}\nalter Text ohne Zitatzeichen\n"));
            assert_eq!(s.new, "Neue Antwort.", "{attribution}");
            assert!(s.quoted.contains("alter Text"), "{attribution}");
        }
    }

    #[test]
    fn outlook_original_message_and_header_blocks_are_quoted() {
        let s = split("See attached.\n\n-----Original Message-----\nFrom: A\nSent: Monday\nold text\n");
        assert_eq!(s.new, "See attached.");
        assert!(s.quoted.starts_with("-----Original Message-----"));

        let s = split(
            "Any news?\n\n________________________________\nFrom: Support <support@shop.example>\nSent: Monday, March 4, 2024 10:12 AM\nTo: Bob <bob@example.com>\nSubject: RE: Order\n\nHello Bob\n",
        );
        assert_eq!(s.new, "Any news?");
        assert!(s.quoted.starts_with("_____"));
        assert!(s.quoted.contains("Hello Bob"));
    }

    #[test]
    fn forwarded_messages_are_quoted() {
        let s = split("FYI\n\n---------- Forwarded message ---------\nFrom: X <x@y.example>\nbody\n");
        assert_eq!(s.new, "FYI");
        assert!(s.quoted.contains("body"));
        let s = split("See below\n\nBegin forwarded message:\n\nFrom: X\nbody\n");
        assert_eq!(s.new, "See below");
        assert!(s.quoted.starts_with("Begin forwarded message:"));
    }

    #[test]
    fn signature_after_the_delimiter_is_separated_but_kept() {
        let s = split("Hello,\nwhere is my parcel?\n\n-- \nBob Smith\nACME Ltd\n\n> old\n");
        assert_eq!(s.new, "Hello,\nwhere is my parcel?");
        assert_eq!(s.signature.as_deref(), Some("Bob Smith\nACME Ltd"));
        assert_eq!(s.quoted, "> old");
    }

    #[test]
    fn mobile_trailers_are_signatures() {
        let s = split("Yes please\n\nSent from my iPhone\n\nOn 4 Mar 2024, at 10:12, Jane wrote:\n\n> Shall we?\n");
        assert_eq!(s.new, "Yes please");
        assert_eq!(s.signature.as_deref(), Some("Sent from my iPhone"));
        assert!(s.quoted.contains("Shall we?"));
        let s = split("Ja\n\nVon meinem iPhone gesendet");
        assert_eq!(s.signature.as_deref(), Some("Von meinem iPhone gesendet"));
    }

    #[test]
    fn prose_that_merely_mentions_writing_is_not_a_quote() {
        let s = split("On reflection, you wrote:\nnothing wrong.");
        assert_eq!(s.new, "On reflection, you wrote:\nnothing wrong.");
        assert!(s.quoted.is_empty());
    }

    fn content_lines(s: &str) -> Vec<String> {
        s.replace("\r\n", "\n")
            .replace('\r', "\n")
            .split('\n')
            .filter(|l| !l.trim().is_empty() && !is_delimiter(l))
            .map(|l| l.trim_end().to_owned())
            .collect()
    }

    proptest! {
        #[test]
        fn no_text_is_ever_lost(lines in proptest::collection::vec(
            prop_oneof![
                "[a-zA-Z ]{0,20}",
                Just("> quoted".to_owned()),
                Just("-- ".to_owned()),
                Just("On Mon, 4 Mar 2024, Jane <j@x.example> wrote:".to_owned()),
                Just("From: A".to_owned()),
                Just("Sent: B".to_owned()),
                Just("Subject: C".to_owned()),
                Just("-----Original Message-----".to_owned()),
                Just("Sent from my iPhone".to_owned()),
                Just(String::new()),
            ],
            0..30,
        )) {
            let text = lines.join("\n");
            let s = split(&text);
            let mut expected = content_lines(&text);
            let mut got = content_lines(&s.new);
            got.extend(content_lines(&s.quoted));
            got.extend(content_lines(s.signature.as_deref().unwrap_or("")));
            expected.sort();
            got.sort();
            prop_assert_eq!(expected, got);
        }
    }
}
