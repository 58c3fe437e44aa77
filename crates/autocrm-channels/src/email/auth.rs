//! Sender authenticity: SPF, DKIM and DMARC results (mail-auth) for an inbound message.

use serde::Serialize;

/// The verdicts recorded on a message (`pass`, `fail`, `softfail`, `neutral`,
/// `none`, `temperror`, `permerror`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthResults {
    /// SPF verdict for the envelope sender (or HELO).
    pub spf: String,
    /// DKIM verdict (the best of all signatures).
    pub dkim: String,
    /// DMARC verdict for the `From` domain.
    pub dmarc: String,
    /// The `From` domain DMARC was evaluated for.
    pub from_domain: Option<String>,
}

impl AuthResults {
    /// Results for a message we could not evaluate (no DNS, no envelope).
    pub fn unknown() -> Self {
        Self { spf: "none".into(), dkim: "none".into(), dmarc: "none".into(), from_domain: None }
    }

    /// True when DMARC explicitly failed: the `From` is not to be believed.
    pub fn dmarc_failed(&self) -> bool {
        self.dmarc == "fail"
    }
}
