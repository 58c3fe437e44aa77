//! The signed-in agent's notifications: @mentions in internal notes and
//! tickets assigned to them, the unread count, marking them read.
//!
//! Always the caller's own: the policy admits signed-in staff only (no keys,
//! no customers) and the store filters by the session's user and workspace.

use autocrm_store::notifications::Notification;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};

/// The notification routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_notifications)).routes(routes!(mark_notifications_read))
}

/// List parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationParams {
    /// Only unread notifications.
    pub unread: Option<bool>,
    /// Page size 1–100 (default 20).
    pub limit: Option<u64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Why you were notified.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Someone @mentioned you in an internal note.
    Mention,
    /// Someone else assigned a ticket to you.
    Assigned,
}

/// The ticket a notification points to.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationTicket {
    /// Id.
    pub id: i64,
    /// Number.
    pub number: i64,
    /// `#1042`.
    pub display_number: String,
    /// Current subject.
    pub subject: String,
}

/// One notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    /// Id.
    pub id: i64,
    /// Why.
    pub kind: NotificationKind,
    /// The ticket.
    pub ticket: NotificationTicket,
    /// The note that mentions you (mentions only).
    pub message_id: Option<i64>,
    /// Who did it.
    pub actor_name: String,
    /// The start of the note (mentions only; empty otherwise).
    pub excerpt: String,
    /// The event in the log that caused it.
    pub event_seq: i64,
    /// When you read it; `null` while unread.
    pub read_at: Option<DateTime<Utc>>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<Notification> for NotificationOut {
    fn from(n: Notification) -> Self {
        let kind = if n.row.kind == autocrm_store::notifications::MENTION {
            NotificationKind::Mention
        } else {
            NotificationKind::Assigned
        };
        Self {
            id: n.row.id,
            kind,
            ticket: NotificationTicket {
                id: n.row.ticket_id,
                number: n.ticket_number,
                display_number: format!("#{}", n.ticket_number),
                subject: n.ticket_subject,
            },
            message_id: n.row.message_id,
            actor_name: n.row.actor_name,
            excerpt: n.row.excerpt,
            event_seq: n.row.event_seq,
            read_at: n.row.read_at,
            created_at: n.row.created_at,
        }
    }
}

/// A page of your notifications with your unread count.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    /// Newest first.
    pub data: Vec<NotificationOut>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// All your unread notifications (not just this page's).
    pub unread_count: u64,
}

/// Which notifications to mark read: `ids`, or `all: true`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsReadIn {
    /// These notifications (ids that are not yours are ignored); at most 500.
    pub ids: Option<Vec<i64>>,
    /// Every unread notification of yours.
    pub all: Option<bool>,
}

/// The outcome of marking read.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationsReadOut {
    /// How many changed from unread to read.
    pub updated: u64,
    /// Your unread notifications now.
    pub unread_count: u64,
}

/// Your notifications (mentions, assignments), newest first, with the unread count.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationParams),
    responses((status = 200, body = NotificationList), (status = 403, body = crate::error::Problem)))]
async fn list_notifications(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<NotificationParams>,
) -> ApiResult<Json<NotificationList>> {
    let page =
        autocrm_store::notifications::list(&app.store, &p, q.unread.unwrap_or(false), q.limit, q.cursor.as_deref())
            .await?;
    let unread_count = autocrm_store::notifications::unread_count(&app.store, &p).await?;
    Ok(Json(NotificationList {
        data: page.data.into_iter().map(NotificationOut::from).collect(),
        next_cursor: page.next_cursor,
        unread_count,
    }))
}

/// Marks some or all of your notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", request_body = NotificationsReadIn,
    responses((status = 200, body = NotificationsReadOut), (status = 422, body = crate::error::Problem)))]
async fn mark_notifications_read(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<NotificationsReadIn>,
) -> ApiResult<Json<NotificationsReadOut>> {
    let ids = match (input.ids, input.all) {
        (Some(ids), None | Some(false)) => Some(ids),
        (None, Some(true)) => None,
        _ => return Err(ApiError::field("/ids", "send either `ids` or `all: true`")),
    };
    let updated = autocrm_store::notifications::mark_read(&app.store, &p, ids.as_deref()).await?;
    let unread_count = autocrm_store::notifications::unread_count(&app.store, &p).await?;
    Ok(Json(NotificationsReadOut { updated, unread_count }))
}
