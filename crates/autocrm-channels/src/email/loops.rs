//! Loop and bulk protection (RFC 3834): which messages never get an automatic
//! answer, and how many automatic messages may go out at all.
//!
//! Invariants: the reason strings are stable (stored and shown in the
//! ticket's log, matched by tests and clients); [`no_auto_reply_reason`] and
//! [`AutoReplyCaps::allows`] are pure, the store does the counting.

use chrono::TimeDelta;

use super::ParsedEmail;

/// Every reason [`no_auto_reply_reason`] can give, in the order it checks them.
pub const REASONS: [&str; 8] =
    ["own_address", "bounce", "auto_submitted", "autoresponder", "null_sender", "mailing_list", "bulk", "role_sender"];

/// Why AutoCRM must not answer `mail` automatically, or `None` when it may.
/// `own_addresses` are the workspace's mailbox addresses (lower-case).
///
/// The most specific reason wins, in this order: `own_address` (From is one
/// of ours or a plus-address of one: answering would talk to ourselves),
/// `bounce`, `auto_submitted`, `autoresponder`, `null_sender` (`Return-Path:
/// <>`, or no `From` at all: no one to answer), `mailing_list`, `bulk`,
/// `role_sender`.
pub fn no_auto_reply_reason(mail: &ParsedEmail, own_addresses: &[String]) -> Option<&'static str> {
    let a = &mail.automation;
    let from = mail.from.as_ref().map(|f| f.email.as_str());
    if from.is_some_and(|f| is_own_address(f, own_addresses)) {
        Some("own_address")
    } else if mail.bounce.is_some() {
        Some("bounce")
    } else if a.auto_submitted {
        Some("auto_submitted")
    } else if a.autoresponder_marker {
        Some("autoresponder")
    } else if a.null_return_path || mail.return_path.as_deref() == Some("") || from.is_none_or(str::is_empty) {
        Some("null_sender")
    } else if a.mailing_list {
        Some("mailing_list")
    } else if a.bulk_precedence {
        Some("bulk")
    } else if a.role_sender {
        Some("role_sender")
    } else {
        None
    }
}

/// True when `address` is one of `own` or a plus-address of one
/// (`support+anything@shop.example` for `support@shop.example`), ignoring ASCII case.
pub fn is_own_address(address: &str, own: &[String]) -> bool {
    let address = address.trim().to_ascii_lowercase();
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    own.iter().any(|mine| {
        let mine = mine.trim().to_ascii_lowercase();
        let Some((m_local, m_domain)) = mine.rsplit_once('@') else {
            return false;
        };
        m_domain == domain
            && (m_local == local || local.strip_prefix(m_local).is_some_and(|rest| rest.starts_with('+')))
    })
}

/// Caps on automatic messages (acknowledgements, auto-replies, automation
/// e-mails), the last line of defence against a loop with another robot
/// that slipped past [`no_auto_reply_reason`].
///
/// Defaults: 3 per ticket per hour (an acknowledgement plus a couple of
/// rule-driven notices is normal; more in an hour is a loop), and 300 per
/// workspace per hour (generous for a shop's support mailbox, and it bounds
/// the damage of a spam wave or a misconfigured rule to what one hour of a
/// small sender's reputation can bear).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoReplyCaps {
    /// Most automatic messages to one ticket within `per_ticket_window`.
    pub per_ticket: u32,
    /// The sliding window `per_ticket` counts over.
    pub per_ticket_window: TimeDelta,
    /// Most automatic messages from one workspace within `per_workspace_window`.
    pub per_workspace: u32,
    /// The sliding window `per_workspace` counts over.
    pub per_workspace_window: TimeDelta,
}

impl Default for AutoReplyCaps {
    fn default() -> Self {
        Self {
            per_ticket: 3,
            per_ticket_window: TimeDelta::hours(1),
            per_workspace: 300,
            per_workspace_window: TimeDelta::hours(1),
        }
    }
}

impl AutoReplyCaps {
    /// May one more automatic message go out? The arguments are the automatic
    /// messages already sent (not counting this one) to the ticket within
    /// `per_ticket_window` and by the workspace within `per_workspace_window`.
    pub fn allows(&self, sent_to_ticket_in_window: u32, sent_in_workspace_in_window: u32) -> bool {
        sent_to_ticket_in_window < self.per_ticket && sent_in_workspace_in_window < self.per_workspace
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::email::{Address, Automation, Bounce};

    fn person_mail() -> ParsedEmail {
        ParsedEmail {
            message_id: Some("m1@example.com".into()),
            in_reply_to: vec![],
            references: vec![],
            from: Some(Address { name: Some("Ann".into()), email: "ann@example.com".into() }),
            reply_to: vec![],
            to: vec![Address { name: None, email: "support@shop.example".into() }],
            cc: vec![],
            delivered_to: vec![],
            return_path: Some("ann@example.com".into()),
            subject: "Where is my order?".into(),
            date: None,
            text_new: "Hello".into(),
            text_quoted: String::new(),
            signature: None,
            html: None,
            attachments: vec![],
            automation: Automation::default(),
            bounce: None,
            body_hash: String::new(),
            skipped_attachments: vec![],
            raw_size: 100,
        }
    }

    fn own() -> Vec<String> {
        vec!["support@shop.example".to_owned()]
    }

    #[test]
    fn a_person_may_get_an_automatic_answer() {
        assert_eq!(no_auto_reply_reason(&person_mail(), &own()), None);
    }

    /// A change to a person's message.
    type Edit = fn(&mut ParsedEmail);

    #[test]
    fn each_marker_gives_its_stable_reason() {
        let cases: Vec<(&str, Edit)> = vec![
            ("auto_submitted", |m| m.automation.auto_submitted = true),
            ("bulk", |m| m.automation.bulk_precedence = true),
            ("mailing_list", |m| m.automation.mailing_list = true),
            ("null_sender", |m| m.automation.null_return_path = true),
            ("null_sender", |m| m.return_path = Some(String::new())),
            ("null_sender", |m| m.from = None),
            ("role_sender", |m| m.automation.role_sender = true),
            ("autoresponder", |m| m.automation.autoresponder_marker = true),
            ("bounce", |m| {
                m.bounce = Some(Bounce {
                    original_message_id: None,
                    failed_recipients: vec![],
                    status: None,
                    permanent: true,
                    diagnostic: None,
                });
            }),
            ("own_address", |m| m.from.as_mut().unwrap().email = "support@shop.example".into()),
            ("own_address", |m| m.from.as_mut().unwrap().email = "Support+abc@Shop.Example".into()),
        ];
        for (want, set) in cases {
            let mut m = person_mail();
            set(&mut m);
            assert_eq!(no_auto_reply_reason(&m, &own()), Some(want));
            assert!(REASONS.contains(&want));
        }
    }

    #[test]
    fn the_most_specific_reason_wins() {
        let mut m = person_mail();
        m.automation = Automation {
            auto_submitted: true,
            bulk_precedence: true,
            mailing_list: true,
            null_return_path: true,
            role_sender: true,
            autoresponder_marker: true,
        };
        assert_eq!(no_auto_reply_reason(&m, &own()), Some("auto_submitted"));
        m.from.as_mut().unwrap().email = "support@shop.example".into();
        assert_eq!(no_auto_reply_reason(&m, &own()), Some("own_address"));
    }

    #[test]
    fn lookalike_addresses_are_not_ours() {
        for a in ["supportx@shop.example", "support@shop.example.evil", "x+support@shop.example", "support", ""] {
            assert!(!is_own_address(a, &own()), "{a}");
        }
    }

    #[test]
    fn caps_allow_up_to_the_limit_and_not_beyond() {
        let caps = AutoReplyCaps::default();
        assert_eq!(caps.per_ticket, 3);
        assert_eq!(caps.per_ticket_window, TimeDelta::hours(1));
        assert!(caps.allows(0, 0));
        assert!(caps.allows(2, 299));
        assert!(!caps.allows(3, 0));
        assert!(!caps.allows(0, 300));
        let off = AutoReplyCaps { per_ticket: 0, ..caps };
        assert!(!off.allows(0, 0));
    }
}
