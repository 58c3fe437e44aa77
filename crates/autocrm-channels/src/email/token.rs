//! Reply tokens (`support+<token>@shop.example`) and ticket numbers in subjects.
//!
//! A token is signed with the server's secret (HMAC-SHA256), so a reply
//! can be threaded without trusting anything else the sender says, and no
//! one can forge a token for another workspace's ticket.

/// A signed token naming a workspace and ticket.
pub fn sign(secret: &[u8], workspace_id: i64, ticket_id: i64) -> String {
    let _ = (secret, workspace_id, ticket_id);
    unimplemented!()
}

/// The workspace and ticket a token names, when its signature holds.
pub fn verify(secret: &[u8], token: &str) -> Option<(i64, i64)> {
    let _ = (secret, token);
    unimplemented!()
}

/// `support@shop.example` + token → `support+<token>@shop.example`.
pub fn plus_address(mailbox: &str, token: &str) -> String {
    let _ = (mailbox, token);
    unimplemented!()
}

/// The token carried by a recipient that is a plus-address of one of the
/// mailbox addresses, if any.
pub fn find_token(recipients: &[String], mailbox_addresses: &[String]) -> Option<String> {
    let _ = (recipients, mailbox_addresses);
    unimplemented!()
}

/// The ticket number in a subject (`Re: Where is my order? [#1042]`).
pub fn subject_ticket_number(subject: &str) -> Option<i64> {
    let _ = subject;
    unimplemented!()
}

/// A subject carrying the ticket number once (`Re: Where is my order? [#1042]`).
pub fn tag_subject(subject: &str, number: i64) -> String {
    let _ = (subject, number);
    unimplemented!()
}
