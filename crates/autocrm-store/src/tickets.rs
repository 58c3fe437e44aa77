//! Tickets: create, read, list (keyset), update, bulk update, merge, counts.
//!
//! Invariants:
//! - `status_category` mirrors the status's category (the queue indexes it).
//! - `ticket_tags` mirrors `tags` (tag filters use its index).
//! - The per-view counters in `counters` (`t:cat:*`, `t:status:*`,
//!   `t:asg:*`) change in the same transaction as the ticket, so counts are
//!   reads of a few rows, never COUNT scans.
//! - Customers reach only tickets they requested; anything else is `NotFound`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use autocrm_domain::custom_fields::{self, Mode};
use autocrm_domain::tickets::parse_subject;
use autocrm_domain::views::{FieldCondition, FieldOp};
use autocrm_domain::{Channel, EmailAddress, Principal, Priority, StatusCategory};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel as _, Order, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde_json::{Map, Value, json};

use crate::entity::{contacts, statuses, ticket_tags, tickets, users};
use crate::page::{Cursor, Page, clamp_limit, finish};
use crate::tx::{NewEvent, Tx, Visibility, bump_counter};
use crate::{FieldProblem, Store, StoreError, StoreResult, custom_fields as cf, messages};

/// Most tickets one bulk update may touch.
pub const MAX_BULK: usize = 1000;

/// Who a new ticket is from.
#[derive(Debug, Clone)]
pub enum RequesterRef {
    /// An existing contact.
    Id(i64),
    /// Found by e-mail or created.
    Email {
        /// The address.
        email: EmailAddress,
        /// Display name for a new contact.
        name: Option<String>,
    },
}

/// Input for a new ticket (already parsed at the edge).
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Subject line.
    pub subject: String,
    /// Requester; ignored for customers, who always request for themselves.
    pub requester: Option<RequesterRef>,
    /// The first message (public, from the requester unless staff write it).
    pub body: Option<String>,
    /// Priority (default normal).
    pub priority: Option<Priority>,
    /// Channel (default api for keys, web for users).
    pub channel: Option<Channel>,
    /// Initial status (default: the workspace's default "new" status).
    pub status_id: Option<i64>,
    /// Assignee (staff only).
    pub assignee_id: Option<i64>,
    /// Team.
    pub team_id: Option<i64>,
    /// Tags.
    pub tags: Vec<String>,
    /// Custom field values.
    pub custom_fields: Map<String, Value>,
    /// Creation time override (imports and demo seeding only).
    pub created_at: Option<DateTime<Utc>>,
}

/// A change to one or many tickets. `None` leaves a property alone.
#[derive(Debug, Clone, Default)]
pub struct TicketPatch {
    /// New subject.
    pub subject: Option<String>,
    /// New status.
    pub status_id: Option<i64>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee_id: Option<Option<i64>>,
    /// New team (`Some(None)` clears).
    pub team_id: Option<Option<i64>>,
    /// Replace all tags.
    pub tags: Option<Vec<String>>,
    /// Add tags.
    pub add_tags: Vec<String>,
    /// Remove tags.
    pub remove_tags: Vec<String>,
    /// Custom field changes (`null` clears).
    pub custom_fields: Option<Map<String, Value>>,
}

impl TicketPatch {
    /// Whether the patch changes nothing at all.
    pub fn is_empty(&self) -> bool {
        self.subject.is_none()
            && self.status_id.is_none()
            && self.priority.is_none()
            && self.assignee_id.is_none()
            && self.team_id.is_none()
            && self.tags.is_none()
            && self.add_tags.is_empty()
            && self.remove_tags.is_empty()
            && self.custom_fields.is_none()
    }
}

/// A ticket with the names it refers to resolved.
#[derive(Debug, Clone)]
pub struct TicketView {
    /// The row.
    pub ticket: tickets::Model,
    /// Its status.
    pub status: statuses::Model,
    /// The requester's `(id, name, email)`.
    pub requester: (i64, String, Option<String>),
    /// The assignee's `(id, name)`.
    pub assignee: Option<(i64, String)>,
}

/// List filters; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Status ids.
    pub status_ids: Vec<i64>,
    /// Status categories.
    pub categories: Vec<StatusCategory>,
    /// Priorities.
    pub priorities: Vec<Priority>,
    /// `Some(None)` = unassigned.
    pub assignee: Option<Option<i64>>,
    /// Requester contact.
    pub requester_id: Option<i64>,
    /// Team.
    pub team_id: Option<i64>,
    /// Channel.
    pub channel: Option<Channel>,
    /// Carries this tag.
    pub tag: Option<String>,
    /// Full-text query.
    pub q: Option<String>,
    /// Any of these channels (with `channel`, both must hold).
    pub channels: Vec<Channel>,
    /// Carries every one of these tags.
    pub tags: Vec<String>,
    /// Carries none of these tags.
    pub exclude_tags: Vec<String>,
    /// Conditions on custom fields, checked by `autocrm_domain::views::check_filter`.
    pub fields: Vec<FieldCondition>,
    /// Any of these ticket categories (keys).
    pub ticket_categories: Vec<String>,
    /// Any of these sentiments.
    pub sentiments: Vec<String>,
    /// Any of these urgency hints.
    pub urgencies: Vec<String>,
    /// Any of these languages.
    pub languages: Vec<String>,
}

impl TicketFilter {
    /// Whether only the parts the view counters track are set.
    fn counter_shaped(&self) -> bool {
        self.priorities.is_empty()
            && self.requester_id.is_none()
            && self.team_id.is_none()
            && self.channel.is_none()
            && self.tag.is_none()
            && self.q.is_none()
            && self.channels.is_empty()
            && self.tags.is_empty()
            && self.exclude_tags.is_empty()
            && self.fields.is_empty()
            && self.ticket_categories.is_empty()
            && self.sentiments.is_empty()
            && self.urgencies.is_empty()
            && self.languages.is_empty()
            && (self.status_ids.is_empty() || self.assignee.is_none())
    }
}

/// Sort orders for lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketSort {
    /// Most recently updated first (the queue's order).
    #[default]
    UpdatedDesc,
    /// Least recently updated first.
    UpdatedAsc,
    /// Newest first.
    CreatedDesc,
    /// Oldest first.
    CreatedAsc,
}

impl TicketSort {
    /// Parses `-updated_at`, `updated_at`, `-created_at`, `created_at`.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "-updated_at" => Ok(Self::UpdatedDesc),
            "updated_at" => Ok(Self::UpdatedAsc),
            "-created_at" => Ok(Self::CreatedDesc),
            "created_at" => Ok(Self::CreatedAsc),
            _ => Err(StoreError::invalid("/sort", "must be one of -updated_at, updated_at, -created_at, created_at")),
        }
    }

    fn column(self) -> tickets::Column {
        match self {
            Self::UpdatedDesc | Self::UpdatedAsc => tickets::Column::UpdatedAt,
            Self::CreatedDesc | Self::CreatedAsc => tickets::Column::CreatedAt,
        }
    }

    fn desc(self) -> bool {
        matches!(self, Self::UpdatedDesc | Self::CreatedDesc)
    }

    fn key(self, t: &tickets::Model) -> DateTime<Utc> {
        match self {
            Self::UpdatedDesc | Self::UpdatedAsc => t.updated_at,
            Self::CreatedDesc | Self::CreatedAsc => t.created_at,
        }
    }
}

/// Creates a ticket with its first message.
pub async fn create(store: &Store, p: &Principal, input: NewTicket) -> StoreResult<TicketView> {
    let mut problems = Vec::new();
    let subject = parse_subject(&input.subject).map_err(|m| problems.push(FieldProblem::new("/subject", m))).ok();
    let defs = cf::ticket_defs(store, p.workspace_id).await?;
    let mut fields = input.custom_fields.clone();
    if p.customer_contact().is_some() {
        // Customers may set only fields they can see; the rest are staff's.
        if let Some(k) = fields.keys().find(|k| defs.iter().any(|d| &d.key == *k && !d.customer_visible)) {
            problems.push(FieldProblem::new(format!("/custom_fields/{k}"), "is not a defined custom field"));
        }
        fields.retain(|k, _| defs.iter().any(|d| &d.key == k && d.customer_visible));
    }
    let mode = if p.customer_contact().is_some() { Mode::Patch } else { Mode::Create };
    let fields = custom_fields::validate(&defs, &fields, mode)
        .map_err(|errs| {
            problems
                .extend(errs.into_iter().map(|e| FieldProblem::new(format!("/custom_fields/{}", e.key), e.message)));
        })
        .ok();
    let tags = parse_tags(&input.tags, "/tags", &mut problems);
    if p.customer_contact().is_some()
        && (input.assignee_id.is_some() || input.status_id.is_some() || input.team_id.is_some())
    {
        problems.push(FieldProblem::new("/assignee_id", "customers cannot set assignee, team or status"));
    }
    let (Some(subject), Some(fields)) = (subject, fields) else {
        return Err(StoreError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let now = store.now();
    let created_at = input.created_at.unwrap_or(now);
    let mut tx = store.begin(p).await?;
    let ws = tx.ws();

    let requester_id = match (p.customer_contact(), &input.requester) {
        (Some(contact), _) => contact,
        (None, Some(RequesterRef::Id(id))) => {
            contacts::Entity::find_by_id(*id)
                .filter(contacts::Column::WorkspaceId.eq(ws))
                .one(tx.conn())
                .await?
                .ok_or_else(|| StoreError::invalid("/requester/id", "no such contact"))?
                .id
        }
        (None, Some(RequesterRef::Email { email, name })) => {
            crate::contacts::find_or_create_by_email(&mut tx, email, name.as_deref()).await?.id
        }
        (None, None) => return Err(StoreError::invalid("/requester", "is required")),
    };
    let status = match input.status_id {
        Some(id) => Some(
            crate::statuses::get_in(tx.conn(), ws, id)
                .await
                .map_err(|_| StoreError::invalid("/status_id", "no such status"))?,
        ),
        None => None,
    };
    if let Some(uid) = input.assignee_id {
        check_assignee(tx.conn(), ws, uid).await?;
    }
    let channel = input.channel.unwrap_or(match p.kind {
        autocrm_domain::auth::PrincipalKind::ApiKey { .. } => Channel::Api,
        _ => Channel::Web,
    });
    let row = insert_in(
        &mut tx,
        NewTicketRow {
            subject,
            requester_id,
            channel,
            status,
            priority: input.priority.unwrap_or(Priority::Normal),
            assignee_id: input.assignee_id,
            team_id: input.team_id,
            tags,
            custom_fields: fields,
            created_at,
        },
    )
    .await?;
    if let Some(body) = input.body.as_deref().filter(|b| !b.trim().is_empty()) {
        let author = if p.sees_all_tickets() && !matches!(p.kind, autocrm_domain::auth::PrincipalKind::ApiKey { .. }) {
            messages::Author::User(p.user_id().unwrap_or_default())
        } else {
            messages::Author::Contact(requester_id)
        };
        let author = if matches!(p.kind, autocrm_domain::auth::PrincipalKind::User { .. })
            && p.sees_all_tickets()
            && input.requester.is_some()
        {
            // An agent opening a ticket on a customer's behalf writes as the agent.
            author
        } else {
            messages::Author::Contact(requester_id)
        };
        messages::insert_in(&mut tx, &row, author, body, false, Some(created_at)).await?;
    }
    tx.commit().await?;
    get(store, p, row.id).await
}

/// A ticket row to insert, its inputs already validated.
pub(crate) struct NewTicketRow {
    pub subject: String,
    pub requester_id: i64,
    pub channel: Channel,
    /// `None`: the workspace's default "new" status.
    pub status: Option<statuses::Model>,
    pub priority: Priority,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub tags: Vec<String>,
    pub custom_fields: Map<String, Value>,
    pub created_at: DateTime<Utc>,
}

/// Inserts a ticket inside a transaction: number, tags, counters and the
/// `ticket.created` event (the API and the channels both create through here).
pub(crate) async fn insert_in(tx: &mut Tx, input: NewTicketRow) -> StoreResult<tickets::Model> {
    let ws = tx.ws();
    let now = tx.store.now();
    let status = match input.status {
        Some(s) => s,
        None => crate::statuses::default_for(tx.conn(), ws, StatusCategory::New).await?,
    };
    let category = StatusCategory::parse(&status.category).map_err(|_| StoreError::NotFound)?;
    let number = bump_counter(tx.conn(), tx.store.backend, ws, "ticket_number", 1).await?;
    let created_at = input.created_at;
    let row = tickets::ActiveModel {
        workspace_id: Set(ws),
        number: Set(number),
        subject: Set(input.subject.clone()),
        status_id: Set(status.id),
        status_category: Set(category.as_str().to_owned()),
        priority: Set(input.priority.as_str().to_owned()),
        channel: Set(input.channel.as_str().to_owned()),
        requester_id: Set(input.requester_id),
        assignee_id: Set(input.assignee_id),
        team_id: Set(input.team_id),
        tags: Set(json!(input.tags)),
        custom_fields: Set(Value::Object(input.custom_fields)),
        merged_into_id: Set(None),
        message_count: Set(0),
        first_response_at: Set(None),
        solved_at: Set((category == StatusCategory::Solved).then_some(created_at)),
        closed_at: Set((category == StatusCategory::Closed).then_some(created_at)),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    set_tag_rows(tx, row.id, &[], &input.tags, now).await?;
    adjust_counters(tx, &tx.store.clone(), None, Some(&row), now).await?;
    tx.emit(NewEvent {
        event_type: "ticket.created",
        subject_type: "ticket",
        subject_id: Some(row.id),
        ticket_id: Some(row.id),
        requester_id: Some(input.requester_id),
        visibility: Visibility::Public,
        data: json!({"ticket": {"id": row.id, "number": number, "subject": input.subject, "status": status.name,
            "status_category": category.as_str(), "priority": row.priority, "channel": row.channel,
            "requester_id": input.requester_id, "assignee_id": row.assignee_id, "tags": input.tags}}),
    });
    Ok(row)
}

/// Reads one ticket the principal may see.
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<TicketView> {
    let row = find_visible(&store.db, p, id).await?;
    views(&store.db, p.workspace_id, vec![row]).await?.pop().ok_or(StoreError::NotFound)
}

/// Finds the row or `NotFound`, applying customer confinement.
pub(crate) async fn find_visible(conn: &impl ConnectionTrait, p: &Principal, id: i64) -> StoreResult<tickets::Model> {
    let mut q = tickets::Entity::find_by_id(id).filter(tickets::Column::WorkspaceId.eq(p.workspace_id));
    if let Some(contact) = p.customer_contact() {
        q = q.filter(tickets::Column::RequesterId.eq(contact));
    }
    q.one(conn).await?.ok_or(StoreError::NotFound)
}

/// The condition a filter puts on `tickets` for this principal (without status
/// splits, cursor or order), shared by lists and counts.
fn filter_condition(store: &Store, p: &Principal, filter: &TicketFilter) -> StoreResult<Condition> {
    let mut base = Condition::all().add(tickets::Column::WorkspaceId.eq(p.workspace_id));
    if let Some(contact) = p.customer_contact() {
        base = base.add(tickets::Column::RequesterId.eq(contact));
    }
    if !filter.priorities.is_empty() {
        base = base.add(tickets::Column::Priority.is_in(filter.priorities.iter().map(|x| x.as_str())));
    }
    match filter.assignee {
        Some(Some(uid)) => base = base.add(tickets::Column::AssigneeId.eq(uid)),
        Some(None) => base = base.add(tickets::Column::AssigneeId.is_null()),
        None => {}
    }
    if let Some(r) = filter.requester_id {
        base = base.add(tickets::Column::RequesterId.eq(r));
    }
    if let Some(t) = filter.team_id {
        base = base.add(tickets::Column::TeamId.eq(t));
    }
    if let Some(c) = filter.channel {
        base = base.add(tickets::Column::Channel.eq(c.as_str()));
    }
    if let Some(tag) = &filter.tag {
        base = base.add(crate::cust_expr(
            store.backend,
            "tickets.id IN (SELECT ticket_id FROM ticket_tags WHERE workspace_id = $1 AND tag = $2)",
            vec![p.workspace_id.into(), tag.clone().into()],
        ));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        base = base.add(crate::search::ticket_id_condition(store.backend, p.workspace_id, q, p.sees_all_tickets())?);
    }
    if !filter.channels.is_empty() {
        base = base.add(tickets::Column::Channel.is_in(filter.channels.iter().map(|c| c.as_str())));
    }
    for (column, values) in [
        (tickets::Column::Category, &filter.ticket_categories),
        (tickets::Column::Sentiment, &filter.sentiments),
        (tickets::Column::Urgency, &filter.urgencies),
        (tickets::Column::Language, &filter.languages),
    ] {
        if !values.is_empty() {
            base = base.add(column.is_in(values.iter().map(String::as_str)));
        }
    }
    for tag in &filter.tags {
        base = base.add(crate::cust_expr(
            store.backend,
            "tickets.id IN (SELECT ticket_id FROM ticket_tags WHERE workspace_id = $1 AND tag = $2)",
            vec![p.workspace_id.into(), tag.clone().into()],
        ));
    }
    for tag in &filter.exclude_tags {
        base = base.add(crate::cust_expr(
            store.backend,
            "tickets.id NOT IN (SELECT ticket_id FROM ticket_tags WHERE workspace_id = $1 AND tag = $2)",
            vec![p.workspace_id.into(), tag.clone().into()],
        ));
    }
    for cond in &filter.fields {
        base = base.add(field_condition(store.backend, cond));
    }
    Ok(base)
}

/// SQL for one custom-field condition. `{k}` in a template is the bound key
/// (a JSON path on SQLite, a key on PostgreSQL) and `{v}` the bound value;
/// each occurrence becomes its own numbered parameter.
fn field_condition(backend: DbBackend, cond: &FieldCondition) -> Expr {
    use serde_json::Value as J;
    let pg = backend == DbBackend::Postgres;
    let key: sea_orm::Value = if pg { cond.key.clone().into() } else { format!("$.\"{}\"", cond.key).into() };
    let (text, json, is_set) = if pg {
        (
            "(tickets.custom_fields ->> {k})",
            "(tickets.custom_fields -> {k})",
            "COALESCE(jsonb_typeof(tickets.custom_fields -> {k}), 'null') <> 'null'",
        )
    } else {
        (
            "json_extract(tickets.custom_fields, {k})",
            "json_extract(tickets.custom_fields, {k})",
            "json_type(tickets.custom_fields, {k}) IS NOT NULL AND json_type(tickets.custom_fields, {k}) <> 'null'",
        )
    };
    let value = &cond.value;
    let as_text: sea_orm::Value = value.as_str().unwrap_or_default().to_owned().into();
    let (template, bound): (String, sea_orm::Value) = match cond.op {
        FieldOp::Set => (is_set.to_owned(), as_text),
        FieldOp::Unset => (format!("NOT ({is_set})"), as_text),
        FieldOp::Eq | FieldOp::Ne => {
            // PostgreSQL compares jsonb values exactly; SQLite's json_extract yields
            // text, numbers, or 1/0 for booleans.
            let (eq, v): (String, sea_orm::Value) = if pg {
                (format!("{json} = CAST({{v}} AS jsonb)"), value.to_string().into())
            } else {
                let v = match value {
                    J::Bool(b) => i64::from(*b).into(),
                    J::Number(n) => n.as_i64().map_or_else(|| n.as_f64().unwrap_or_default().into(), Into::into),
                    _ => as_text,
                };
                (format!("{text} = {{v}}"), v)
            };
            if cond.op == FieldOp::Eq { (eq, v) } else { (format!("NOT ({is_set} AND {eq})"), v) }
        }
        // Multi-selects are arrays holding the option; text fields contain the words.
        FieldOp::Contains if pg => (
            format!(
                "CASE WHEN jsonb_typeof({json}) = 'array' THEN jsonb_exists({json}, {{v}}) \
                 ELSE strpos(lower({text}), lower({{v}})) > 0 END"
            ),
            as_text,
        ),
        FieldOp::Contains => (
            format!(
                "CASE WHEN json_type(tickets.custom_fields, {{k}}) = 'array' \
                 THEN EXISTS (SELECT 1 FROM json_each(tickets.custom_fields, {{k}}) AS j WHERE j.value = {{v}}) \
                 ELSE instr(lower({text}), lower({{v}})) > 0 END"
            ),
            as_text,
        ),
        FieldOp::Gt | FieldOp::Lt => {
            let cmp = if cond.op == FieldOp::Gt { ">" } else { "<" };
            let number = value.as_f64().or_else(|| value.as_str().and_then(|s| s.parse::<f64>().ok()));
            match (value.as_str(), number) {
                // Dates (YYYY-MM-DD) order as text.
                (Some(s), None) => (format!("{text} {cmp} {{v}}"), s.to_owned().into()),
                (_, Some(n)) if pg => {
                    (format!("CAST({text} AS numeric) {cmp} CAST({{v}} AS numeric)"), n.to_string().into())
                }
                (_, Some(n)) => (format!("CAST({text} AS REAL) {cmp} {{v}}"), n.into()),
                (None, None) => ("1 = 0".to_owned(), as_text),
            }
        }
    };
    let mut sql = String::with_capacity(template.len());
    let mut values = Vec::new();
    let mut rest = template.as_str();
    while let Some(at) = rest.find('{') {
        sql.push_str(&rest[..at]);
        let marker = &rest[at..(at + 3).min(rest.len())];
        match marker {
            "{k}" => values.push(key.clone()),
            "{v}" => values.push(bound.clone()),
            _ => {
                sql.push('{');
                rest = &rest[at + 1..];
                continue;
            }
        }
        sql.push('$');
        sql.push_str(&values.len().to_string());
        rest = &rest[at + 3..];
    }
    sql.push_str(rest);
    crate::cust_expr(backend, &sql, values)
}

/// Lists tickets by keyset; at most `limit` (≤ 100) rows.
pub async fn list(
    store: &Store,
    p: &Principal,
    filter: &TicketFilter,
    sort: TicketSort,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> StoreResult<Page<TicketView>> {
    let limit = clamp_limit(limit, 50, 100)?;
    let cursor = cursor.map(Cursor::decode).transpose()?;
    let after = match &cursor {
        Some(c) => Some((
            DateTime::parse_from_rfc3339(&c.key)
                .map_err(|_| StoreError::invalid("/cursor", "is malformed"))?
                .with_timezone(&Utc),
            c.id,
        )),
        None => None,
    };
    let mut base = filter_condition(store, p, filter)?;
    if let Some((key, id)) = after {
        let col = sort.column();
        let lhs = Expr::tuple([Expr::col((tickets::Entity, col)), Expr::col((tickets::Entity, tickets::Column::Id))]);
        let rhs = Expr::tuple([Expr::val(key), Expr::val(id)]);
        base = base.add(if sort.desc() { lhs.lt(rhs) } else { lhs.gt(rhs) });
    }
    // Each status value is a separate index range; fetching `limit + 1` per range and
    // merging keeps the work bounded by the page, not by the number of matching tickets.
    let mut splits: Vec<Condition> = Vec::new();
    for c in &filter.categories {
        splits.push(Condition::all().add(tickets::Column::StatusCategory.eq(c.as_str())));
    }
    for s in &filter.status_ids {
        splits.push(Condition::all().add(tickets::Column::StatusId.eq(*s)));
    }
    if splits.is_empty() {
        splits.push(Condition::all());
    }
    let order = if sort.desc() { Order::Desc } else { Order::Asc };
    let mut rows: Vec<tickets::Model> = Vec::new();
    for split in splits {
        let part = tickets::Entity::find()
            .filter(base.clone().add(split))
            .order_by(sort.column(), order.clone())
            .order_by(tickets::Column::Id, order.clone())
            .limit(limit + 1)
            .all(&store.db)
            .await?;
        rows.extend(part);
    }
    rows.sort_by(|a, b| {
        let ord = (sort.key(a), a.id).cmp(&(sort.key(b), b.id));
        if sort.desc() { ord.reverse() } else { ord }
    });
    rows.dedup_by_key(|t| t.id);
    rows.truncate(limit as usize + 1);
    let page = finish(rows, limit, |t| Cursor { key: sort.key(t).to_rfc3339(), id: t.id });
    let next_cursor = page.next_cursor;
    let data = views(&store.db, p.workspace_id, page.data).await?;
    Ok(Page { data, next_cursor })
}

/// The number of tickets a filter matches, when the counters can tell
/// (filters on status/category and assignee only); `None` otherwise.
pub async fn count_for(store: &Store, p: &Principal, filter: &TicketFilter) -> StoreResult<Option<i64>> {
    let simple = p.customer_contact().is_none() && filter.counter_shaped();
    if !simple {
        return Ok(None);
    }
    let names: Vec<String> = match (&filter.assignee, filter.categories.is_empty(), filter.status_ids.is_empty()) {
        (None, true, true) => StatusCategory::ALL.iter().map(|c| format!("t:cat:{c}")).collect(),
        (None, _, _) => filter
            .categories
            .iter()
            .map(|c| format!("t:cat:{c}"))
            .chain(filter.status_ids.iter().map(|s| format!("t:status:{s}")))
            .collect(),
        (Some(a), _, _) => {
            let who = a.map_or_else(|| "none".to_owned(), |u| u.to_string());
            let cats: Vec<StatusCategory> =
                if filter.categories.is_empty() { StatusCategory::ALL.to_vec() } else { filter.categories.clone() };
            cats.iter().map(|c| format!("t:asg:{who}:{c}")).collect()
        }
    };
    Ok(Some(sum_counters(&store.db, store.backend, p.workspace_id, &names).await?))
}

/// The number of tickets a filter matches: from the counters when they can
/// tell, else by counting the matching rows (custom views with tags or
/// custom-field conditions), stopping at `cap` so a count never scans more.
pub async fn count_matching(store: &Store, p: &Principal, filter: &TicketFilter, cap: u64) -> StoreResult<CountOut> {
    use sea_orm::PaginatorTrait as _;
    if let Some(n) = count_for(store, p, filter).await? {
        return Ok(CountOut { count: n, capped: false });
    }
    let mut cond = filter_condition(store, p, filter)?;
    let mut statuses = Condition::any();
    for c in &filter.categories {
        statuses = statuses.add(tickets::Column::StatusCategory.eq(c.as_str()));
    }
    for s in &filter.status_ids {
        statuses = statuses.add(tickets::Column::StatusId.eq(*s));
    }
    if !statuses.is_empty() {
        cond = cond.add(statuses);
    }
    // Count at most cap + 1 ids, so the cost is bounded whatever the filter.
    let ids = tickets::Entity::find().select_only().column(tickets::Column::Id).filter(cond).limit(cap + 1);
    let n = ids.count(&store.db).await?;
    Ok(CountOut { count: std::cmp::min(n, cap) as i64, capped: n > cap })
}

/// A count that may have stopped at a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountOut {
    /// Matching tickets (at most the cap).
    pub count: i64,
    /// Whether more match than the cap.
    pub capped: bool,
}

/// Counts per category, per status, unassigned and for one user, from the counters.
pub async fn counts(store: &Store, p: &Principal) -> StoreResult<BTreeMap<String, i64>> {
    let rows = crate::entity::counters::Entity::find()
        .filter(crate::entity::counters::Column::WorkspaceId.eq(p.workspace_id))
        .filter(crate::entity::counters::Column::Name.starts_with("t:"))
        .all(&store.db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.name, r.value)).collect())
}

async fn sum_counters(
    conn: &impl ConnectionTrait,
    backend: sea_orm::DbBackend,
    ws: i64,
    names: &[String],
) -> StoreResult<i64> {
    if names.is_empty() {
        return Ok(0);
    }
    let rows = crate::entity::counters::Entity::find()
        .filter(crate::entity::counters::Column::WorkspaceId.eq(ws))
        .filter(crate::entity::counters::Column::Name.is_in(names.iter().cloned()))
        .all(conn)
        .await?;
    let _ = backend;
    Ok(rows.iter().map(|r| r.value).sum())
}

/// Applies a patch to one ticket.
pub async fn update(store: &Store, p: &Principal, id: i64, patch: &TicketPatch) -> StoreResult<TicketView> {
    update_at(store, p, id, patch, None).await
}

/// Applies a patch as of an explicit time (imports and demo seeding).
pub async fn update_at(
    store: &Store,
    p: &Principal,
    id: i64,
    patch: &TicketPatch,
    at: Option<DateTime<Utc>>,
) -> StoreResult<TicketView> {
    let mut tx = store.begin(p).await?;
    let prepared = prepare_patch(tx.conn(), p, patch).await?;
    let row = find_visible(tx.conn(), p, id).await?;
    apply_patch(&mut tx, store, row, &prepared, at).await?;
    tx.commit().await?;
    get(store, p, id).await
}

/// Applies one patch to up to [`MAX_BULK`] tickets in one transaction; all or nothing.
pub async fn bulk_update(store: &Store, p: &Principal, ids: &[i64], patch: &TicketPatch) -> StoreResult<Vec<i64>> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(StoreError::invalid("/ids", format!("must list 1 to {MAX_BULK} ticket ids")));
    }
    let unique: BTreeSet<i64> = ids.iter().copied().collect();
    let mut tx = store.begin(p).await?;
    let prepared = prepare_patch(tx.conn(), p, patch).await?;
    let mut rows = Vec::with_capacity(unique.len());
    for chunk in unique.iter().copied().collect::<Vec<_>>().chunks(500) {
        rows.extend(
            tickets::Entity::find()
                .filter(tickets::Column::WorkspaceId.eq(p.workspace_id))
                .filter(tickets::Column::Id.is_in(chunk.iter().copied()))
                .all(tx.conn())
                .await?,
        );
    }
    if rows.len() != unique.len() {
        let found: BTreeSet<i64> = rows.iter().map(|r| r.id).collect();
        let missing: Vec<String> = unique.difference(&found).take(10).map(ToString::to_string).collect();
        return Err(StoreError::invalid("/ids", format!("no such tickets: {}", missing.join(", "))));
    }
    let mut changed = Vec::new();
    for row in rows {
        let id = row.id;
        apply_patch(&mut tx, store, row, &prepared, None).await?;
        changed.push(id);
    }
    tx.commit().await?;
    Ok(changed)
}

/// A patch with its references checked once (shared by bulk updates).
pub(crate) struct PreparedPatch {
    patch: TicketPatch,
    status: Option<statuses::Model>,
    defs: Vec<custom_fields::FieldDef>,
    custom_fields: Option<Map<String, Value>>,
    tags: Option<Vec<String>>,
    add: Vec<String>,
    remove: Vec<String>,
}

/// Checks a patch and resolves what it refers to; reads only, so it runs on
/// any connection (inside the writing transaction, or outside one to validate).
pub(crate) async fn prepare_patch(
    conn: &impl ConnectionTrait,
    p: &Principal,
    patch: &TicketPatch,
) -> StoreResult<PreparedPatch> {
    if !p.sees_all_tickets() {
        return Err(StoreError::Forbidden);
    }
    let ws = p.workspace_id;
    let mut problems = Vec::new();
    if let Some(s) = &patch.subject
        && let Err(m) = parse_subject(s)
    {
        problems.push(FieldProblem::new("/subject", m));
    }
    let status = match patch.status_id {
        Some(id) => match crate::statuses::get_in(conn, ws, id).await {
            Ok(s) if s.active => Some(s),
            _ => {
                problems.push(FieldProblem::new("/status_id", "no such status"));
                None
            }
        },
        None => None,
    };
    if let Some(Some(uid)) = patch.assignee_id
        && check_assignee(conn, ws, uid).await.is_err()
    {
        problems.push(FieldProblem::new("/assignee_id", "no such agent"));
    }
    let defs = cf::ticket_defs_in(conn, ws).await?;
    let custom = match &patch.custom_fields {
        Some(values) => match custom_fields::validate(&defs, values, Mode::Patch) {
            Ok(v) => Some(v),
            Err(errs) => {
                problems.extend(
                    errs.into_iter().map(|e| FieldProblem::new(format!("/custom_fields/{}", e.key), e.message)),
                );
                None
            }
        },
        None => None,
    };
    let tags = patch.tags.as_ref().map(|t| parse_tags(t, "/tags", &mut problems));
    let add = parse_tags(&patch.add_tags, "/add_tags", &mut problems);
    let remove = parse_tags(&patch.remove_tags, "/remove_tags", &mut problems);
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    Ok(PreparedPatch { patch: patch.clone(), status, defs, custom_fields: custom, tags, add, remove })
}

pub(crate) async fn apply_patch(
    tx: &mut Tx,
    store: &Store,
    row: tickets::Model,
    pp: &PreparedPatch,
    at: Option<DateTime<Utc>>,
) -> StoreResult<tickets::Model> {
    let now = at.unwrap_or_else(|| store.now());
    let before = row.clone();
    let mut changes = Map::new();
    let mut am = row.clone().into_active_model();
    let mut public_only = true;
    if let Some(s) = &pp.patch.subject {
        let s = s.trim().to_owned();
        if s != row.subject {
            changes.insert("subject".into(), json!({"from": row.subject, "to": s}));
            am.subject = Set(s);
        }
    }
    if let Some(st) = &pp.status
        && st.id != row.status_id
    {
        let from = crate::statuses::get_in(tx.conn(), tx.ws(), row.status_id).await.map(|s| s.name).unwrap_or_default();
        changes.insert(
            "status".into(),
            json!({"from": from, "to": st.name, "from_category": row.status_category, "to_category": st.category}),
        );
        am.status_id = Set(st.id);
        am.status_category = Set(st.category.clone());
        match st.category.as_str() {
            "solved" => am.solved_at = Set(Some(now)),
            "closed" => {
                am.closed_at = Set(Some(now));
                if row.solved_at.is_none() {
                    am.solved_at = Set(Some(now));
                }
            }
            _ => {
                am.solved_at = Set(None);
                am.closed_at = Set(None);
            }
        }
    }
    if let Some(pr) = pp.patch.priority
        && pr.as_str() != row.priority
    {
        changes.insert("priority".into(), json!({"from": row.priority, "to": pr.as_str()}));
        am.priority = Set(pr.as_str().to_owned());
    }
    if let Some(a) = pp.patch.assignee_id
        && a != row.assignee_id
    {
        changes.insert("assignee_id".into(), json!({"from": row.assignee_id, "to": a}));
        am.assignee_id = Set(a);
        public_only = false;
    }
    if let Some(t) = pp.patch.team_id
        && t != row.team_id
    {
        changes.insert("team_id".into(), json!({"from": row.team_id, "to": t}));
        am.team_id = Set(t);
        public_only = false;
    }
    let old_tags: Vec<String> = serde_json::from_value(row.tags.clone()).unwrap_or_default();
    let mut new_tags: Vec<String> = pp.tags.clone().unwrap_or_else(|| old_tags.clone());
    for t in &pp.add {
        if !new_tags.contains(t) {
            new_tags.push(t.clone());
        }
    }
    new_tags.retain(|t| !pp.remove.contains(t));
    if new_tags != old_tags {
        changes.insert("tags".into(), json!({"from": old_tags, "to": new_tags}));
        am.tags = Set(json!(new_tags));
        set_tag_rows(tx, row.id, &old_tags, &new_tags, now).await?;
        public_only = false;
    }
    if let Some(cf_patch) = &pp.custom_fields {
        let mut stored = row.custom_fields.as_object().cloned().unwrap_or_default();
        let old = stored.clone();
        custom_fields::apply_patch(&mut stored, cf_patch.clone());
        if stored != old {
            let mut diff = Map::new();
            for k in cf_patch.keys() {
                if old.get(k) != stored.get(k) {
                    diff.insert(k.clone(), json!({"from": old.get(k), "to": stored.get(k)}));
                    if pp.defs.iter().any(|d| &d.key == k && !d.customer_visible) {
                        public_only = false;
                    }
                }
            }
            changes.insert("custom_fields".into(), Value::Object(diff));
            am.custom_fields = Set(Value::Object(stored));
        }
    }
    if changes.is_empty() {
        return Ok(row);
    }
    am.updated_at = Set(now);
    let after = am.update(tx.conn()).await?;
    adjust_counters(tx, store, Some(&before), Some(&after), now).await?;
    tx.emit(NewEvent {
        event_type: "ticket.updated",
        subject_type: "ticket",
        subject_id: Some(after.id),
        ticket_id: Some(after.id),
        requester_id: Some(after.requester_id),
        visibility: if public_only { Visibility::Public } else { Visibility::Staff },
        data: json!({"ticket": {"id": after.id, "number": after.number}, "changes": changes}),
    });
    if at.is_none()
        && after.status_category == StatusCategory::Solved.as_str()
        && before.status_category != StatusCategory::Solved.as_str()
        && let Some(requester) = contacts::Entity::find_by_id(after.requester_id).one(tx.conn()).await?
    {
        // Solved now (not replayed from an import): tell the customer, with a link to rate.
        crate::channels::email_out::queue_notice_in(
            tx,
            &after,
            &requester,
            autocrm_channels::email::templates::Notice::TicketSolved,
            None,
            None,
        )
        .await?;
    }
    Ok(after)
}

/// Merges `source` into `target`: messages move, the source closes with a link.
pub async fn merge(store: &Store, p: &Principal, source_id: i64, target_id: i64) -> StoreResult<TicketView> {
    if !p.sees_all_tickets() {
        return Err(StoreError::Forbidden);
    }
    if source_id == target_id {
        return Err(StoreError::invalid("/target_id", "cannot merge a ticket into itself"));
    }
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let source = find_visible(tx.conn(), p, source_id).await?;
    let target =
        find_visible(tx.conn(), p, target_id).await.map_err(|_| StoreError::invalid("/target_id", "no such ticket"))?;
    if source.merged_into_id.is_some() {
        return Err(StoreError::Conflict {
            code: "ticket_already_merged",
            message: "this ticket was already merged".into(),
        });
    }
    if target.merged_into_id.is_some() {
        return Err(StoreError::invalid("/target_id", "the target was itself merged into another ticket"));
    }
    let moved = tx
        .conn()
        .execute_raw(Statement::from_sql_and_values(
            store.backend,
            "UPDATE messages SET ticket_id = $1, updated_at = $2 WHERE ticket_id = $3 AND workspace_id = $4",
            [target.id.into(), now.into(), source.id.into(), tx.ws().into()],
        ))
        .await?
        .rows_affected() as i32;
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            store.backend,
            "UPDATE attachments SET ticket_id = $1 WHERE ticket_id = $2 AND workspace_id = $3",
            [target.id.into(), source.id.into(), tx.ws().into()],
        ))
        .await?;
    let closed = crate::statuses::default_for(tx.conn(), tx.ws(), StatusCategory::Closed).await?;
    let mut am = source.clone().into_active_model();
    am.merged_into_id = Set(Some(target.id));
    am.status_id = Set(closed.id);
    am.status_category = Set(closed.category.clone());
    am.closed_at = Set(Some(now));
    am.message_count = Set(0);
    am.updated_at = Set(now);
    let source_after = am.update(tx.conn()).await?;
    adjust_counters(&tx, store, Some(&source), Some(&source_after), now).await?;
    let mut tam = target.clone().into_active_model();
    tam.message_count = Set(target.message_count + moved);
    tam.updated_at = Set(now);
    let target_after = tam.update(tx.conn()).await?;
    let note = format!("Ticket #{} was merged into this ticket.", source.number);
    messages::insert_in(&mut tx, &target_after, messages::Author::System, &note, true, None).await?;
    let back = format!("This ticket was merged into #{}.", target.number);
    let source_after = tickets::Entity::find_by_id(source.id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    messages::insert_in(&mut tx, &source_after, messages::Author::System, &back, true, None).await?;
    tx.emit(NewEvent {
        event_type: "ticket.merged",
        subject_type: "ticket",
        subject_id: Some(source.id),
        ticket_id: Some(source.id),
        requester_id: Some(source.requester_id),
        visibility: Visibility::Staff,
        data: json!({"source": {"id": source.id, "number": source.number}, "target": {"id": target.id, "number": target.number}, "messages_moved": moved}),
    });
    tx.emit(NewEvent {
        event_type: "ticket.updated",
        subject_type: "ticket",
        subject_id: Some(target.id),
        ticket_id: Some(target.id),
        requester_id: Some(target.requester_id),
        visibility: Visibility::Staff,
        data: json!({"ticket": {"id": target.id, "number": target.number}, "changes": {"merged_from": {"id": source.id, "number": source.number}}}),
    });
    tx.commit().await?;
    get(store, p, target_id).await
}

async fn check_assignee(conn: &impl ConnectionTrait, ws: i64, uid: i64) -> StoreResult<()> {
    let u = users::Entity::find_by_id(uid)
        .filter(users::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::invalid("/assignee_id", "no such agent"))?;
    if u.role == "customer" || !u.active {
        return Err(StoreError::invalid("/assignee_id", "must be an active agent or admin"));
    }
    Ok(())
}

fn parse_tags(raw: &[String], pointer: &str, problems: &mut Vec<FieldProblem>) -> Vec<String> {
    let out = crate::contacts::normalize_tags(raw, pointer, problems);
    if out.len() > 50 {
        problems.push(FieldProblem::new(pointer, "at most 50 tags"));
    }
    out
}

async fn set_tag_rows(tx: &Tx, ticket_id: i64, old: &[String], new: &[String], now: DateTime<Utc>) -> StoreResult<()> {
    let removed: Vec<&String> = old.iter().filter(|t| !new.contains(t)).collect();
    if !removed.is_empty() {
        ticket_tags::Entity::delete_many()
            .filter(ticket_tags::Column::TicketId.eq(ticket_id))
            .filter(ticket_tags::Column::Tag.is_in(removed.into_iter().cloned()))
            .exec(tx.conn())
            .await?;
    }
    let added: Vec<ticket_tags::ActiveModel> = new
        .iter()
        .filter(|t| !old.contains(t))
        .map(|t| ticket_tags::ActiveModel {
            workspace_id: Set(tx.ws()),
            ticket_id: Set(ticket_id),
            tag: Set(t.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    if !added.is_empty() {
        ticket_tags::Entity::insert_many(added).exec_without_returning(tx.conn()).await?;
    }
    Ok(())
}

fn counter_keys(t: &tickets::Model) -> [String; 3] {
    let who = t.assignee_id.map_or_else(|| "none".to_owned(), |u| u.to_string());
    [
        format!("t:cat:{}", t.status_category),
        format!("t:status:{}", t.status_id),
        format!("t:asg:{who}:{}", t.status_category),
    ]
}

/// Moves the counters of a ticket whose status or assignee changed outside a patch.
pub(crate) async fn move_counters(
    tx: &Tx,
    before: &tickets::Model,
    after: &tickets::Model,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let store = tx.store.clone();
    adjust_counters(tx, &store, Some(before), Some(after), now).await
}

/// Moves the view counters from `before` to `after` (either may be absent).
async fn adjust_counters(
    tx: &Tx,
    store: &Store,
    before: Option<&tickets::Model>,
    after: Option<&tickets::Model>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut delta: HashMap<String, i64> = HashMap::new();
    if let Some(b) = before {
        for k in counter_keys(b) {
            *delta.entry(k).or_default() -= 1;
        }
    }
    if let Some(a) = after {
        for k in counter_keys(a) {
            *delta.entry(k).or_default() += 1;
        }
    }
    let mut keys: Vec<_> = delta.into_iter().filter(|(_, d)| *d != 0).collect();
    // A fixed order avoids lock-order deadlocks between concurrent writers on PostgreSQL.
    keys.sort();
    for (name, d) in keys {
        add_counter(tx.conn(), store.backend, tx.ws(), &name, d, now).await?;
    }
    Ok(())
}

/// Adds `d` to a counter, creating it at `d`.
pub(crate) async fn add_counter(
    conn: &impl ConnectionTrait,
    backend: sea_orm::DbBackend,
    ws: i64,
    name: &str,
    d: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO counters (workspace_id, name, value, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (workspace_id, name) DO UPDATE SET value = counters.value + excluded.value, updated_at = excluded.updated_at",
        [ws.into(), name.into(), d.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// Recomputes every ticket counter of a workspace from the rows (after bulk loads).
pub async fn rebuild_counters(store: &Store, ws: i64) -> StoreResult<()> {
    let now = store.now();
    let tx = store.begin(&Principal::system(ws)).await?;
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            store.backend,
            "DELETE FROM counters WHERE workspace_id = $1 AND name LIKE 't:%'",
            [ws.into()],
        ))
        .await?;
    let b = store.backend;
    for (expr, group) in [
        ("'t:cat:' || status_category", "status_category"),
        ("'t:status:' || CAST(status_id AS TEXT)", "status_id"),
        (
            "'t:asg:' || COALESCE(CAST(assignee_id AS TEXT), 'none') || ':' || status_category",
            "assignee_id, status_category",
        ),
    ] {
        let sql = format!(
            "INSERT INTO counters (workspace_id, name, value, created_at, updated_at) \
             SELECT $1, {expr}, COUNT(*), $2, $2 FROM tickets WHERE workspace_id = $1 GROUP BY {group}"
        );
        tx.conn().execute_raw(Statement::from_sql_and_values(b, &sql, [ws.into(), now.into()])).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Resolves statuses, requesters and assignees for rows, in three queries.
pub(crate) async fn views(
    conn: &impl ConnectionTrait,
    ws: i64,
    rows: Vec<tickets::Model>,
) -> StoreResult<Vec<TicketView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let status_ids: BTreeSet<i64> = rows.iter().map(|r| r.status_id).collect();
    let contact_ids: BTreeSet<i64> = rows.iter().map(|r| r.requester_id).collect();
    let user_ids: BTreeSet<i64> = rows.iter().filter_map(|r| r.assignee_id).collect();
    // Looked up by primary key alone, the workspace checked on the rows: with
    // `workspace_id = ? AND id IN (…)` SQLite's planner (no statistics) prefers an
    // index on `workspace_id` and scans every contact of the workspace (5 ms at 50k).
    let statuses: HashMap<i64, statuses::Model> = statuses::Entity::find()
        .filter(statuses::Column::Id.is_in(status_ids))
        .all(conn)
        .await?
        .into_iter()
        .filter(|s| s.workspace_id == ws)
        .map(|s| (s.id, s))
        .collect();
    let contacts: HashMap<i64, (String, Option<String>)> = contacts::Entity::find()
        .select_only()
        .column(contacts::Column::Id)
        .column(contacts::Column::WorkspaceId)
        .column(contacts::Column::Name)
        .column(contacts::Column::Email)
        .filter(contacts::Column::Id.is_in(contact_ids))
        .into_tuple::<(i64, i64, String, Option<String>)>()
        .all(conn)
        .await?
        .into_iter()
        .filter(|(_, w, _, _)| *w == ws)
        .map(|(id, _, n, e)| (id, (n, e)))
        .collect();
    let users: HashMap<i64, String> = if user_ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::WorkspaceId)
            .column(users::Column::Name)
            .filter(users::Column::Id.is_in(user_ids))
            .into_tuple::<(i64, i64, String)>()
            .all(conn)
            .await?
            .into_iter()
            .filter(|(_, w, _)| *w == ws)
            .map(|(id, _, n)| (id, n))
            .collect()
    };
    rows.into_iter()
        .map(|t| {
            let status = statuses.get(&t.status_id).cloned().ok_or(StoreError::NotFound)?;
            let (name, email) = contacts.get(&t.requester_id).cloned().unwrap_or_default();
            let assignee = t.assignee_id.map(|a| (a, users.get(&a).cloned().unwrap_or_default()));
            Ok(TicketView { requester: (t.requester_id, name, email), assignee, status, ticket: t })
        })
        .collect()
}
