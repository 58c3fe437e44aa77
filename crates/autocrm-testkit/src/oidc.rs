//! A fake OIDC provider on loopback (axum on `127.0.0.1:0`) for
//! the customer portal's sign-in tests: a discovery document, an authorize
//! endpoint that approves the configured test user at once and redirects
//! with a code, a token endpoint that checks the client's credentials, the
//! redirect URI and the PKCE verifier (codes are single-use), a JWKS with an
//! RS256 key, and userinfo.
//!
//! Tests can make it misbehave ([`Tamper`]) to prove the relying party
//! refuses forged or mismatched ID tokens. The signing keys are fixed test
//! keys (`oidc/*.pem`, 2048-bit RSA, PKCS#8) generated for this kit only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use serde_json::{Value, json};

/// The signing key the JWKS publishes.
const SIGNING_KEY: &str = include_str!("oidc/signing-key.pem");
/// A key the JWKS does not publish ([`Tamper::ForeignKey`]).
const ROGUE_KEY: &str = include_str!("oidc/rogue-key.pem");
/// The `kid` of the published key.
pub const KEY_ID: &str = "autocrm-test-key";

/// The person the provider signs in.
#[derive(Debug, Clone)]
pub struct OidcUser {
    /// `sub`.
    pub subject: String,
    /// `email`.
    pub email: String,
    /// `email_verified`.
    pub email_verified: bool,
    /// `name`.
    pub name: String,
    /// Put the e-mail only in userinfo, not in the ID token.
    pub email_only_in_userinfo: bool,
}

impl Default for OidcUser {
    fn default() -> Self {
        Self {
            subject: "fake-subject-1".into(),
            email: "oidc.user@customer.test".into(),
            email_verified: true,
            name: "Olivia Oidc".into(),
            email_only_in_userinfo: false,
        }
    }
}

/// Ways the provider can misbehave, to test that they are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tamper {
    /// Behave.
    #[default]
    None,
    /// Sign the ID token with a key the JWKS does not publish.
    ForeignKey,
    /// Swap the ID token's payload (another subject) after signing.
    AlteredPayload,
    /// Send an unsigned token (`alg: none`).
    AlgNone,
    /// Put another nonce in the ID token.
    WrongNonce,
    /// Name another issuer.
    WrongIssuer,
    /// Issue it for another client.
    WrongAudience,
    /// Issue it already expired.
    Expired,
}

#[derive(Debug, Clone)]
struct Grant {
    client_id: String,
    redirect_uri: String,
    nonce: Option<String>,
    challenge: String,
    user: OidcUser,
}

struct Inner {
    issuer: String,
    client_id: String,
    client_secret: String,
    user: Mutex<OidcUser>,
    tamper: Mutex<Tamper>,
    codes: Mutex<HashMap<String, Grant>>,
    access: Mutex<HashMap<String, OidcUser>>,
    key: RsaKeyPair,
    rogue: RsaKeyPair,
    /// What the token endpoint refused, for assertions.
    refusals: Mutex<Vec<String>>,
}

/// A running fake provider; it stops when dropped.
pub struct FakeOidc {
    /// `http://127.0.0.1:port` (also its issuer).
    pub issuer: String,
    /// The registered client id.
    pub client_id: String,
    /// The registered client secret.
    pub client_secret: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeOidc {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn pkcs8(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

impl FakeOidc {
    /// Starts the provider with client `autocrm-portal` / `fake-secret`.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Inner {
            issuer: issuer.clone(),
            client_id: "autocrm-portal".into(),
            client_secret: "fake-secret".into(),
            user: Mutex::new(OidcUser::default()),
            tamper: Mutex::new(Tamper::None),
            codes: Mutex::new(HashMap::new()),
            access: Mutex::new(HashMap::new()),
            key: RsaKeyPair::from_pkcs8(&pkcs8(SIGNING_KEY)).unwrap(),
            rogue: RsaKeyPair::from_pkcs8(&pkcs8(ROGUE_KEY)).unwrap(),
            refusals: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/jwks", get(jwks))
            .route("/userinfo", get(userinfo))
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Self { issuer, client_id: inner.client_id.clone(), client_secret: inner.client_secret.clone(), inner, task }
    }

    /// Whom the provider signs in from now on.
    pub fn set_user(&self, user: OidcUser) {
        *self.inner.user.lock().unwrap() = user;
    }

    /// How the provider misbehaves from now on.
    pub fn set_tamper(&self, tamper: Tamper) {
        *self.inner.tamper.lock().unwrap() = tamper;
    }

    /// What the token endpoint refused so far (`invalid_client`, `invalid_grant: …`).
    pub fn refusals(&self) -> Vec<String> {
        self.inner.refusals.lock().unwrap().clone()
    }

    /// Plays the browser at the authorize endpoint: follows `authorize_url`
    /// and returns the `(code, state)` the provider redirects back with.
    pub async fn approve(&self, authorize_url: &str) -> (String, String) {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let res = client.get(authorize_url).send().await.unwrap();
        assert_eq!(res.status(), 302, "the fake provider refused: {}", res.text().await.unwrap_or_default());
        let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
        let url = url::Url::parse(&location).unwrap();
        let get = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned()).unwrap();
        (get("code"), get("state"))
    }
}

async fn discovery(State(s): State<Arc<Inner>>) -> axum::Json<Value> {
    let i = &s.issuer;
    axum::Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "userinfo_endpoint": format!("{i}/userinfo"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "email", "profile"],
    }))
}

fn random() -> String {
    use rand::Rng as _;
    let b: [u8; 24] = rand::thread_rng().r#gen();
    URL_SAFE_NO_PAD.encode(b)
}

async fn authorize(State(s): State<Arc<Inner>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let p = |k: &str| q.get(k).cloned().unwrap_or_default();
    if p("response_type") != "code" || p("client_id") != s.client_id || p("code_challenge_method") != "S256" {
        return (StatusCode::BAD_REQUEST, "unsupported request").into_response();
    }
    if p("redirect_uri").is_empty() || p("code_challenge").is_empty() || !p("scope").split(' ').any(|x| x == "openid") {
        return (StatusCode::BAD_REQUEST, "missing parameters").into_response();
    }
    let code = random();
    let grant = Grant {
        client_id: p("client_id"),
        redirect_uri: p("redirect_uri"),
        nonce: q.get("nonce").cloned(),
        challenge: p("code_challenge"),
        user: s.user.lock().unwrap().clone(),
    };
    s.codes.lock().unwrap().insert(code.clone(), grant);
    let mut target = url::Url::parse(&p("redirect_uri")).unwrap();
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &p("state"));
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

fn refuse(s: &Inner, error: &str, why: &str) -> Response {
    s.refusals.lock().unwrap().push(format!("{error}: {why}"));
    let status = if error == "invalid_client" { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
    (status, axum::Json(json!({"error": error, "error_description": why}))).into_response()
}

async fn token(State(s): State<Arc<Inner>>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let f = |k: &str| form.get(k).cloned().unwrap_or_default();
    // Client authentication: client_secret_basic (form-encoded parts) or client_secret_post.
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let dec =
                |x: &str| url::form_urlencoded::parse(format!("v={x}").as_bytes()).next().map(|(_, v)| v.into_owned());
            Some((dec(id)?, dec(secret)?))
        });
    let (id, secret) = basic.unwrap_or_else(|| (f("client_id"), f("client_secret")));
    if id != s.client_id || secret != s.client_secret {
        return refuse(&s, "invalid_client", "wrong client credentials");
    }
    if f("grant_type") != "authorization_code" {
        return refuse(&s, "unsupported_grant_type", "only authorization_code");
    }
    let Some(grant) = s.codes.lock().unwrap().remove(&f("code")) else {
        return refuse(&s, "invalid_grant", "unknown or used code");
    };
    if grant.client_id != id || grant.redirect_uri != f("redirect_uri") {
        return refuse(&s, "invalid_grant", "redirect_uri or client mismatch");
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, f("code_verifier").as_bytes());
    if URL_SAFE_NO_PAD.encode(digest.as_ref()) != grant.challenge {
        return refuse(&s, "invalid_grant", "PKCE verification failed");
    }
    let tamper = *s.tamper.lock().unwrap();
    let now = chrono::Utc::now().timestamp();
    let user = &grant.user;
    let mut claims = json!({
        "iss": if tamper == Tamper::WrongIssuer { "https://evil.example".to_owned() } else { s.issuer.clone() },
        "sub": user.subject,
        "aud": if tamper == Tamper::WrongAudience { "someone-else".to_owned() } else { s.client_id.clone() },
        "iat": now,
        "exp": if tamper == Tamper::Expired { now - 3600 } else { now + 600 },
        "nonce": if tamper == Tamper::WrongNonce { Some("not-the-nonce".to_owned()) } else { grant.nonce.clone() },
        "name": user.name,
    });
    if !user.email_only_in_userinfo {
        claims["email"] = json!(user.email);
        claims["email_verified"] = json!(user.email_verified);
    }
    let id_token = sign(&s, &claims, tamper);
    let access = random();
    s.access.lock().unwrap().insert(access.clone(), user.clone());
    axum::Json(json!({"access_token": access, "token_type": "Bearer", "expires_in": 600, "id_token": id_token}))
        .into_response()
}

fn sign(s: &Inner, claims: &Value, tamper: Tamper) -> String {
    let alg = if tamper == Tamper::AlgNone { "none" } else { "RS256" };
    let header = json!({"alg": alg, "typ": "JWT", "kid": KEY_ID});
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
    let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap());
    let input = format!("{h}.{p}");
    if tamper == Tamper::AlgNone {
        return format!("{input}.");
    }
    let key = if tamper == Tamper::ForeignKey { &s.rogue } else { &s.key };
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig).unwrap();
    let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig));
    if tamper == Tamper::AlteredPayload {
        // Another subject, same signature: only a verifier that checks the signature notices.
        let forged = claims.clone();
        let mut forged = forged;
        forged["sub"] = json!("someone-else");
        let p2 = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        return token.replacen(&p, &p2, 1);
    }
    token
}

async fn jwks(State(s): State<Arc<Inner>>) -> axum::Json<Value> {
    let c: RsaPublicKeyComponents<Vec<u8>> = s.key.public().into();
    axum::Json(json!({"keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KEY_ID,
        "n": URL_SAFE_NO_PAD.encode(&c.n), "e": URL_SAFE_NO_PAD.encode(&c.e),
    }]}))
}

async fn userinfo(State(s): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    let token =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let Some(user) = token.and_then(|t| s.access.lock().unwrap().get(t).cloned()) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    axum::Json(
        json!({"sub": user.subject, "email": user.email, "email_verified": user.email_verified, "name": user.name}),
    )
    .into_response()
}
