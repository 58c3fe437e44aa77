//! Loop and bulk protection (RFC 3834): which messages never get an automatic answer.

use super::ParsedEmail;

/// Why AutoCRM must not answer `mail` automatically, or `None` when it may.
/// `own_addresses` are the workspace's mailbox addresses (lower-case).
pub fn no_auto_reply_reason(mail: &ParsedEmail, own_addresses: &[String]) -> Option<&'static str> {
    let _ = (mail, own_addresses);
    unimplemented!()
}
