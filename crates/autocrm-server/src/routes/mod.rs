//! The API's routes, one module per feature.

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub mod ai;
pub mod ai_assist;
pub mod api_keys;
pub mod attachments;
pub mod channels;
pub mod commerce;
pub mod contacts;
pub mod custom_fields;
pub mod events;
pub mod health;
pub mod invitations;
pub mod kb;
pub mod macros;
pub mod notifications;
pub mod portal;
pub mod reports;
pub mod session;
pub mod sms;
pub mod statuses;
pub mod suggested_articles;
pub mod tags;
pub mod tickets;
pub mod tutorials;
pub mod users;
pub mod views;
pub mod webhooks;
pub mod widget;
pub mod workspaces;

/// Every feature's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(health::router())
        .merge(session::router())
        .merge(tickets::router())
        .merge(attachments::router())
        .merge(events::router())
        .merge(contacts::router())
        .merge(users::router())
        .merge(statuses::router())
        .merge(custom_fields::router())
        .merge(api_keys::router())
        .merge(webhooks::router())
        .merge(views::router())
        .merge(macros::router())
        .merge(commerce::router())
        .merge(reports::router())
        .merge(workspaces::router())
        .merge(tags::router())
        .merge(invitations::router())
        .merge(notifications::router())
        .merge(channels::router())
        .merge(sms::router())
        .merge(kb::router())
        .merge(portal::router())
        .merge(widget::router())
        .merge(tutorials::router())
        .merge(ai::router())
        .merge(ai_assist::router())
        .merge(suggested_articles::router())
}

/// A list page: `{"data": [...], "next_cursor": ...}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ListOut<T> {
    /// The rows.
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> ListOut<T> {
    /// From a store page.
    pub fn from_page<U>(page: autocrm_store::page::Page<U>, f: impl FnMut(U) -> T) -> Self {
        let next_cursor = page.next_cursor.clone();
        Self { data: page.data.into_iter().map(f).collect(), next_cursor }
    }
}

/// Pagination parameters shared by lists.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size (1–100, default 50).
    pub limit: Option<u64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Deserialises a field that distinguishes "absent" (`None`) from `null` (`Some(None)`).
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}
