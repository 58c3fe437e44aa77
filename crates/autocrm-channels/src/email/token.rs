//! Reply tokens (`support+<token>@shop.example`) and ticket numbers in subjects.
//!
//! A token is signed with the server's secret (HMAC-SHA256), so a reply
//! can be threaded without trusting anything else the sender says, and no
//! one can forge a token for another workspace's ticket.
//!
//! Format: lowercase RFC 4648 base32 without padding (`a`–`z`, `2`–`7`) of
//! `varint(workspace_id) ‖ varint(ticket_id) ‖ HMAC-SHA256(secret, context ‖
//! payload)[..10]`, 80 bits of MAC; typically 21 characters. Invariants:
//! - the alphabet is safe in a URL and in an e-mail local part, and a token
//!   survives case changes (mail systems upper- or lower-case local parts),
//!   so [`verify`] ignores ASCII case;
//! - every token has exactly one canonical spelling (modulo case): [`verify`]
//!   re-signs what it decoded and compares the whole string, so trailing
//!   bits, over-long varints or any other edit fail.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

/// Bytes of the HMAC kept in a token (80 bits).
const MAC_LEN: usize = 10;
/// Domain separation: the same secret may sign other things.
const CONTEXT: &[u8] = b"autocrm/reply-token/v1\0";
/// Base32 alphabet, lower case.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Largest ticket number [`subject_ticket_number`] accepts.
const MAX_SUBJECT_NUMBER: i64 = 1_000_000_000_000;
/// Longest token [`verify`] looks at (two 10-byte varints and the MAC).
const MAX_TOKEN_CHARS: usize = (2 * 10 + MAC_LEN) * 8 / 5 + 1;

/// A signed token naming a workspace and ticket.
pub fn sign(secret: &[u8], workspace_id: i64, ticket_id: i64) -> String {
    let mut payload = Vec::with_capacity(2 * 10 + MAC_LEN);
    put_varint(&mut payload, workspace_id as u64);
    put_varint(&mut payload, ticket_id as u64);
    let mac = mac(secret, &payload);
    payload.extend_from_slice(&mac[..MAC_LEN]);
    base32_encode(&payload)
}

/// The workspace and ticket a token names, when its signature holds.
/// ASCII case is ignored; any other change to the token yields `None`.
pub fn verify(secret: &[u8], token: &str) -> Option<(i64, i64)> {
    if token.len() > MAX_TOKEN_CHARS {
        return None;
    }
    let lower = token.to_ascii_lowercase();
    let bytes = base32_decode(&lower)?;
    let (workspace_id, rest) = take_varint(&bytes)?;
    let (ticket_id, rest) = take_varint(rest)?;
    if rest.len() != MAC_LEN {
        return None;
    }
    let (workspace_id, ticket_id) = (workspace_id as i64, ticket_id as i64);
    // Comparing the canonical re-encoding (not just the MAC) rejects every
    // alternative spelling of the same bytes.
    let expected = sign(secret, workspace_id, ticket_id);
    constant_time_eq(expected.as_bytes(), lower.as_bytes()).then_some((workspace_id, ticket_id))
}

/// `support@shop.example` + token → `support+<token>@shop.example`.
/// A mailbox without `@` gets the tag appended (`support+<token>`).
pub fn plus_address(mailbox: &str, token: &str) -> String {
    match mailbox.rsplit_once('@') {
        Some((local, domain)) => format!("{local}+{token}@{domain}"),
        None => format!("{mailbox}+{token}"),
    }
}

/// The token carried by a recipient that is a plus-address of one of the
/// mailbox addresses, if any (lower-cased; not yet verified). Comparison
/// ignores ASCII case. A mailbox that itself has a `+` tag
/// (`help+shop@example.com`) works: the token is what follows the
/// mailbox's local part and one more `+`.
pub fn find_token(recipients: &[String], mailbox_addresses: &[String]) -> Option<String> {
    recipients.iter().find_map(|recipient| {
        let recipient = recipient.trim().to_ascii_lowercase();
        let (local, domain) = recipient.rsplit_once('@')?;
        mailbox_addresses
            .iter()
            .filter_map(|mailbox| {
                let mailbox = mailbox.trim().to_ascii_lowercase();
                let (m_local, m_domain) = mailbox.rsplit_once('@')?;
                if m_domain != domain || m_local.is_empty() {
                    return None;
                }
                let tag = local.strip_prefix(m_local)?.strip_prefix('+')?;
                let plausible =
                    !tag.is_empty() && tag.len() <= MAX_TOKEN_CHARS && tag.bytes().all(|b| ALPHABET.contains(&b));
                // The longest matching mailbox wins (`help+shop@` over `help@`).
                plausible.then(|| (m_local.len(), tag.to_owned()))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, tag)| tag)
    })
}

/// The ticket number in a subject (`Re: Where is my order? [#1042]`).
///
/// Only the `[#N]` form is recognised (what [`tag_subject`] writes); when a
/// subject carries several, the last one counts, because we append ours and
/// a forwarded subject may carry another system's tag before it. Zero and
/// numbers above 10^12 are ignored as absurd.
pub fn subject_ticket_number(subject: &str) -> Option<i64> {
    subject_tags(subject).last()
}

/// A subject carrying the ticket number once (`Re: Where is my order? [#1042]`).
/// A subject that already carries `[#number]` is returned unchanged; any
/// other tag and `Re:`/`Fwd:` prefixes are kept as they are.
pub fn tag_subject(subject: &str, number: i64) -> String {
    if subject_tags(subject).any(|n| n == number) {
        return subject.to_owned();
    }
    let base = subject.trim_end();
    if base.is_empty() { format!("[#{number}]") } else { format!("{base} [#{number}]") }
}

/// Every valid `[#N]` in a subject, in order.
fn subject_tags(subject: &str) -> impl Iterator<Item = i64> + '_ {
    subject.match_indices("[#").filter_map(move |(at, _)| {
        let rest = &subject[at + 2..];
        let end = rest.find(']')?;
        let digits = &rest[..end];
        // 13 digits hold 10^12; longer runs are absurd (and could overflow).
        if digits.is_empty() || digits.len() > 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i64 = digits.parse().ok()?;
        (1..=MAX_SUBJECT_NUMBER).contains(&n).then_some(n)
    })
}

fn mac(secret: &[u8], payload: &[u8]) -> [u8; 32] {
    // `new_from_slice` accepts keys of any length for HMAC; the fallback only
    // satisfies the type system.
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret) else {
        return [0; 32];
    };
    m.update(CONTEXT);
    m.update(payload);
    m.finalize().into_bytes().into()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn take_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut v: u64 = 0;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((v, &bytes[i + 1..]));
        }
    }
    None
}

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes lowercase base32; `None` on any other character. Leftover bits
/// are dropped here; [`verify`] rejects non-canonical input by re-encoding.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"server secret for tests";

    #[test]
    fn a_token_round_trips_and_is_compact_lowercase_base32() {
        let t = sign(SECRET, 7, 1042);
        assert_eq!(verify(SECRET, &t), Some((7, 1042)));
        assert!(t.len() <= 24, "{t}");
        assert!(t.bytes().all(|b| ALPHABET.contains(&b)), "{t}");
    }

    #[test]
    fn a_token_survives_upper_casing() {
        let t = sign(SECRET, 3, 99).to_ascii_uppercase();
        assert_eq!(verify(SECRET, &t), Some((3, 99)));
    }

    #[test]
    fn another_secret_or_garbage_does_not_verify() {
        let t = sign(SECRET, 3, 99);
        assert_eq!(verify(b"other secret", &t), None);
        assert_eq!(verify(SECRET, ""), None);
        assert_eq!(verify(SECRET, "not-a-token"), None);
        assert_eq!(verify(SECRET, &"a".repeat(500)), None);
        assert_eq!(verify(SECRET, &t[..t.len() - 1]), None);
        assert_eq!(verify(SECRET, &format!("{t}a")), None);
    }

    #[test]
    fn tokens_for_different_tickets_differ() {
        assert_ne!(sign(SECRET, 1, 2), sign(SECRET, 2, 1));
        assert_ne!(sign(SECRET, 1, 2), sign(SECRET, 1, 3));
    }

    #[test]
    fn plus_address_inserts_the_token_before_the_domain() {
        assert_eq!(plus_address("support@shop.example", "abc"), "support+abc@shop.example");
        assert_eq!(plus_address("support", "abc"), "support+abc");
    }

    #[test]
    fn find_token_matches_plus_addresses_of_our_mailboxes_only() {
        let mailboxes = vec!["support@shop.example".to_owned(), "help+eu@gmail.example".to_owned()];
        let t = sign(SECRET, 1, 5);
        let found = find_token(
            &["someone@else.example".to_owned(), format!("Support+{}@Shop.Example", t.to_uppercase())],
            &mailboxes,
        );
        assert_eq!(found.as_deref(), Some(t.as_str()));
        assert_eq!(find_token(&[format!("help+eu+{t}@gmail.example")], &mailboxes).as_deref(), Some(t.as_str()));
        // Plain mailbox, another domain, another local part, empty tag, bad alphabet.
        for r in [
            "support@shop.example",
            "support+abc@evil.example",
            "supportx+abc@shop.example",
            "support+@shop.example",
            "support+ab-c@shop.example",
        ] {
            assert_eq!(find_token(&[r.to_owned()], &mailboxes), None, "{r}");
        }
        // `help+eu` is longer than `help`, so the token is not "eu+…".
        let both = vec!["help@gmail.example".to_owned(), "help+eu@gmail.example".to_owned()];
        assert_eq!(find_token(&[format!("help+eu+{t}@gmail.example")], &both).as_deref(), Some(t.as_str()));
    }

    #[test]
    fn subject_ticket_number_reads_the_last_hash_tag() {
        assert_eq!(subject_ticket_number("Re: Where is my order? [#1042]"), Some(1042));
        assert_eq!(subject_ticket_number("[#7] Fwd: stuff"), Some(7));
        assert_eq!(subject_ticket_number("Fwd: [#12] old system [#34]"), Some(34));
        assert_eq!(subject_ticket_number("[#12] old [#abc]"), Some(12));
        for s in [
            "no tag",
            "[#]",
            "[# 12]",
            "[Ticket #12]",
            "#12",
            "[#12",
            "[#0]",
            "[#1000000000001]",
            "[#99999999999999999999999]",
        ] {
            assert_eq!(subject_ticket_number(s), None, "{s}");
        }
        assert_eq!(subject_ticket_number("[#1000000000000]"), Some(1_000_000_000_000));
    }

    #[test]
    fn tag_subject_appends_once_and_keeps_prefixes() {
        assert_eq!(tag_subject("Re: Where is my order?", 1042), "Re: Where is my order? [#1042]");
        assert_eq!(tag_subject("Re: Where is my order? [#1042]", 1042), "Re: Where is my order? [#1042]");
        assert_eq!(tag_subject("[#1042] Fwd: x", 1042), "[#1042] Fwd: x");
        assert_eq!(tag_subject("Fwd: x [#9]", 1042), "Fwd: x [#9] [#1042]");
        assert_eq!(tag_subject("", 5), "[#5]");
        assert_eq!(tag_subject("Hi  ", 5), "Hi [#5]");
        assert_eq!(subject_ticket_number(&tag_subject("Re: Fwd: Hi", 77)), Some(77));
    }

    proptest! {
        #[test]
        fn sign_then_verify_round_trips(ws in any::<i64>(), ticket in any::<i64>(), secret in proptest::collection::vec(any::<u8>(), 0..64)) {
            let t = sign(&secret, ws, ticket);
            prop_assert_eq!(verify(&secret, &t), Some((ws, ticket)));
        }

        #[test]
        fn any_single_character_change_fails(ws in 0i64..1_000_000_000, ticket in 0i64..1_000_000_000_000, pos in any::<proptest::sample::Index>(), replacement in any::<char>()) {
            let t = sign(SECRET, ws, ticket);
            let i = pos.index(t.len());
            let original = char::from(t.as_bytes()[i]);
            // A case change is not a change: tokens are case-insensitive by design.
            prop_assume!(!replacement.eq_ignore_ascii_case(&original));
            let mut mutated = t.clone();
            mutated.replace_range(i..=i, &replacement.to_string());
            prop_assert_eq!(verify(SECRET, &mutated), None);
        }

        #[test]
        fn tagging_any_subject_makes_the_number_readable(subject in ".{0,80}", n in 1i64..=1_000_000_000_000) {
            let tagged = tag_subject(&subject, n);
            prop_assert!(subject_tags(&tagged).any(|x| x == n));
            prop_assert_eq!(tag_subject(&tagged, n), tagged);
        }
    }
}
