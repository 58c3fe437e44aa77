//! Runs: one customer's walk through one published version of a tutorial,
//! recorded step by step, ending in an outcome; the "open a ticket" outcome
//! turns the path taken into a ticket.
//!
//! Invariants:
//! - A run walks the version it started on, whatever is published later.
//! - Every step reached is a `tutorial_run_steps` row (with the choice made
//!   there), so reach and drop-off per step are indexed counts.
//! - A run's public id is its only credential (the help center keeps it in the
//!   URL); the requester of a ticket never comes from the run but from the
//!   caller: the signed-in customer or visitor, else the name and e-mail given.
//! - A run opens at most one ticket: the run row is claimed in the ticket's
//!   transaction (`ticket_id IS NULL`), so a double submit cannot open two.
//! - Anonymous tickets are limited per client and per e-mail address
//!   ([`ANON_TICKETS_PER_HOUR`]), counted from the runs themselves so the
//!   limit holds across nodes.

use autocrm_domain::tutorials::{Outcome, PathEntry, RunChannel, Target, best_locale, pick, ticket_html, transcript};
use autocrm_domain::workspaces::Locale;
use autocrm_domain::{Channel, EmailAddress, Principal, Priority};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait as _,
    QueryFilter, QueryOrder, QuerySelect as _,
};
use serde_json::json;

use super::{Published, version};
use crate::entity::{tickets, tutorial_run_steps, tutorial_runs};
use crate::messages::Author;
use crate::tx::{NewEvent, Tx, Visibility};
use crate::{Store, StoreError, StoreResult};

/// Tickets one anonymous client (or one e-mail address) may open from tutorials per hour.
pub const ANON_TICKETS_PER_HOUR: u64 = 3;

/// How to start a run.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// Where the customer runs it.
    pub channel: RunChannel,
    /// The language asked for (falls back to the tutorial's default).
    pub locale: Option<String>,
    /// An anonymous visitor id the client keeps (1–64 of `A-Z a-z 0-9 _ -`).
    pub visitor_id: Option<String>,
}

/// A run as recorded.
#[derive(Debug, Clone)]
pub struct Run {
    /// Internal id.
    pub id: i64,
    /// The run's credential and public id.
    pub public_id: String,
    /// The tutorial.
    pub tutorial_id: i64,
    /// The version it walks.
    pub version: i64,
    /// Where it runs.
    pub channel: RunChannel,
    /// Its language.
    pub locale: String,
    /// The step shown now (the last one, once finished).
    pub current_step: Option<String>,
    /// Each step answered, in order.
    pub path: Vec<PathEntry>,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// The ticket it opened.
    pub ticket_id: Option<i64>,
    /// That ticket's number.
    pub ticket_number: Option<i64>,
    /// The signed-in contact that ran it.
    pub contact_id: Option<i64>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it reached its outcome.
    pub finished_at: Option<DateTime<Utc>>,
}

/// A run with the version it walks.
#[derive(Debug, Clone)]
pub struct RunView {
    /// The run.
    pub run: Run,
    /// Its tutorial version.
    pub tutorial: Published,
}

/// What an "open a ticket" outcome prefills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefill {
    /// The ticket's subject.
    pub subject: String,
    /// A category tag for routing.
    pub category: Option<String>,
    /// Each question and the answer chosen.
    pub transcript: Vec<(String, String)>,
    /// The description as plain text (for forms and the portal).
    pub text: String,
}

/// Who a ticket from a run is for.
#[derive(Debug, Clone)]
pub enum Requester {
    /// A signed-in customer or identified visitor.
    Contact(i64),
    /// An anonymous customer who gave their name and address.
    Email {
        /// The address.
        email: EmailAddress,
        /// Their name.
        name: Option<String>,
        /// A hash identifying the client (its IP address), for the rate limit.
        client_key: Option<String>,
    },
}

/// The ticket a run opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedTicket {
    /// Its id.
    pub ticket_id: i64,
    /// Its number.
    pub number: i64,
}

fn run_of(row: tutorial_runs::Model, ticket_number: Option<i64>) -> StoreResult<Run> {
    Ok(Run {
        id: row.id,
        public_id: row.public_id,
        tutorial_id: row.tutorial_id,
        version: row.version,
        channel: RunChannel::parse(&row.channel).unwrap_or(RunChannel::HelpCenter),
        locale: row.locale,
        current_step: row.current_step,
        path: serde_json::from_value(row.path).map_err(|e| StoreError::Io(format!("stored run path: {e}")))?,
        outcome: row.outcome.as_deref().and_then(Outcome::parse),
        ticket_id: row.ticket_id,
        ticket_number,
        contact_id: row.contact_id,
        started_at: row.started_at,
        finished_at: row.finished_at,
    })
}

async fn view_of(conn: &impl ConnectionTrait, ws: i64, row: tutorial_runs::Model) -> StoreResult<RunView> {
    let tutorial = version(conn, ws, row.tutorial_id, row.version).await?;
    let number = match row.ticket_id {
        Some(id) => {
            tickets::Entity::find_by_id(id)
                .filter(tickets::Column::WorkspaceId.eq(ws))
                .select_only()
                .column(tickets::Column::Number)
                .into_tuple::<i64>()
                .one(conn)
                .await?
        }
        None => None,
    };
    Ok(RunView { run: run_of(row, number)?, tutorial })
}

async fn find(conn: &impl ConnectionTrait, ws: i64, public_id: &str) -> StoreResult<tutorial_runs::Model> {
    tutorial_runs::Entity::find()
        .filter(tutorial_runs::Column::WorkspaceId.eq(ws))
        .filter(tutorial_runs::Column::PublicId.eq(public_id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The contact a principal of workspace `ws` acts as (signed-in customer or identified visitor).
pub fn contact_of(actor: &Principal, ws: i64) -> Option<i64> {
    actor.customer_contact().filter(|c| *c > 0 && actor.workspace_id == ws)
}

/// The principal a public call writes as: the caller when it belongs to the
/// workspace and is a customer or visitor, else the system.
fn writer(actor: &Principal, ws: i64) -> Principal {
    if actor.workspace_id == ws && actor.customer_contact().is_some() { actor.clone() } else { Principal::system(ws) }
}

fn check_visitor_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Starts a run of a published tutorial's latest version at its start step.
pub async fn start(store: &Store, ws: i64, actor: &Principal, tutorial_id: i64, input: NewRun) -> StoreResult<RunView> {
    let tutorial = super::published(store, ws, tutorial_id).await?;
    let visitor_id = match (input.visitor_id.as_deref().map(str::trim), actor.visitor_id()) {
        (_, Some(v)) if actor.workspace_id == ws => Some(format!("visitor-{v}")),
        (Some(id), _) if check_visitor_id(id) => Some(id.to_owned()),
        (Some(_), _) => return Err(StoreError::invalid("/visitor_id", "must be 1–64 of A-Z, a-z, 0-9, _ and -")),
        (None, _) => None,
    };
    let wanted = input.locale.as_deref().and_then(|l| Locale::parse(l).ok());
    let locale =
        best_locale(&tutorial.title, &tutorial.graph, wanted.as_ref().map(Locale::as_str), &tutorial.default_locale);
    let now = store.now();
    let writer = writer(actor, ws);
    let tx = store.begin(&writer).await?;
    let row = tutorial_runs::ActiveModel {
        workspace_id: Set(ws),
        tutorial_id: Set(tutorial_id),
        version: Set(tutorial.version),
        public_id: Set(format!("run_{}", crate::sessions::random_token())),
        channel: Set(input.channel.as_str().to_owned()),
        locale: Set(locale),
        contact_id: Set(contact_of(actor, ws)),
        visitor_id: Set(visitor_id),
        current_step: Set(Some(tutorial.graph.start.clone())),
        path: Set(json!([])),
        outcome: Set(None),
        ticket_id: Set(None),
        requester_key: Set(None),
        ticket_opened_at: Set(None),
        started_at: Set(now),
        last_activity_at: Set(now),
        finished_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    reach(&tx, &row, 0, &tutorial.graph.start, None).await?;
    tx.commit().await?;
    Ok(RunView { run: run_of(row, None)?, tutorial })
}

/// Records that the run reached `step` (at visit `position`), with the choice when already made.
async fn reach(
    tx: &Tx,
    run: &tutorial_runs::Model,
    position: i64,
    step: &str,
    choice: Option<&str>,
) -> StoreResult<()> {
    let now = tx.store.now();
    tutorial_run_steps::ActiveModel {
        workspace_id: Set(run.workspace_id),
        run_id: Set(run.id),
        tutorial_id: Set(run.tutorial_id),
        version: Set(run.version),
        position: Set(position),
        step: Set(step.to_owned()),
        choice: Set(choice.map(str::to_owned)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    Ok(())
}

/// A run by its public id, with the version it walks.
pub async fn get(store: &Store, ws: i64, public_id: &str) -> StoreResult<RunView> {
    let row = find(&store.db, ws, public_id).await?;
    view_of(&store.db, ws, row).await
}

/// Records the choice made at `step`. Choosing at an earlier step of the
/// path (the customer went back) replaces the path from there. A choice
/// that leads to an outcome finishes the run.
pub async fn choose(
    store: &Store,
    ws: i64,
    actor: &Principal,
    public_id: &str,
    step: &str,
    choice: &str,
) -> StoreResult<RunView> {
    let writer = writer(actor, ws);
    let mut tx = store.begin(&writer).await?;
    let row = find(tx.conn(), ws, public_id).await?;
    if row.finished_at.is_some() {
        return Err(StoreError::Conflict {
            code: "tutorial_run_finished",
            message: "this run has already reached its outcome; start the tutorial again".into(),
        });
    }
    let tutorial = version(tx.conn(), ws, row.tutorial_id, row.version).await?;
    let step_def = tutorial.graph.step(step).ok_or_else(|| StoreError::invalid("/step", "no such step"))?;
    let choice_def = step_def
        .choices
        .iter()
        .find(|c| c.key == choice)
        .ok_or_else(|| StoreError::invalid("/choice", "this step has no such choice"))?;
    let mut path: Vec<PathEntry> =
        serde_json::from_value(row.path.clone()).map_err(|e| StoreError::Io(format!("stored run path: {e}")))?;
    let last = tutorial_run_steps::Entity::find()
        .filter(tutorial_run_steps::Column::RunId.eq(row.id))
        .order_by_desc(tutorial_run_steps::Column::Position)
        .one(tx.conn())
        .await?;
    let mut position = last.as_ref().map_or(0, |l| l.position);
    if row.current_step.as_deref() == Some(step) {
        if let Some(visit) = last.filter(|l| l.step == step && l.choice.is_none()) {
            let mut am: tutorial_run_steps::ActiveModel = visit.into();
            am.choice = Set(Some(choice.to_owned()));
            am.updated_at = Set(store.now());
            am.update(tx.conn()).await?;
        } else {
            position += 1;
            reach(&tx, &row, position, step, Some(choice)).await?;
        }
    } else {
        // Back to an earlier step: the path continues from there.
        let at = path
            .iter()
            .rposition(|e| e.step == step)
            .ok_or_else(|| StoreError::invalid("/step", "is neither the current step nor one the run passed"))?;
        path.truncate(at);
        position += 1;
        reach(&tx, &row, position, step, Some(choice)).await?;
    }
    path.push(PathEntry { step: step.to_owned(), choice: choice.to_owned() });
    let now = store.now();
    let outcome = choice_def.target.outcome();
    let mut am: tutorial_runs::ActiveModel = row.clone().into();
    am.path = Set(json!(path));
    am.last_activity_at = Set(now);
    am.updated_at = Set(now);
    if let Target::Step { step: next } = &choice_def.target {
        am.current_step = Set(Some(next.clone()));
        reach(&tx, &row, position + 1, next, None).await?;
    } else {
        // The run ends here: its current step stays the one the outcome was chosen at.
        am.current_step = Set(Some(step.to_owned()));
        am.outcome = Set(outcome.map(|o| o.as_str().to_owned()));
        am.finished_at = Set(Some(now));
    }
    let row = am.update(tx.conn()).await?;
    if let Some(outcome) = outcome {
        let title = pick(&tutorial.title, &tutorial.default_locale, &tutorial.default_locale).0.to_owned();
        tx.emit(NewEvent {
            event_type: "tutorial_run.completed",
            subject_type: "tutorial_run",
            subject_id: Some(row.id),
            ticket_id: None,
            requester_id: None,
            visibility: Visibility::Staff,
            data: json!({"tutorial": {"id": tutorial.tutorial_id, "title": title, "version": tutorial.version},
                "run": {"id": row.id, "channel": row.channel, "locale": row.locale, "outcome": outcome.as_str(),
                    "steps": path.len(), "contact_id": row.contact_id}}),
        });
    }
    tx.commit().await?;
    Ok(RunView { run: run_of(row, None)?, tutorial })
}

/// What the run's "open a ticket" outcome prefills; `None` unless the run ended there.
pub fn prefill(view: &RunView) -> Option<Prefill> {
    let run = &view.run;
    if run.outcome != Some(Outcome::OpenTicket) {
        return None;
    }
    let t = &view.tutorial;
    let last = run.path.last()?;
    let target = &t.graph.step(&last.step)?.choices.iter().find(|c| c.key == last.choice)?.target;
    let Target::OpenTicket { subject, category } = target else { return None };
    let title = pick(&t.title, &run.locale, &t.default_locale).0.to_owned();
    let subject = Some(pick(subject, &run.locale, &t.default_locale).0).filter(|s| !s.is_empty()).unwrap_or(&title);
    let transcript = transcript(&t.graph, &run.path, &run.locale, &t.default_locale);
    let text = autocrm_domain::tutorials::prefill_text(&title, &transcript);
    Some(Prefill { subject: subject.to_owned(), category: category.clone(), transcript, text })
}

/// Opens the ticket of a run that ended in "open a ticket": the subject from
/// the outcome, a description with the customer's `details` and each question
/// with the answer chosen, tagged `tutorial` and the outcome's category.
pub async fn open_ticket(
    store: &Store,
    ws: i64,
    actor: &Principal,
    public_id: &str,
    requester: Requester,
    details: Option<&str>,
) -> StoreResult<OpenedTicket> {
    let view = get(store, ws, public_id).await?;
    let prefill = prefill(&view).ok_or_else(|| StoreError::Conflict {
        code: "tutorial_run_not_open_ticket",
        message: "this run did not end with \"open a ticket\"".into(),
    })?;
    if view.run.ticket_id.is_some() {
        return Err(already_opened());
    }
    if details.is_some_and(|d| d.len() > 20_000) {
        return Err(StoreError::invalid("/details", "must be at most 20000 characters"));
    }
    let subject = autocrm_domain::tickets::parse_subject(&prefill.subject)
        .unwrap_or_else(|_| prefill.subject.chars().take(autocrm_domain::tickets::MAX_SUBJECT_CHARS).collect());
    let title = pick(&view.tutorial.title, &view.run.locale, &view.tutorial.default_locale).0.to_owned();
    let body = ticket_html(&title, &prefill.transcript, details);
    let mut tags = vec!["tutorial".to_owned()];
    tags.extend(prefill.category.clone().filter(|c| c != "tutorial"));
    let now = store.now();
    let mut tx = store.begin(&writer(actor, ws)).await?;
    // An anonymous visitor's contact: they get the e-mail acknowledgement (they have no portal to look in).
    let (requester_id, client_key, anonymous) = match requester {
        Requester::Contact(id) => (id, None, None),
        Requester::Email { email, name, client_key } => {
            let since = now - Duration::hours(1);
            if let Some(key) = &client_key {
                let n = tutorial_runs::Entity::find()
                    .filter(tutorial_runs::Column::WorkspaceId.eq(ws))
                    .filter(tutorial_runs::Column::RequesterKey.eq(key.as_str()))
                    .filter(tutorial_runs::Column::TicketOpenedAt.gt(since))
                    .count(tx.conn())
                    .await?;
                if n >= ANON_TICKETS_PER_HOUR {
                    return Err(rate_limited());
                }
            }
            let contact = crate::contacts::find_or_create_by_email(&mut tx, &email, name.as_deref()).await?;
            let n = tutorial_runs::Entity::find()
                .filter(tutorial_runs::Column::WorkspaceId.eq(ws))
                .filter(tutorial_runs::Column::ContactId.eq(contact.id))
                .filter(tutorial_runs::Column::TicketOpenedAt.gt(since))
                .count(tx.conn())
                .await?;
            if n >= ANON_TICKETS_PER_HOUR {
                return Err(rate_limited());
            }
            (contact.id, client_key, Some(contact))
        }
    };
    let ticket = crate::tickets::insert_in(
        &mut tx,
        crate::tickets::NewTicketRow {
            subject,
            requester_id,
            channel: Channel::Web,
            status: None,
            priority: Priority::Normal,
            assignee_id: None,
            team_id: None,
            tags,
            custom_fields: serde_json::Map::new(),
            created_at: now,
        },
    )
    .await?;
    crate::messages::insert_in(&mut tx, &ticket, Author::Contact(requester_id), &body, false, None).await?;
    // Claims the run: a second submit finds `ticket_id` set and changes nothing.
    let claimed = tutorial_runs::Entity::update_many()
        .col_expr(tutorial_runs::Column::TicketId, Expr::val(ticket.id))
        .col_expr(tutorial_runs::Column::TicketOpenedAt, Expr::val(now))
        .col_expr(tutorial_runs::Column::RequesterKey, Expr::val(client_key))
        .col_expr(tutorial_runs::Column::ContactId, Expr::val(view.run.contact_id.unwrap_or(requester_id)))
        .col_expr(tutorial_runs::Column::UpdatedAt, Expr::val(now))
        .filter(tutorial_runs::Column::Id.eq(view.run.id))
        .filter(tutorial_runs::Column::TicketId.is_null())
        .exec(tx.conn())
        .await?;
    if claimed.rows_affected != 1 {
        return Err(already_opened());
    }
    // Acknowledged like a request by e-mail or from the chat's offline form
    // (same switch, template, opt-out and caps); a signed-in customer sees
    // the ticket in the portal at once, as with the portal's own form.
    if let Some(contact) = anonymous
        && crate::channels::settings(tx.conn(), store, ws).await?.auto_reply_enabled
    {
        crate::channels::email_out::queue_notice_in(
            &mut tx,
            &ticket,
            &contact,
            autocrm_channels::email::templates::Notice::TicketReceived,
            None,
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(OpenedTicket { ticket_id: ticket.id, number: ticket.number })
}

fn already_opened() -> StoreError {
    StoreError::Conflict { code: "tutorial_ticket_exists", message: "this run has already opened a ticket".into() }
}

fn rate_limited() -> StoreError {
    StoreError::Conflict {
        code: "rate_limited",
        message: "too many tickets from tutorials for this address; try again in an hour".into(),
    }
}
