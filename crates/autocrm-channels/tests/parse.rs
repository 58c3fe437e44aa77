//! The inbound e-mail corpus, replayed through the parser.
//!
//! `tests/corpus/*.eml` are real-world shaped messages (Gmail, Outlook,
//! Apple Mail, Thunderbird, Exchange, Postfix/Exim/qmail bounces, lists,
//! bulk mail); `tests/corpus/expected.json` lists, per file and in replay
//! order, the facts the parser must find (`parse`) and what the store must
//! do with the message (`outcome`, `auto_reply`; checked here only for
//! consistency, the store's replay test acts on them). Placeholders that the
//! store's replay fills with real values get dummy values here.
//!
//! Also: property tests that parsing never panics (nor hits the caught-panic
//! path) on arbitrary bytes and on mutated corpus files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use autocrm_channels::email::{
    Address, Bounce, Limits, ParseError, ParsedAttachment, ParsedEmail, parse, parse_with_limits,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// The limit the replay applies to `*-oversize.eml` files.
const OVERSIZE_LIMIT: usize = 256 * 1024;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("corpus")
}

/// Replaces `{{token:T1}}`, `{{number:T1}}` and `{{sent_id:T1}}` with the
/// dummy values of this test. Panics on any other placeholder.
fn substitute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("unterminated placeholder") + start;
        let (kind, key) = rest[start + 2..end].split_once(':').expect("placeholder without a key");
        assert!(key.starts_with('T') && key[1..].parse::<u32>().is_ok(), "bad ticket key {key}");
        out.push_str(match kind {
            "token" => "tok123",
            "number" => "1001",
            "sent_id" => "reply-1@shop.example",
            other => panic!("unknown placeholder kind {other}"),
        });
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn substitute_bytes(raw: &[u8]) -> Vec<u8> {
    // Placeholders are ASCII; the bytes around them may be any charset.
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i..].starts_with(b"{{")
            && let Some(len) = raw[i..].windows(2).position(|w| w == b"}}")
        {
            let inner = std::str::from_utf8(&raw[i..i + len + 2]).expect("placeholder is ASCII");
            out.extend_from_slice(substitute(inner).as_bytes());
            i += len + 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

struct Entry {
    file: String,
    parse: Map<String, Value>,
    outcome: Value,
    auto_reply: bool,
}

static MANIFEST: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    let text = std::fs::read_to_string(corpus_dir().join("expected.json")).unwrap();
    let value: Value = serde_json::from_str(&substitute(&text)).unwrap();
    value
        .as_array()
        .expect("the manifest is an array")
        .iter()
        .map(|e| Entry {
            file: e["file"].as_str().expect("file").to_owned(),
            parse: e["parse"].as_object().expect("parse is an object").clone(),
            outcome: e["outcome"].clone(),
            auto_reply: e["auto_reply"].as_bool().expect("auto_reply is a bool"),
        })
        .collect()
});

fn raw_of(file: &str) -> Vec<u8> {
    substitute_bytes(&std::fs::read(corpus_dir().join(file)).unwrap())
}

fn limits_for(file: &str) -> Limits {
    if file.ends_with("-oversize.eml") {
        Limits { max_message_bytes: OVERSIZE_LIMIT, ..Limits::default() }
    } else {
        Limits::default()
    }
}

fn parse_file(file: &str) -> Result<ParsedEmail, ParseError> {
    parse_with_limits(&raw_of(file), &limits_for(file))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("an array of strings").iter().map(|s| s.as_str().expect("a string").to_owned()).collect()
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

const AUTOMATION_FLAGS: &[&str] =
    &["auto_submitted", "bulk_precedence", "mailing_list", "null_return_path", "role_sender", "autoresponder_marker"];

fn automation_flags(m: &ParsedEmail) -> BTreeSet<String> {
    let a = &m.automation;
    [a.auto_submitted, a.bulk_precedence, a.mailing_list, a.null_return_path, a.role_sender, a.autoresponder_marker]
        .iter()
        .zip(AUTOMATION_FLAGS)
        .filter(|(on, _)| **on)
        .map(|(_, name)| (*name).to_owned())
        .collect()
}

/// Collects every mismatch of one run, so a failure report lists them all.
struct Checker {
    errors: Vec<String>,
}

impl Checker {
    fn fail(&mut self, at: &str, key: &str, expected: &dyn std::fmt::Debug, got: &dyn std::fmt::Debug) {
        self.errors.push(format!("{at}: {key}: expected {expected:?}, got {got:?}"));
    }

    fn attachment(&mut self, at: &str, want: &Value, got: &ParsedAttachment) {
        for (key, value) in want.as_object().expect("an attachment object") {
            let ok = match key.as_str() {
                "filename" => value.as_str() == Some(got.filename.as_str()),
                "content_type" => value.as_str() == Some(got.content_type.as_str()),
                "inline" => value.as_bool() == Some(got.inline),
                "content_id" => opt_str(value) == got.content_id,
                "size" => value.as_u64() == Some(got.data.len() as u64),
                other => panic!("{at}: unknown attachment fact {other}"),
            };
            if !ok {
                self.fail(at, key, value, &describe(got));
            }
        }
    }

    fn bounce(&mut self, at: &str, want: &Value, got: Option<&Bounce>) {
        let Some(want) = want.as_object() else {
            if got.is_some() {
                self.fail(at, "bounce", &"none", &got);
            }
            return;
        };
        let Some(b) = got else {
            self.fail(at, "bounce", want, &"none");
            return;
        };
        for (key, value) in want {
            let ok = match key.as_str() {
                "original_message_id" => opt_str(value) == b.original_message_id,
                "failed_recipients" => strings(value) == b.failed_recipients,
                "status" => opt_str(value) == b.status,
                "permanent" => value.as_bool() == Some(b.permanent),
                "diagnostic_contains" => {
                    b.diagnostic.as_deref().is_some_and(|d| d.contains(value.as_str().expect("a string")))
                }
                other => panic!("{at}: unknown bounce fact {other}"),
            };
            if !ok {
                self.fail(at, &format!("bounce.{key}"), value, b);
            }
        }
    }

    fn contains(&mut self, at: &str, key: &str, haystack: &str, needles: &Value, present: bool) {
        for needle in strings(needles) {
            if haystack.contains(&needle) != present {
                self.fail(at, key, &needle, &haystack);
            }
        }
    }

    /// Every fact of one manifest entry.
    fn entry(&mut self, entry: &Entry, result: &Result<ParsedEmail, ParseError>) {
        let at = entry.file.as_str();
        let facts = &entry.parse;
        if let Some(expected) = facts.get("error") {
            assert_eq!(facts.len(), 1, "{at}: an error entry asserts nothing else");
            let ok = match (expected.as_str(), result) {
                (Some("too_large"), Err(ParseError::TooLarge { .. }))
                | (Some("malformed"), Err(ParseError::Malformed(_))) => true,
                (Some("too_large" | "malformed"), _) => false,
                _ => panic!("{at}: unknown error kind {expected}"),
            };
            if !ok {
                self.fail(at, "error", expected, &result.as_ref().map(|m| &m.subject));
            }
            return;
        }
        let m = match result {
            Ok(m) => m,
            Err(e) => {
                self.fail(at, "parse", &"Ok", e);
                return;
            }
        };
        for (key, value) in facts {
            self.fact(at, key, value, m);
        }
        // Facts every entry gets without saying so.
        if !facts.contains_key("automation") && !automation_flags(m).is_empty() {
            self.fail(at, "automation", &"none", &automation_flags(m));
        }
        if !facts.contains_key("bounce") && m.bounce.is_some() {
            self.fail(at, "bounce", &"none", &m.bounce);
        }
        if !facts.contains_key("skipped_attachments") && !m.skipped_attachments.is_empty() {
            self.fail(at, "skipped_attachments", &"none", &m.skipped_attachments);
        }
        self.invariants(at, m);
    }

    fn fact(&mut self, at: &str, key: &str, value: &Value, m: &ParsedEmail) {
        let emails = |list: &[Address]| list.iter().map(|a| a.email.clone()).collect::<Vec<_>>();
        let (expected_matches, got): (bool, Box<dyn std::fmt::Debug>) = match key {
            "subject" => (value.as_str() == Some(m.subject.as_str()), Box::new(m.subject.clone())),
            "from" => {
                let got = m.from.as_ref().map(|a| a.email.clone());
                (opt_str(value) == got, Box::new(got))
            }
            "from_name" => {
                let got = m.from.as_ref().and_then(|a| a.name.clone());
                (opt_str(value) == got, Box::new(got))
            }
            "message_id" => (opt_str(value) == m.message_id, Box::new(m.message_id.clone())),
            "in_reply_to" => (strings(value) == m.in_reply_to, Box::new(m.in_reply_to.clone())),
            "references" => (strings(value) == m.references, Box::new(m.references.clone())),
            "to" => (strings(value) == emails(&m.to), Box::new(emails(&m.to))),
            "cc" => (strings(value) == emails(&m.cc), Box::new(emails(&m.cc))),
            "reply_to" => (strings(value) == emails(&m.reply_to), Box::new(emails(&m.reply_to))),
            "delivered_to" => (strings(value) == m.delivered_to, Box::new(m.delivered_to.clone())),
            "to_count" => (value.as_u64() == Some(m.to.len() as u64), Box::new(m.to.len())),
            "cc_count" => (value.as_u64() == Some(m.cc.len() as u64), Box::new(m.cc.len())),
            "recipients_include" => {
                let recipients = m.recipients();
                (strings(value).iter().all(|r| recipients.contains(r)), Box::new(recipients))
            }
            "return_path" => (opt_str(value) == m.return_path, Box::new(m.return_path.clone())),
            "date" => {
                let got = m.date.map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
                (opt_str(value) == got, Box::new(got))
            }
            "has_html" => (value.as_bool() == Some(m.html.is_some()), Box::new(m.html.clone())),
            "html_contains" | "html_excludes" => {
                self.contains(at, key, m.html.as_deref().unwrap_or_default(), value, key == "html_contains");
                return;
            }
            "text_new_contains" | "text_new_excludes" => {
                self.contains(at, key, &m.text_new, value, key == "text_new_contains");
                return;
            }
            "text_quoted_contains" => {
                self.contains(at, key, &m.text_quoted, value, true);
                return;
            }
            "signature_contains" => {
                self.contains(at, key, m.signature.as_deref().unwrap_or_default(), value, true);
                return;
            }
            "text_new_equals" => (value.as_str() == Some(m.text_new.as_str()), Box::new(m.text_new.clone())),
            "has_signature" => (value.as_bool() == Some(m.signature.is_some()), Box::new(m.signature.clone())),
            "attachments" => {
                let want = value.as_array().expect("attachments is an array");
                if want.len() == m.attachments.len() {
                    for (i, (w, g)) in want.iter().zip(&m.attachments).enumerate() {
                        self.attachment(&format!("{at}: attachments[{i}]"), w, g);
                    }
                    return;
                }
                (false, Box::new(m.attachments.iter().map(describe).collect::<Vec<_>>()))
            }
            "attachments_first" => {
                if let Some(first) = m.attachments.first() {
                    self.attachment(&format!("{at}: attachments[0]"), value, first);
                    return;
                }
                (false, Box::new("no attachments"))
            }
            "attachment_count" => (value.as_u64() == Some(m.attachments.len() as u64), Box::new(m.attachments.len())),
            "skipped_attachments" => (strings(value) == m.skipped_attachments, Box::new(m.skipped_attachments.clone())),
            "automation" => {
                let want: BTreeSet<String> = strings(value).into_iter().collect();
                for flag in &want {
                    assert!(AUTOMATION_FLAGS.contains(&flag.as_str()), "{at}: unknown automation flag {flag}");
                }
                let got = automation_flags(m);
                (want == got, Box::new(got))
            }
            "bounce" => {
                self.bounce(at, value, m.bounce.as_ref());
                return;
            }
            "dedupe_key_same_as" => {
                let other = parse_file(value.as_str().expect("a file name")).expect("the other file parses");
                (other.dedupe_key() == m.dedupe_key(), Box::new(m.dedupe_key()))
            }
            other => panic!("{at}: unknown fact {other:?} (a typo would silently assert nothing)"),
        };
        if !expected_matches {
            self.fail(at, key, value, &got);
        }
    }

    /// What must hold for every parsed message, whatever its shape.
    fn invariants(&mut self, at: &str, m: &ParsedEmail) {
        let addresses = m.from.iter().chain(&m.to).chain(&m.cc).chain(&m.reply_to).map(|a| a.email.as_str());
        for a in addresses.chain(m.delivered_to.iter().map(String::as_str)) {
            if a != a.to_lowercase() {
                self.fail(at, "lower-case address", &a.to_lowercase(), &a);
            }
        }
        let bounced = m.bounce.as_ref().and_then(|b| b.original_message_id.as_ref());
        for id in m.message_id.iter().chain(&m.in_reply_to).chain(&m.references).chain(bounced) {
            if id.contains(['<', '>']) || id.is_empty() {
                self.fail(at, "bare id", &"no brackets", id);
            }
        }
        for a in &m.attachments {
            let f = &a.filename;
            let safe = !f.is_empty()
                && f.len() <= 200
                && !f.starts_with('.')
                && !f.contains(['/', '\\'])
                && !f.chars().any(char::is_control);
            if !safe {
                self.fail(at, "safe file name", &"bare name", f);
            }
            if a.content_id.as_deref().is_some_and(|c| c.contains(['<', '>'])) {
                self.fail(at, "content id", &"no brackets", &a.content_id);
            }
        }
        if m.body_hash.len() != 64 || !m.body_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.fail(at, "body_hash", &"64 hex digits", &m.body_hash);
        }
    }
}

fn describe(a: &ParsedAttachment) -> String {
    format!(
        "{{filename: {:?}, content_type: {:?}, inline: {}, content_id: {:?}, size: {}}}",
        a.filename,
        a.content_type,
        a.inline,
        a.content_id,
        a.data.len()
    )
}

#[test]
fn every_corpus_file_yields_its_expected_facts() {
    let mut checker = Checker { errors: Vec::new() };
    for entry in MANIFEST.iter() {
        let raw = raw_of(&entry.file);
        let result = parse_with_limits(&raw, &limits_for(&entry.file));
        if let Ok(m) = &result {
            assert_eq!(m.raw_size, raw.len(), "{}", entry.file);
        }
        checker.entry(entry, &result);
    }
    assert!(checker.errors.is_empty(), "{} mismatches:\n{}", checker.errors.len(), checker.errors.join("\n"));
}

#[test]
fn the_oversize_file_is_only_too_large_for_the_replay_limit() {
    let oversize: Vec<&Entry> = MANIFEST.iter().filter(|e| e.file.ends_with("-oversize.eml")).collect();
    assert!(!oversize.is_empty());
    for entry in oversize {
        let raw = raw_of(&entry.file);
        assert!(raw.len() > OVERSIZE_LIMIT && raw.len() <= 400 * 1024, "{}: {} bytes", entry.file, raw.len());
        let parsed = parse(&raw).unwrap();
        assert_eq!(parsed.attachments.len(), 1, "{}", entry.file);
    }
}

#[test]
fn the_manifest_covers_every_file_in_order_and_is_consistent() {
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| Path::new(n).extension().is_some_and(|x| x == "eml"))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = MANIFEST.iter().map(|e| e.file.clone()).collect();
    assert_eq!(listed, on_disk, "the manifest lists every .eml once, in filename order");
    assert!(listed.len() >= 45);

    // Ticket keys: created once, referenced only after creation (also by placeholders).
    let raw_manifest = std::fs::read_to_string(corpus_dir().join("expected.json")).unwrap();
    let raw_entries: Vec<Value> = serde_json::from_str(&raw_manifest).unwrap();
    let mut created: BTreeMap<String, usize> = BTreeMap::new();
    for (i, (entry, raw_entry)) in MANIFEST.iter().zip(&raw_entries).enumerate() {
        let at = &entry.file;
        let outcome = &entry.outcome;
        let kind = outcome["kind"].as_str().unwrap();
        let raw_text = String::from_utf8_lossy(&std::fs::read(corpus_dir().join(at)).unwrap()).into_owned()
            + &raw_entry["parse"].to_string();
        for key in placeholder_keys(&raw_text) {
            assert!(created.contains_key(&key), "{at}: placeholder for {key} before it exists");
        }
        match kind {
            "new_ticket" => {
                let key = outcome["key"].as_str().unwrap().to_owned();
                assert!(created.insert(key.clone(), i).is_none(), "{at}: {key} created twice");
            }
            "appended" | "duplicate" | "bounce" => {
                let ticket = outcome["ticket"].as_str().unwrap();
                assert!(created.contains_key(ticket), "{at}: {ticket} does not exist yet");
            }
            "rejected" => assert_eq!(outcome["reason"], "too_large", "{at}"),
            other => panic!("{at}: unknown outcome {other}"),
        }
        if entry.auto_reply {
            assert_eq!(kind, "new_ticket", "{at}: only a new ticket is acknowledged");
        }
        if kind == "bounce" {
            assert!(
                entry.parse.get("bounce").is_some_and(Value::is_object),
                "{at}: a bounce outcome needs bounce facts"
            );
        }
        if kind == "rejected" {
            assert!(at.ends_with("-oversize.eml"), "{at}: the replay only applies the small limit to *-oversize.eml");
        }
    }
}

/// The ticket keys named by placeholders in `text`.
fn placeholder_keys(text: &str) -> Vec<String> {
    text.match_indices("{{")
        .filter_map(|(i, _)| {
            let inner = &text[i + 2..i + text[i..].find("}}")?];
            Some(inner.split_once(':')?.1.to_owned())
        })
        .collect()
}

#[test]
fn placeholders_are_substituted_with_the_dummy_values() {
    assert_eq!(
        substitute("support+{{token:T3}}@shop.example [#{{number:T12}}] <{{sent_id:T1}}>"),
        "support+tok123@shop.example [#1001] <reply-1@shop.example>"
    );
    assert_eq!(substitute_bytes(b"\xe9 {{number:T1}} \xe9"), b"\xe9 1001 \xe9".to_vec());
}

/// The error `parse` reports when it had to catch a panic.
fn caught_a_panic(result: &Result<ParsedEmail, ParseError>) -> bool {
    matches!(result, Err(ParseError::Malformed(m)) if m.contains("could not be read"))
}

thread_local! {
    /// Where the last panic on this thread was raised.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Records panic locations per thread. mail-parser has `debug_assert!`s
/// that malformed input can reach (no-ops in release builds, where
/// `parse` would see nothing); those are recorded silently, every other
/// panic still goes to the default hook.
fn record_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            let in_mail_parser = location.contains("/mail-parser-");
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(location));
            if !in_mail_parser {
                default(info);
            }
        }));
    });
}

static SMALL_CORPUS: LazyLock<Vec<Vec<u8>>> =
    LazyLock::new(|| MANIFEST.iter().map(|e| raw_of(&e.file)).filter(|raw| raw.len() < 64 * 1024).collect());

#[derive(Debug, Clone)]
enum Mutation {
    Overwrite(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
    DuplicateRange(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop_oneof![
        Just(b"\r\n".to_vec()),
        Just(b"\n\n".to_vec()),
        Just(b"--".to_vec()),
        Just(b"=?utf-8?B?".to_vec()),
        Just(b"Content-Type: multipart/mixed; boundary=\"x\"\r\n".to_vec()),
        Just(b"Content-Transfer-Encoding: base64\r\n".to_vec()),
        Just(b"Content-Type: message/rfc822\r\n\r\n".to_vec()),
        Just(b"filename*0*=UTF-8''%E2%80".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..32),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Overwrite(i, b)),
        (any::<usize>(), interesting).prop_map(|(i, bytes)| Mutation::Insert(i, bytes)),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..400).prop_map(|(i, n)| Mutation::DuplicateRange(i, n)),
    ]
}

fn apply(raw: &mut Vec<u8>, m: &Mutation) {
    if raw.is_empty() {
        return;
    }
    let at = |i: usize, len: usize| i % (len + 1);
    match m {
        Mutation::Overwrite(i, b) => {
            let i = i % raw.len();
            raw[i] = *b;
        }
        Mutation::Insert(i, bytes) => {
            let i = at(*i, raw.len());
            raw.splice(i..i, bytes.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let i = i % raw.len();
            let end = (i + n).min(raw.len());
            raw.drain(i..end);
        }
        Mutation::Truncate(i) => raw.truncate(at(*i, raw.len())),
        Mutation::DuplicateRange(i, n) => {
            let i = i % raw.len();
            let end = (i + n).min(raw.len());
            let copy = raw[i..end].to_vec();
            raw.splice(end..end, copy);
        }
    }
}

fn check_anything(raw: &[u8]) -> Result<(), TestCaseError> {
    record_panics();
    LAST_PANIC.with(|p| p.borrow_mut().take());
    let result = parse(raw);
    if caught_a_panic(&result) {
        // Only mail-parser's debug assertions are tolerated (and contained);
        // a panic in our own code is a bug.
        let location = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
        prop_assert!(location.contains("/mail-parser-"), "parse panicked at {location}");
    }
    if let Ok(m) = &result {
        prop_assert_eq!(m.raw_size, raw.len());
        let mut checker = Checker { errors: Vec::new() };
        checker.invariants("mutant", m);
        prop_assert!(checker.errors.is_empty(), "{:?}", checker.errors);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parsing_arbitrary_bytes_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_anything(&raw)?;
    }

    #[test]
    fn parsing_header_like_noise_never_panics(
        lines in proptest::collection::vec("[A-Za-z-]{1,12}: [ -~]{0,60}", 0..12),
        body in "[ -~\n]{0,300}",
    ) {
        let raw = format!("{}\r\n\r\n{body}", lines.join("\r\n"));
        check_anything(raw.as_bytes())?;
    }

    #[test]
    fn parsing_mutated_corpus_files_never_panics(
        index in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 1..8),
    ) {
        let mut raw = index.get(&SMALL_CORPUS).clone();
        for m in &mutations {
            apply(&mut raw, m);
        }
        check_anything(&raw)?;
    }
}
