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

// == Customer satisfaction (CSAT) ==

/// How CSAT is split over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interval {
    /// Per UTC day (`2026-03-01`).
    #[default]
    Day,
    /// Per ISO week (`2026-W09`).
    Week,
    /// Per month (`2026-03`).
    Month,
}

impl Interval {
    /// Parses `day`, `week` or `month`.
    pub fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "day" => Ok(Self::Day),
            "week" => Ok(Self::Week),
            "month" => Ok(Self::Month),
            _ => Err(StoreError::invalid("/interval", "must be day, week or month")),
        }
    }

    fn label(self, at: DateTime<Utc>) -> String {
        match self {
            Self::Day => at.format("%Y-%m-%d").to_string(),
            Self::Week => at.format("%G-W%V").to_string(),
            Self::Month => at.format("%Y-%m").to_string(),
        }
    }
}

/// Good and bad ratings of one group (an agent, a team, a channel, a period).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CsatGroup {
    /// The group's id (user or team id, channel name, period label); `none`
    /// for ratings of unassigned tickets or tickets without a team.
    pub key: String,
    /// What to show.
    pub label: String,
    /// Good ratings.
    pub good: i64,
    /// Bad ratings.
    pub bad: i64,
}

impl CsatGroup {
    /// `good / (good + bad)` in percent; `None` without ratings.
    pub fn percent(&self) -> Option<f64> {
        let n = self.good + self.bad;
        (n > 0).then(|| self.good as f64 * 100.0 / n as f64)
    }
}

/// Satisfaction over a period: ratings whose latest change falls in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CsatFigures {
    /// Every rating of the period.
    pub total: CsatGroup,
    /// Per assignee at the time of rating.
    pub by_agent: Vec<CsatGroup>,
    /// Per team at the time of rating.
    pub by_team: Vec<CsatGroup>,
    /// Per channel the ticket came from.
    pub by_channel: Vec<CsatGroup>,
    /// Per day, week or month (every interval of the period, empty ones too).
    pub by_period: Vec<CsatGroup>,
    /// The latest ratings with a comment (newest first, at most 20):
    /// `(ticket id, score, comment, rated at)`.
    pub recent_comments: Vec<(i64, String, String, DateTime<Utc>)>,
}

/// CSAT for the period (staff only), read from the ratings rated in it
/// (`ticket_ratings_rated_idx`).
pub async fn csat(store: &Store, p: &Principal, period: Period, interval: Interval) -> StoreResult<CsatFigures> {
    use crate::entity::{teams, ticket_ratings};
    if !p.sees_all_tickets() {
        return Err(StoreError::Forbidden);
    }
    let ws = p.workspace_id;
    let rows = ticket_ratings::Entity::find()
        .filter(ticket_ratings::Column::WorkspaceId.eq(ws))
        .filter(ticket_ratings::Column::RatedAt.gte(period.from))
        .filter(ticket_ratings::Column::RatedAt.lt(period.to))
        .all(&store.db)
        .await?;
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::Role.ne("customer"))
        .all(&store.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let team_names: HashMap<i64, String> = teams::Entity::find()
        .filter(teams::Column::WorkspaceId.eq(ws))
        .all(&store.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut total = CsatGroup { key: "all".into(), label: "All".into(), ..Default::default() };
    let mut by_agent: BTreeMap<String, CsatGroup> = BTreeMap::new();
    let mut by_team: BTreeMap<String, CsatGroup> = BTreeMap::new();
    let mut by_channel: BTreeMap<String, CsatGroup> = BTreeMap::new();
    let mut by_period: BTreeMap<String, CsatGroup> = BTreeMap::new();
    // Every interval of the period is listed, so charts show gaps as zero.
    let mut at = period.from;
    while at < period.to && by_period.len() <= MAX_DAYS as usize {
        let label = interval.label(at);
        by_period.entry(label.clone()).or_insert_with(|| CsatGroup { key: label.clone(), label, ..Default::default() });
        at += Duration::days(1);
    }
    let count = |g: &mut CsatGroup, good: bool| if good { g.good += 1 } else { g.bad += 1 };
    for r in &rows {
        let good = r.score == "good";
        count(&mut total, good);
        let (key, label) = match r.assignee_id {
            Some(id) => (id.to_string(), names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))),
            None => ("none".to_owned(), "Unassigned".to_owned()),
        };
        count(by_agent.entry(key.clone()).or_insert_with(|| CsatGroup { key, label, ..Default::default() }), good);
        let (key, label) = match r.team_id {
            Some(id) => (id.to_string(), team_names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))),
            None => ("none".to_owned(), "No team".to_owned()),
        };
        count(by_team.entry(key.clone()).or_insert_with(|| CsatGroup { key, label, ..Default::default() }), good);
        let key = r.channel.clone();
        count(
            by_channel.entry(key.clone()).or_insert_with(|| CsatGroup {
                label: key.clone(),
                key,
                ..Default::default()
            }),
            good,
        );
        let key = interval.label(r.rated_at);
        count(
            by_period.entry(key.clone()).or_insert_with(|| CsatGroup { label: key.clone(), key, ..Default::default() }),
            good,
        );
    }
    let mut commented: Vec<&ticket_ratings::Model> = rows.iter().filter(|r| r.comment.is_some()).collect();
    commented.sort_by(|a, b| b.rated_at.cmp(&a.rated_at).then(b.id.cmp(&a.id)));
    let by_volume = |m: BTreeMap<String, CsatGroup>| {
        let mut v: Vec<CsatGroup> = m.into_values().collect();
        v.sort_by(|a, b| (b.good + b.bad).cmp(&(a.good + a.bad)).then(a.label.cmp(&b.label)));
        v
    };
    Ok(CsatFigures {
        total,
        by_agent: by_volume(by_agent),
        by_team: by_volume(by_team),
        by_channel: by_volume(by_channel),
        by_period: by_period.into_values().collect(),
        recent_comments: commented
            .into_iter()
            .take(20)
            .map(|r| (r.ticket_id, r.score.clone(), r.comment.clone().unwrap_or_default(), r.rated_at))
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
