//! The web app, built by `build.rs` and embedded in the binary, served at `/`.
//!
//! Hashed assets under `/assets/` never change, so they are cached for a
//! year; every other path that is not a file gets `index.html` (the app's
//! router decides) with `no-cache`, so a new release is picked up at once.
//! Unknown `/api/…` paths stay 404 problem documents.

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

#[derive(rust_embed::RustEmbed)]
#[folder = "$OUT_DIR/web"]
struct Assets;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The router's fallback: an embedded file, the app shell, or a 404.
pub(crate) async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" || (method != Method::GET && method != Method::HEAD) {
        return ApiError::not_found().into_response();
    }
    let file = path.trim_start_matches('/');
    if !file.is_empty()
        && let Some(asset) = Assets::get(file)
    {
        let cache = if file.starts_with("assets/") { IMMUTABLE } else { REVALIDATE };
        return asset_response(file, asset.data.into_owned(), cache);
    }
    // A missing hashed asset must not be answered with HTML (it would be cached as the script).
    if file.starts_with("assets/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    match Assets::get("index.html") {
        Some(index) => asset_response("index.html", index.data.into_owned(), REVALIDATE),
        None => ApiError::not_found().into_response(),
    }
}

fn asset_response(name: &str, bytes: Vec<u8>, cache: &'static str) -> Response {
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.essence_str()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if mime.essence_str() == "text/html" {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}
