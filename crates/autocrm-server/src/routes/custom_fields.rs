//! Custom field definitions for tickets, contacts and companies.

use autocrm_domain::custom_fields::FieldType;
use autocrm_store::custom_fields::NewField;
use autocrm_store::entity::custom_field_defs;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};

/// The custom field routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_custom_fields, create_custom_field)).routes(routes!(update_custom_field))
}

/// A new field definition.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldIn {
    /// `ticket`, `contact` or `company`.
    pub entity: String,
    /// Storage key (`order_number`); fixed once created.
    pub key: String,
    /// Label shown in forms.
    pub label: String,
    /// Value type; fixed once created.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Required on create.
    #[serde(default)]
    pub required: bool,
    /// Shown to customers.
    #[serde(default)]
    pub customer_visible: bool,
    /// Options for `select` and `multi_select`.
    #[serde(default)]
    pub options: Vec<String>,
}

/// A change to a field definition.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldPatch {
    /// New label.
    pub label: Option<String>,
    /// Required on create.
    pub required: Option<bool>,
    /// Shown to customers.
    pub customer_visible: Option<bool>,
    /// Replace the options.
    pub options: Option<Vec<String>>,
    /// (De)activate.
    pub active: Option<bool>,
}

/// A field definition.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomFieldOut {
    /// Id.
    pub id: i64,
    /// `ticket`, `contact` or `company`.
    pub entity: String,
    /// Storage key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Value type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Required on create.
    pub required: bool,
    /// Shown to customers.
    pub customer_visible: bool,
    /// Options for selects.
    pub options: Vec<String>,
    /// Display position.
    pub position: i32,
    /// Offered in forms.
    pub active: bool,
}

fn field_out(f: custom_field_defs::Model) -> ApiResult<CustomFieldOut> {
    let field_type = FieldType::parse(&f.field_type)
        .ok_or_else(|| ApiError::internal(format!("stored field type `{}` is unknown", f.field_type)))?;
    Ok(CustomFieldOut {
        id: f.id,
        entity: f.entity,
        key: f.key,
        label: f.label,
        field_type,
        required: f.required,
        customer_visible: f.customer_visible,
        options: serde_json::from_value(f.options).unwrap_or_default(),
        position: f.position,
        active: f.active,
    })
}

/// Field list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldListParams {
    /// Only fields of `ticket`, `contact` or `company`.
    pub entity: Option<String>,
}

/// Every field definition.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomFieldList {
    /// Definitions in display order.
    pub data: Vec<CustomFieldOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// Lists field definitions (customers see only customer-visible ones).
#[utoipa::path(get, path = "/api/v1/custom-fields", tag = "settings", params(CustomFieldListParams),
    responses((status = 200, body = CustomFieldList), (status = 400, body = crate::error::Problem)))]
async fn list_custom_fields(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<CustomFieldListParams>,
) -> ApiResult<Json<CustomFieldList>> {
    let rows =
        autocrm_store::custom_fields::list(&app.store, &p, q.entity.as_deref().filter(|e| !e.is_empty())).await?;
    Ok(Json(CustomFieldList { data: rows.into_iter().map(field_out).collect::<ApiResult<_>>()?, next_cursor: None }))
}

/// Creates a field definition.
#[utoipa::path(post, path = "/api/v1/custom-fields", tag = "settings", request_body = CustomFieldIn,
    responses((status = 201, body = CustomFieldOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_custom_field(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<CustomFieldIn>,
) -> ApiResult<(StatusCode, Json<CustomFieldOut>)> {
    let row = autocrm_store::custom_fields::create(
        &app.store,
        &p,
        NewField {
            entity: input.entity,
            key: input.key,
            label: input.label,
            field_type: input.field_type,
            required: input.required,
            customer_visible: input.customer_visible,
            options: input.options,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(field_out(row)?)))
}

/// Changes a field definition (key and type are fixed).
#[utoipa::path(patch, path = "/api/v1/custom-fields/{id}", tag = "settings", params(("id" = i64, Path)), request_body = CustomFieldPatch,
    responses((status = 200, body = CustomFieldOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_custom_field(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<CustomFieldPatch>,
) -> ApiResult<Json<CustomFieldOut>> {
    let changes = autocrm_store::custom_fields::FieldChanges {
        label: patch.label,
        required: patch.required,
        customer_visible: patch.customer_visible,
        options: patch.options,
        active: patch.active,
    };
    let row = autocrm_store::custom_fields::update(&app.store, &p, id, changes).await?;
    Ok(Json(field_out(row)?))
}
