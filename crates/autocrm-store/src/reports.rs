//! Performance figures over a period, read from the event log (who solved,
//! replied, reopened, applied macros — the actor and time of each change) and
//! from the ticket timestamps those same transactions maintain
//! (`first_response_at`, `solved_at`).
//!
//! Every query is bounded by the period (`events_type_at_idx`,
//! `tickets_created_idx`), so a report costs what the period holds, not what
//! the workspace has ever held.

use std::collections::{BTreeMap, HashMap, HashSet};

use autocrm_domain::Principal;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entity::{events, tickets, users};
use crate::{Store, StoreError, StoreResult};

/// Longest period a report covers.
pub const MAX_DAYS: i64 = 366;

/// A half-open period `[from, to)`.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    /// Start (inclusive).
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
}

impl Period {
    /// Checks order and length.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Self> {
        if to <= from {
            return Err(StoreError::invalid("/to", "must be after `from`"));
        }
        if to - from > Duration::days(MAX_DAYS) {
            return Err(StoreError::invalid("/from", format!("a report covers at most {MAX_DAYS} days")));
        }
        Ok(Self { from, to })
    }
}

/// One agent's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentFigures {
    /// The agent.
    pub user_id: i64,
    /// Their name.
    pub name: String,
    /// Tickets they moved to solved.
    pub solved: i64,
    /// Public replies they wrote.
    pub replies: i64,
    /// Internal notes they wrote.
    pub notes: i64,
    /// Macros they applied.
    pub macro_uses: i64,
    /// Of the tickets they solved in the period, how many were reopened in it.
    pub reopened: i64,
    /// Median seconds from creation to first public staff reply, for tickets assigned to them first-answered in the period.
    pub median_first_response_secs: Option<i64>,
    /// Median seconds from creation to solved, for tickets assigned to them solved in the period.
    pub median_resolution_secs: Option<i64>,
}

/// The team's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamFigures {
    /// Tickets created in the period by channel.
    pub created_by_channel: BTreeMap<String, i64>,
    /// Tickets now in each status category (from the counters).
    pub by_status: BTreeMap<String, i64>,
    /// Unsolved tickets by age: `<1d`, `1-3d`, `3-7d`, `>7d`.
    pub backlog_age: Vec<(String, i64)>,
    /// Per day (`YYYY-MM-DD`): tickets created and solved.
    pub daily: Vec<(String, i64, i64)>,
    /// Median seconds to first response over tickets first-answered in the period.
    pub median_first_response_secs: Option<i64>,
    /// Median seconds to resolution over tickets solved in the period.
    pub median_resolution_secs: Option<i64>,
    /// Every agent with activity in the period.
    pub agents: Vec<AgentFigures>,
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) { i64::midpoint(v[mid - 1], v[mid]) } else { v[mid] })
}

fn is_solved(category: Option<&str>) -> bool {
    matches!(category, Some("solved" | "closed"))
}

/// What one change event means for the figures.
enum Change {
    Solved(i64),
    Reopened(i64),
    Reply,
    Note,
    Macro,
    Other,
}

fn classify(e: &events::Model) -> Change {
    let data = &e.data;
    match e.r#type.as_str() {
        "ticket.updated" => {
            let status = &data["changes"]["status"];
            let from = status["from_category"].as_str();
            let to = status["to_category"].as_str();
            match (e.ticket_id, status.is_object()) {
                (Some(t), true) if !is_solved(from) && is_solved(to) => Change::Solved(t),
                (Some(t), true) if is_solved(from) && !is_solved(to) => Change::Reopened(t),
                _ => Change::Other,
            }
        }
        "message.created" if data["message"]["author_kind"] == "user" => {
            if data["message"]["internal"].as_bool().unwrap_or(false) { Change::Note } else { Change::Reply }
        }
        "macro.applied" => Change::Macro,
        _ => Change::Other,
    }
}

/// The change events of the period (the kinds reports read), oldest first.
async fn change_events(store: &Store, ws: i64, period: Period) -> StoreResult<Vec<events::Model>> {
    Ok(events::Entity::find()
        .filter(events::Column::WorkspaceId.eq(ws))
        .filter(events::Column::Type.is_in(["ticket.updated", "message.created", "macro.applied"]))
        .filter(events::Column::At.gte(period.from))
        .filter(events::Column::At.lt(period.to))
        .all(&store.db)
        .await?)
}

/// `(assignee, seconds)` of tickets first-answered, and of tickets solved, in the period.
async fn durations(
    store: &Store,
    ws: i64,
    period: Period,
) -> StoreResult<(Vec<(Option<i64>, i64)>, Vec<(Option<i64>, i64)>)> {
    type Row = (Option<i64>, DateTime<Utc>, Option<DateTime<Utc>>);
    let select = |col: tickets::Column| {
        tickets::Entity::find()
            .select_only()
            .column(tickets::Column::AssigneeId)
            .column(tickets::Column::CreatedAt)
            .column(col)
            .filter(tickets::Column::WorkspaceId.eq(ws))
            .filter(col.gte(period.from))
            .filter(col.lt(period.to))
            .into_tuple::<Row>()
    };
    let secs = |rows: Vec<Row>| {
        rows.into_iter()
            .filter_map(|(a, created, at)| at.map(|at| (a, (at - created).num_seconds().max(0))))
            .collect::<Vec<_>>()
    };
    let first = secs(select(tickets::Column::FirstResponseAt).all(&store.db).await?);
    let solved = secs(select(tickets::Column::SolvedAt).all(&store.db).await?);
    Ok((first, solved))
}

/// What one period's reads give: its change events and the durations.
struct PeriodData {
    events: Vec<events::Model>,
    first: Vec<(Option<i64>, i64)>,
    solved: Vec<(Option<i64>, i64)>,
}

async fn read_period(store: &Store, p: &Principal, period: Period) -> StoreResult<PeriodData> {
    if !p.sees_all_tickets() {
        return Err(StoreError::Forbidden);
    }
    let events = change_events(store, p.workspace_id, period).await?;
    let (first, solved) = durations(store, p.workspace_id, period).await?;
    Ok(PeriodData { events, first, solved })
}

/// Per-agent figures for the period (staff only).
pub async fn agents(store: &Store, p: &Principal, period: Period) -> StoreResult<Vec<AgentFigures>> {
    let data = read_period(store, p, period).await?;
    agent_figures(store, p.workspace_id, &data).await
}

async fn agent_figures(store: &Store, ws: i64, data: &PeriodData) -> StoreResult<Vec<AgentFigures>> {
    let mut by_agent: HashMap<i64, AgentFigures> = HashMap::new();
    let mut solved_by: HashMap<i64, HashSet<i64>> = HashMap::new();
    let mut reopened_tickets: HashSet<i64> = HashSet::new();
    for e in &data.events {
        let change = classify(e);
        if let Change::Reopened(t) = change {
            reopened_tickets.insert(t);
            continue;
        }
        let (Some(uid), "user") = (e.actor_id, e.actor_kind.as_str()) else { continue };
        let f = by_agent.entry(uid).or_insert_with(|| AgentFigures {
            user_id: uid,
            name: e.actor_name.clone(),
            ..Default::default()
        });
        match change {
            Change::Solved(t) => {
                f.solved += 1;
                solved_by.entry(uid).or_default().insert(t);
            }
            Change::Reply => f.replies += 1,
            Change::Note => f.notes += 1,
            Change::Macro => f.macro_uses += 1,
            Change::Reopened(_) | Change::Other => {}
        }
    }
    let staff = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::Role.is_in(["admin", "agent"]))
        .all(&store.db)
        .await?;
    let mut out = Vec::new();
    for u in staff {
        let mut f = by_agent.remove(&u.id).unwrap_or_default();
        f.user_id = u.id;
        f.name.clone_from(&u.name);
        f.reopened = solved_by.get(&u.id).map_or(0, |s| s.intersection(&reopened_tickets).count() as i64);
        f.median_first_response_secs =
            median(data.first.iter().filter(|(a, _)| *a == Some(u.id)).map(|(_, s)| *s).collect());
        f.median_resolution_secs =
            median(data.solved.iter().filter(|(a, _)| *a == Some(u.id)).map(|(_, s)| *s).collect());
        out.push(f);
    }
    out.sort_by(|a, b| b.solved.cmp(&a.solved).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// The team's figures for the period (staff only).
pub async fn team(store: &Store, p: &Principal, period: Period) -> StoreResult<TeamFigures> {
    let data = read_period(store, p, period).await?;
    let ws = p.workspace_id;
    let agents = agent_figures(store, ws, &data).await?;
    let created: Vec<(String, DateTime<Utc>)> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Channel)
        .column(tickets::Column::CreatedAt)
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::CreatedAt.gte(period.from))
        .filter(tickets::Column::CreatedAt.lt(period.to))
        .into_tuple()
        .all(&store.db)
        .await?;
    let mut created_by_channel = BTreeMap::new();
    let mut daily: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut day = period.from.date_naive();
    while day < period.to.date_naive() || (day == period.to.date_naive() && period.to.time() != chrono::NaiveTime::MIN)
    {
        daily.insert(day.to_string(), (0, 0));
        day = day.succ_opt().unwrap_or(day);
        if daily.len() > MAX_DAYS as usize + 1 {
            break;
        }
    }
    for (channel, at) in &created {
        *created_by_channel.entry(channel.clone()).or_insert(0) += 1;
        daily.entry(at.date_naive().to_string()).or_default().0 += 1;
    }
    for e in &data.events {
        if let Change::Solved(_) = classify(e) {
            daily.entry(e.at.date_naive().to_string()).or_default().1 += 1;
        }
    }
    let now = store.now();
    let unsolved = ["new", "open", "pending", "on_hold"];
    let mut backlog_age = Vec::new();
    for (label, newer, older) in [
        ("<1d", None, Some(Duration::days(1))),
        ("1-3d", Some(Duration::days(1)), Some(Duration::days(3))),
        ("3-7d", Some(Duration::days(3)), Some(Duration::days(7))),
        (">7d", Some(Duration::days(7)), None),
    ] {
        use sea_orm::PaginatorTrait as _;
        let mut q = tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(ws))
            .filter(tickets::Column::StatusCategory.is_in(unsolved));
        if let Some(d) = newer {
            q = q.filter(tickets::Column::CreatedAt.lte(now - d));
        }
        if let Some(d) = older {
            q = q.filter(tickets::Column::CreatedAt.gt(now - d));
        }
        backlog_age.push((label.to_owned(), q.count(&store.db).await? as i64));
    }
    let by_status = crate::tickets::counts(store, p)
        .await?
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("t:cat:").map(|c| (c.to_owned(), v)))
        .collect();
    let PeriodData { first, solved, .. } = data;
    Ok(TeamFigures {
        created_by_channel,
        by_status,
        backlog_age,
        daily: daily.into_iter().map(|(d, (c, s))| (d, c, s)).collect(),
        median_first_response_secs: median(first.into_iter().map(|(_, s)| s).collect()),
        median_resolution_secs: median(solved.into_iter().map(|(_, s)| s).collect()),
        agents: agents
            .into_iter()
            .filter(|a| a.solved + a.replies + a.notes + a.macro_uses > 0 || a.median_first_response_secs.is_some())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians_of_odd_even_and_empty_sets() {
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
        assert_eq!(median(vec![]), None);
    }
}
