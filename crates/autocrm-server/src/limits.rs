//! Rate limits (per API key or session, and per client IP) and security headers.
//!
//! Token buckets refilled continuously; a refused request gets 429 with
//! `Retry-After`. Buckets live in memory per node: limits are per node, a
//! deliberate trade for having no shared cache.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use sha2::{Digest as _, Sha256};

use crate::AppState;
use crate::error::ApiError;

pub(crate) struct RateLimiter {
    per_key: f64,
    per_ip: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub(crate) fn new(per_key_per_min: u32, per_ip_per_min: u32) -> Self {
        Self {
            per_key: f64::from(per_key_per_min),
            per_ip: f64::from(per_ip_per_min),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `key`'s bucket of `capacity` per minute; `Err(secs)` when empty.
    fn take(&self, key: String, capacity: f64, now: Instant) -> Result<(), u64> {
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        if buckets.len() > 100_000 {
            // Bound memory under a flood of distinct keys: drop full (idle) buckets.
            buckets
                .retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * capacity / 60.0 < capacity);
        }
        let (tokens, at) = buckets.entry(key).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * capacity / 60.0).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) * 60.0 / capacity).ceil().max(1.0) as u64)
        }
    }
}

pub(crate) async fn rate_limit(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let now = Instant::now();
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    if let Some(ip) = ip
        && let Err(wait) = app.limiter.take(format!("ip:{ip}"), app.limiter.per_ip, now)
    {
        return ApiError::rate_limited(wait).into_response();
    }
    let credential = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| crate::auth::cookie(req.headers(), crate::auth::SESSION_COOKIE));
    if let Some(c) = credential {
        // Keyed by a hash so the table never holds secrets.
        let key = format!("key:{}", hex::encode(&Sha256::digest(c.as_bytes())[..12]));
        if let Err(wait) = app.limiter.take(key, app.limiter.per_key, now) {
            return ApiError::rate_limited(wait).into_response();
        }
    }
    next.run(req).await
}

/// `nosniff`, no framing and no referrer leaks on every response; a strict CSP on HTML.
pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    let is_html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if is_html && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        );
    }
    res
}
