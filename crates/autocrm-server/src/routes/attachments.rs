//! Attachments: upload to a ticket (multipart), list, download.
//!
//! Downloads always carry `Content-Disposition: attachment` and `nosniff`,
//! plus a sandboxing CSP, so an uploaded HTML file cannot run in our origin.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use super::ListOut;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Id;

/// The attachment routes (uploads allow bodies up to the attachment limit).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(
            routes!(list_attachments, upload_attachment).layer(axum::extract::DefaultBodyLimit::max(
                autocrm_store::attachments::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        )
        .routes(routes!(download_attachment))
}

/// An attachment's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    /// Opaque id.
    pub id: String,
    /// File name.
    pub filename: String,
    /// Declared media type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Message it belongs to.
    pub message_id: Option<i64>,
    /// Download URL.
    pub url: String,
    /// Uploaded.
    pub created_at: DateTime<Utc>,
}

fn out(a: autocrm_store::entity::attachments::Model) -> AttachmentOut {
    AttachmentOut {
        url: format!("/api/v1/attachments/{}", a.public_id),
        id: a.public_id,
        filename: a.filename,
        content_type: a.content_type,
        size: a.size,
        sha256: a.sha256,
        message_id: a.message_id,
        created_at: a.created_at,
    }
}

/// Uploads a file to a ticket (`multipart/form-data` with `file` and optional `message_id`).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "tickets", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file` (≤ 20 MiB), optional `message_id`"),
    responses((status = 201, body = AttachmentOut), (status = 413, body = crate::error::Problem)))]
async fn upload_attachment(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(ticket_id): Id,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentOut>)> {
    // Reach first: someone else's ticket is a 404 whatever the body holds.
    autocrm_store::tickets::get(&app.store, &p, ticket_id).await?;
    let mut form = form.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
    let mut file: Option<(String, String, Vec<u8>)> = None;
    let mut message_id = None;
    while let Some(field) =
        form.next_field().await.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?
    {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("attachment").to_owned();
                let ct = field.content_type().unwrap_or("application/octet-stream").to_owned();
                let bytes = field.bytes().await.map_err(|_| {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the file is larger than 20 MiB")
                })?;
                file = Some((name, ct, bytes.to_vec()));
            }
            Some("message_id") => {
                let t = field.text().await.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
                message_id =
                    Some(t.trim().parse::<i64>().map_err(|_| ApiError::field("/message_id", "must be a message id"))?);
            }
            _ => {}
        }
    }
    let (name, ct, bytes) = file.ok_or_else(|| ApiError::field("/file", "is required"))?;
    if bytes.len() > autocrm_store::attachments::MAX_ATTACHMENT_BYTES {
        // The body limit leaves room for the multipart framing, so a file just over
        // the limit arrives whole: it is too large all the same (413, not 422).
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the file is larger than 20 MiB"));
    }
    let a = autocrm_store::attachments::create(&app.store, &p, ticket_id, message_id, &name, &ct, &bytes).await?;
    Ok((StatusCode::CREATED, Json(out(a))))
}

/// A ticket's attachments.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "tickets", params(("id" = i64, Path)), responses((status = 200, body = ListOut<AttachmentOut>)))]
async fn list_attachments(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(ticket_id): Id,
) -> ApiResult<Json<ListOut<AttachmentOut>>> {
    // A ticket's files are few (each ≤ 20 MiB, counted per ticket), so they are one page.
    let rows = autocrm_store::attachments::for_ticket(&app.store, &p, ticket_id).await?;
    Ok(Json(ListOut { data: rows.into_iter().map(out).collect(), next_cursor: None }))
}

/// Downloads an attachment.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tickets", params(("id" = String, Path)), responses((status = 200, description = "The file", content_type = "application/octet-stream")))]
async fn download_attachment(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (a, bytes) = autocrm_store::attachments::read(&app.store, &p, &id).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    let ct = HeaderValue::from_str(&a.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    let ascii: String =
        a.filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded: String = a
        .filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    let disp = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disp).map_err(ApiError::internal)?);
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    Ok(res)
}
