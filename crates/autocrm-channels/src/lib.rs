//! Channels: the wire formats AutoCRM talks to customers in.
//!
//! This crate reads and writes e-mail (RFC 5322/MIME, IMAP, SMTP message
//! building, SPF/DKIM/DMARC) and SMS (the Twilio protocol). It holds no
//! database handle: it turns bytes into facts ([`email::ParsedEmail`],
//! [`sms::twilio::Inbound`]) and facts into bytes, and the store decides
//! what they mean for tickets (threading, duplicates, opt-outs).

pub mod email;
pub mod sms;
