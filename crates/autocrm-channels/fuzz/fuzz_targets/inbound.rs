//! Fuzz target: `inbound::plan` on arbitrary bytes.
//!
//! Invariant under test: planning never panics, whatever arrives over SMTP
//! or IMAP. Small limits make the size and attachment caps reachable.
#![no_main]

use autocrm_channels::email::Limits;
use autocrm_channels::email::inbound::{MailboxView, plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let addresses = ["support@shop.example".to_owned(), "help+eu@shop.example".to_owned()];
    let mailboxes = MailboxView { addresses: &addresses };
    let limits = Limits { max_message_bytes: 256 * 1024, max_attachments: 4, max_attachment_bytes: 16 * 1024 };
    if let Ok(p) = plan(data, &limits, &mailboxes, b"fuzz secret") {
        // Touch the derived values so nothing is optimised away.
        assert_eq!(p.dedupe_key, p.parsed.dedupe_key());
        assert!(p.subject_number.is_none_or(|n| (1..=1_000_000_000_000).contains(&n)));
    }
});
