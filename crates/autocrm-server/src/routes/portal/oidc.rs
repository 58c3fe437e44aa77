//! The OIDC relying party: discovery, the authorisation URL
//! (code flow with PKCE S256, `state` and `nonce`), the code exchange, and
//! ID token verification.
//!
//! An ID token is accepted only when: its header says RS256 (never `none`
//! or an HMAC algorithm a public key could be abused for), its signature
//! verifies with a key from the provider's JWKS, `iss` is the configured
//! issuer, `aud` contains our client id (and `azp` is ours when there are
//! several audiences), it has not expired (by the store's clock, 60 s of
//! leeway), and `nonce` is the one this login sent. Every request to the
//! provider goes to an address checked against the SSRF rules (the
//! webhook allow-list), pinned after resolution, without redirects; plain
//! `http` only to allow-listed addresses.

use std::net::IpAddr;
use std::time::Duration;

use autocrm_domain::ssrf::{check_ip, parse_destination};
use autocrm_store::entity::{oidc_logins, oidc_providers};
use autocrm_store::portal::oidc::{Endpoints, VerifiedClaims};
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// Clock skew tolerated on `exp` and `iat`.
const LEEWAY_SECS: i64 = 60;
/// Largest document accepted from a provider.
const MAX_BODY: usize = 256 * 1024;

fn provider_error(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, "oidc_provider_error", detail)
}

fn token_invalid(detail: &str) -> ApiError {
    tracing::warn!(detail, "an OpenID Connect id_token was refused");
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "oidc_token_invalid",
        format!("the sign-in could not be verified: {detail}"),
    )
}

/// A client for one URL of the provider: SSRF-checked, pinned to the checked
/// address, no redirects, short timeouts.
async fn client_for(app: &AppState, raw: &str) -> ApiResult<(reqwest::Client, url::Url)> {
    let allow = &app.config.webhook_allow;
    let refuse = |why: String| ApiError::field("/issuer", format!("the provider's address is not allowed: {why}"));
    let (url, literal) = parse_destination(raw, allow).map_err(|e| refuse(e.to_string()))?;
    let host = url.host_str().ok_or_else(|| refuse("no host".into()))?.to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match literal {
        Some(ip) => vec![ip],
        None => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| provider_error(format!("cannot resolve {host}: {e}")))?
            .map(|a| a.ip())
            .collect(),
    };
    let first = *addrs.first().ok_or_else(|| provider_error(format!("{host} has no address")))?;
    for ip in &addrs {
        check_ip(*ip, allow).map_err(|e| refuse(e.to_string()))?;
    }
    // A client secret and tokens travel here: plain HTTP only inside allow-listed networks (tests, a LAN IdP).
    if url.scheme() != "https" && !addrs.iter().all(|ip| allow.contains(*ip)) {
        return Err(refuse("use https".into()));
    }
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .user_agent("AutoCRM");
    if literal.is_none() {
        builder = builder.resolve(&host, std::net::SocketAddr::new(first, port));
    }
    Ok((builder.build().map_err(ApiError::internal)?, url))
}

async fn read_json(res: reqwest::Response) -> ApiResult<Value> {
    let status = res.status();
    let bytes = res.bytes().await.map_err(|e| provider_error(format!("reading the answer failed: {e}")))?;
    if bytes.len() > MAX_BODY {
        return Err(provider_error("the provider's answer is too large"));
    }
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| provider_error("the provider did not answer JSON"))?;
    if !status.is_success() {
        let why = v["error_description"].as_str().or(v["error"].as_str()).unwrap_or("no reason given");
        return Err(provider_error(format!(
            "the provider answered {status}: {}",
            why.chars().take(200).collect::<String>()
        )));
    }
    Ok(v)
}

/// Fetches the issuer's discovery document and checks that it names the
/// same issuer and the endpoints the flow needs.
pub(super) async fn discover(app: &AppState, issuer: &str) -> ApiResult<Endpoints> {
    let issuer = issuer.trim();
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let (client, url) = client_for(app, &url).await?;
    let res = client.get(url).send().await.map_err(|e| {
        ApiError::field("/issuer", format!("the discovery document could not be fetched: {}", e.without_url()))
    })?;
    let doc = read_json(res)
        .await
        .map_err(|_| ApiError::field("/issuer", "the issuer has no valid OpenID Connect discovery document"))?;
    if doc["issuer"].as_str() != Some(issuer) {
        return Err(ApiError::field("/issuer", "the discovery document names another issuer"));
    }
    let endpoint = |key: &str| -> ApiResult<String> {
        let v = doc[key].as_str().ok_or_else(|| ApiError::field("/issuer", format!("discovery has no {key}")))?;
        url::Url::parse(v).map_err(|_| ApiError::field("/issuer", format!("discovery's {key} is not a URL")))?;
        Ok(v.to_owned())
    };
    if let Some(methods) = doc["code_challenge_methods_supported"].as_array()
        && !methods.iter().any(|m| m == "S256")
    {
        return Err(ApiError::field("/issuer", "the provider does not support PKCE with S256"));
    }
    Ok(Endpoints {
        authorization_endpoint: endpoint("authorization_endpoint")?,
        token_endpoint: endpoint("token_endpoint")?,
        jwks_uri: endpoint("jwks_uri")?,
        userinfo_endpoint: endpoint("userinfo_endpoint").ok(),
    })
}

/// PKCE S256: `BASE64URL(SHA256(verifier))`.
pub(super) fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The provider's authorisation URL for a started login.
pub(super) fn authorize_url(
    provider: &oidc_providers::Model,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    verifier: &str,
) -> ApiResult<String> {
    let mut url = url::Url::parse(&provider.authorization_endpoint).map_err(ApiError::internal)?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &provider.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &provider.scopes)
        .append_pair("state", state)
        .append_pair("nonce", nonce)
        .append_pair("code_challenge", &code_challenge(verifier))
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

/// Exchanges the code (with the PKCE verifier and the client's credentials)
/// and returns the verified claims.
pub(super) async fn complete(
    app: &AppState,
    provider: &oidc_providers::Model,
    login: &oidc_logins::Model,
    code: &str,
) -> ApiResult<VerifiedClaims> {
    let (client, url) = client_for(app, &provider.token_endpoint).await?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", login.redirect_uri.as_str()),
        ("code_verifier", login.code_verifier.as_str()),
    ];
    let mut req = client.post(url);
    match &provider.client_secret {
        // client_secret_basic: RFC 6749 §2.3.1 form-encodes both parts first.
        Some(secret) => {
            let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            req = req.basic_auth(enc(&provider.client_id), Some(enc(secret)));
        }
        None => form.push(("client_id", provider.client_id.as_str())),
    }
    let res = req
        .form(&form)
        .send()
        .await
        .map_err(|e| provider_error(format!("the token endpoint could not be reached: {}", e.without_url())))?;
    let tokens: TokenResponse =
        serde_json::from_value(read_json(res).await?).map_err(|_| provider_error("unexpected token response"))?;
    let id_token = tokens.id_token.ok_or_else(|| provider_error("the provider returned no id_token"))?;
    let keys = fetch_jwks(app, &provider.jwks_uri).await?;
    let claims = verify_id_token(&id_token, &keys, provider, &login.nonce, app.store.now().timestamp())?;
    let mut out = VerifiedClaims {
        subject: claims["sub"].as_str().unwrap_or_default().to_owned(),
        email: claims["email"].as_str().map(str::to_owned),
        email_verified: email_verified(&claims["email_verified"]),
        name: claims["name"].as_str().map(str::to_owned),
    };
    if (out.email.is_none() || !out.email_verified)
        && let (Some(endpoint), Some(access)) = (&provider.userinfo_endpoint, &tokens.access_token)
    {
        let (client, url) = client_for(app, endpoint).await?;
        let res = client
            .get(url)
            .bearer_auth(access)
            .send()
            .await
            .map_err(|e| provider_error(format!("userinfo could not be reached: {}", e.without_url())))?;
        let info = read_json(res).await?;
        // Userinfo about someone else than the id_token's subject is ignored (OIDC Core §5.3.2).
        if info["sub"].as_str() == Some(out.subject.as_str()) {
            out.email = info["email"].as_str().map(str::to_owned).or(out.email);
            out.email_verified = email_verified(&info["email_verified"]);
            out.name = out.name.or_else(|| info["name"].as_str().map(str::to_owned));
        }
    }
    Ok(out)
}

/// Some providers send `"true"` as a string.
fn email_verified(v: &Value) -> bool {
    v.as_bool().unwrap_or_else(|| v.as_str() == Some("true"))
}

async fn fetch_jwks(app: &AppState, uri: &str) -> ApiResult<Value> {
    let (client, url) = client_for(app, uri).await?;
    let res =
        client.get(url).send().await.map_err(|e| provider_error(format!("keys unavailable: {}", e.without_url())))?;
    read_json(res).await
}

fn b64(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()
}

/// Verifies an RS256 ID token against a JWKS and checks its claims (see
/// the module docs); returns the claims.
pub(super) fn verify_id_token(
    token: &str,
    jwks: &Value,
    provider: &oidc_providers::Model,
    nonce: &str,
    now: i64,
) -> ApiResult<Value> {
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(token_invalid("not a signed JWT"));
    };
    let header: Value =
        b64(head).and_then(|b| serde_json::from_slice(&b).ok()).ok_or_else(|| token_invalid("unreadable header"))?;
    if header["alg"] != "RS256" {
        return Err(token_invalid("unsupported signature algorithm"));
    }
    let kid = header["kid"].as_str();
    let keys = jwks["keys"].as_array().ok_or_else(|| token_invalid("the provider publishes no keys"))?;
    let candidates: Vec<&Value> = keys
        .iter()
        .filter(|k| k["kty"] == "RSA")
        .filter(|k| k["use"].is_null() || k["use"] == "sig")
        .filter(|k| k["alg"].is_null() || k["alg"] == "RS256")
        .filter(|k| kid.is_none_or(|kid| k["kid"].as_str() == Some(kid)))
        .collect();
    let signature = b64(sig).ok_or_else(|| token_invalid("unreadable signature"))?;
    let signed = &token.as_bytes()[..head.len() + 1 + body.len()];
    let verified = candidates.iter().any(|k| {
        let (Some(n), Some(e)) = (k["n"].as_str().and_then(b64), k["e"].as_str().and_then(b64)) else {
            return false;
        };
        ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
            .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, signed, &signature)
            .is_ok()
    });
    if !verified {
        return Err(token_invalid("bad signature"));
    }
    let claims: Value =
        b64(body).and_then(|b| serde_json::from_slice(&b).ok()).ok_or_else(|| token_invalid("unreadable claims"))?;
    if claims["iss"].as_str() != Some(provider.issuer.as_str()) {
        return Err(token_invalid("wrong issuer"));
    }
    let audiences: Vec<&str> = match &claims["aud"] {
        Value::String(a) => vec![a.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&provider.client_id.as_str()) {
        return Err(token_invalid("issued for another client"));
    }
    if audiences.len() > 1 && claims["azp"].as_str() != Some(provider.client_id.as_str()) {
        return Err(token_invalid("issued for another party"));
    }
    let exp = claims["exp"].as_i64().ok_or_else(|| token_invalid("no expiry"))?;
    if exp + LEEWAY_SECS <= now {
        return Err(token_invalid("expired"));
    }
    if claims["iat"].as_i64().is_some_and(|iat| iat > now + LEEWAY_SECS) {
        return Err(token_invalid("issued in the future"));
    }
    if claims["nonce"].as_str() != Some(nonce) {
        return Err(token_invalid("wrong nonce"));
    }
    if claims["sub"].as_str().is_none_or(|s| s.is_empty() || s.len() > 255) {
        return Err(token_invalid("no subject"));
    }
    Ok(claims)
}
