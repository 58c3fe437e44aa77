//! Performance reports over a period, computed from the event log: the
//! caller's own figures, every agent's, and the team's.

use autocrm_store::reports::{AgentFigures, Period, TeamFigures};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ListOut;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;

/// The report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_report))
        .routes(routes!(agent_reports))
        .routes(routes!(team_report))
        .routes(routes!(csat_report))
}

/// The period: `[from, to)`; default the last 30 days; at most 366 days.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodParams {
    /// Start (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// End (RFC 3339, exclusive).
    pub to: Option<DateTime<Utc>>,
}

impl PeriodParams {
    fn period(&self, now: DateTime<Utc>) -> ApiResult<Period> {
        let to = self.to.unwrap_or(now);
        let from = self.from.unwrap_or(to - Duration::days(30));
        Ok(Period::new(from, to)?)
    }
}

/// One agent's figures for the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentReport {
    /// The agent.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Tickets they solved.
    pub solved: i64,
    /// Public replies written.
    pub replies: i64,
    /// Internal notes written.
    pub notes: i64,
    /// Macros applied.
    pub macro_uses: i64,
    /// Of the tickets they solved, how many were reopened in the period.
    pub reopened: i64,
    /// `reopened / solved` (0 when nothing was solved).
    pub reopen_rate: f64,
    /// Median seconds to first response on their tickets.
    pub median_first_response_secs: Option<i64>,
    /// Median seconds to resolution on their tickets.
    pub median_resolution_secs: Option<i64>,
}

impl From<AgentFigures> for AgentReport {
    fn from(f: AgentFigures) -> Self {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let reopen_rate = if f.solved > 0 { f.reopened as f64 / f.solved as f64 } else { 0.0 };
        Self {
            user_id: f.user_id,
            name: f.name,
            solved: f.solved,
            replies: f.replies,
            notes: f.notes,
            macro_uses: f.macro_uses,
            reopened: f.reopened,
            reopen_rate,
            median_first_response_secs: f.median_first_response_secs,
            median_resolution_secs: f.median_resolution_secs,
        }
    }
}

/// A labelled count.
#[derive(Debug, Serialize, ToSchema)]
pub struct Bucket {
    /// Label (channel, status category, age range).
    pub key: String,
    /// Tickets.
    pub count: i64,
}

/// One day of volume.
#[derive(Debug, Serialize, ToSchema)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Tickets created.
    pub created: i64,
    /// Tickets solved.
    pub solved: i64,
}

/// The team's figures for the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamReport {
    /// Start.
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
    /// Tickets created, by channel.
    pub created_by_channel: Vec<Bucket>,
    /// Tickets now in each status category.
    pub by_status: Vec<Bucket>,
    /// Unsolved tickets by age.
    pub backlog_age: Vec<Bucket>,
    /// Per day: created and solved.
    pub daily: Vec<Day>,
    /// Median seconds to first response.
    pub median_first_response_secs: Option<i64>,
    /// Median seconds to resolution.
    pub median_resolution_secs: Option<i64>,
    /// Per agent.
    pub agents: Vec<AgentReport>,
}

fn team_out(period: Period, t: TeamFigures) -> TeamReport {
    let buckets = |it: Vec<(String, i64)>| it.into_iter().map(|(key, count)| Bucket { key, count }).collect();
    TeamReport {
        from: period.from,
        to: period.to,
        created_by_channel: buckets(t.created_by_channel.into_iter().collect()),
        by_status: buckets(t.by_status.into_iter().collect()),
        backlog_age: buckets(t.backlog_age),
        daily: t.daily.into_iter().map(|(date, created, solved)| Day { date, created, solved }).collect(),
        median_first_response_secs: t.median_first_response_secs,
        median_resolution_secs: t.median_resolution_secs,
        agents: t.agents.into_iter().map(AgentReport::from).collect(),
    }
}

/// Your own figures for the period.
#[utoipa::path(get, path = "/api/v1/reports/me", tag = "reports", params(PeriodParams),
    responses((status = 200, body = AgentReport), (status = 422, body = crate::error::Problem)))]
async fn my_report(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<PeriodParams>,
) -> ApiResult<Json<AgentReport>> {
    let period = q.period(app.store.now())?;
    let uid = p.user_id().ok_or_else(ApiError::forbidden)?;
    let all = autocrm_store::reports::agents(&app.store, &p, period).await?;
    let mine = all.into_iter().find(|a| a.user_id == uid).ok_or_else(ApiError::not_found)?;
    Ok(Json(mine.into()))
}

/// Every agent's figures for the period.
#[utoipa::path(get, path = "/api/v1/reports/agents", tag = "reports", params(PeriodParams),
    responses((status = 200, body = ListOut<AgentReport>), (status = 422, body = crate::error::Problem)))]
async fn agent_reports(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<PeriodParams>,
) -> ApiResult<Json<ListOut<AgentReport>>> {
    let period = q.period(app.store.now())?;
    let rows = autocrm_store::reports::agents(&app.store, &p, period).await?;
    Ok(Json(ListOut { data: rows.into_iter().map(AgentReport::from).collect(), next_cursor: None }))
}

/// The team dashboard for the period: volume by channel and status, backlog age, response and resolution times, per agent.
#[utoipa::path(get, path = "/api/v1/reports/team", tag = "reports", params(PeriodParams),
    responses((status = 200, body = TeamReport), (status = 422, body = crate::error::Problem)))]
async fn team_report(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<PeriodParams>,
) -> ApiResult<Json<TeamReport>> {
    let period = q.period(app.store.now())?;
    let t = autocrm_store::reports::team(&app.store, &p, period).await?;
    Ok(Json(team_out(period, t)))
}

// == Customer satisfaction (CSAT) ==

/// The period and how to split it over time.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CsatParams {
    /// Start (RFC 3339; default 30 days before `to`).
    pub from: Option<DateTime<Utc>>,
    /// End (RFC 3339, exclusive; default now).
    pub to: Option<DateTime<Utc>>,
    /// `day` (default), `week` (ISO) or `month`.
    pub interval: Option<String>,
}

/// Good and bad ratings of one group.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsatBucket {
    /// User or team id, channel, or period label; `none` for unassigned / no team.
    pub key: String,
    /// What to show.
    pub label: String,
    /// Good ratings.
    pub good: i64,
    /// Bad ratings.
    pub bad: i64,
    /// `good / (good + bad)` in percent; `null` without ratings.
    pub csat: Option<f64>,
}

impl From<autocrm_store::reports::CsatGroup> for CsatBucket {
    fn from(g: autocrm_store::reports::CsatGroup) -> Self {
        Self { csat: g.percent(), key: g.key, label: g.label, good: g.good, bad: g.bad }
    }
}

/// A rating with a comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsatComment {
    /// The ticket.
    pub ticket_id: i64,
    /// `good` or `bad`.
    pub score: String,
    /// The comment (plain text).
    pub comment: String,
    /// When.
    pub rated_at: DateTime<Utc>,
}

/// Customer satisfaction over a period: ratings given or changed in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsatReport {
    /// Start.
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
    /// `day`, `week` or `month`.
    pub interval: String,
    /// Every rating of the period.
    pub total: CsatBucket,
    /// Per assignee at the time of rating.
    pub by_agent: Vec<CsatBucket>,
    /// Per team at the time of rating.
    pub by_team: Vec<CsatBucket>,
    /// Per channel.
    pub by_channel: Vec<CsatBucket>,
    /// Per day, week or month.
    pub by_period: Vec<CsatBucket>,
    /// The latest comments, newest first (at most 20).
    pub recent_comments: Vec<CsatComment>,
}

/// Customer satisfaction (CSAT %: good / (good + bad)) per agent, team, channel and period.
#[utoipa::path(get, path = "/api/v1/reports/csat", tag = "reports", params(CsatParams),
    responses((status = 200, body = CsatReport), (status = 422, body = crate::error::Problem)))]
async fn csat_report(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<CsatParams>,
) -> ApiResult<Json<CsatReport>> {
    let period = PeriodParams { from: q.from, to: q.to }.period(app.store.now())?;
    let name = q.interval.as_deref().unwrap_or("day");
    let interval = autocrm_store::reports::Interval::parse(name)?;
    let f = autocrm_store::reports::csat(&app.store, &p, period, interval).await?;
    let list = |v: Vec<autocrm_store::reports::CsatGroup>| v.into_iter().map(CsatBucket::from).collect();
    Ok(Json(CsatReport {
        from: period.from,
        to: period.to,
        interval: name.to_owned(),
        total: f.total.into(),
        by_agent: list(f.by_agent),
        by_team: list(f.by_team),
        by_channel: list(f.by_channel),
        by_period: list(f.by_period),
        recent_comments: f
            .recent_comments
            .into_iter()
            .map(|(ticket_id, score, comment, rated_at)| CsatComment { ticket_id, score, comment, rated_at })
            .collect(),
    }))
}
