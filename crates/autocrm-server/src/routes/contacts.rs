//! Contacts and companies: list (keyset, prefix search), create, get, update.
//!
//! E-mails are parsed into `EmailAddress` here, at the edge; the store trusts them.

use autocrm_domain::EmailAddress;
use autocrm_store::contacts::{CompanyInput, ContactInput};
use autocrm_store::entity::{companies, contacts};
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

/// The contact and company routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact, update_contact))
        .routes(routes!(list_companies, create_company))
        .routes(routes!(get_company, update_company))
}

/// A new contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    /// Display name (defaults to the e-mail's local part).
    pub name: Option<String>,
    /// Primary e-mail (unique per workspace).
    pub email: Option<String>,
    /// Further e-mails.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Phone numbers (E.164 preferred).
    #[serde(default)]
    pub phones: Vec<String>,
    /// Company.
    pub company_id: Option<i64>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom field values by key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
    /// Free notes.
    pub notes: Option<String>,
    /// Id in an external system.
    pub external_ref: Option<String>,
}

/// A change to a contact; absent fields stay, `null` clears nullable ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    /// New name.
    pub name: Option<String>,
    /// New primary e-mail, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// Replace the further e-mails.
    pub emails: Option<Vec<String>>,
    /// Replace the phones.
    pub phones: Option<Vec<String>>,
    /// New company, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub company_id: Option<Option<i64>>,
    /// Replace the tags.
    pub tags: Option<Vec<String>>,
    /// Custom field changes (`null` clears a value).
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
    /// New notes.
    pub notes: Option<String>,
    /// New external id, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_ref: Option<Option<String>>,
}

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Primary e-mail.
    pub email: Option<String>,
    /// Further e-mails.
    pub emails: Vec<String>,
    /// Phones.
    pub phones: Vec<String>,
    /// Company.
    pub company_id: Option<i64>,
    /// Tags.
    pub tags: Vec<String>,
    /// Custom field values.
    #[schema(value_type = Object)]
    pub custom_fields: Value,
    /// Notes.
    pub notes: String,
    /// External id.
    pub external_ref: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<contacts::Model> for ContactOut {
    fn from(c: contacts::Model) -> Self {
        Self {
            id: c.id,
            name: c.name,
            email: c.email,
            emails: serde_json::from_value(c.emails).unwrap_or_default(),
            phones: serde_json::from_value(c.phones).unwrap_or_default(),
            company_id: c.company_id,
            tags: serde_json::from_value(c.tags).unwrap_or_default(),
            custom_fields: c.custom_fields,
            notes: c.notes,
            external_ref: c.external_ref,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

fn parse_email(pointer: &str, raw: &str) -> ApiResult<EmailAddress> {
    EmailAddress::parse(raw).map_err(|e| ApiError::field(pointer, e.to_string()))
}

fn parse_emails(raw: &[String]) -> ApiResult<Vec<EmailAddress>> {
    raw.iter().enumerate().map(|(i, e)| parse_email(&format!("/emails/{i}"), e)).collect()
}

/// Contact list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ContactListParams {
    /// Name or e-mail prefix.
    pub q: Option<String>,
    /// Only contacts of this company.
    pub company_id: Option<i64>,
    /// Page size 1–100 (default 50).
    pub limit: Option<u64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Lists contacts, newest first.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ContactListParams),
    responses((status = 200, body = ListOut<ContactOut>), (status = 400, body = crate::error::Problem)))]
async fn list_contacts(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<ContactListParams>,
) -> ApiResult<Json<ListOut<ContactOut>>> {
    let page =
        autocrm_store::contacts::list(&app.store, &p, q.q.as_deref(), q.company_id, q.limit, q.cursor.as_deref())
            .await?;
    Ok(Json(ListOut::from_page(page, ContactOut::from)))
}

/// Creates a contact.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body = ContactIn,
    responses((status = 201, body = ContactOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_contact(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<ContactIn>,
) -> ApiResult<(StatusCode, Json<ContactOut>)> {
    let email = input.email.as_deref().map(|e| parse_email("/email", e)).transpose()?;
    let store_input = ContactInput {
        name: input.name,
        email: Some(email),
        emails: Some(parse_emails(&input.emails)?),
        phones: Some(input.phones),
        company_id: Some(input.company_id),
        tags: Some(input.tags),
        custom_fields: Some(input.custom_fields),
        notes: input.notes,
        external_ref: Some(input.external_ref),
    };
    let row = autocrm_store::contacts::create(&app.store, &p, store_input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// One contact (customers: only themselves).
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = ContactOut), (status = 404, body = crate::error::Problem)))]
async fn get_contact(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<ContactOut>> {
    Ok(Json(autocrm_store::contacts::get(&app.store, &p, id).await?.into()))
}

/// Changes a contact.
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)), request_body = ContactPatch,
    responses((status = 200, body = ContactOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_contact(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<ContactPatch>,
) -> ApiResult<Json<ContactOut>> {
    let email = match patch.email {
        None => None,
        Some(None) => Some(None),
        Some(Some(e)) => Some(Some(parse_email("/email", &e)?)),
    };
    let store_input = ContactInput {
        name: patch.name,
        email,
        emails: patch.emails.as_deref().map(parse_emails).transpose()?,
        phones: patch.phones,
        company_id: patch.company_id,
        tags: patch.tags,
        custom_fields: patch.custom_fields,
        notes: patch.notes,
        external_ref: patch.external_ref,
    };
    Ok(Json(autocrm_store::contacts::update(&app.store, &p, id, store_input).await?.into()))
}

/// A new company.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyIn {
    /// Name (1–200 characters).
    pub name: String,
    /// Web domain (`shop.example`).
    pub domain: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom field values by key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
    /// Notes.
    pub notes: Option<String>,
}

/// A change to a company; absent fields stay, `null` clears the domain.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    /// New name.
    pub name: Option<String>,
    /// New domain, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub domain: Option<Option<String>>,
    /// Replace the tags.
    pub tags: Option<Vec<String>>,
    /// Custom field changes (`null` clears a value).
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
    /// New notes.
    pub notes: Option<String>,
}

/// A company.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Web domain.
    pub domain: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Custom field values.
    #[schema(value_type = Object)]
    pub custom_fields: Value,
    /// Notes.
    pub notes: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<companies::Model> for CompanyOut {
    fn from(c: companies::Model) -> Self {
        Self {
            id: c.id,
            name: c.name,
            domain: c.domain,
            tags: serde_json::from_value(c.tags).unwrap_or_default(),
            custom_fields: c.custom_fields,
            notes: c.notes,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Lists companies, newest first.
#[utoipa::path(get, path = "/api/v1/companies", tag = "contacts", params(PageParams),
    responses((status = 200, body = ListOut<CompanyOut>), (status = 400, body = crate::error::Problem)))]
async fn list_companies(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<ListOut<CompanyOut>>> {
    let page = autocrm_store::contacts::list_companies(&app.store, &p, q.limit, q.cursor.as_deref()).await?;
    Ok(Json(ListOut::from_page(page, CompanyOut::from)))
}

/// Creates a company.
#[utoipa::path(post, path = "/api/v1/companies", tag = "contacts", request_body = CompanyIn,
    responses((status = 201, body = CompanyOut), (status = 422, body = crate::error::Problem)))]
async fn create_company(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<CompanyIn>,
) -> ApiResult<(StatusCode, Json<CompanyOut>)> {
    let store_input = CompanyInput {
        name: Some(input.name),
        domain: Some(input.domain),
        tags: Some(input.tags),
        custom_fields: Some(input.custom_fields),
        notes: input.notes,
    };
    let row = autocrm_store::contacts::save_company(&app.store, &p, None, store_input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// One company.
#[utoipa::path(get, path = "/api/v1/companies/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = CompanyOut), (status = 404, body = crate::error::Problem)))]
async fn get_company(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<CompanyOut>> {
    Ok(Json(autocrm_store::contacts::get_company(&app.store, &p, id).await?.into()))
}

/// Changes a company.
#[utoipa::path(patch, path = "/api/v1/companies/{id}", tag = "contacts", params(("id" = i64, Path)), request_body = CompanyPatch,
    responses((status = 200, body = CompanyOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_company(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<CompanyPatch>,
) -> ApiResult<Json<CompanyOut>> {
    let store_input = CompanyInput {
        name: patch.name,
        domain: patch.domain,
        tags: patch.tags,
        custom_fields: patch.custom_fields,
        notes: patch.notes,
    };
    Ok(Json(autocrm_store::contacts::save_company(&app.store, &p, Some(id), store_input).await?.into()))
}
