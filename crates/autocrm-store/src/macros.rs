//! Macros: ticket changes plus a reply template, applied in one transaction.
//!
//! Applying one changes the ticket (status, priority, assignee, tags, custom
//! fields), optionally posts the rendered reply or note, counts the use and
//! records a `macro.applied` event on the ticket — all committed together.
//! Personal macros belong to one agent; shared ones are managed by admins.

use autocrm_domain::Principal;
use autocrm_domain::macros::{
    MacroActions, OrderVars, PersonVars, TemplateContext, TicketVars, WorkspaceVars, check_template, render,
};
use autocrm_domain::views::AssigneeRef;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::entity::macros;
use crate::messages::Author;
use crate::owned::{check_writable, sharing, staff_only, visible};
use crate::tickets::{TicketPatch, TicketView};
use crate::tx::{NewEvent, Visibility};
use crate::{FieldProblem, Store, StoreError, StoreResult};

/// A macro.
#[derive(Debug, Clone)]
pub struct Macro {
    /// Id.
    pub id: i64,
    /// `None` when shared.
    pub owner_user_id: Option<i64>,
    /// Name.
    pub name: String,
    /// Ticket changes.
    pub actions: MacroActions,
    /// Reply template.
    pub reply: Option<String>,
    /// Post the reply as an internal note.
    pub reply_internal: bool,
    /// Times applied.
    pub usage_count: i64,
}

/// A new macro or a change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct MacroInput {
    /// Name (1–80 characters).
    pub name: Option<String>,
    /// Ticket changes.
    pub actions: Option<MacroActions>,
    /// Reply template (`Some("")` removes it).
    pub reply: Option<String>,
    /// Post the reply as an internal note.
    pub reply_internal: Option<bool>,
    /// Shared with the team (admins and keys only).
    pub shared: Option<bool>,
}

/// What applying a macro did (or, for a preview, would do).
#[derive(Debug, Clone)]
pub struct Applied {
    /// The ticket afterwards.
    pub ticket: TicketView,
    /// The rendered reply, if the macro has one.
    pub reply_html: Option<String>,
    /// The message posted, when the reply was sent.
    pub message_id: Option<i64>,
}

fn from_row(row: macros::Model) -> StoreResult<Macro> {
    Ok(Macro {
        id: row.id,
        owner_user_id: row.owner_user_id,
        name: row.name,
        actions: serde_json::from_value(row.actions).map_err(|e| StoreError::Io(format!("stored macro: {e}")))?,
        reply: row.reply,
        reply_internal: row.reply_internal,
        usage_count: row.usage_count,
    })
}

/// The ticket patch the actions mean for `p`.
fn patch_for(actions: &MacroActions, p: &Principal) -> TicketPatch {
    let assignee = actions.assignee.as_deref().and_then(AssigneeRef::parse).map(|a| match a {
        AssigneeRef::Me => p.user_id(),
        AssigneeRef::Nobody => None,
        AssigneeRef::User(id) => Some(id),
    });
    TicketPatch {
        status_id: actions.status_id,
        priority: actions.priority,
        assignee_id: assignee,
        add_tags: actions.add_tags.clone(),
        remove_tags: actions.remove_tags.clone(),
        custom_fields: (!actions.custom_fields.is_empty()).then(|| actions.custom_fields.clone()),
        ..TicketPatch::default()
    }
}

/// The caller's macros and the shared ones, by name.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<Macro>> {
    staff_only(p)?;
    let rows = macros::Entity::find()
        .filter(visible(p, macros::Column::WorkspaceId, macros::Column::OwnerUserId))
        .order_by_asc(macros::Column::Name)
        .order_by_asc(macros::Column::Id)
        .all(&store.db)
        .await?;
    rows.into_iter().map(from_row).collect()
}

async fn find(store: &Store, p: &Principal, id: i64) -> StoreResult<macros::Model> {
    staff_only(p)?;
    macros::Entity::find_by_id(id)
        .filter(visible(p, macros::Column::WorkspaceId, macros::Column::OwnerUserId))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// One macro the caller can see.
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<Macro> {
    from_row(find(store, p, id).await?)
}

/// Checks the present parts of `input`: the actions as a ticket patch would
/// be checked, the template's syntax.
async fn check(store: &Store, p: &Principal, input: &mut MacroInput) -> StoreResult<()> {
    let mut problems = Vec::new();
    crate::owned::check_name(input.name.as_mut(), &mut problems);
    if let Some(actions) = &input.actions {
        if actions.assignee.as_deref().is_some_and(|a| AssigneeRef::parse(a).is_none()) {
            problems.push(FieldProblem::new("/actions/assignee", "must be `me`, `none` or a user id"));
        }
        // Checked as a patch would be, on a read connection: nothing is written.
        if let Err(StoreError::Invalid(list)) =
            crate::tickets::prepare_patch(&store.db, p, &patch_for(actions, p)).await
        {
            problems.extend(list.into_iter().map(|f| FieldProblem::new(format!("/actions{}", f.pointer), f.detail)));
        }
    }
    if let Some(reply) = &input.reply
        && let Err(e) = check_template(reply)
    {
        problems.push(FieldProblem::new("/reply", e.0));
    }
    if let Some(shared) = input.shared
        && let Err(e) = sharing(p, Some(shared))
    {
        problems.push(FieldProblem::new("/shared", e));
    }
    if problems.is_empty() { Ok(()) } else { Err(StoreError::Invalid(problems)) }
}

/// Creates a macro (personal unless `shared`).
pub async fn create(store: &Store, p: &Principal, mut input: MacroInput) -> StoreResult<Macro> {
    staff_only(p)?;
    if input.name.is_none() {
        return Err(StoreError::invalid("/name", "is required"));
    }
    let shared = sharing(p, input.shared).map_err(|e| StoreError::invalid("/shared", e))?;
    check(store, p, &mut input).await?;
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = macros::ActiveModel {
        workspace_id: Set(tx.ws()),
        owner_user_id: Set(if shared { None } else { p.user_id() }),
        name: Set(input.name.unwrap_or_default()),
        actions: Set(json!(input.actions.unwrap_or_default())),
        reply: Set(input.reply.filter(|r| !r.trim().is_empty())),
        reply_internal: Set(input.reply_internal.unwrap_or(false)),
        usage_count: Set(0),
        last_used_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin("macro.created", "macro", row.id, json!({"macro": {"id": row.id, "name": row.name}})));
    tx.commit().await?;
    from_row(row)
}

/// Changes a macro (your own, or a shared one as an admin).
pub async fn update(store: &Store, p: &Principal, id: i64, mut input: MacroInput) -> StoreResult<Macro> {
    let row = find(store, p, id).await?;
    check_writable(p, row.owner_user_id)?;
    check(store, p, &mut input).await?;
    let mut tx = store.begin(p).await?;
    let mut am: macros::ActiveModel = row.into();
    if let Some(n) = input.name {
        am.name = Set(n);
    }
    if let Some(a) = input.actions {
        am.actions = Set(json!(a));
    }
    if let Some(r) = input.reply {
        am.reply = Set(Some(r).filter(|r| !r.trim().is_empty()));
    }
    if let Some(i) = input.reply_internal {
        am.reply_internal = Set(i);
    }
    match input.shared {
        Some(true) => am.owner_user_id = Set(None),
        Some(false) => am.owner_user_id = Set(p.user_id()),
        None => {}
    }
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin("macro.updated", "macro", row.id, json!({"macro": {"id": row.id, "name": row.name}})));
    tx.commit().await?;
    from_row(row)
}

/// Deletes a macro (your own, or a shared one as an admin).
pub async fn delete(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    let row = find(store, p, id).await?;
    check_writable(p, row.owner_user_id)?;
    let mut tx = store.begin(p).await?;
    macros::Entity::delete_by_id(row.id).exec(tx.conn()).await?;
    tx.emit(NewEvent::admin("macro.deleted", "macro", row.id, json!({"macro": {"id": row.id, "name": row.name}})));
    tx.commit().await?;
    Ok(())
}

/// The placeholders for a ticket, as `p` would apply the macro.
async fn context(
    store: &Store,
    p: &Principal,
    t: &TicketView,
    order: Option<OrderVars>,
) -> StoreResult<TemplateContext> {
    let ws = crate::workspaces::by_id(store, p.workspace_id).await?;
    let agent = match p.user_id() {
        Some(uid) => {
            let u = crate::users::get(store, p, uid).await?;
            PersonVars::new(&u.name, &u.email)
        }
        None => PersonVars::new(&ws.name, ""),
    };
    let fields = t.ticket.custom_fields.as_object().cloned().unwrap_or_default();
    // The order a ticket is about: as the commerce provider reports it
    // (passed in), else just its number from the order-number field.
    let order = order.or_else(|| {
        fields
            .get("order_number")
            .and_then(Value::as_str)
            .map(|n| OrderVars { number: n.to_owned(), ..OrderVars::default() })
    });
    Ok(TemplateContext {
        ticket: TicketVars {
            number: t.ticket.number,
            subject: t.ticket.subject.clone(),
            status: t.status.name.clone(),
            priority: t.ticket.priority.clone(),
            fields,
        },
        requester: PersonVars::new(&t.requester.1, t.requester.2.as_deref().unwrap_or_default()),
        agent,
        order,
        workspace: WorkspaceVars { name: ws.name },
    })
}

/// Renders the macro's reply for a ticket without changing anything.
/// `order` is the ticket's order as the commerce provider reports it.
pub async fn preview(
    store: &Store,
    p: &Principal,
    macro_id: i64,
    ticket_id: i64,
    order: Option<OrderVars>,
) -> StoreResult<Option<String>> {
    let m = get(store, p, macro_id).await?;
    let t = crate::tickets::get(store, p, ticket_id).await?;
    render_reply(store, p, &m, &t, order).await
}

async fn render_reply(
    store: &Store,
    p: &Principal,
    m: &Macro,
    t: &TicketView,
    order: Option<OrderVars>,
) -> StoreResult<Option<String>> {
    let Some(template) = &m.reply else { return Ok(None) };
    let ctx = context(store, p, t, order).await?;
    render(template, &ctx).map(Some).map_err(|e| StoreError::invalid("/reply", e.0))
}

/// Applies a macro to a ticket: its changes, its reply when `send_reply`, one
/// more use — in one transaction. `order` as for [`preview`].
pub async fn apply(
    store: &Store,
    p: &Principal,
    macro_id: i64,
    ticket_id: i64,
    send_reply: bool,
    order: Option<OrderVars>,
) -> StoreResult<Applied> {
    let m = get(store, p, macro_id).await?;
    let before = crate::tickets::get(store, p, ticket_id).await?;
    let reply_html = render_reply(store, p, &m, &before, order).await?;
    let patch = patch_for(&m.actions, p);
    let mut tx = store.begin(p).await?;
    if !patch.is_empty() {
        let prepared = crate::tickets::prepare_patch(tx.conn(), p, &patch).await?;
        let row = crate::tickets::find_visible(tx.conn(), p, ticket_id).await?;
        crate::tickets::apply_patch(&mut tx, store, row, &prepared, None).await?;
    }
    let mut message_id = None;
    if send_reply && let Some(html) = reply_html.as_deref().filter(|h| !h.trim().is_empty()) {
        let row = crate::tickets::find_visible(tx.conn(), p, ticket_id).await?;
        let author = p.user_id().map_or(Author::System, Author::User);
        let msg = crate::messages::insert_in(&mut tx, &row, author, html, m.reply_internal, None).await?;
        message_id = Some(msg.id);
    }
    macros::Entity::update_many()
        .col_expr(macros::Column::UsageCount, Expr::col(macros::Column::UsageCount).add(1))
        .col_expr(macros::Column::LastUsedAt, Expr::val(store.now()))
        .filter(sea_orm::ColumnTrait::eq(&macros::Column::Id, m.id))
        .exec(tx.conn())
        .await?;
    tx.emit(NewEvent {
        event_type: "macro.applied",
        subject_type: "macro",
        subject_id: Some(m.id),
        ticket_id: Some(ticket_id),
        requester_id: Some(before.requester.0),
        visibility: Visibility::Staff,
        data: json!({"macro": {"id": m.id, "name": m.name}, "ticket": {"id": ticket_id}, "reply_sent": message_id.is_some()}),
    });
    tx.commit().await?;
    let ticket = crate::tickets::get(store, p, ticket_id).await?;
    Ok(Applied { ticket, reply_html, message_id })
}
