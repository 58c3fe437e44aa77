//! Sender authenticity: SPF, DKIM and DMARC results (mail-auth) for an inbound message.
//!
//! Invariants: [`Authenticator::verify`] never panics and never fails: DNS
//! trouble, a deadline overrun or a bug in the library become `temperror`,
//! broken records `permerror`. Results are the lower-case RFC 8601 words.
//! DMARC relaxed alignment uses the Public Suffix List (`psl`) to find
//! organisational domains, so `mail.shop.example` aligns with `shop.example`
//! but `a.github.io` does not align with `b.github.io`.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt as _;
use mail_auth::common::verify::DomainKey;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::dmarc::{Dmarc, Policy};
use mail_auth::hickory_resolver::proto::op::ResponseCode;
use mail_auth::spf::Spf;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{
    AuthenticatedMessage, DkimOutput, DkimResult, DmarcResult, Error as MailAuthError, MX, MessageAuthenticator,
    Parameters, ResolverCache, SpfOutput, SpfResult, Txt,
};
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
    /// The `d=` domains of the DKIM signatures that passed, lower-case.
    pub dkim_domains: Vec<String>,
    /// The `From` domain's published DMARC policy (`none`, `quarantine`,
    /// `reject`), when it has a record.
    pub dmarc_policy: Option<String>,
}

impl AuthResults {
    /// Results for a message we could not evaluate (no DNS, no envelope).
    pub fn unknown() -> Self {
        Self::all("none")
    }

    /// True when DMARC explicitly failed: the `From` is not to be believed.
    pub fn dmarc_failed(&self) -> bool {
        self.dmarc == "fail"
    }

    fn all(verdict: &str) -> Self {
        Self {
            spf: verdict.into(),
            dkim: verdict.into(),
            dmarc: verdict.into(),
            from_domain: None,
            dkim_domains: Vec::new(),
            dmarc_policy: None,
        }
    }
}

/// The system resolver could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// `/etc/resolv.conf` (or the platform's equivalent) is unreadable.
    #[error("cannot read the system DNS configuration: {0}")]
    Resolver(String),
}

/// Evaluates SPF, DKIM and DMARC. Cheap to share (`Arc` it or clone it).
#[derive(Clone)]
pub struct Authenticator {
    resolver: MessageAuthenticator,
    zone: Arc<Zone>,
    deadline: Duration,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = if self.zone.records.is_some() { "static" } else { "system" };
        // The resolver has no useful Debug; the mode says what it is.
        f.debug_struct("Authenticator").field("dns", &mode).field("deadline", &self.deadline).finish_non_exhaustive()
    }
}

/// Name our receiving host gives for SPF's `%{r}` macro.
const RECEIVER: &str = "autocrm.invalid";
/// Longest a whole evaluation may take; SPF alone may do ten lookups.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(20);

impl Authenticator {
    /// Uses the system's DNS configuration (for production).
    pub fn system() -> Result<Self, AuthError> {
        let resolver = MessageAuthenticator::new_system_conf().map_err(|e| AuthError::Resolver(e.to_string()))?;
        Ok(Self { resolver, zone: Arc::new(Zone { records: None }), deadline: DEFAULT_DEADLINE })
    }

    /// Answers every DNS question from `records` alone: `(name, TXT value)`
    /// pairs, e.g. `("sel._domainkey.shop.example", "v=DKIM1; k=ed25519; p=…")`,
    /// `("_dmarc.shop.example", "v=DMARC1; p=reject")`,
    /// `("shop.example", "v=spf1 ip4:192.0.2.0/24 -all")`. Any other name
    /// does not exist (NXDOMAIN), and there are no A, AAAA, MX or PTR
    /// records; nothing goes to the network. For tests and offline use.
    pub fn from_txt_records<N, V>(records: impl IntoIterator<Item = (N, V)>) -> Self
    where
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in records {
            by_name.entry(fqdn(name.as_ref())).or_default().push(value.as_ref().to_owned());
        }
        let txt =
            by_name.into_iter().filter_map(|(name, values)| Some((name.clone(), parse_txt(&name, &values)?))).collect();
        let resolver = offline_resolver();
        Self { resolver, zone: Arc::new(Zone { records: Some(txt) }), deadline: DEFAULT_DEADLINE }
    }

    /// Overrides how long one [`Authenticator::verify`] may take (default 20 s);
    /// past it every verdict is `temperror`.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Evaluates a raw message. SPF runs only when the connecting IP is known
    /// (otherwise `none`), for `mail_from` (the envelope sender, with or
    /// without angle brackets) or, for the null sender, the HELO name. DKIM
    /// checks every signature and reports the best result; DMARC combines
    /// both for the `From` domain.
    pub async fn verify(
        &self,
        raw: &[u8],
        remote_ip: Option<IpAddr>,
        helo: Option<&str>,
        mail_from: Option<&str>,
    ) -> AuthResults {
        let run = AssertUnwindSafe(self.evaluate(raw, remote_ip, helo, mail_from)).catch_unwind();
        match tokio::time::timeout(self.deadline, run).await {
            Ok(Ok(results)) => results,
            Ok(Err(_)) => {
                tracing::error!("mail-auth panicked while evaluating a message; recording temperror");
                AuthResults::all("temperror")
            }
            Err(_) => {
                tracing::warn!(deadline = ?self.deadline, "SPF/DKIM/DMARC evaluation overran its deadline");
                AuthResults::all("temperror")
            }
        }
    }

    async fn evaluate(
        &self,
        raw: &[u8],
        remote_ip: Option<IpAddr>,
        helo: Option<&str>,
        mail_from: Option<&str>,
    ) -> AuthResults {
        let helo = helo.map(str::trim).filter(|h| !h.is_empty()).map(str::to_ascii_lowercase);
        let mail_from = mail_from
            .map(|m| m.trim().trim_start_matches('<').trim_end_matches('>').trim().to_ascii_lowercase())
            .filter(|m| !m.is_empty());
        let sender_domain =
            mail_from.as_deref().and_then(|m| m.rsplit_once('@')).map(|(_, d)| d).filter(|d| !d.is_empty());
        // RFC 7489 §3.1.2: with the null sender, SPF's identity is the HELO name.
        let spf_domain = sender_domain.or(helo.as_deref()).unwrap_or("");

        let spf = match (remote_ip, mail_from.as_deref(), sender_domain) {
            (Some(ip), Some(from), Some(domain)) => {
                let helo_name = helo.as_deref().unwrap_or(domain);
                self.resolver
                    .verify_spf(self.params(SpfParameters::verify_mail_from(ip, helo_name, RECEIVER, from)))
                    .await
            }
            (Some(ip), _, _) if !spf_domain.is_empty() => {
                self.resolver.verify_spf(self.params(SpfParameters::verify_ehlo(ip, spf_domain, RECEIVER))).await
            }
            _ => SpfOutput::default(),
        };
        let mut results = AuthResults::all("none");
        results.spf = spf_word(spf.result()).into();

        let Some(message) = AuthenticatedMessage::parse(raw) else {
            return results;
        };
        let dkim = self.resolver.verify_dkim(self.params(&message)).await;
        results.dkim = best_dkim(&dkim).into();
        results.dkim_domains = dkim
            .iter()
            .filter(|o| *o.result() == DkimResult::Pass)
            .filter_map(|o| o.signature().map(|s| s.d.to_ascii_lowercase()))
            .fold(Vec::new(), |mut acc, d| {
                if !acc.contains(&d) {
                    acc.push(d);
                }
                acc
            });

        let dmarc_params =
            DmarcParameters::new(&message, &dkim, spf_domain, &spf).with_domain_suffix_fn(organizational_domain);
        let dmarc = self.resolver.verify_dmarc(self.params(dmarc_params)).await;
        let domain = dmarc.domain().to_ascii_lowercase();
        results.from_domain = if domain.is_empty() {
            message.from.first().and_then(|f| f.rsplit_once('@')).map(|(_, d)| d.to_ascii_lowercase())
        } else {
            Some(domain)
        };
        let record = dmarc.dmarc_record();
        results.dmarc_policy = record.map(|r| policy_word(r.p).to_owned());
        results.dmarc = dmarc_word(record.is_some(), dmarc.spf_result(), dmarc.dkim_result()).into();
        results
    }

    #[allow(clippy::type_complexity)]
    fn params<P>(&self, params: P) -> Parameters<'_, P, Zone, Zone, Zone, Zone, Zone> {
        let z: &Zone = &self.zone;
        Parameters::new(params)
            .with_txt_cache(z)
            .with_mx_cache(z)
            .with_ipv4_cache(z)
            .with_ipv6_cache(z)
            .with_ptr_cache(z)
    }
}

/// A resolver with no name servers: were mail-auth ever to bypass the
/// static zone, the lookup would fail at once instead of reaching the network.
fn offline_resolver() -> MessageAuthenticator {
    use mail_auth::hickory_resolver::{TokioResolver, config, name_server::TokioConnectionProvider};
    let config = config::ResolverConfig::from_parts(None, vec![], Vec::new());
    MessageAuthenticator(TokioResolver::builder_with_config(config, TokioConnectionProvider::default()).build())
}

/// The DNS answers mail-auth sees before it asks the network. `None`: ask
/// the network every time (no caching yet: inbound volume is low and the
/// system resolver usually caches). `Some`: a static zone that answers
/// every question itself.
struct Zone {
    records: Option<HashMap<String, Txt>>,
}

fn not_found() -> MailAuthError {
    MailAuthError::DnsRecordNotFound(ResponseCode::NXDomain)
}

impl ResolverCache<String, Txt> for Zone {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let records = self.records.as_ref()?;
        Some(records.get(name).cloned().unwrap_or_else(|| Txt::Error(not_found())))
    }

    fn remove<Q>(&self, _: &Q) -> Option<Txt>
    where
        String: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        None
    }

    fn insert(&self, _: String, _: Txt, _: Instant) {}
}

/// A static zone has no address, MX or PTR records: every such question
/// gets an empty answer.
macro_rules! empty_answers {
    ($key:ty, $value:ty) => {
        impl ResolverCache<$key, Arc<Vec<$value>>> for Zone {
            fn get<Q>(&self, _: &Q) -> Option<Arc<Vec<$value>>>
            where
                $key: std::borrow::Borrow<Q>,
                Q: std::hash::Hash + Eq + ?Sized,
            {
                self.records.as_ref().map(|_| Arc::new(Vec::new()))
            }

            fn remove<Q>(&self, _: &Q) -> Option<Arc<Vec<$value>>>
            where
                $key: std::borrow::Borrow<Q>,
                Q: std::hash::Hash + Eq + ?Sized,
            {
                None
            }

            fn insert(&self, _: $key, _: Arc<Vec<$value>>, _: Instant) {}
        }
    };
}
empty_answers!(String, MX);
empty_answers!(String, Ipv4Addr);
empty_answers!(String, Ipv6Addr);
empty_answers!(IpAddr, String);

/// The lower-case, dot-terminated form mail-auth uses as a cache key.
fn fqdn(name: &str) -> String {
    let name = name.trim().to_lowercase();
    if name.ends_with('.') { name } else { format!("{name}.") }
}

/// Picks the record a name's lookup would settle on: the kind is implied by
/// the name (`_dmarc.`, `._domainkey.`) or else SPF, and the first value
/// that parses as that kind wins, as with a live resolver. `None` when no
/// value is of that kind (the name then answers "not found").
fn parse_txt(name: &str, values: &[String]) -> Option<Txt> {
    fn first<T: mail_auth::common::parse::TxtRecordParser + Into<Txt>>(values: &[String]) -> Option<Txt> {
        let mut last_error = None;
        for v in values {
            match T::parse(v.as_bytes()) {
                Ok(record) => return Some(record.into()),
                Err(e) => last_error = Some(e),
            }
        }
        last_error.map(Txt::Error)
    }
    if name.starts_with("_dmarc.") {
        first::<Dmarc>(values)
    } else if name.contains("._domainkey.") {
        first::<DomainKey>(values)
    } else {
        let spf: Vec<String> =
            values.iter().filter(|v| v.to_ascii_lowercase().starts_with("v=spf1")).cloned().collect();
        if spf.is_empty() { None } else { first::<Spf>(&spf) }
    }
}

/// The organisational domain (RFC 7489 §3.2) by the Public Suffix List.
fn organizational_domain(domain: &str) -> &str {
    psl::domain_str(domain).unwrap_or(domain)
}

fn spf_word(result: SpfResult) -> &'static str {
    match result {
        SpfResult::Pass => "pass",
        SpfResult::Fail => "fail",
        SpfResult::SoftFail => "softfail",
        SpfResult::Neutral => "neutral",
        SpfResult::TempError => "temperror",
        SpfResult::PermError => "permerror",
        SpfResult::None => "none",
    }
}

/// The best DKIM verdict over all signatures: `pass`, then `fail`,
/// `temperror`, `permerror`, `neutral`, `none`. mail-auth calls a body-hash
/// mismatch "neutral"; RFC 6376 §6.3 makes it a failure, and so do we.
fn best_dkim(outputs: &[DkimOutput<'_>]) -> &'static str {
    let rank = |w: &str| ["pass", "fail", "temperror", "permerror", "neutral", "none"].iter().position(|x| *x == w);
    outputs
        .iter()
        .map(|o| match o.result() {
            DkimResult::Pass => "pass",
            DkimResult::Fail(_) | DkimResult::Neutral(MailAuthError::FailedBodyHashMatch) => "fail",
            DkimResult::Neutral(_) => "neutral",
            DkimResult::TempError(_) => "temperror",
            DkimResult::PermError(_) => "permerror",
            DkimResult::None => "none",
        })
        .min_by_key(|w| rank(w))
        .unwrap_or("none")
}

/// DMARC: `pass` when SPF or DKIM passed aligned; `fail` when the domain
/// publishes a record and neither did; otherwise the lookup's error or `none`.
fn dmarc_word(has_record: bool, spf: &DmarcResult, dkim: &DmarcResult) -> &'static str {
    let results = [spf, dkim];
    if results.iter().any(|r| **r == DmarcResult::Pass) {
        "pass"
    } else if has_record {
        "fail"
    } else if results.iter().any(|r| matches!(r, DmarcResult::TempError(_))) {
        "temperror"
    } else if results.iter().any(|r| matches!(r, DmarcResult::PermError(_))) {
        "permerror"
    } else {
        "none"
    }
}

fn policy_word(policy: Policy) -> &'static str {
    match policy {
        Policy::Quarantine => "quarantine",
        Policy::Reject => "reject",
        Policy::None | Policy::Unspecified => "none",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use mail_auth::common::crypto::Ed25519Key;
    use mail_auth::common::headers::HeaderWriter as _;
    use mail_auth::dkim::DkimSigner;

    const MESSAGE: &str = "From: Ann <ann@shop.example>\r\nTo: support@helpdesk.example\r\nSubject: Where is my order?\r\nMessage-ID: <m1@shop.example>\r\nDate: Mon, 2 Jun 2025 10:00:00 +0000\r\n\r\nHello, my order 1042 has not arrived.\r\n";

    /// A freshly generated key, its DKIM record, and `MESSAGE` signed for `domain`.
    fn signed(domain: &str, message: &str) -> (String, String) {
        let pkcs8 = Ed25519Key::generate_pkcs8().unwrap();
        let key = Ed25519Key::from_pkcs8_der(&pkcs8).unwrap();
        let public = base64::engine::general_purpose::STANDARD.encode(key.public_key());
        let signature = DkimSigner::from_key(key)
            .domain(domain)
            .selector("sel")
            .headers(["From", "To", "Subject", "Message-ID", "Date"])
            .sign(message.as_bytes())
            .unwrap();
        let signed = format!("{}{message}", signature.to_header());
        (format!("v=DKIM1; k=ed25519; p={public}"), signed)
    }

    #[tokio::test]
    async fn a_signed_message_passes_dkim_and_dmarc() {
        let (record, signed) = signed("shop.example", MESSAGE);
        let auth = Authenticator::from_txt_records([
            ("sel._domainkey.shop.example", record.as_str()),
            ("_dmarc.shop.example", "v=DMARC1; p=reject"),
        ]);
        let r = auth.verify(signed.as_bytes(), None, None, None).await;
        assert_eq!(r.dkim, "pass", "{r:?}");
        assert_eq!(r.dmarc, "pass", "{r:?}");
        assert_eq!(r.spf, "none");
        assert_eq!(r.from_domain.as_deref(), Some("shop.example"));
        assert_eq!(r.dkim_domains, vec!["shop.example".to_owned()]);
        assert_eq!(r.dmarc_policy.as_deref(), Some("reject"));
        assert!(!r.dmarc_failed());
    }

    #[tokio::test]
    async fn a_signature_from_a_subdomain_aligns_relaxed_but_not_a_sibling_on_a_public_suffix() {
        let (record, signed_msg) = signed("mail.shop.example", MESSAGE);
        let auth = Authenticator::from_txt_records([
            ("sel._domainkey.mail.shop.example", record.as_str()),
            ("_dmarc.shop.example", "v=DMARC1; p=reject"),
        ]);
        // `.example` is not on the PSL, so use a real-looking registrable domain.
        let r = auth.verify(signed_msg.as_bytes(), None, None, None).await;
        assert_eq!(r.dkim, "pass", "{r:?}");
        assert_eq!(r.dmarc, "pass", "{r:?}");

        let msg = MESSAGE.replace("ann@shop.example", "ceo@victim.github.io");
        let (record, signed_msg) = signed("attacker.github.io", &msg);
        let auth = Authenticator::from_txt_records([
            ("sel._domainkey.attacker.github.io", record.as_str()),
            ("_dmarc.victim.github.io", "v=DMARC1; p=reject"),
        ]);
        let r = auth.verify(signed_msg.as_bytes(), None, None, None).await;
        assert_eq!(r.dkim, "pass", "{r:?}");
        assert_eq!(r.dmarc, "fail", "{r:?}");
    }

    #[tokio::test]
    async fn a_tampered_body_fails_dkim_and_dmarc() {
        let (record, signed) = signed("shop.example", MESSAGE);
        let tampered = signed.replace("1042", "9999");
        let auth = Authenticator::from_txt_records([
            ("sel._domainkey.shop.example", record.as_str()),
            ("_dmarc.shop.example", "v=DMARC1; p=reject"),
        ]);
        let r = auth.verify(tampered.as_bytes(), None, None, None).await;
        assert_eq!(r.dkim, "fail", "{r:?}");
        assert_eq!(r.dmarc, "fail", "{r:?}");
        assert!(r.dkim_domains.is_empty());
        assert!(r.dmarc_failed());
    }

    #[tokio::test]
    async fn a_tampered_header_fails_dkim() {
        let (record, signed) = signed("shop.example", MESSAGE);
        let tampered = signed.replace("Where is my order?", "Pay this invoice");
        let auth = Authenticator::from_txt_records([("sel._domainkey.shop.example", record.as_str())]);
        let r = auth.verify(tampered.as_bytes(), None, None, None).await;
        assert_eq!(r.dkim, "fail", "{r:?}");
        // No DMARC record: nothing to fail.
        assert_eq!(r.dmarc, "none", "{r:?}");
    }

    #[tokio::test]
    async fn an_unsigned_message_from_a_reject_domain_fails_dmarc() {
        let auth = Authenticator::from_txt_records([("_dmarc.shop.example", "v=DMARC1; p=reject")]);
        let r = auth.verify(MESSAGE.as_bytes(), None, None, None).await;
        assert_eq!(r.dkim, "none", "{r:?}");
        assert_eq!(r.dmarc, "fail", "{r:?}");
        assert_eq!(r.dmarc_policy.as_deref(), Some("reject"));
    }

    #[tokio::test]
    async fn a_signature_whose_key_is_missing_is_a_permerror() {
        let (_, signed) = signed("shop.example", MESSAGE);
        let auth = Authenticator::from_txt_records(Vec::<(String, String)>::new());
        let r = auth.verify(signed.as_bytes(), None, None, None).await;
        assert_eq!(r.dkim, "permerror", "{r:?}");
        assert_eq!(r.dmarc, "none", "{r:?}");
    }

    #[tokio::test]
    async fn spf_passes_for_a_listed_ip_and_fails_otherwise() {
        let auth = Authenticator::from_txt_records([
            ("shop.example", "google-site-verification=abc"),
            ("shop.example", "v=spf1 ip4:192.0.2.0/24 -all"),
            ("_dmarc.shop.example", "v=DMARC1; p=reject"),
        ]);
        let inside: IpAddr = "192.0.2.25".parse().unwrap();
        let outside: IpAddr = "198.51.100.7".parse().unwrap();
        let r =
            auth.verify(MESSAGE.as_bytes(), Some(inside), Some("mx.shop.example"), Some("<ann@shop.example>")).await;
        assert_eq!(r.spf, "pass", "{r:?}");
        // SPF passed for the From domain: DMARC passes through SPF alone.
        assert_eq!(r.dmarc, "pass", "{r:?}");
        let r = auth.verify(MESSAGE.as_bytes(), Some(outside), Some("mx.shop.example"), Some("ann@shop.example")).await;
        assert_eq!(r.spf, "fail", "{r:?}");
        assert_eq!(r.dmarc, "fail", "{r:?}");
        // Without the connecting IP, SPF is not evaluated.
        let r = auth.verify(MESSAGE.as_bytes(), None, Some("mx.shop.example"), Some("ann@shop.example")).await;
        assert_eq!(r.spf, "none", "{r:?}");
    }

    #[tokio::test]
    async fn spf_for_the_null_sender_checks_the_helo_name() {
        let auth = Authenticator::from_txt_records([("mx.shop.example", "v=spf1 ip4:192.0.2.25 -all")]);
        let ip: IpAddr = "192.0.2.25".parse().unwrap();
        let r = auth.verify(MESSAGE.as_bytes(), Some(ip), Some("mx.shop.example"), Some("<>")).await;
        assert_eq!(r.spf, "pass", "{r:?}");
        let r = auth.verify(MESSAGE.as_bytes(), Some(ip), Some("other.example"), Some("<>")).await;
        assert_eq!(r.spf, "none", "{r:?}");
    }

    #[tokio::test]
    async fn a_broken_spf_record_is_a_permerror() {
        let auth = Authenticator::from_txt_records([("shop.example", "v=spf1 ip4:not-an-ip -all")]);
        let r =
            auth.verify(MESSAGE.as_bytes(), Some("192.0.2.1".parse().unwrap()), None, Some("ann@shop.example")).await;
        assert_eq!(r.spf, "permerror", "{r:?}");
    }

    #[tokio::test]
    async fn garbage_never_panics() {
        let auth = Authenticator::from_txt_records([("_dmarc.shop.example", "v=DMARC1; p=reject")]);
        for raw in
            [&b""[..], b"\0\0\0", b"From:\r\n\r\n", b"DKIM-Signature: v=1; a=rsa-sha256; d=; s=\r\n\r\nx", &[0xff; 300]]
        {
            let r = auth.verify(raw, Some("::1".parse().unwrap()), Some(""), Some("@")).await;
            assert!(["none", "neutral", "permerror", "temperror", "fail"].contains(&r.dkim.as_str()), "{r:?}");
        }
    }

    #[tokio::test]
    async fn the_system_resolver_is_built_and_fails_soft_without_dns() {
        // This machine has no DNS beyond loopback: expect temperror (or none
        // where nothing is looked up), never a panic or a hang past the deadline.
        let Ok(auth) = Authenticator::system() else { return };
        let auth = auth.with_deadline(Duration::from_secs(3));
        let r =
            auth.verify(MESSAGE.as_bytes(), Some("192.0.2.1".parse().unwrap()), None, Some("ann@shop.example")).await;
        for v in [&r.spf, &r.dkim, &r.dmarc] {
            assert!(
                ["none", "temperror", "permerror", "pass", "fail", "softfail", "neutral"].contains(&v.as_str()),
                "{r:?}"
            );
        }
    }
}
