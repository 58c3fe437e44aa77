//! Entity extraction: order numbers, e-mail addresses, phone numbers, names,
//! amounts and tracking numbers, by hand-written scanners (no regex engine).
//!
//! Order numbers are recognised in the shapes support mail uses: a `#` tag
//! (`#W4824466`, `#1001`, tau2-retail and Shopify style) or a number with at
//! least four digits right after an order word ("order 113542617735902",
//! "purchase number 00123842", "Bestellung 4711-22"). Names come from
//! sign-offs ("Thanks,\nMaria Lopez") and introductions ("my name is …").
//!
//! Invariants: every list keeps first-seen order without duplicates; values
//! are substrings of the input (trimmed of surrounding punctuation); one
//! token is never both an order number and a tracking or phone number.

use serde::{Deserialize, Serialize};

/// What [`extract`] found in a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entities {
    pub order_numbers: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub names: Vec<String>,
    pub amounts: Vec<String>,
    pub tracking_numbers: Vec<String>,
}

/// Words after which a number is an order number; "order" and "purchase" also
/// match with one typo (see [`is_order_word`]).
const ORDER_WORDS: &[&str] =
    &["order", "orders", "purchase", "purchases", "bestellung", "bestellnummer", "auftrag", "auftragsnummer"];
/// Words before a `#` tag that make it something other than an order.
const NOT_ORDER_WORDS: &[&str] = &[
    "invoice",
    "bill",
    "receipt",
    "ticket",
    "case",
    "item",
    "sku",
    "product",
    "article",
    "room",
    "rechnung",
    "beleg",
    "artikel",
    "subscription",
    "account",
    "customer",
    "kunde",
    "kundennummer",
];
/// Words that may sit between an order word and the number.
const ORDER_FILLERS: &[&str] =
    &["number", "no", "nr", "num", "id", "is", "was", "nummer", "ist", "with", "the", "reference", "ref", "#"];
const TRACKING_WORDS: &[&str] = &["tracking", "sendungsnummer", "trackingnummer", "sendungsverfolgung", "waybill"];
const TRACKING_FILLERS: &[&str] = &["number", "no", "nr", "id", "code", "is", "#", "nummer", "ist"];
const PHONE_WORDS: &[&str] = &["call", "phone", "tel", "telephone", "mobile", "cell", "telefon", "handy", "number"];

/// Lines that close a message; the line after them (or their tail) is a name.
const CLOSINGS: &[&str] = &[
    "thanks",
    "thank you",
    "thanks a lot",
    "thanks so much",
    "thank you so much",
    "many thanks",
    "thx",
    "cheers",
    "best",
    "best regards",
    "kind regards",
    "warm regards",
    "regards",
    "sincerely",
    "yours sincerely",
    "all the best",
    "danke",
    "vielen dank",
    "danke schön",
    "gruß",
    "grüße",
    "viele grüße",
    "beste grüße",
    "liebe grüße",
    "freundliche grüße",
    "mit freundlichen grüßen",
    "lg",
    "mfg",
];
const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "dear",
    "good morning",
    "good afternoon",
    "good evening",
    "hallo",
    "guten tag",
    "guten morgen",
    "liebes",
    "liebe",
    "lieber",
    "sehr geehrte",
    "sehr geehrter",
    "moin",
];
/// Capitalised words that are not names.
const NOT_NAMES: &[&str] = &[
    "I",
    "The",
    "A",
    "An",
    "My",
    "Your",
    "Order",
    "Team",
    "Support",
    "Customer",
    "Service",
    "Everline",
    "Hi",
    "Hello",
    "Thanks",
    "Thank",
    "Regards",
    "Best",
    "Sorry",
    "Happy",
    "Not",
    "Very",
    "So",
    "Still",
    "Please",
    "Just",
    "Here",
    "There",
    "Writing",
    "Looking",
    "Trying",
    "Waiting",
    "Afraid",
    "Sure",
    "Glad",
    "Unable",
    "Interested",
    "Getting",
];

/// Extracts the entities of a message.
pub fn extract(text: &str) -> Entities {
    let words = words(text);
    let mut out = Entities::default();
    // Spans (by word index) already claimed, so one number gets one meaning.
    let mut claimed = vec![false; words.len()];
    for (i, w) in words.iter().enumerate() {
        // "bill #00108" is an invoice: look back over a filler or two for what the tag names.
        let names_other = words[..i]
            .iter()
            .rev()
            .take(3)
            .map(|w| w.text.to_lowercase())
            .find(|w| !ORDER_FILLERS.contains(&w.as_str()) && !["my", "your", "our", "for", "of"].contains(&w.as_str()))
            .is_some_and(|w| {
                NOT_ORDER_WORDS.contains(&w.as_str()) || is_near(&w, "invoice", 1) || is_near(&w, "bill", 1)
            });
        if let Some(tag) = w.text.strip_prefix('#')
            && is_order_like(tag)
            && !names_other
        {
            push(&mut out.order_numbers, w.text);
            claimed[i] = true;
        }
    }
    scan_keyword_numbers(&words, is_order_word, ORDER_FILLERS, &mut claimed, &mut out.order_numbers);
    for (i, w) in words.iter().enumerate() {
        // A number glued to its order word: "order113542617735902".
        let lower = w.text.to_ascii_lowercase();
        for key in ["order", "purchase"] {
            if let Some(rest) = lower.strip_prefix(key)
                && rest.len() >= 4
                && rest.bytes().all(|b| b.is_ascii_digit())
                && !claimed[i]
            {
                push(&mut out.order_numbers, &w.text[key.len()..]);
                claimed[i] = true;
            }
        }
    }
    let is_tracking_word = |w: &str| TRACKING_WORDS.contains(&w);
    scan_keyword_numbers(&words, is_tracking_word, TRACKING_FILLERS, &mut claimed, &mut out.tracking_numbers);
    for (i, w) in words.iter().enumerate() {
        // UPS-style tracking numbers are recognisable without a keyword.
        if !claimed[i]
            && w.text.len() == 18
            && w.text.starts_with("1Z")
            && w.text.chars().all(|c| c.is_ascii_alphanumeric())
        {
            push(&mut out.tracking_numbers, w.text);
            claimed[i] = true;
        }
    }
    for w in &words {
        if w.text.contains('@')
            && let Some(email) = email(w.text)
        {
            push(&mut out.emails, email);
        }
    }
    out.amounts = amounts(&words);
    out.phones = phones(text, &words, &claimed);
    out.names = names(text);
    out
}

/// A whitespace-separated word with surrounding punctuation trimmed.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    /// Byte offset of `text` in the message.
    start: usize,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                let raw: &str = &text[s..i];
                let trimmed = raw.trim_matches(|c: char| {
                    matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '(' | ')' | '"' | '\'' | '[' | ']')
                });
                if !trimmed.is_empty() {
                    let offset = raw.find(trimmed).unwrap_or(0);
                    out.push(Word { text: trimmed, start: s + offset });
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

fn push(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

/// An order word, allowing one typo in "order"/"purchase" ("ordr", "roder",
/// "purhase"), as support mail is typed in a hurry.
fn is_order_word(word: &str) -> bool {
    ORDER_WORDS.contains(&word)
        || (word.len() >= 4 && is_near(word, "order", 1) && !["older", "border", "ordner", "oder"].contains(&word))
        || (word.len() >= 6 && (is_near(word, "purchase", 1) || is_near(word, "purchases", 1)))
}

/// Whether two words are within `max` edits (insert, delete, substitute,
/// swap of neighbours) of each other.
fn is_near(a: &str, b: &str, max: usize) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    // Optimal string alignment distance over three rolling rows.
    let mut before = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= max
}

/// `W4824466`, `1001`, `EV-10023`: letters, digits and dashes with at least three digits.
fn is_order_like(tag: &str) -> bool {
    let digits = tag.chars().filter(char::is_ascii_digit).count();
    digits >= 3
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && tag.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
}

/// A number right after a keyword (allowing a few filler words), with at
/// least four digits and mostly digits: `113542617735902`, `W4824466`, `4711-22`.
fn scan_keyword_numbers(
    words: &[Word<'_>],
    is_key: impl Fn(&str) -> bool,
    fillers: &[&str],
    claimed: &mut [bool],
    out: &mut Vec<String>,
) {
    for (i, w) in words.iter().enumerate() {
        let lower = w.text.to_lowercase();
        let key = lower.trim_end_matches(['#', ':']);
        if !is_key(key) {
            continue;
        }
        for (j, candidate) in words.iter().enumerate().skip(i + 1).take(4) {
            let value = candidate.text.trim_start_matches('#');
            let digits = value.chars().filter(char::is_ascii_digit).count();
            if digits >= 4 && digits * 2 >= value.chars().count() && is_order_like(value) {
                if !claimed[j] {
                    push(out, candidate.text);
                    claimed[j] = true;
                }
                break;
            }
            if !fillers.contains(&candidate.text.to_lowercase().as_str()) {
                break;
            }
        }
    }
}

/// The e-mail address inside a word, if it is one (`local@domain.tld`).
fn email(word: &str) -> Option<&str> {
    let word = word.trim_start_matches('<').trim_end_matches('>');
    let word = word.strip_prefix("mailto:").unwrap_or(word);
    let (local, domain) = word.split_once('@')?;
    let local_ok = !local.is_empty() && local.chars().all(|c| c.is_alphanumeric() || "._%+-".contains(c));
    let domain = domain.trim_end_matches('.');
    let (_, tld) = domain.rsplit_once('.')?;
    let domain_ok = domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        && !domain.starts_with('.')
        && !domain.contains("..");
    let tld_ok = tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic);
    (local_ok && domain_ok && tld_ok).then(|| &word[..local.len() + 1 + domain.len()])
}

const CURRENCY_SYMBOLS: &[char] = &['$', '€', '£'];
const CURRENCY_WORDS: &[&str] = &["usd", "eur", "gbp", "dollars", "dollar", "euros", "euro", "bucks"];

/// Money amounts: `$1,173.02`, `€49`, `49,99 €`, `20 EUR`, `30 dollars`.
fn amounts(words: &[Word<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let t = w.text;
        let is_number = |s: &str| {
            !s.is_empty()
                && s.chars().next().is_some_and(|c| c.is_ascii_digit())
                && s.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        };
        if let Some(rest) = t.strip_prefix(CURRENCY_SYMBOLS) {
            if is_number(rest) {
                push(&mut out, t);
            }
        } else if let Some(num) = t.strip_suffix(CURRENCY_SYMBOLS) {
            if is_number(num) {
                push(&mut out, t);
            }
        } else if is_number(t)
            && let Some(next) = words.get(i + 1)
        {
            let next_lower = next.text.to_lowercase();
            if next.text.len() == '€'.len_utf8() && next.text.starts_with(CURRENCY_SYMBOLS)
                || next.text.len() == 1 && next.text.starts_with(CURRENCY_SYMBOLS)
                || CURRENCY_WORDS.contains(&next_lower.as_str())
            {
                push(&mut out, &format!("{t} {}", next.text));
            }
        } else if CURRENCY_WORDS[..3].contains(&t.to_lowercase().as_str())
            && let Some(next) = words.get(i + 1)
            && is_number(next.text)
        {
            push(&mut out, &format!("{t} {}", next.text));
        }
    }
    out
}

/// Phone numbers: a run of digits, spaces, dashes, dots and parentheses with
/// 7–15 digits that starts with `+` or `(`, has separators, or follows a phone word.
fn phones(text: &str, words: &[Word<'_>], claimed: &[bool]) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let starts = (c == b'+' || c == b'(' || c.is_ascii_digit())
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'#' || bytes[i - 1] == b'$'));
        if !starts {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < bytes.len()
            && (bytes[end].is_ascii_digit() || matches!(bytes[end], b' ' | b'-' | b'.' | b'(' | b')' | b'/'))
        {
            end += 1;
        }
        let candidate = text[i..end].trim_end_matches([' ', '-', '.', '(', '/']);
        let candidate = if candidate.ends_with(')') && !candidate.contains('(') {
            &candidate[..candidate.len() - 1]
        } else {
            candidate
        };
        let stop = i + candidate.len().max(1);
        let digits = candidate.bytes().filter(u8::is_ascii_digit).count();
        let followed_by_letter = bytes.get(i + candidate.len()).is_some_and(u8::is_ascii_alphabetic);
        let separated = candidate.bytes().any(|b| matches!(b, b' ' | b'-' | b'(' | b'/' | b'.'));
        let phone_word = words
            .iter()
            .rev()
            .find(|w| w.start + w.text.len() <= i)
            .is_some_and(|w| PHONE_WORDS.contains(&w.text.to_lowercase().as_str()));
        let is_claimed =
            words.iter().zip(claimed).any(|(w, c)| *c && w.start < i + candidate.len() && i < w.start + w.text.len());
        let looks_like_date = is_date(candidate);
        let has_decimal_money =
            candidate.contains('.') && !candidate.contains(' ') && !candidate.contains('-') && digits < 9;
        if (7..=15).contains(&digits)
            && !followed_by_letter
            && !is_claimed
            && !looks_like_date
            && !has_decimal_money
            && (candidate.starts_with('+') || candidate.starts_with('(') || separated || phone_word)
        {
            push(&mut out, candidate);
        }
        i = stop;
    }
    out
}

/// `2026-03-27`, `27.03.2026`, `03/27/2026`.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split(['-', '.', '/']).collect();
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && (parts[0].len() == 4 || parts[2].len() == 4 || parts[2].len() == 2)
        && parts.iter().map(|p| p.len()).sum::<usize>() <= 8
}

/// Whether a line is only a closing phrase ("Thanks," / "Best regards").
fn closing_of(line: &str) -> Option<&'static str> {
    let lower = line.trim().trim_end_matches([',', '.', '!', '-']).trim().to_lowercase();
    CLOSINGS.iter().find(|c| **c == lower).copied()
}

/// Whether a line opens with a greeting ("Hi Everline team,", "Hallo,").
fn is_greeting(line: &str) -> bool {
    let lower = line.trim().to_lowercase();
    let short = lower.split_whitespace().count() <= 5;
    short
        && (lower.ends_with(',') || lower.ends_with('!') || lower.split_whitespace().count() <= 3)
        && GREETINGS
            .iter()
            .any(|g| lower.strip_prefix(g).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', ',', '!'])))
}

/// A person's name: 1–3 capitalised words, none of them a common non-name.
fn as_name(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches(['.', ',', '!']);
    let parts: Vec<&str> = s.split_whitespace().collect();
    let ok = (1..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            let mut chars = p.chars();
            chars.next().is_some_and(char::is_uppercase)
                && chars.all(|c| c.is_alphabetic() || c == '-' || c == '\'')
                && !NOT_NAMES.contains(p)
        });
    ok.then(|| parts.join(" "))
}

/// Names from sign-offs and introductions.
fn names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    for (i, line) in lines.iter().enumerate() {
        if closing_of(line).is_some() {
            // "Thanks,\nMaria Lopez": the next line, when it is the last or next to last.
            if i + 1 < lines.len()
                && i + 3 >= lines.len()
                && let Some(name) = as_name(lines[i + 1])
            {
                push(&mut out, &name);
            }
        } else if let Some((head, tail)) = line.split_once(',')
            && closing_of(head).is_some()
            && i + 1 == lines.len()
            && let Some(name) = as_name(tail)
        {
            // "Thanks, Maria Lopez" on the last line.
            push(&mut out, &name);
        }
    }
    // Introductions: "my name is Maria Lopez", "I'm Maria", "ich heiße Jonas".
    let lower = text.to_lowercase();
    for intro in ["my name is ", "this is ", "i'm ", "i am ", "i’m ", "mein name ist ", "ich heiße ", "ich bin "] {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(intro) {
            let at = from + pos;
            from = at + intro.len();
            // Only at a word boundary, and "this is"/"I'm" only at the start of a sentence.
            let before = lower[..at].trim_end();
            let boundary = at == 0 || lower[..at].ends_with([' ', '\n', ',', '.']);
            let sentence_start = before.is_empty()
                || before.ends_with(['.', '!', '?', ','])
                || before.ends_with("hi")
                || before.ends_with("hello");
            if !boundary || (!intro.starts_with("my") && !intro.starts_with("mein") && !sentence_start) {
                continue;
            }
            let rest = &text[from..];
            let candidate: Vec<&str> = rest
                .split_whitespace()
                .take(3)
                .take_while(|w| w.chars().next().is_some_and(char::is_uppercase))
                .collect();
            // Keep the words before any punctuation that ends the name.
            let mut name_words = Vec::new();
            for w in candidate {
                let trimmed = w.trim_end_matches([',', '.', '!', '?', ';', ':']);
                name_words.push(trimmed);
                if trimmed.len() != w.len() {
                    break;
                }
            }
            if let Some(name) = as_name(&name_words.join(" ")) {
                push(&mut out, &name);
            }
        }
    }
    out
}

/// The message without its greeting line and its sign-off block: politeness
/// formulas are not the writer's sentiment, and they are not the request.
pub fn message_body(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let non_empty: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].trim().is_empty()).collect();
    if non_empty.len() < 2 {
        return text.to_string();
    }
    let mut first = non_empty[0];
    if is_greeting(lines[first]) {
        first = non_empty[1];
    }
    let mut last = *non_empty.last().unwrap_or(&0);
    // A closing line followed by at most two short lines (the name, a title).
    for (k, &i) in non_empty.iter().enumerate().rev().take(3) {
        if i > first && closing_of(lines[i]).is_some() && non_empty.len() - k <= 3 {
            last = non_empty[k - 1];
            break;
        }
    }
    if last < first {
        return text.to_string();
    }
    lines[first..=last].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_in_tag_and_keyword_shapes() {
        let e = extract("Where is order #W4824466? Also purchase 00123842 and order number: 113542617735902.");
        assert_eq!(e.order_numbers, vec!["#W4824466", "00123842", "113542617735902"]);
        assert_eq!(extract("My Shopify order #1001 is late").order_numbers, vec!["#1001"]);
        assert_eq!(extract("(Order #W9941744, the Cycling Helmet.)").order_numbers, vec!["#W9941744"]);
        assert_eq!(extract("meine Bestellung 4711-22 ist nicht da").order_numbers, vec!["4711-22"]);
        assert!(extract("I ordered 2 items for 2024").order_numbers.is_empty());
        assert!(extract("invoice INV-6908222 please").order_numbers.is_empty());
        assert!(extract("I want to see my bill #00108").order_numbers.is_empty());
        assert_eq!(extract("cancel purhase 00123842").order_numbers, vec!["00123842"]);
        assert_eq!(extract("remove an item from order113542617735902").order_numbers, vec!["113542617735902"]);
        assert_eq!(extract("a product from roder 3707955617").order_numbers, vec!["3707955617"]);
        assert!(extract("my older 2019 model").order_numbers.is_empty());
    }

    #[test]
    fn tracking_numbers_are_not_orders_or_phones() {
        let e = extract("Order #W2611340, tracking number 357962501027 and UPS 1Z999AA10123456784");
        assert_eq!(e.order_numbers, vec!["#W2611340"]);
        assert_eq!(e.tracking_numbers, vec!["357962501027", "1Z999AA10123456784"]);
        assert!(e.phones.is_empty(), "{:?}", e.phones);
    }

    #[test]
    fn emails_phones_and_amounts() {
        let e = extract(
            "Mail me at <maria.lopez+shop@example.co.uk>. I also tried calling +1 (800) 555-0142 on 2026-03-27; \
             I was charged $1,173.02 twice and 49,99 € and 20 EUR.",
        );
        assert_eq!(e.emails, vec!["maria.lopez+shop@example.co.uk"]);
        assert_eq!(e.phones, vec!["+1 (800) 555-0142"]);
        assert_eq!(e.amounts, vec!["$1,173.02", "49,99 €", "20 EUR"]);
        assert!(extract("write to me@localhost or @handle").emails.is_empty());
        assert_eq!(extract("call me on 0176 1234567").phones, vec!["0176 1234567"]);
    }

    #[test]
    fn names_from_sign_offs_and_introductions() {
        assert_eq!(extract("Hi,\n\nWhere is my parcel?\n\nThanks,\nMaria Lopez").names, vec!["Maria Lopez"]);
        assert_eq!(extract("It broke again.\nBest regards\nJohn").names, vec!["John"]);
        assert_eq!(extract("Where is it?\nThanks, Maria Lopez").names, vec!["Maria Lopez"]);
        assert_eq!(extract("Hello, my name is Omar Silva and I need help.").names, vec!["Omar Silva"]);
        assert_eq!(extract("Hi, I'm Ava. My order is late").names, vec!["Ava"]);
        assert!(extract("I'm Not happy. Thanks, The Team").names.is_empty());
        assert!(extract("I am waiting since Monday").names.is_empty());
    }

    #[test]
    fn message_body_drops_greeting_and_sign_off() {
        let body = message_body("Good morning,\n\nWhere is my order?\n\nThanks,\nDaiki");
        assert_eq!(body.trim(), "Where is my order?");
        assert_eq!(message_body("thanks, it works great"), "thanks, it works great");
        assert_eq!(message_body("Thanks!\nIt arrived."), "Thanks!\nIt arrived.");
    }
}
