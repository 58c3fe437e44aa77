//! A fake Twilio Messages API on loopback, for tests of SMS sending and of
//! the inbound webhooks.
//!
//! It speaks the real wire format over real HTTP: `POST
//! /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, HTTP Basic auth,
//! Twilio-shaped JSON answers and error codes. Its webhook signing is written
//! here independently of `autocrm_channels::sms::twilio`, so a test that
//! signs with the fake and verifies with the channel checks one against the
//! other rather than a function against itself.
//!
//! Invariants: every authenticated request is recorded, in arrival order,
//! whether it was accepted or refused; the server stops when the value drops.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};
use sha1::Sha1;

/// Twilio's code for an invalid `To` number.
pub const INVALID_TO: u32 = 21211;
/// Twilio's code for a recipient who replied STOP.
pub const UNSUBSCRIBED: u32 = 21610;

/// One call of the Messages API, as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    /// `From`.
    pub from: String,
    /// `To`.
    pub to: String,
    /// `Body` ("" when absent).
    pub body: String,
    /// Every `MediaUrl`, in order.
    pub media_urls: Vec<String>,
    /// `StatusCallback`.
    pub status_callback: Option<String>,
    /// The SID answered, or `None` when the fake refused the request.
    pub sid: Option<String>,
}

#[derive(Default)]
struct Recorded {
    requests: Vec<SentRequest>,
    failing: HashMap<String, u32>,
    fail_next: VecDeque<u16>,
}

struct Inner {
    account_sid: String,
    auth_token: String,
    state: Mutex<Recorded>,
}

/// A running fake Twilio; stopped on drop.
pub struct FakeTwilio {
    inner: Arc<Inner>,
    base_url: String,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FakeTwilio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTwilio").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Drop for FakeTwilio {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTwilio {
    /// Starts the fake on `127.0.0.1:0` for one account.
    pub async fn start(account_sid: &str, auth_token: &str) -> Self {
        let inner = Arc::new(Inner {
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            state: Mutex::new(Recorded::default()),
        });
        let app = Router::new()
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(create_message))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Self { inner, base_url: format!("http://{addr}"), server }
    }

    /// `http://127.0.0.1:port`, for `TwilioConfig::base_url`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The account SID it accepts.
    pub fn account_sid(&self) -> &str {
        &self.inner.account_sid
    }

    /// Every authenticated request so far, oldest first.
    pub fn requests(&self) -> Vec<SentRequest> {
        self.inner.state.lock().unwrap().requests.clone()
    }

    /// Waits up to 10 s for at least `n` requests and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<SentRequest> {
        for _ in 0..200 {
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} Twilio requests, got {}", self.requests().len());
    }

    /// Makes every message to `to` fail with HTTP 400 and Twilio error `code`
    /// ([`INVALID_TO`], [`UNSUBSCRIBED`], `21614` not a mobile number …).
    pub fn set_failing(&self, to: &str, code: u32) {
        self.inner.state.lock().unwrap().failing.insert(to.to_owned(), code);
    }

    /// Makes the next request answer HTTP `status` (`500`, `503`, `429` …)
    /// with a Twilio-shaped error; calls queue up.
    pub fn fail_next(&self, status: u16) {
        self.inner.state.lock().unwrap().fail_next.push_back(status);
    }

    /// The `X-Twilio-Signature` Twilio would send with `params` posted to
    /// `url` for this account.
    pub fn sign(&self, url: &str, params: &[(String, String)]) -> String {
        let mut pairs: Vec<&(String, String)> = params.iter().collect();
        pairs.sort();
        pairs.dedup();
        let mut data = url.to_owned();
        for (k, v) in pairs {
            data.push_str(k);
            data.push_str(v);
        }
        let mut mac = Hmac::<Sha1>::new_from_slice(self.inner.auth_token.as_bytes()).unwrap();
        mac.update(data.as_bytes());
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// The form Twilio POSTs for an incoming SMS (a fresh `MessageSid`).
    pub fn inbound_form(&self, from: &str, to: &str, body: &str) -> Vec<(String, String)> {
        let sid = new_sid("SM");
        pairs(&[
            ("ToCountry", "US"),
            ("SmsMessageSid", &sid),
            ("NumMedia", "0"),
            ("SmsSid", &sid),
            ("SmsStatus", "received"),
            ("Body", body),
            ("To", to),
            ("NumSegments", "1"),
            ("MessageSid", &sid),
            ("AccountSid", &self.inner.account_sid),
            ("From", from),
            ("ApiVersion", "2010-04-01"),
        ])
    }

    /// The form Twilio POSTs to a `StatusCallback`.
    pub fn status_form(&self, message_sid: &str, status: &str, error_code: Option<&str>) -> Vec<(String, String)> {
        let mut form = pairs(&[
            ("SmsSid", message_sid),
            ("SmsStatus", status),
            ("MessageStatus", status),
            ("MessageSid", message_sid),
            ("AccountSid", &self.inner.account_sid),
            ("ApiVersion", "2010-04-01"),
        ]);
        if let Some(code) = error_code {
            form.push(("ErrorCode".to_owned(), code.to_owned()));
        }
        form
    }

    /// POSTs `params` to `url` form-encoded with a valid `X-Twilio-Signature`,
    /// as Twilio does for webhooks.
    pub async fn post_signed(&self, url: &str, params: &[(String, String)]) -> reqwest::Response {
        reqwest::Client::new()
            .post(url)
            .header("x-twilio-signature", self.sign(url, params))
            .header("user-agent", "TwilioProxy/1.1")
            .form(params)
            .send()
            .await
            .unwrap()
    }
}

fn pairs(kv: &[(&str, &str)]) -> Vec<(String, String)> {
    kv.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// `SM` + 32 lower-case hex digits, like Twilio's SIDs.
fn new_sid(prefix: &str) -> String {
    use rand::Rng as _;
    use std::fmt::Write as _;
    let bytes: [u8; 16] = rand::thread_rng().r#gen();
    bytes.iter().fold(prefix.to_owned(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn message_for(code: u32, to: &str) -> String {
    match code {
        INVALID_TO => format!("Invalid 'To' Phone Number: {to}"),
        UNSUBSCRIBED => "Attempt to send to unsubscribed recipient".to_owned(),
        21614 => format!("'To' number {to} is not a valid mobile number"),
        21408 => {
            "Permission to send an SMS has not been enabled for the region indicated by the 'To' number".to_owned()
        }
        _ => format!("Error {code}"),
    }
}

/// E.164, checked the way the fake's users expect Twilio to: `+`, a
/// non-zero digit, 7 to 15 digits in all.
fn is_e164(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0'))
}

fn authorized(inner: &Inner, headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = BASE64.decode(encoded.trim()) else {
        return false;
    };
    decoded == format!("{}:{}", inner.account_sid, inner.auth_token).as_bytes()
}

async fn create_message(
    State(inner): State<Arc<Inner>>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&inner, &headers) {
        return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    if sid != inner.account_sid {
        return error(
            StatusCode::NOT_FOUND,
            20404,
            &format!("The requested resource /2010-04-01/Accounts/{sid}/Messages.json was not found"),
        );
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let mut request = SentRequest {
        from: get("From").unwrap_or_default(),
        to: get("To").unwrap_or_default(),
        body: get("Body").unwrap_or_default(),
        media_urls: form.iter().filter(|(k, _)| k == "MediaUrl").map(|(_, v)| v.clone()).collect(),
        status_callback: get("StatusCallback"),
        sid: None,
    };
    let mut state = inner.state.lock().unwrap();
    let refusal = if let Some(status) = state.fail_next.pop_front() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = if status == StatusCode::TOO_MANY_REQUESTS { 20429 } else { 20500 };
        Some(error(status, code, status.canonical_reason().unwrap_or("Error")))
    } else if request.to.is_empty() {
        Some(error(StatusCode::BAD_REQUEST, 21604, "A 'To' phone number is required."))
    } else if request.from.is_empty() {
        Some(error(StatusCode::BAD_REQUEST, 21603, "A 'From' phone number is required."))
    } else if request.body.is_empty() && request.media_urls.is_empty() {
        Some(error(StatusCode::BAD_REQUEST, 21602, "Message body is required."))
    } else if request.body.chars().count() > 1600 {
        Some(error(StatusCode::BAD_REQUEST, 21617, "The concatenated message body exceeds the 1600 character limit."))
    } else if !is_e164(&request.to) {
        Some(error(StatusCode::BAD_REQUEST, INVALID_TO, &message_for(INVALID_TO, &request.to)))
    } else {
        state
            .failing
            .get(&request.to)
            .map(|&code| error(StatusCode::BAD_REQUEST, code, &message_for(code, &request.to)))
    };
    if let Some(resp) = refusal {
        state.requests.push(request);
        return resp;
    }
    let message_sid = new_sid(if request.media_urls.is_empty() { "SM" } else { "MM" });
    request.sid = Some(message_sid.clone());
    let answer = message_json(&inner.account_sid, &message_sid, &request);
    state.requests.push(request);
    (StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], answer.to_string()).into_response()
}

fn message_json(account_sid: &str, sid: &str, r: &SentRequest) -> Value {
    let now = chrono::Utc::now().to_rfc2822();
    let uri = format!("/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json");
    json!({
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": r.body,
        "date_created": now,
        "date_sent": null,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": r.from,
        "messaging_service_sid": null,
        "num_media": r.media_urls.len().to_string(),
        "num_segments": "1",
        "price": null,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": format!("/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json")},
        "to": r.to,
        "uri": uri,
    })
}
