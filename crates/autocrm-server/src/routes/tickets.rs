//! Tickets: create, list (keyset), get, update, bulk update, merge, counts;
//! their messages and audit trail.

use std::collections::BTreeMap;

use autocrm_domain::{Channel, EmailAddress, Principal, Priority, StatusCategory};
use autocrm_store::entity::messages;
use autocrm_store::tickets::{
    NewTicket, RequesterRef, TicketFilter, TicketPatch as StorePatch, TicketSort, TicketView,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ListOut, PageParams, double_option};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};

/// The ticket routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets, create_ticket))
        .routes(routes!(count_tickets))
        .routes(routes!(bulk_update_tickets))
        .routes(routes!(get_ticket, update_ticket))
        .routes(routes!(merge_ticket))
        .routes(routes!(list_messages, create_message))
        .routes(routes!(list_ticket_events))
}

/// The requester of a new ticket: an existing contact id, or an e-mail (found or created).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequesterIn {
    /// Existing contact.
    pub id: Option<i64>,
    /// E-mail address.
    pub email: Option<String>,
    /// Name for a new contact.
    pub name: Option<String>,
}

/// The first message of a new ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstMessageIn {
    /// HTML or plain text; sanitised.
    pub body: String,
}

/// A new ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketIn {
    /// Subject (1–250 characters).
    pub subject: String,
    /// Who it is from (ignored for customers: always themselves).
    pub requester: Option<RequesterIn>,
    /// The first message.
    pub message: Option<FirstMessageIn>,
    /// Priority (default normal).
    pub priority: Option<Priority>,
    /// Channel (default `api` for keys, `web` for users).
    pub channel: Option<Channel>,
    /// Initial status (staff only).
    pub status_id: Option<i64>,
    /// Assignee (staff only).
    pub assignee_id: Option<i64>,
    /// Team (staff only).
    pub team_id: Option<i64>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom field values by key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
}

/// A change to a ticket; absent fields stay, `null` clears nullable ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    /// New subject.
    pub subject: Option<String>,
    /// New status.
    pub status_id: Option<i64>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New assignee, or `null` to unassign.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    /// New team, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub team_id: Option<Option<i64>>,
    /// Replace the tags.
    pub tags: Option<Vec<String>>,
    /// Add tags.
    #[serde(default)]
    pub add_tags: Vec<String>,
    /// Remove tags.
    #[serde(default)]
    pub remove_tags: Vec<String>,
    /// Custom field changes (`null` clears a value).
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
}

impl TicketPatch {
    fn into_store(self) -> StorePatch {
        StorePatch {
            subject: self.subject,
            status_id: self.status_id,
            priority: self.priority,
            assignee_id: self.assignee_id,
            team_id: self.team_id,
            tags: self.tags,
            add_tags: self.add_tags,
            remove_tags: self.remove_tags,
            custom_fields: self.custom_fields,
        }
    }
}

/// A status as tickets show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusRef {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Fixed category.
    pub category: StatusCategory,
}

/// A person as tickets show them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    /// Id (contact id for requesters, user id for assignees).
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketOut {
    /// Id.
    pub id: i64,
    /// Human number per workspace.
    pub number: i64,
    /// `#1042`.
    pub display_number: String,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: StatusRef,
    /// Priority.
    pub priority: Priority,
    /// Channel it came from.
    pub channel: String,
    /// Who asked.
    pub requester: PersonRef,
    /// Who works on it.
    pub assignee: Option<PersonRef>,
    /// Team.
    pub team_id: Option<i64>,
    /// Tags (staff only; empty for customers).
    pub tags: Vec<String>,
    /// Custom field values (customers see only customer-visible fields).
    #[schema(value_type = Object)]
    pub custom_fields: Value,
    /// When merged, the ticket it went into.
    pub merged_into_id: Option<i64>,
    /// Messages on it (for customers, including internal notes is avoided: public only count is not tracked).
    pub message_count: i32,
    /// First public reply by staff.
    pub first_response_at: Option<DateTime<Utc>>,
    /// When it was last solved.
    pub solved_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The requester's satisfaction rating, once given (see `/api/v1/tickets/{id}/rating`).
    pub rating: Option<super::portal::RatingOut>,
    /// The AI's triage of the customer's messages (staff only; absent for customers).
    pub ai: Option<TicketAiOut>,
}

/// What the AI made of a ticket: the newest inbound message decides language,
/// sentiment and urgency; the category is the AI's until an agent sets one.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketAiOut {
    /// A key of the workspace's categories (`/api/v1/ticket-categories`).
    pub category: Option<String>,
    /// `ai` or `agent`: who chose the category (the AI never overrides an agent).
    pub category_source: Option<String>,
    /// The classifier's confidence in an AI category, 0..1.
    pub category_confidence: Option<f32>,
    /// A finer label than the category, when the workspace trains intents.
    pub intent: Option<String>,
    /// The customer's language (ISO 639-1).
    pub language: Option<String>,
    /// `negative`, `neutral` or `positive`.
    pub sentiment: Option<String>,
    /// -1 (very negative) .. 1 (very positive).
    pub sentiment_score: Option<f32>,
    /// `low`, `normal`, `high` or `urgent`: a hint, not the ticket's priority.
    pub urgency: Option<String>,
}

pub(crate) async fn ticket_out(app: &AppState, p: &Principal, v: TicketView) -> ApiResult<TicketOut> {
    outs(app, p, vec![v]).await?.pop().ok_or_else(ApiError::not_found)
}

pub(crate) async fn outs(app: &AppState, p: &Principal, views: Vec<TicketView>) -> ApiResult<Vec<TicketOut>> {
    let customer = p.customer_contact().is_some();
    let hidden: Vec<String> = if customer {
        autocrm_store::custom_fields::ticket_defs(&app.store, p.workspace_id)
            .await?
            .into_iter()
            .filter(|d| !d.customer_visible)
            .map(|d| d.key)
            .collect()
    } else {
        Vec::new()
    };
    let ids: Vec<i64> = views.iter().map(|v| v.ticket.id).collect();
    let ratings = autocrm_store::portal::ratings::for_tickets(&app.store, p.workspace_id, &ids).await?;
    views
        .into_iter()
        .map(|v| {
            let t = v.ticket;
            let rating = ratings.get(&t.id).map(super::portal::rating_out);
            let mut fields = t.custom_fields;
            if let Some(obj) = fields.as_object_mut() {
                obj.retain(|k, _| !hidden.contains(k));
            }
            Ok(TicketOut {
                id: t.id,
                number: t.number,
                display_number: format!("#{}", t.number),
                subject: t.subject,
                status: StatusRef {
                    id: v.status.id,
                    name: v.status.name,
                    category: StatusCategory::parse(&v.status.category).map_err(ApiError::internal)?,
                },
                priority: Priority::parse(&t.priority).map_err(ApiError::internal)?,
                channel: t.channel,
                requester: PersonRef { id: v.requester.0, name: v.requester.1, email: v.requester.2 },
                assignee: v.assignee.map(|(id, name)| PersonRef { id, name, email: None }),
                team_id: if customer { None } else { t.team_id },
                tags: if customer { Vec::new() } else { serde_json::from_value(t.tags).unwrap_or_default() },
                custom_fields: fields,
                merged_into_id: t.merged_into_id,
                message_count: t.message_count,
                first_response_at: t.first_response_at,
                solved_at: t.solved_at,
                closed_at: t.closed_at,
                created_at: t.created_at,
                updated_at: t.updated_at,
                rating,
                ai: (!customer).then_some(TicketAiOut {
                    category: t.category,
                    category_source: t.category_source,
                    category_confidence: t.category_confidence,
                    intent: t.intent,
                    language: t.language,
                    sentiment: t.sentiment,
                    sentiment_score: t.sentiment_score,
                    urgency: t.urgency,
                }),
            })
        })
        .collect()
}

/// Creates a ticket with its first message.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = TicketIn,
    responses((status = 201, body = TicketOut), (status = 422, body = crate::error::Problem)),
    security(("api_key" = []), ("session" = [])))]
async fn create_ticket(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<TicketIn>,
) -> ApiResult<(StatusCode, Json<TicketOut>)> {
    let requester = match input.requester {
        None => None,
        Some(RequesterIn { id: Some(id), email: None, .. }) => Some(RequesterRef::Id(id)),
        Some(RequesterIn { id: None, email: Some(e), name }) => Some(RequesterRef::Email {
            email: EmailAddress::parse(&e).map_err(|err| ApiError::field("/requester/email", err.to_string()))?,
            name,
        }),
        Some(_) => return Err(ApiError::field("/requester", "give either id or email")),
    };
    let view = autocrm_store::tickets::create(
        &app.store,
        &p,
        NewTicket {
            subject: input.subject,
            requester,
            body: input.message.map(|m| m.body),
            priority: input.priority,
            channel: input.channel,
            status_id: input.status_id,
            assignee_id: input.assignee_id,
            team_id: input.team_id,
            tags: input.tags,
            custom_fields: input.custom_fields,
            created_at: None,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ticket_out(&app, &p, view).await?)))
}

/// Ticket list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TicketListParams {
    /// Comma-separated status categories (`open,pending`) and/or status ids.
    pub status: Option<String>,
    /// Comma-separated priorities.
    pub priority: Option<String>,
    /// A user id, `me` or `none`.
    pub assignee: Option<String>,
    /// Requester contact id.
    pub requester: Option<i64>,
    /// Team id.
    pub team: Option<i64>,
    /// Channel.
    pub channel: Option<String>,
    /// Carries this tag.
    pub tag: Option<String>,
    /// Full-text query over subjects and messages.
    pub q: Option<String>,
    /// `-updated_at` (default), `updated_at`, `-created_at`, `created_at`.
    pub sort: Option<String>,
    /// Page size 1–100 (default 50).
    pub limit: Option<u64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// A page of tickets.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketList {
    /// Rows.
    pub data: Vec<TicketOut>,
    /// Next page's cursor.
    pub next_cursor: Option<String>,
    /// Total matching, when known without a scan (filters on status and assignee).
    pub count: Option<i64>,
}

pub(crate) fn parse_filter(p: &Principal, q: &TicketListParams) -> ApiResult<TicketFilter> {
    let mut f = TicketFilter::default();
    for part in q.status.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
        if let Ok(id) = part.parse::<i64>() {
            f.status_ids.push(id);
        } else {
            f.categories.push(StatusCategory::parse(part).map_err(|e| ApiError::field("/status", e.to_string()))?);
        }
    }
    for part in q.priority.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
        f.priorities.push(Priority::parse(part).map_err(|e| ApiError::field("/priority", e.to_string()))?);
    }
    f.assignee = match q.assignee.as_deref() {
        None | Some("") => None,
        Some("none") => Some(None),
        Some("me") => {
            Some(Some(p.user_id().ok_or_else(|| ApiError::field("/assignee", "`me` needs a signed-in user"))?))
        }
        Some(id) => Some(Some(id.parse().map_err(|_| ApiError::field("/assignee", "must be a user id, me or none"))?)),
    };
    f.requester_id = q.requester;
    f.team_id = q.team;
    f.channel =
        q.channel.as_deref().map(Channel::parse).transpose().map_err(|e| ApiError::field("/channel", e.to_string()))?;
    f.tag = q.tag.clone().filter(|t| !t.is_empty());
    f.q = q.q.clone().filter(|s| !s.trim().is_empty());
    Ok(f)
}

/// Lists tickets, newest activity first, by keyset cursor.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketListParams),
    responses((status = 200, body = TicketList), (status = 400, body = crate::error::Problem)))]
async fn list_tickets(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<TicketListParams>,
) -> ApiResult<Json<TicketList>> {
    let filter = parse_filter(&p, &q)?;
    let sort = q.sort.as_deref().map(TicketSort::parse).transpose()?.unwrap_or_default();
    let page = autocrm_store::tickets::list(&app.store, &p, &filter, sort, q.limit, q.cursor.as_deref()).await?;
    let count =
        if q.cursor.is_none() { autocrm_store::tickets::count_for(&app.store, &p, &filter).await? } else { None };
    Ok(Json(TicketList { data: outs(&app, &p, page.data).await?, next_cursor: page.next_cursor, count }))
}

/// Live counts from the counters: `t:cat:<category>`, `t:status:<id>`, `t:asg:<user|none>:<category>`.
#[utoipa::path(get, path = "/api/v1/tickets/counts", tag = "tickets", responses((status = 200, body = BTreeMap<String, i64>)))]
async fn count_tickets(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<BTreeMap<String, i64>>> {
    Ok(Json(autocrm_store::tickets::counts(&app.store, &p).await?))
}

/// One ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = TicketOut), (status = 404, body = crate::error::Problem)))]
async fn get_ticket(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<TicketOut>> {
    let v = autocrm_store::tickets::get(&app.store, &p, id).await?;
    Ok(Json(ticket_out(&app, &p, v).await?))
}

/// Changes a ticket's properties.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path)), request_body = TicketPatch,
    responses((status = 200, body = TicketOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_ticket(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<TicketPatch>,
) -> ApiResult<Json<TicketOut>> {
    let v = autocrm_store::tickets::update(&app.store, &p, id, &patch.into_store()).await?;
    Ok(Json(ticket_out(&app, &p, v).await?))
}

/// A bulk update: one patch applied to up to 1,000 tickets in one transaction.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkIn {
    /// Ticket ids (1–1,000).
    pub ids: Vec<i64>,
    /// The change.
    pub patch: TicketPatch,
}

/// The outcome of a bulk update.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkOut {
    /// Tickets updated.
    pub updated: usize,
    /// Their ids.
    pub ids: Vec<i64>,
}

/// Applies one change to many tickets, all or nothing.
#[utoipa::path(post, path = "/api/v1/tickets/bulk", tag = "tickets", request_body = BulkIn,
    responses((status = 200, body = BulkOut), (status = 422, body = crate::error::Problem)))]
async fn bulk_update_tickets(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<BulkIn>,
) -> ApiResult<Json<BulkOut>> {
    let ids = autocrm_store::tickets::bulk_update(&app.store, &p, &input.ids, &input.patch.into_store()).await?;
    Ok(Json(BulkOut { updated: ids.len(), ids }))
}

/// Where to merge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The ticket that receives the conversation.
    pub target_id: i64,
}

/// Merges this ticket into another: messages move, this one closes with a link.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/merge", tag = "tickets", params(("id" = i64, Path)), request_body = MergeIn,
    responses((status = 200, description = "The target ticket", body = TicketOut), (status = 409, body = crate::error::Problem)))]
async fn merge_ticket(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<MergeIn>,
) -> ApiResult<Json<TicketOut>> {
    let v = autocrm_store::tickets::merge(&app.store, &p, id, input.target_id).await?;
    Ok(Json(ticket_out(&app, &p, v).await?))
}

/// A reply or internal note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageIn {
    /// HTML or plain text; sanitised.
    pub body: String,
    /// `true` for an internal note (staff only).
    #[serde(default)]
    pub internal: bool,
    /// Files uploaded to the ticket beforehand (their ids), sent with the
    /// message on the ticket's channel (e-mail attachments). At most 20.
    #[serde(default)]
    pub attachment_ids: Vec<String>,
}

/// Who wrote a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorOut {
    /// `contact`, `user` or `system`.
    pub kind: String,
    /// Contact or user id.
    pub id: Option<i64>,
}

/// A message.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageOut {
    /// Id.
    pub id: i64,
    /// Ticket.
    pub ticket_id: i64,
    /// Internal note?
    pub internal: bool,
    /// Author.
    pub author: AuthorOut,
    /// Channel.
    pub channel: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Plain text.
    pub body_text: String,
    /// Written at.
    pub created_at: DateTime<Utc>,
    /// The AI's triage of a customer's message: category, intent, language,
    /// sentiment, urgency, entities and the engine that produced them
    /// (staff only; absent for customers).
    #[schema(value_type = Option<Object>)]
    pub triage: Option<Value>,
}

impl MessageOut {
    /// The message as the principal may see it: customers never see the AI's triage.
    fn for_principal(p: &Principal) -> impl Fn(messages::Model) -> Self {
        let staff = p.sees_all_tickets();
        move |m| {
            let mut out = Self::from(m);
            if !staff {
                out.triage = None;
            }
            out
        }
    }
}

impl From<messages::Model> for MessageOut {
    fn from(m: messages::Model) -> Self {
        Self {
            id: m.id,
            ticket_id: m.ticket_id,
            internal: m.internal,
            author: AuthorOut { id: m.author_user_id.or(m.author_contact_id), kind: m.author_kind },
            channel: m.channel,
            body_html: m.body_html,
            body_text: m.body_text,
            created_at: m.created_at,
            triage: m.triage,
        }
    }
}

/// Message list parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MessageListParams {
    /// Page size 1–100 (default 50).
    pub limit: Option<u64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// `asc` (oldest first, default) or `desc` (latest first).
    pub order: Option<String>,
}

/// A ticket's messages (customers: public replies only).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/messages", tag = "tickets", params(("id" = i64, Path), MessageListParams),
    responses((status = 200, body = ListOut<MessageOut>)))]
async fn list_messages(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<MessageListParams>,
) -> ApiResult<Json<ListOut<MessageOut>>> {
    let desc = match q.order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(ApiError::field("/order", "must be asc or desc")),
    };
    let page = autocrm_store::messages::list(&app.store, &p, id, q.limit, q.cursor.as_deref(), desc).await?;
    Ok(Json(ListOut::from_page(page, MessageOut::for_principal(&p))))
}

/// Adds a public reply or an internal note.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/messages", tag = "tickets", params(("id" = i64, Path)), request_body = MessageIn,
    responses((status = 201, body = MessageOut), (status = 422, body = crate::error::Problem)))]
async fn create_message(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<MessageIn>,
) -> ApiResult<(StatusCode, Json<MessageOut>)> {
    let m = autocrm_store::messages::create_with_attachments(
        &app.store,
        &p,
        id,
        &input.body,
        input.internal,
        &input.attachment_ids,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(MessageOut::for_principal(&p)(m))))
}

/// One line of a ticket's audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrailOut {
    /// Event seq.
    pub seq: i64,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Actor kind (`user`, `api_key`, `system`).
    pub actor_kind: String,
    /// Actor id.
    pub actor_id: Option<i64>,
    /// Actor name.
    pub actor_name: String,
    /// A sentence: "Anna changed priority normal → urgent".
    pub summary: String,
    /// The event payload.
    #[schema(value_type = Object)]
    pub data: Value,
    /// When.
    pub at: DateTime<Utc>,
}

/// Renders an event as a sentence for the audit trail.
pub fn summarize(actor: &str, event_type: &str, data: &Value) -> String {
    match event_type {
        "ticket.created" => format!("{actor} created the ticket"),
        "message.created" if data["message"]["internal"].as_bool() == Some(true) => {
            format!("{actor} added an internal note")
        }
        "message.created" => format!("{actor} replied"),
        "ticket.merged" => format!("{actor} merged #{} into #{}", data["source"]["number"], data["target"]["number"]),
        "ticket.categorized" => {
            let to = data["ticket"]["category"].as_str().unwrap_or("none");
            match data["previous"]["category"].as_str() {
                Some(from) if data["correction"].as_bool() == Some(true) => {
                    format!("{actor} corrected the AI's category {from} → {to}")
                }
                _ => format!("{actor} set the category to {to}"),
            }
        }
        "ai.triaged" => {
            let t = &data["triage"];
            let show = |v: &Value| v.as_str().unwrap_or("unknown").to_owned();
            format!(
                "AI triaged the message: {} sentiment, {} urgency, category {}",
                show(&t["sentiment"]),
                show(&t["urgency"]),
                t["category"].as_str().unwrap_or("none")
            )
        }
        "ai.suggested" => {
            format!("{actor} was shown an AI {}", data["suggestion"]["kind"].as_str().unwrap_or("suggestion"))
        }
        "ai.suggestion_used" => format!(
            "{actor} {} an AI {}",
            data["suggestion"]["outcome"].as_str().unwrap_or("used"),
            data["suggestion"]["kind"].as_str().unwrap_or("suggestion")
        ),
        "ticket.mentioned" => {
            format!("{actor} mentioned {}", data["mentioned_user"]["name"].as_str().unwrap_or("a colleague"))
        }
        "ticket.updated" => {
            let parts: Vec<String> = data["changes"]
                .as_object()
                .map(|c| {
                    c.iter()
                        .map(|(k, v)| {
                            let show = |x: &Value| match x {
                                Value::String(s) => s.clone(),
                                Value::Null => "none".to_owned(),
                                other => other.to_string(),
                            };
                            if k == "custom_fields" {
                                let keys: Vec<&String> = v.as_object().map(|o| o.keys().collect()).unwrap_or_default();
                                format!(
                                    "custom fields {}",
                                    keys.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                                )
                            } else if v.get("from").is_some() || v.get("to").is_some() {
                                format!(
                                    "{} {} → {}",
                                    k.replace("_id", "").replace('_', " "),
                                    show(&v["from"]),
                                    show(&v["to"])
                                )
                            } else {
                                k.replace('_', " ")
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("{actor} changed {}", parts.join(", "))
        }
        t if (t.starts_with("order.") || t.starts_with("subscription.")) && data["summary"].is_string() => {
            // Shop actions carry the provider's own sentence ("Refunded $40.00 for 1 item(s) of order #W1 …").
            format!("{actor}: {}", data["summary"].as_str().unwrap_or_default())
        }
        other => format!("{actor}: {other}"),
    }
}

/// The ticket's audit trail, oldest first, read from the event log.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/events", tag = "tickets", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = ListOut<TrailOut>)))]
async fn list_ticket_events(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<ListOut<TrailOut>>> {
    let page = autocrm_store::events::for_ticket(&app.store, &p, id, q.limit, q.cursor.as_deref()).await?;
    Ok(Json(ListOut::from_page(page, |e| TrailOut {
        summary: summarize(&e.actor_name, &e.r#type, &e.data),
        seq: e.seq,
        event_type: e.r#type,
        actor_kind: e.actor_kind,
        actor_id: e.actor_id,
        actor_name: e.actor_name,
        data: e.data,
        at: e.at,
    })))
}
