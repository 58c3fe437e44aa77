//! Tutorial analytics: starts, completions, outcomes, tickets, and the
//! funnel per step (how many runs reached each step, chose what there,
//! finished there, or left there).
//!
//! Every number is a grouped count over `tutorial_runs` /
//! `tutorial_run_steps` filtered by the tutorial's index, never a scan of
//! the runs' JSON paths. A run that has not moved for [`IDLE_MINUTES`] and has
//! no outcome counts as having left at its current step; a more recent one
//! is still in progress.

use std::collections::BTreeMap;

use autocrm_domain::Principal;
use autocrm_domain::tutorials::{Outcome, RunChannel};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect as _};

use crate::entity::{tutorial_run_steps, tutorial_runs};
use crate::{Store, StoreResult};

/// Minutes without activity after which an unfinished run counts as abandoned.
pub const IDLE_MINUTES: i64 = 30;

/// Which runs to count.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    /// Runs started at or after.
    pub from: Option<DateTime<Utc>>,
    /// Runs started before.
    pub to: Option<DateTime<Utc>>,
    /// Runs of this version only.
    pub version: Option<i64>,
}

/// One step's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepStats {
    /// The step's key.
    pub step: String,
    /// Runs that reached it.
    pub reached: i64,
    /// Runs that reached their outcome here.
    pub finished: i64,
    /// Runs that stopped here without an outcome (idle for [`IDLE_MINUTES`]).
    pub dropped: i64,
    /// Runs that are here now and still active.
    pub in_progress: i64,
    /// How often each choice was made here.
    pub choices: BTreeMap<String, i64>,
}

/// A tutorial's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analytics {
    /// Runs started.
    pub starts: i64,
    /// Runs that reached an outcome.
    pub completions: i64,
    /// Tickets opened from runs.
    pub tickets: i64,
    /// Runs per outcome.
    pub outcomes: BTreeMap<Outcome, i64>,
    /// Runs per channel.
    pub channels: BTreeMap<String, i64>,
    /// The funnel, in the draft's step order (steps only older versions had come last).
    pub steps: Vec<StepStats>,
}

/// The numbers of tutorial `id` (staff only).
pub async fn analytics(store: &Store, p: &Principal, id: i64, filter: Filter) -> StoreResult<Analytics> {
    let tutorial = super::get(store, p, id).await?;
    let ws = p.workspace_id;
    let mut runs = Condition::all()
        .add(tutorial_runs::Column::WorkspaceId.eq(ws))
        .add(tutorial_runs::Column::TutorialId.eq(tutorial.id));
    if let Some(from) = filter.from {
        runs = runs.add(tutorial_runs::Column::StartedAt.gte(from));
    }
    if let Some(to) = filter.to {
        runs = runs.add(tutorial_runs::Column::StartedAt.lt(to));
    }
    if let Some(v) = filter.version {
        runs = runs.add(tutorial_runs::Column::Version.eq(v));
    }
    let mut out = Analytics::default();

    let by_kind: Vec<(String, Option<String>, i64, i64)> = tutorial_runs::Entity::find()
        .select_only()
        .column(tutorial_runs::Column::Channel)
        .column(tutorial_runs::Column::Outcome)
        .column_as(Expr::col(tutorial_runs::Column::Id).count(), "runs")
        .column_as(Expr::col(tutorial_runs::Column::TicketId).count(), "tickets")
        .filter(runs.clone())
        .group_by(tutorial_runs::Column::Channel)
        .group_by(tutorial_runs::Column::Outcome)
        .into_tuple()
        .all(&store.db)
        .await?;
    for (channel, outcome, n, tickets) in by_kind {
        out.starts += n;
        out.tickets += tickets;
        let channel = RunChannel::parse(&channel).map_or(channel, |c| c.as_str().to_owned());
        *out.channels.entry(channel).or_default() += n;
        if let Some(o) = outcome.as_deref().and_then(Outcome::parse) {
            out.completions += n;
            *out.outcomes.entry(o).or_default() += n;
        }
    }

    let mut steps: BTreeMap<String, StepStats> = BTreeMap::new();
    let cutoff = store.now() - Duration::minutes(IDLE_MINUTES);
    let where_now = |extra: Condition| runs.clone().add(extra);
    for (kind, cond) in [
        ("finished", Condition::all().add(tutorial_runs::Column::FinishedAt.is_not_null())),
        (
            "dropped",
            Condition::all()
                .add(tutorial_runs::Column::FinishedAt.is_null())
                .add(tutorial_runs::Column::LastActivityAt.lt(cutoff)),
        ),
        (
            "in_progress",
            Condition::all()
                .add(tutorial_runs::Column::FinishedAt.is_null())
                .add(tutorial_runs::Column::LastActivityAt.gte(cutoff)),
        ),
    ] {
        let rows: Vec<(Option<String>, i64)> = tutorial_runs::Entity::find()
            .select_only()
            .column(tutorial_runs::Column::CurrentStep)
            .column_as(Expr::col(tutorial_runs::Column::Id).count(), "runs")
            .filter(where_now(cond))
            .group_by(tutorial_runs::Column::CurrentStep)
            .into_tuple()
            .all(&store.db)
            .await?;
        for (step, n) in rows {
            let Some(step) = step else { continue };
            let s = steps.entry(step.clone()).or_insert_with(|| StepStats { step, ..StepStats::default() });
            match kind {
                "finished" => s.finished += n,
                "dropped" => s.dropped += n,
                _ => s.in_progress += n,
            }
        }
    }

    // Visits of the counted runs only (same period and version).
    let counted = Query::select()
        .column(tutorial_runs::Column::Id)
        .from(tutorial_runs::Entity)
        .cond_where(runs.clone())
        .to_owned();
    let reached: Vec<(String, i64)> = tutorial_run_steps::Entity::find()
        .select_only()
        .column(tutorial_run_steps::Column::Step)
        .column_as(Expr::col(tutorial_run_steps::Column::RunId).count_distinct(), "runs")
        .filter(tutorial_run_steps::Column::WorkspaceId.eq(ws))
        .filter(tutorial_run_steps::Column::TutorialId.eq(tutorial.id))
        .filter(tutorial_run_steps::Column::RunId.in_subquery(counted.clone()))
        .group_by(tutorial_run_steps::Column::Step)
        .into_tuple()
        .all(&store.db)
        .await?;
    for (step, n) in reached {
        steps.entry(step.clone()).or_insert_with(|| StepStats { step, ..StepStats::default() }).reached = n;
    }
    let chosen: Vec<(String, String, i64)> = tutorial_run_steps::Entity::find()
        .select_only()
        .column(tutorial_run_steps::Column::Step)
        .column(tutorial_run_steps::Column::Choice)
        .column_as(Expr::col(tutorial_run_steps::Column::Id).count(), "n")
        .filter(tutorial_run_steps::Column::WorkspaceId.eq(ws))
        .filter(tutorial_run_steps::Column::TutorialId.eq(tutorial.id))
        .filter(tutorial_run_steps::Column::Choice.is_not_null())
        .filter(tutorial_run_steps::Column::RunId.in_subquery(counted))
        .group_by(tutorial_run_steps::Column::Step)
        .group_by(tutorial_run_steps::Column::Choice)
        .into_tuple()
        .all(&store.db)
        .await?;
    for (step, choice, n) in chosen {
        let s = steps.entry(step.clone()).or_insert_with(|| StepStats { step, ..StepStats::default() });
        s.choices.insert(choice, n);
    }

    // The draft's order first, so the funnel reads like the editor's graph.
    for step in &tutorial.graph.steps {
        let stats =
            steps.remove(&step.key).unwrap_or_else(|| StepStats { step: step.key.clone(), ..StepStats::default() });
        out.steps.push(stats);
    }
    out.steps.extend(steps.into_values());
    Ok(out)
}
