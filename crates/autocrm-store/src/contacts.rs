//! Contacts (the shop's customers, and later the sales CRM's people) and
//! companies.
//!
//! A contact has a primary e-mail (unique per workspace), more e-mails and
//! phones, an optional company, tags, custom fields and notes. A customer
//! user is a contact who can sign in (`users.contact_id`).

use autocrm_domain::custom_fields::{self as cfd, Mode};
use autocrm_domain::people::normalize_tag;
use autocrm_domain::{EmailAddress, Principal};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Map, Value, json};

use crate::entity::{companies, contacts};
use crate::page::{Cursor, Page, clamp_limit, finish};
use crate::tx::{NewEvent, Tx, Visibility};
use crate::{FieldProblem, Store, StoreError, StoreResult};

/// Fields of a contact; on update `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    /// Display name.
    pub name: Option<String>,
    /// Primary e-mail (`Some(None)` clears).
    pub email: Option<Option<EmailAddress>>,
    /// Further e-mails.
    pub emails: Option<Vec<EmailAddress>>,
    /// Phone numbers as given (E.164 preferred).
    pub phones: Option<Vec<String>>,
    /// Company (`Some(None)` clears).
    pub company_id: Option<Option<i64>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Custom field values (patch semantics on update).
    pub custom_fields: Option<Map<String, Value>>,
    /// Free notes.
    pub notes: Option<String>,
    /// Id in an external system (the commerce provider's customer id).
    pub external_ref: Option<Option<String>>,
}

/// Finds the contact with this primary e-mail or creates one.
pub(crate) async fn find_or_create_by_email(
    tx: &mut Tx,
    email: &EmailAddress,
    name: Option<&str>,
) -> StoreResult<contacts::Model> {
    if let Some(c) = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(tx.ws()))
        .filter(contacts::Column::Email.eq(email.as_str()))
        .one(tx.conn())
        .await?
    {
        return Ok(c);
    }
    let name =
        name.map(str::trim).filter(|n| !n.is_empty()).map_or_else(|| email.local_part().to_owned(), str::to_owned);
    let now = tx.store.now();
    let new_row = contacts::ActiveModel {
        workspace_id: Set(tx.ws()),
        name: Set(name.chars().take(200).collect()),
        email: Set(Some(email.as_str().to_owned())),
        emails: Set(json!([])),
        phones: Set(json!([])),
        company_id: Set(None),
        tags: Set(json!([])),
        custom_fields: Set(json!({})),
        notes: Set(String::new()),
        external_ref: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    // Two writers may add the same new address at once (PostgreSQL): the later one
    // waits for the first to commit, then takes its row instead of failing with a 409.
    let inserted = contacts::Entity::insert(new_row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([contacts::Column::WorkspaceId, contacts::Column::Email])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx.conn())
        .await?;
    let row = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(tx.ws()))
        .filter(contacts::Column::Email.eq(email.as_str()))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    if inserted > 0 {
        tx.emit(contact_event("contact.created", &row));
    }
    Ok(row)
}

fn contact_event(kind: &'static str, c: &contacts::Model) -> NewEvent {
    NewEvent {
        event_type: kind,
        subject_type: "contact",
        subject_id: Some(c.id),
        ticket_id: None,
        requester_id: None,
        visibility: Visibility::Staff,
        data: json!({"contact": {"id": c.id, "name": c.name, "email": c.email}}),
    }
}

/// Lists contacts newest first, optionally matching a name/e-mail prefix.
pub async fn list(
    store: &Store,
    p: &Principal,
    q: Option<&str>,
    company_id: Option<i64>,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> StoreResult<Page<contacts::Model>> {
    let limit = clamp_limit(limit, 50, 100)?;
    let mut sel = contacts::Entity::find().filter(contacts::Column::WorkspaceId.eq(p.workspace_id));
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pat = format!("{}%", q.to_lowercase().replace(['%', '_'], ""));
        sel = sel.filter(
            sea_orm::Condition::any()
                .add(Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(contacts::Column::Name))).like(pat.clone()))
                .add(contacts::Column::Email.like(pat)),
        );
    }
    if let Some(c) = company_id {
        sel = sel.filter(contacts::Column::CompanyId.eq(c));
    }
    if let Some(c) = cursor {
        sel = sel.filter(contacts::Column::Id.lt(Cursor::decode(c)?.id));
    }
    let rows = sel.order_by_desc(contacts::Column::Id).limit(limit + 1).all(&store.db).await?;
    Ok(finish(rows, limit, |c| Cursor { key: String::new(), id: c.id }))
}

/// One contact (customers: only themselves).
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<contacts::Model> {
    if p.customer_contact().is_some_and(|c| c != id) {
        return Err(StoreError::NotFound);
    }
    contacts::Entity::find_by_id(id)
        .filter(contacts::Column::WorkspaceId.eq(p.workspace_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Creates a contact.
pub async fn create(store: &Store, p: &Principal, input: ContactInput) -> StoreResult<contacts::Model> {
    let name = input.name.clone().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let Some(name) = name.or_else(|| input.email.clone().flatten().map(|e| e.local_part().to_owned())) else {
        return Err(StoreError::invalid("/name", "a name or an e-mail is required"));
    };
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let mut am = contacts::ActiveModel {
        workspace_id: Set(tx.ws()),
        name: Set(name),
        email: Set(None),
        emails: Set(json!([])),
        phones: Set(json!([])),
        company_id: Set(None),
        tags: Set(json!([])),
        custom_fields: Set(json!({})),
        notes: Set(String::new()),
        external_ref: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&tx, &mut am, &input, &Map::new(), Mode::Create).await?;
    let row = am.insert(tx.conn()).await?;
    tx.emit(contact_event("contact.created", &row));
    tx.commit().await?;
    Ok(row)
}

/// Changes a contact.
pub async fn update(store: &Store, p: &Principal, id: i64, input: ContactInput) -> StoreResult<contacts::Model> {
    let mut tx = store.begin(p).await?;
    let row = contacts::Entity::find_by_id(id)
        .filter(contacts::Column::WorkspaceId.eq(tx.ws()))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    let stored = row.custom_fields.as_object().cloned().unwrap_or_default();
    let mut am = row.into_active_model();
    if let Some(n) = &input.name {
        let n = n.trim();
        if n.is_empty() || n.chars().count() > 200 {
            return Err(StoreError::invalid("/name", "must be 1–200 characters"));
        }
        am.name = Set(n.to_owned());
    }
    apply(&tx, &mut am, &input, &stored, Mode::Patch).await?;
    am.updated_at = Set(store.now());
    let after = am.update(tx.conn()).await?;
    tx.emit(contact_event("contact.updated", &after));
    tx.commit().await?;
    Ok(after)
}

async fn apply(
    tx: &Tx,
    am: &mut contacts::ActiveModel,
    input: &ContactInput,
    stored: &Map<String, Value>,
    mode: Mode,
) -> StoreResult<()> {
    let mut problems = Vec::new();
    if let Some(e) = &input.email {
        am.email = Set(e.as_ref().map(|e| e.as_str().to_owned()));
    }
    if let Some(es) = &input.emails {
        am.emails = Set(json!(es.iter().map(EmailAddress::as_str).collect::<Vec<_>>()));
    }
    if let Some(ph) = &input.phones {
        for (i, p) in ph.iter().enumerate() {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            if !(5..=20).contains(&digits) || p.chars().any(|c| !(c.is_ascii_digit() || " +-().".contains(c))) {
                problems.push(FieldProblem::new(format!("/phones/{i}"), "is not a phone number"));
            }
        }
        am.phones = Set(json!(ph.iter().map(|p| p.trim()).collect::<Vec<_>>()));
    }
    if let Some(c) = input.company_id {
        if let Some(cid) = c
            && companies::Entity::find_by_id(cid)
                .filter(companies::Column::WorkspaceId.eq(tx.ws()))
                .one(tx.conn())
                .await?
                .is_none()
        {
            problems.push(FieldProblem::new("/company_id", "no such company"));
        }
        am.company_id = Set(c);
    }
    if let Some(tags) = &input.tags {
        am.tags = Set(json!(normalize_tags(tags, "/tags", &mut problems)));
    }
    if let Some(n) = &input.notes {
        if n.len() > 100_000 {
            problems.push(FieldProblem::new("/notes", "is longer than 100000 characters"));
        }
        am.notes = Set(n.clone());
    }
    if let Some(r) = &input.external_ref {
        am.external_ref = Set(r.clone());
    }
    let values = input.custom_fields.clone().unwrap_or_default();
    if input.custom_fields.is_some() || mode == Mode::Create {
        let defs = crate::custom_fields::defs_for(tx.conn(), tx.ws(), "contact").await?;
        match cfd::validate(&defs, &values, mode) {
            Ok(v) => {
                let mut merged = stored.clone();
                cfd::apply_patch(&mut merged, v);
                am.custom_fields = Set(Value::Object(merged));
            }
            Err(errs) => problems
                .extend(errs.into_iter().map(|e| FieldProblem::new(format!("/custom_fields/{}", e.key), e.message))),
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(StoreError::Invalid(problems)) }
}

/// Normalises tags, dropping duplicates and reporting bad ones under `pointer`.
pub(crate) fn normalize_tags(tags: &[String], pointer: &str, problems: &mut Vec<FieldProblem>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, t) in tags.iter().enumerate() {
        match normalize_tag(t) {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => problems
                .push(FieldProblem::new(format!("{pointer}/{i}"), "tags are 1–64 letters, digits, -, _, : or .")),
        }
    }
    out
}

/// Fields of a company; on update `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct CompanyInput {
    /// Name.
    pub name: Option<String>,
    /// Web domain (`shop.example`).
    pub domain: Option<Option<String>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Custom field values.
    pub custom_fields: Option<Map<String, Value>>,
    /// Notes.
    pub notes: Option<String>,
}

/// Lists companies newest first.
pub async fn list_companies(
    store: &Store,
    p: &Principal,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> StoreResult<Page<companies::Model>> {
    let limit = clamp_limit(limit, 50, 100)?;
    let mut sel = companies::Entity::find().filter(companies::Column::WorkspaceId.eq(p.workspace_id));
    if let Some(c) = cursor {
        sel = sel.filter(companies::Column::Id.lt(Cursor::decode(c)?.id));
    }
    let rows = sel.order_by_desc(companies::Column::Id).limit(limit + 1).all(&store.db).await?;
    Ok(finish(rows, limit, |c| Cursor { key: String::new(), id: c.id }))
}

/// One company.
pub async fn get_company(store: &Store, p: &Principal, id: i64) -> StoreResult<companies::Model> {
    companies::Entity::find_by_id(id)
        .filter(companies::Column::WorkspaceId.eq(p.workspace_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Creates or updates a company (`id = None` creates).
pub async fn save_company(
    store: &Store,
    p: &Principal,
    id: Option<i64>,
    input: CompanyInput,
) -> StoreResult<companies::Model> {
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let mut problems = Vec::new();
    let (mut am, stored, mode) = match id {
        Some(id) => {
            let row = companies::Entity::find_by_id(id)
                .filter(companies::Column::WorkspaceId.eq(tx.ws()))
                .one(tx.conn())
                .await?
                .ok_or(StoreError::NotFound)?;
            let stored = row.custom_fields.as_object().cloned().unwrap_or_default();
            (row.into_active_model(), stored, Mode::Patch)
        }
        None => (
            companies::ActiveModel {
                workspace_id: Set(tx.ws()),
                name: Set(String::new()),
                domain: Set(None),
                tags: Set(json!([])),
                custom_fields: Set(json!({})),
                notes: Set(String::new()),
                created_at: Set(now),
                ..Default::default()
            },
            Map::new(),
            Mode::Create,
        ),
    };
    match input.name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() && n.chars().count() <= 200 => am.name = Set(n.to_owned()),
        Some(_) => problems.push(FieldProblem::new("/name", "must be 1–200 characters")),
        None if mode == Mode::Create => problems.push(FieldProblem::new("/name", "is required")),
        None => {}
    }
    if let Some(d) = input.domain {
        am.domain = Set(d.map(|d| d.trim().to_lowercase()));
    }
    if let Some(t) = &input.tags {
        am.tags = Set(json!(normalize_tags(t, "/tags", &mut problems)));
    }
    if let Some(n) = input.notes {
        am.notes = Set(n);
    }
    if input.custom_fields.is_some() || mode == Mode::Create {
        let defs = crate::custom_fields::defs_for(tx.conn(), tx.ws(), "company").await?;
        match cfd::validate(&defs, &input.custom_fields.unwrap_or_default(), mode) {
            Ok(v) => {
                let mut merged = stored;
                cfd::apply_patch(&mut merged, v);
                am.custom_fields = Set(Value::Object(merged));
            }
            Err(errs) => problems
                .extend(errs.into_iter().map(|e| FieldProblem::new(format!("/custom_fields/{}", e.key), e.message))),
        }
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    am.updated_at = Set(now);
    let row = if mode == Mode::Create { am.insert(tx.conn()).await? } else { am.update(tx.conn()).await? };
    tx.emit(NewEvent {
        event_type: if mode == Mode::Create { "company.created" } else { "company.updated" },
        subject_type: "company",
        subject_id: Some(row.id),
        ticket_id: None,
        requester_id: None,
        visibility: Visibility::Staff,
        data: json!({"company": {"id": row.id, "name": row.name}}),
    });
    tx.commit().await?;
    Ok(row)
}
