//! Keyset pagination: opaque cursors and the page shape every list returns.
//!
//! A cursor is the sort key and id of the last row of the previous page,
//! base64url-encoded JSON. Lists compare `(sort_key, id)` as a row value
//! against it, which an index on `(…, sort_key, id)` answers without OFFSET.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub data: Vec<T>,
    /// The cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Maps the rows, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { data: self.data.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

/// The decoded position after which the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort key of the last row, as text (RFC 3339 for times).
    #[serde(rename = "k")]
    pub key: String,
    /// The id of the last row (the tie-breaker).
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    /// Encodes for the API.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes an API cursor; a bad one is a 400 on `cursor`.
    pub fn decode(s: &str) -> Result<Self, StoreError> {
        URL_SAFE_NO_PAD
            .decode(s)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| StoreError::invalid("/cursor", "is not a cursor this server issued"))
    }
}

/// Clamps a requested page size to 1..=max (default when absent).
pub fn clamp_limit(limit: Option<u64>, default: u64, max: u64) -> Result<u64, StoreError> {
    match limit {
        None => Ok(default),
        Some(0) => Err(StoreError::invalid("/limit", "must be at least 1")),
        Some(n) if n > max => Err(StoreError::invalid("/limit", format!("must be at most {max}"))),
        Some(n) => Ok(n),
    }
}

/// Splits a fetched `limit + 1` rows into the page and the next cursor.
pub fn finish<T>(mut rows: Vec<T>, limit: u64, cursor_of: impl Fn(&T) -> Cursor) -> Page<T> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(|r| cursor_of(r).encode()) } else { None };
    Page { data: rows, next_cursor }
}
