//! The Twilio protocol: inbound webhooks with `X-Twilio-Signature`, the
//! Messages REST API, status callbacks and STOP/START keywords.
//!
//! Invariants: nothing here trusts a webhook before [`verify`] held for it
//! (the caller checks, with the URL Twilio was configured to call); every
//! phone number that leaves [`Inbound::from_form`] is E.164; a
//! [`DeliveryStatus`] only ever moves forward ([`advances`]), so callbacks
//! arriving out of order cannot undo a delivery; the auth token never
//! appears in `Debug` output or error messages.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac as _};
use serde::Deserialize;
use sha1::Sha1;
use url::Url;

/// Twilio's REST API origin.
pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";
/// The request timeout [`TwilioConfig::new`] sets.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Most media Twilio attaches to one inbound message.
pub const MAX_MEDIA: usize = 10;
/// How much of an error response is kept for the message.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// What can go wrong reading Twilio's forms or talking to its API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// A required form field is absent or empty.
    #[error("the Twilio request has no `{0}`")]
    Missing(&'static str),
    /// A form field is present but unusable.
    #[error("`{field}` is invalid: {reason}")]
    Invalid {
        /// The form field (`From`, `MediaUrl1` …).
        field: String,
        /// Why, for the log.
        reason: String,
    },
    /// Twilio refused the request (4xx other than 429): permanent, do not retry.
    #[error("Twilio rejected the message (HTTP {status}, code {code:?}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Twilio's error code (`21211` invalid To, `21610` unsubscribed …).
        code: Option<u32>,
        /// Twilio's message.
        message: String,
    },
    /// Twilio asked us to slow down (HTTP 429): retry later.
    #[error("Twilio is rate limiting (code {code:?}): {message}")]
    RateLimited {
        /// Twilio's error code (usually `20429`).
        code: Option<u32>,
        /// Twilio's message.
        message: String,
    },
    /// Twilio failed (5xx): retry later.
    #[error("Twilio failed (HTTP {status}): {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Twilio's message or the start of the body.
        message: String,
    },
    /// No answer (connection, TLS, timeout): retry later. A timeout may hide a
    /// message Twilio did accept; the Messages API has no idempotency key.
    #[error("cannot reach Twilio: {0}")]
    Transport(String),
    /// A success response we cannot read.
    #[error("unexpected response from Twilio: {0}")]
    InvalidResponse(String),
    /// The client cannot be built from its configuration.
    #[error("Twilio configuration: {0}")]
    Config(String),
}

impl SmsError {
    /// Whether sending again later may succeed (rate limits, 5xx, transport).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Server { .. } | Self::Transport(_))
    }
}

// ---------------------------------------------------------------------------
// Webhook signatures
// ---------------------------------------------------------------------------

fn mac_for(auth_token: &str, url: &str, params: &[(String, String)]) -> Option<Hmac<Sha1>> {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).ok()?;
    mac.update(url.as_bytes());
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // Twilio's libraries sort by name, then the values of a repeated name, and
    // count an identical pair once.
    sorted.sort();
    sorted.dedup();
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    Some(mac)
}

/// The `X-Twilio-Signature` Twilio sends with a form-encoded webhook: the
/// full URL it called, then every POST parameter sorted by name with name and
/// value appended, signed with HMAC-SHA1 under the auth token, in base64.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    mac_for(auth_token, url, params).map(|m| BASE64.encode(m.finalize().into_bytes())).unwrap_or_default()
}

/// Whether `header_value` is Twilio's signature of this request, compared in
/// constant time. Like Twilio's own libraries it also accepts the signature
/// of the URL with the scheme's default port added or removed (proxies and
/// Twilio disagree about `:443`).
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], header_value: &str) -> bool {
    let Ok(expected) = BASE64.decode(header_value.trim()) else {
        return false;
    };
    let mut ok = false;
    for candidate in url_variants(url) {
        if let Some(mac) = mac_for(auth_token, &candidate, params) {
            ok |= mac.verify_slice(&expected).is_ok();
        }
    }
    ok
}

/// `url` as given, plus the same URL with its default port toggled. Works on
/// the string (not a parsed `Url`) so nothing else about it is normalised.
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return out,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let (userinfo, host_port) = authority.split_at(host_start);
    // The port is after the last ':' unless that ':' is inside an IPv6 literal.
    let port_sep = host_port.rfind(':').filter(|&i| !host_port[i..].contains(']'));
    let variant = match port_sep {
        Some(i) if &host_port[i + 1..] == default_port => format!("{scheme}://{userinfo}{}{tail}", &host_port[..i]),
        Some(_) => return out,
        None => format!("{scheme}://{userinfo}{host_port}:{default_port}{tail}"),
    };
    out.push(variant);
    out
}

// ---------------------------------------------------------------------------
// Inbound messages and status callbacks
// ---------------------------------------------------------------------------

/// Whether `s` is an E.164 number: `+`, a non-zero digit, 7 to 15 digits in all.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

fn field<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

fn required<'a>(params: &'a [(String, String)], name: &'static str) -> Result<&'a str, SmsError> {
    field(params, name).ok_or(SmsError::Missing(name))
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> SmsError {
    SmsError::Invalid { field: field.into(), reason: reason.into() }
}

fn phone(params: &[(String, String)], name: &'static str) -> Result<String, SmsError> {
    let v = required(params, name)?.trim();
    if is_e164(v) {
        Ok(v.to_owned())
    } else {
        Err(invalid(name, format!("`{v}` is not an E.164 number (+14155550100)")))
    }
}

/// A Twilio SID (`SM…`, `AC…`): we key on it, so only short ASCII alphanumerics pass.
fn sid(params: &[(String, String)], names: &[&'static str]) -> Result<String, SmsError> {
    let (name, v) = names.iter().find_map(|n| field(params, n).map(|v| (*n, v))).ok_or(SmsError::Missing(names[0]))?;
    if v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(v.to_owned())
    } else {
        Err(invalid(name, "not a Twilio SID"))
    }
}

/// One attachment of an MMS, hosted by Twilio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `https://api.twilio.com/…/Media/ME…` (fetching it needs the account's Basic auth).
    pub url: String,
    /// `image/jpeg` …, as Twilio reports it.
    pub content_type: Option<String>,
}

/// An inbound SMS/MMS, read from Twilio's webhook form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// `MessageSid` (falls back to `SmsSid`): the duplicate key.
    pub message_sid: String,
    /// `AccountSid`, to check it is ours.
    pub account_sid: Option<String>,
    /// Sender, E.164.
    pub from: String,
    /// Our number, E.164.
    pub to: String,
    /// The text, as sent ("" for a picture-only MMS).
    pub body: String,
    /// Attachments, in order.
    pub media: Vec<Media>,
}

impl Inbound {
    /// Reads the form Twilio POSTs for an incoming message. Call [`verify`]
    /// first: this checks shape, not origin.
    pub fn from_form(params: &[(String, String)]) -> Result<Self, SmsError> {
        let message_sid = sid(params, &["MessageSid", "SmsSid"])?;
        let account_sid = match field(params, "AccountSid") {
            Some(_) => Some(sid(params, &["AccountSid"])?),
            None => None,
        };
        let from = phone(params, "From")?;
        let to = phone(params, "To")?;
        let body = field(params, "Body").unwrap_or_default().to_owned();
        let count = match field(params, "NumMedia") {
            None => 0,
            Some(n) => n
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= MAX_MEDIA)
                .ok_or_else(|| invalid("NumMedia", format!("`{n}` is not a count from 0 to {MAX_MEDIA}")))?,
        };
        let mut media = Vec::with_capacity(count);
        for i in 0..count {
            let name = format!("MediaUrl{i}");
            let url = field(params, &name).ok_or_else(|| invalid(&name, format!("missing (NumMedia is {count})")))?;
            match Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "https" | "http") => {}
                _ => return Err(invalid(&name, "not an http(s) URL")),
            }
            let content_type = field(params, &format!("MediaContentType{i}")).map(str::to_owned);
            media.push(Media { url: url.to_owned(), content_type });
        }
        Ok(Self { message_sid, account_sid, from, to, body, media })
    }
}

/// Opt-out handling a carrier expects: what an inbound keyword asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// `STOP`, `STOPALL`, `UNSUBSCRIBE`, `CANCEL`, `END`, `QUIT`: send nothing more.
    Stop,
    /// `START`, `YES`, `UNSTOP`: opted back in.
    Start,
    /// `HELP`, `INFO`: answer with who we are.
    Help,
}

/// The opt-out keyword a message is, if it is one. Like Twilio, only a
/// message that is exactly the keyword counts (trimmed, any case): "please
/// stop the delivery" is a customer talking, not an opt-out.
pub fn keyword(body: &str) -> Option<Keyword> {
    let word = body.trim().to_ascii_uppercase();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => Some(Keyword::Stop),
        "START" | "YES" | "UNSTOP" => Some(Keyword::Start),
        "HELP" | "INFO" => Some(Keyword::Help),
        _ => None,
    }
}

/// Where a message is on its way (Twilio's `MessageStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting in Twilio's queue.
    Queued,
    /// Being handed to the carrier.
    Sending,
    /// The carrier took it.
    Sent,
    /// The handset confirmed it.
    Delivered,
    /// The carrier could not deliver it.
    Undelivered,
    /// Twilio could not send it.
    Failed,
    /// Inbound, arriving.
    Receiving,
    /// Inbound, arrived.
    Received,
    /// A Messaging Service took it and will pick a sender.
    Accepted,
    /// Scheduled for later.
    Scheduled,
    /// Read by the recipient (`WhatsApp`, RCS).
    Read,
    /// A scheduled message was canceled.
    Canceled,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [Self; 12] = [
        Self::Queued,
        Self::Sending,
        Self::Sent,
        Self::Delivered,
        Self::Undelivered,
        Self::Failed,
        Self::Receiving,
        Self::Received,
        Self::Accepted,
        Self::Scheduled,
        Self::Read,
        Self::Canceled,
    ];

    /// Twilio's name (`delivered`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Undelivered => "undelivered",
            Self::Failed => "failed",
            Self::Receiving => "receiving",
            Self::Received => "received",
            Self::Accepted => "accepted",
            Self::Scheduled => "scheduled",
            Self::Read => "read",
            Self::Canceled => "canceled",
        }
    }

    /// From Twilio's name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// No further status will follow (except `read` after `delivered` on
    /// channels with read receipts).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Undelivered | Self::Failed | Self::Received | Self::Read | Self::Canceled
        )
    }

    /// Position on the way out (or in); outcomes share the highest rank
    /// below `read`.
    fn rank(self) -> u8 {
        match self {
            Self::Scheduled => 0,
            Self::Accepted => 1,
            Self::Queued => 2,
            Self::Sending | Self::Receiving => 3,
            Self::Sent => 4,
            Self::Delivered | Self::Undelivered | Self::Failed | Self::Received | Self::Canceled => 5,
            Self::Read => 6,
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a message recorded as `from` should move to `to`. Callbacks come
/// out of order; a late `sent` must not overwrite `delivered`, and an outcome
/// is never replaced, except `delivered` → `read`.
pub fn advances(from: DeliveryStatus, to: DeliveryStatus) -> bool {
    if from.is_final() {
        return from == DeliveryStatus::Delivered && to == DeliveryStatus::Read;
    }
    to.rank() > from.rank()
}

/// A delivery report Twilio POSTs to a message's `StatusCallback`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCallback {
    /// The message it is about.
    pub message_sid: String,
    /// Its new status.
    pub status: DeliveryStatus,
    /// Twilio's error code for `failed`/`undelivered` (`30003` unreachable …).
    pub error_code: Option<String>,
}

impl StatusCallback {
    /// Reads the callback form (`MessageSid`, `MessageStatus`, `ErrorCode`).
    /// Call [`verify`] first.
    pub fn from_form(params: &[(String, String)]) -> Result<Self, SmsError> {
        let message_sid = sid(params, &["MessageSid", "SmsSid"])?;
        let (name, raw) = field(params, "MessageStatus")
            .map(|v| ("MessageStatus", v))
            .or_else(|| field(params, "SmsStatus").map(|v| ("SmsStatus", v)))
            .ok_or(SmsError::Missing("MessageStatus"))?;
        let status =
            DeliveryStatus::parse(raw.trim()).ok_or_else(|| invalid(name, format!("unknown status `{raw}`")))?;
        let error_code = field(params, "ErrorCode").map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        Ok(Self { message_sid, status, error_code })
    }
}

// ---------------------------------------------------------------------------
// Segments
// ---------------------------------------------------------------------------

/// Characters of the GSM 03.38 basic set (one septet each).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters of the GSM 03.38 extension table (escape + septet: two each).
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// How many SMS segments `body` costs: GSM-7 carries 160 septets in one
/// segment and 153 per segment when split; anything outside GSM-7 goes as
/// UCS-2 with 70 / 67 UTF-16 units. 0 for an empty body. For display: it
/// does not model a character that cannot straddle two segments.
pub fn split_segments(body: &str) -> u32 {
    let gsm: Option<usize> = body.chars().try_fold(0usize, |n, c| {
        if GSM7_BASIC.contains(c) {
            Some(n + 1)
        } else if GSM7_EXTENDED.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    });
    let (units, single, multi) = match gsm {
        Some(septets) => (septets, 160, 153),
        None => (body.encode_utf16().count(), 70, 67),
    };
    let segments = match units {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(multi),
    };
    u32::try_from(segments).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------
// REST client
// ---------------------------------------------------------------------------

/// How to reach an account's Messages API.
#[derive(Clone)]
pub struct TwilioConfig {
    /// API origin: [`DEFAULT_BASE_URL`], or a fake in tests.
    pub base_url: Url,
    /// `AC…`.
    pub account_sid: String,
    /// The auth token (never printed).
    pub auth_token: String,
    /// Whole-request timeout (also used to connect).
    pub timeout: Duration,
}

impl TwilioConfig {
    /// The real API with [`DEFAULT_TIMEOUT`].
    pub fn new(account_sid: impl Into<String>, auth_token: impl Into<String>) -> Self {
        Self {
            base_url: default_base_url(),
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

fn default_base_url() -> Url {
    match Url::parse(DEFAULT_BASE_URL) {
        Ok(u) => u,
        // A constant; `messages_url_is_built_from_the_base` exercises it.
        Err(e) => unreachable!("DEFAULT_BASE_URL does not parse: {e}"),
    }
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("base_url", &self.base_url.as_str())
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What Twilio answered to a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    /// The message SID (`SM…`), to match status callbacks.
    pub sid: String,
    /// Usually `queued` (or `accepted` through a Messaging Service).
    pub status: DeliveryStatus,
}

/// A client for one account's Messages API.
#[derive(Clone)]
pub struct TwilioClient {
    config: TwilioConfig,
    messages_url: Url,
    http: reqwest::Client,
}

impl fmt::Debug for TwilioClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioClient").field("config", &self.config).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct MessageOut {
    sid: String,
    status: String,
}

#[derive(Deserialize)]
struct ErrorOut {
    code: Option<u32>,
    message: Option<String>,
}

impl TwilioClient {
    /// A client with the configured timeout, no redirects and no proxy lookups.
    ///
    /// Uses the process's rustls crypto provider; installs `ring` when the
    /// embedding binary has not installed one.
    pub fn new(config: TwilioConfig) -> Result<Self, SmsError> {
        if config.account_sid.is_empty() || !config.account_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(SmsError::Config("the account SID must be Twilio's `AC…` identifier".to_owned()));
        }
        let mut messages_url = config.base_url.clone();
        messages_url
            .path_segments_mut()
            .map_err(|()| SmsError::Config(format!("`{}` cannot be an API base URL", config.base_url)))?
            .pop_if_empty()
            .extend(["2010-04-01", "Accounts", &config.account_sid, "Messages.json"]);
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race with another installer is fine: one provider wins.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("AutoCRM/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SmsError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { config, messages_url, http })
    }

    /// `{base}/2010-04-01/Accounts/{sid}/Messages.json`.
    pub fn messages_url(&self) -> &Url {
        &self.messages_url
    }

    /// Sends one message (`media_urls` make it an MMS). Twilio queues it and
    /// reports progress to `status_callback`, when given.
    pub async fn send(
        &self,
        from: &str,
        to: &str,
        body: &str,
        media_urls: &[String],
        status_callback: Option<&str>,
    ) -> Result<SentSms, SmsError> {
        let mut form: Vec<(&str, &str)> = vec![("From", from), ("To", to), ("Body", body)];
        form.extend(media_urls.iter().map(|u| ("MediaUrl", u.as_str())));
        if let Some(cb) = status_callback {
            form.push(("StatusCallback", cb));
        }
        let resp = self
            .http
            .post(self.messages_url.clone())
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        let text = read_capped(resp).await?;
        if status.is_success() {
            let out: MessageOut =
                serde_json::from_str(&text).map_err(|e| SmsError::InvalidResponse(format!("HTTP {status}: {e}")))?;
            let parsed = DeliveryStatus::parse(&out.status)
                .ok_or_else(|| SmsError::InvalidResponse(format!("unknown status `{}`", out.status)))?;
            return Ok(SentSms { sid: out.sid, status: parsed });
        }
        let (code, message) = match serde_json::from_str::<ErrorOut>(&text) {
            Ok(e) => (e.code, e.message.unwrap_or_else(|| snippet(&text))),
            Err(_) => (None, snippet(&text)),
        };
        let http_status = status.as_u16();
        Err(match http_status {
            429 => SmsError::RateLimited { code, message },
            400..=499 => SmsError::Rejected { status: http_status, code, message },
            _ => SmsError::Server { status: http_status, message },
        })
    }
}

fn transport(e: reqwest::Error) -> SmsError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let e = e.without_url();
    let mut msg = format!("{what}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    SmsError::Transport(msg)
}

async fn read_capped(mut resp: reqwest::Response) -> Result<String, SmsError> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        buf.extend_from_slice(&chunk);
        if buf.len() > MAX_ERROR_BODY {
            // A Twilio answer is a few hundred bytes; more is not Twilio.
            return Err(SmsError::InvalidResponse(format!("response larger than {MAX_ERROR_BODY} bytes")));
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn snippet(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() { "(empty body)".to_owned() } else { t.chars().take(200).collect() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn docs_example() -> Vec<(String, String)> {
        p(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ])
    }

    const DOCS_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    #[test]
    fn signature_matches_twilios_documented_example() {
        // Independently:
        //   python3 -c "import hmac,hashlib,base64; s='https://mycompany.com/myapp.php?foo=1&bar=2'
        //     + 'CallSidCA1234567890ABCDE'+'Caller+12349013030'+'Digits1234'+'From+12349013030'
        //     + 'To+18005551212'; print(base64.b64encode(hmac.new(b'12345', s.encode(), hashlib.sha1).digest()))"
        //   -> 0/KCTR6DLpKmkAf8muzZqo1nDgQ=
        assert_eq!(signature("12345", DOCS_URL, &docs_example()), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    #[test]
    fn signature_does_not_depend_on_parameter_order() {
        let mut reversed = docs_example();
        reversed.reverse();
        assert_eq!(signature("12345", DOCS_URL, &reversed), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    #[test]
    fn verify_accepts_the_right_signature_and_nothing_else() {
        let params = docs_example();
        assert!(verify("12345", DOCS_URL, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!verify("12346", DOCS_URL, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!verify(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            &params,
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        let mut tampered = params.clone();
        tampered[2].1 = "9999".into();
        assert!(!verify("12345", DOCS_URL, &tampered, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!verify("12345", DOCS_URL, &params, ""));
        assert!(!verify("12345", DOCS_URL, &params, "not base64!"));
        assert!(!verify("12345", DOCS_URL, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ"));
    }

    #[test]
    fn verify_tolerates_the_default_port_being_added_or_removed() {
        let params = docs_example();
        let with_port = signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", &params);
        assert!(verify("12345", DOCS_URL, &params, &with_port));
        assert!(verify(
            "12345",
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            &params,
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        // Another port is another URL.
        let other_port = signature("12345", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", &params);
        assert!(!verify("12345", DOCS_URL, &params, &other_port));
    }

    #[test]
    fn url_variants_toggle_only_the_default_port() {
        assert_eq!(url_variants("http://u:p@h/x?a=b")[1], "http://u:p@h:80/x?a=b");
        assert_eq!(url_variants("https://[::1]:443/x")[1], "https://[::1]/x");
        assert_eq!(url_variants("https://[::1]/x")[1], "https://[::1]:443/x");
        assert_eq!(url_variants("https://h:8443/x").len(), 1);
        assert_eq!(url_variants("ftp://h/x").len(), 1);
        assert_eq!(url_variants("https://h")[1], "https://h:443");
    }

    #[test]
    fn repeated_parameters_are_signed_sorted_by_value() {
        let a = p(&[("MediaUrl", "b"), ("MediaUrl", "a")]);
        let b = p(&[("MediaUrl", "a"), ("MediaUrl", "b")]);
        assert_eq!(signature("t", "https://x/", &a), signature("t", "https://x/", &b));
        assert_ne!(signature("t", "https://x/", &a), signature("t", "https://x/", &p(&[("MediaUrl", "ab")])));
    }

    fn inbound_form() -> Vec<(String, String)> {
        p(&[
            ("ToCountry", "US"),
            ("SmsMessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("NumMedia", "2"),
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            ("From", "+491701234567"),
            ("To", "+14155550100"),
            ("Body", "Where is my order?"),
            ("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"),
            ("MediaContentType0", "image/jpeg"),
            ("MediaUrl1", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2"),
            ("NumSegments", "1"),
        ])
    }

    #[test]
    fn inbound_form_is_read_with_its_media() {
        let m = Inbound::from_form(&inbound_form()).unwrap();
        assert_eq!(m.message_sid, "SM0123456789abcdef0123456789abcdef");
        assert_eq!(m.account_sid.as_deref(), Some("AC0123456789abcdef0123456789abcdef"));
        assert_eq!((m.from.as_str(), m.to.as_str()), ("+491701234567", "+14155550100"));
        assert_eq!(m.body, "Where is my order?");
        assert_eq!(m.media.len(), 2);
        assert_eq!(m.media[0].content_type.as_deref(), Some("image/jpeg"));
        assert!(m.media[1].url.ends_with("/ME2"));
        assert_eq!(m.media[1].content_type, None);
    }

    fn with(mut form: Vec<(String, String)>, key: &str, value: Option<&str>) -> Vec<(String, String)> {
        form.retain(|(k, _)| k != key);
        if let Some(v) = value {
            form.push((key.to_owned(), v.to_owned()));
        }
        form
    }

    #[test]
    fn inbound_errors_name_the_field() {
        let err = |form: Vec<(String, String)>| Inbound::from_form(&form).unwrap_err();
        assert_eq!(err(with(inbound_form(), "From", None)), SmsError::Missing("From"));
        let e = err(with(inbound_form(), "From", Some("01701234567")));
        assert!(matches!(&e, SmsError::Invalid { field, .. } if field == "From"), "{e:?}");
        assert!(e.to_string().contains("From"), "{e}");
        let e = err(with(inbound_form(), "To", Some("+1 415 555 0100")));
        assert!(matches!(&e, SmsError::Invalid { field, .. } if field == "To"), "{e:?}");
        let e = err(with(inbound_form(), "NumMedia", Some("3")));
        assert!(matches!(&e, SmsError::Invalid { field, .. } if field == "MediaUrl2"), "{e:?}");
        let e = err(with(inbound_form(), "NumMedia", Some("11")));
        assert!(matches!(&e, SmsError::Invalid { field, .. } if field == "NumMedia"), "{e:?}");
        let e = err(with(inbound_form(), "MediaUrl0", Some("javascript:alert(1)")));
        assert!(matches!(&e, SmsError::Invalid { field, .. } if field == "MediaUrl0"), "{e:?}");
        let form = with(with(inbound_form(), "MessageSid", None), "SmsMessageSid", None);
        assert_eq!(err(form), SmsError::Missing("MessageSid"));
        let e = err(with(inbound_form(), "MessageSid", Some("SM1/../x")));
        assert!(matches!(&e, SmsError::Invalid { field, .. } if field == "MessageSid"), "{e:?}");
    }

    #[test]
    fn inbound_without_media_or_body_is_fine() {
        let form = with(with(inbound_form(), "NumMedia", Some("0")), "Body", None);
        let m = Inbound::from_form(&form).unwrap();
        assert!(m.media.is_empty());
        assert_eq!(m.body, "");
    }

    #[test]
    fn e164_numbers() {
        for ok in ["+14155550100", "+491701234567", "+2901234", "+123456789012345"] {
            assert!(is_e164(ok), "{ok}");
        }
        for bad in
            ["14155550100", "+0155550100", "+1 4155550100", "+1234567890123456", "+123456", "+", "", "+1415555010a"]
        {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn opt_out_keywords_are_whole_messages_in_any_case() {
        for (body, want) in [
            ("STOP", Some(Keyword::Stop)),
            ("  stop\n", Some(Keyword::Stop)),
            ("StopAll", Some(Keyword::Stop)),
            ("unsubscribe", Some(Keyword::Stop)),
            ("cancel", Some(Keyword::Stop)),
            ("END", Some(Keyword::Stop)),
            ("quit", Some(Keyword::Stop)),
            ("start", Some(Keyword::Start)),
            ("Yes", Some(Keyword::Start)),
            ("UNSTOP", Some(Keyword::Start)),
            ("help", Some(Keyword::Help)),
            ("INFO ", Some(Keyword::Help)),
            ("please stop", None),
            ("stop it", None),
            ("stopp", None),
            ("", None),
        ] {
            assert_eq!(keyword(body), want, "{body:?}");
        }
    }

    #[test]
    fn status_names_round_trip() {
        for s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(DeliveryStatus::parse("Delivered"), None);
    }

    #[test]
    fn a_late_sent_never_overwrites_delivered() {
        use DeliveryStatus::{
            Accepted, Canceled, Delivered, Failed, Queued, Read, Scheduled, Sending, Sent, Undelivered,
        };
        assert!(advances(Queued, Sent));
        assert!(advances(Accepted, Queued));
        assert!(advances(Sending, Delivered));
        assert!(advances(Queued, Failed));
        assert!(advances(Scheduled, Canceled));
        assert!(advances(Delivered, Read));
        assert!(!advances(Delivered, Sent));
        assert!(!advances(Delivered, Undelivered));
        assert!(!advances(Failed, Delivered));
        assert!(!advances(Undelivered, Read));
        assert!(!advances(Sent, Sending));
        assert!(!advances(Sent, Sent));
        assert!(!advances(Read, Delivered));
    }

    #[test]
    fn finality() {
        let finals: Vec<_> =
            DeliveryStatus::ALL.into_iter().filter(|s| s.is_final()).map(DeliveryStatus::as_str).collect();
        assert_eq!(finals, ["delivered", "undelivered", "failed", "received", "read", "canceled"]);
    }

    #[test]
    fn status_callback_is_read() {
        let cb = StatusCallback::from_form(&p(&[
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30003"),
        ]))
        .unwrap();
        assert_eq!(cb.status, DeliveryStatus::Undelivered);
        assert_eq!(cb.error_code.as_deref(), Some("30003"));
        let cb = StatusCallback::from_form(&p(&[("SmsSid", "SM1"), ("SmsStatus", "sent"), ("ErrorCode", "")])).unwrap();
        assert_eq!((cb.message_sid.as_str(), cb.status, cb.error_code), ("SM1", DeliveryStatus::Sent, None));
        let e = StatusCallback::from_form(&p(&[("MessageSid", "SM1"), ("MessageStatus", "teleported")])).unwrap_err();
        assert!(matches!(&e, SmsError::Invalid { field, .. } if field == "MessageStatus"), "{e:?}");
        let e = StatusCallback::from_form(&p(&[("MessageSid", "SM1")])).unwrap_err();
        assert_eq!(e, SmsError::Missing("MessageStatus"));
    }

    #[test]
    fn segments_follow_gsm7_and_ucs2_limits() {
        assert_eq!(split_segments(""), 0);
        assert_eq!(split_segments(&"a".repeat(160)), 1);
        assert_eq!(split_segments(&"a".repeat(161)), 2);
        assert_eq!(split_segments(&"a".repeat(306)), 2);
        assert_eq!(split_segments(&"a".repeat(307)), 3);
        // `€` takes two septets.
        assert_eq!(split_segments(&"€".repeat(80)), 1);
        assert_eq!(split_segments(&"€".repeat(81)), 2);
        // One character outside GSM-7 makes the whole message UCS-2.
        assert_eq!(split_segments(&format!("{}ł", "a".repeat(69))), 1);
        assert_eq!(split_segments(&format!("{}ł", "a".repeat(70))), 2);
        assert_eq!(split_segments(&"ł".repeat(134)), 2);
        assert_eq!(split_segments(&"ł".repeat(135)), 3);
        // An emoji is two UTF-16 units.
        assert_eq!(split_segments(&"😀".repeat(35)), 1);
        assert_eq!(split_segments(&"😀".repeat(36)), 2);
    }

    #[test]
    fn errors_say_whether_to_retry() {
        assert!(!SmsError::Rejected { status: 400, code: Some(21211), message: String::new() }.is_retryable());
        assert!(SmsError::RateLimited { code: Some(20429), message: String::new() }.is_retryable());
        assert!(SmsError::Server { status: 503, message: String::new() }.is_retryable());
        assert!(SmsError::Transport("timed out".into()).is_retryable());
        assert!(!SmsError::Missing("From").is_retryable());
    }

    #[test]
    fn config_debug_hides_the_token() {
        let c = TwilioConfig::new("AC123", "supersecret");
        let shown = format!("{c:?}");
        assert!(!shown.contains("supersecret"), "{shown}");
        assert!(shown.contains("AC123"));
        let client = TwilioClient::new(c).unwrap();
        assert!(!format!("{client:?}").contains("supersecret"));
    }

    #[test]
    fn messages_url_is_built_from_the_base() {
        let mut c = TwilioConfig::new("AC123", "t");
        assert_eq!(
            TwilioClient::new(c.clone()).unwrap().messages_url().as_str(),
            "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
        );
        c.base_url = Url::parse("http://127.0.0.1:9/twilio/").unwrap();
        assert_eq!(
            TwilioClient::new(c.clone()).unwrap().messages_url().as_str(),
            "http://127.0.0.1:9/twilio/2010-04-01/Accounts/AC123/Messages.json"
        );
        c.account_sid = "AC1/../x".into();
        assert!(matches!(TwilioClient::new(c), Err(SmsError::Config(_))));
    }
}
