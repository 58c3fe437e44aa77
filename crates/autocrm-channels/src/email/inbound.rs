//! The inbound entry point: raw bytes to a threading plan, with no database.
//!
//! [`plan`] parses a message and gathers every hint the store needs to
//! decide which ticket it belongs to and whether it may be answered
//! automatically. The store resolves the hints in this order, first match wins:
//!
//! 1. [`InboundPlan::referenced_ids`] against the Message-IDs it has stored
//!    for the receiving workspace (ours and the customers');
//! 2. [`InboundPlan::reply_token`], **only when its workspace is the
//!    receiving workspace**: a token signed for another workspace is ignored
//!    (it is genuine, but a message delivered to this workspace must never
//!    thread into another tenant's ticket);
//! 3. [`InboundPlan::subject_number`], only when the sender is the ticket's
//!    requester or one of its CCs (a number in a subject is guessable);
//! 4. otherwise a new ticket.
//!
//! Invariants: [`plan`] is pure and never panics on any input (the fuzz
//! target `fuzz/fuzz_targets/inbound.rs` drives it with arbitrary bytes);
//! a reply token is reported only once its signature has been verified.

use super::{Address, Limits, ParseError, ParsedEmail, loops, parse_with_limits, token};

/// The receiving workspace's addresses, as the planner sees them.
#[derive(Debug, Clone, Copy)]
pub struct MailboxView<'a> {
    /// All of the workspace's mailbox addresses (and aliases), lower-case.
    pub addresses: &'a [String],
}

/// What one inbound message says about itself, for the store to resolve.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundPlan {
    /// The parsed message.
    pub parsed: ParsedEmail,
    /// The key under which the workspace stores this message once
    /// ([`ParsedEmail::dedupe_key`]); a second delivery is dropped.
    pub dedupe_key: String,
    /// Message-IDs this message answers, most specific first.
    pub referenced_ids: Vec<String>,
    /// `(workspace_id, ticket_id)` from a verified reply token in a
    /// recipient plus-address. The store ignores it unless the workspace is
    /// the receiving one.
    pub reply_token: Option<(i64, i64)>,
    /// The `[#N]` ticket number in the subject, if any.
    pub subject_number: Option<i64>,
    /// Why no automatic answer may go out ([`loops::no_auto_reply_reason`]), if so.
    pub no_auto_reply: Option<&'static str>,
    /// The author: the `From` address. `Reply-To` is only where answers
    /// should go (kept in `parsed.reply_to`); it names no one, and trusting it
    /// for identity would let anyone add themselves to a ticket.
    pub sender: Option<Address>,
}

/// Parses `raw` and gathers its threading hints.
pub fn plan(
    raw: &[u8],
    limits: &Limits,
    mailboxes: &MailboxView<'_>,
    secret: &[u8],
) -> Result<InboundPlan, ParseError> {
    let parsed = parse_with_limits(raw, limits)?;
    Ok(plan_parsed(parsed, mailboxes, secret))
}

/// [`plan`] for a message already parsed.
pub fn plan_parsed(parsed: ParsedEmail, mailboxes: &MailboxView<'_>, secret: &[u8]) -> InboundPlan {
    // Each recipient is tried on its own: a stale or forged token on one
    // address must not hide a valid one on another.
    let reply_token = parsed.recipients().into_iter().find_map(|r| {
        let candidate = token::find_token(std::slice::from_ref(&r), mailboxes.addresses)?;
        token::verify(secret, &candidate)
    });
    InboundPlan {
        dedupe_key: parsed.dedupe_key(),
        referenced_ids: parsed.referenced_ids(),
        reply_token,
        subject_number: token::subject_ticket_number(&parsed.subject),
        no_auto_reply: loops::no_auto_reply_reason(&parsed, mailboxes.addresses),
        sender: parsed.from.clone(),
        parsed,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::email::Automation;

    const SECRET: &[u8] = b"inbound test secret";

    fn mail(to: &[&str]) -> ParsedEmail {
        ParsedEmail {
            message_id: Some("Reply-2@Example.com".into()),
            in_reply_to: vec!["ours-2@shop.example".into()],
            references: vec!["first@example.com".into(), "ours-1@shop.example".into(), "ours-2@shop.example".into()],
            from: Some(Address { name: Some("Ann".into()), email: "ann@example.com".into() }),
            reply_to: vec![Address { name: None, email: "other@example.com".into() }],
            to: to.iter().map(|e| Address { name: None, email: (*e).to_owned() }).collect(),
            cc: vec![],
            delivered_to: vec![],
            return_path: Some("ann@example.com".into()),
            subject: "Re: Where is my order? [#1042]".into(),
            date: None,
            text_new: "Still waiting".into(),
            text_quoted: String::new(),
            signature: None,
            html: None,
            attachments: vec![],
            automation: Automation::default(),
            bounce: None,
            body_hash: "00".into(),
            skipped_attachments: vec![],
            raw_size: 10,
        }
    }

    fn mailboxes() -> Vec<String> {
        vec!["support@shop.example".to_owned()]
    }

    #[test]
    fn a_reply_yields_every_threading_hint() {
        let tok = token::sign(SECRET, 4, 77);
        let addresses = mailboxes();
        let p = plan_parsed(
            mail(&[&format!("support+{tok}@shop.example")]),
            &MailboxView { addresses: &addresses },
            SECRET,
        );
        assert_eq!(p.dedupe_key, "mid:reply-2@example.com");
        assert_eq!(p.referenced_ids, vec!["ours-2@shop.example", "ours-1@shop.example", "first@example.com"]);
        assert_eq!(p.reply_token, Some((4, 77)));
        assert_eq!(p.subject_number, Some(1042));
        assert_eq!(p.no_auto_reply, None);
        assert_eq!(p.sender.unwrap().email, "ann@example.com");
    }

    #[test]
    fn a_forged_token_is_not_reported_but_a_valid_one_elsewhere_is() {
        let addresses = mailboxes();
        let view = MailboxView { addresses: &addresses };
        let forged = token::sign(b"someone else's secret", 4, 77);
        let p = plan_parsed(mail(&[&format!("support+{forged}@shop.example")]), &view, SECRET);
        assert_eq!(p.reply_token, None);

        let good = token::sign(SECRET, 4, 78);
        let p = plan_parsed(
            mail(&[&format!("support+{forged}@shop.example"), &format!("support+{good}@shop.example")]),
            &view,
            SECRET,
        );
        assert_eq!(p.reply_token, Some((4, 78)));
    }

    #[test]
    fn a_token_in_the_envelope_hint_counts() {
        let addresses = mailboxes();
        let tok = token::sign(SECRET, 1, 2);
        let mut m = mail(&["ann-friend@example.com"]);
        m.delivered_to = vec![format!("support+{tok}@shop.example")];
        let p = plan_parsed(m, &MailboxView { addresses: &addresses }, SECRET);
        assert_eq!(p.reply_token, Some((1, 2)));
    }

    #[test]
    fn a_raw_reply_is_planned_end_to_end() {
        let tok = token::sign(SECRET, 9, 1042);
        let raw = format!(
            "From: \"Ann\" <ANN@Example.com>\r\nTo: Support <support+{tok}@shop.example>\r\n\
             Reply-To: someone-else@example.com\r\nSubject: Re: Where is my order? [#1042]\r\n\
             Message-ID: <reply-2@mail.example.com>\r\nIn-Reply-To: <autocrm.1@shop.example>\r\n\
             References: <first@mail.example.com> <autocrm.1@shop.example>\r\n\
             Content-Type: text/plain\r\n\r\nStill nothing.\r\n"
        );
        let addresses = mailboxes();
        let p = plan(raw.as_bytes(), &Limits::default(), &MailboxView { addresses: &addresses }, SECRET).unwrap();
        assert_eq!(p.reply_token, Some((9, 1042)));
        assert_eq!(p.subject_number, Some(1042));
        assert_eq!(p.referenced_ids, vec!["autocrm.1@shop.example", "first@mail.example.com"]);
        assert_eq!(p.dedupe_key, "mid:reply-2@mail.example.com");
        assert_eq!(p.sender.map(|s| s.email).as_deref(), Some("ann@example.com"));
        assert_eq!(p.no_auto_reply, None);
    }

    #[test]
    fn an_oversized_message_is_refused() {
        let addresses = mailboxes();
        let limits = Limits { max_message_bytes: 10, ..Limits::default() };
        let r = plan(b"From: a@b.example\r\n\r\nhello world", &limits, &MailboxView { addresses: &addresses }, SECRET);
        assert!(matches!(r, Err(ParseError::TooLarge { .. })), "{r:?}");
    }

    #[test]
    fn every_fuzz_seed_is_planned() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/inbound");
        let addresses = vec!["support@shop.example".to_owned(), "help+eu@shop.example".to_owned()];
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let raw = std::fs::read(&path).unwrap();
            // Planning must not panic; malformed seeds may be refused.
            let planned = plan(&raw, &Limits::default(), &MailboxView { addresses: &addresses }, b"fuzz secret");
            if path.file_name().is_some_and(|n| n == "reply-with-token.eml") {
                let p = planned.unwrap();
                assert_eq!(p.reply_token, Some((1, 1042)), "the seed's token is signed with the fuzz secret");
                assert_eq!(p.subject_number, Some(1042));
            }
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} seeds in {}", dir.display());
    }

    #[test]
    fn our_own_messages_coming_back_are_flagged() {
        let addresses = mailboxes();
        let mut m = mail(&["support@shop.example"]);
        m.from = Some(Address { name: None, email: "support@shop.example".into() });
        let p = plan_parsed(m, &MailboxView { addresses: &addresses }, SECRET);
        assert_eq!(p.no_auto_reply, Some("own_address"));
    }
}
