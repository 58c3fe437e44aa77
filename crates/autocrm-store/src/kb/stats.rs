//! "Was this helpful?" feedback and view counts: per article (counters on
//! the article row, updated with each vote or view) and per day (for
//! reports). Both are anonymous and high-volume, so they write no events.

use autocrm_domain::Principal;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect as _, Statement,
};

use super::articles::{find_row, fix};
use super::{ArticleStatus, parse_locale, staff_only};
use crate::entity::{kb_articles, kb_feedback};
use crate::{Store, StoreError, StoreResult};

/// Longest feedback comment.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// One vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// Id.
    pub id: i64,
    /// The article.
    pub article_id: i64,
    /// The locale the visitor read.
    pub locale: String,
    /// Whether it helped.
    pub helpful: bool,
    /// Optional comment (plain text).
    pub comment: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Votes of an article, per locale.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedbackStats {
    /// Yes votes.
    pub yes: i64,
    /// No votes.
    pub no: i64,
    /// `(locale, yes, no)`.
    pub by_locale: Vec<(String, i64, i64)>,
}

/// Views of one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayViews {
    /// The day (UTC).
    pub day: NaiveDate,
    /// Views.
    pub views: i64,
}

/// One article's numbers in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleStats {
    /// The article.
    pub article_id: i64,
    /// Views ever.
    pub views_total: i64,
    /// Views in the period.
    pub views: i64,
    /// Yes votes ever.
    pub helpful_yes: i64,
    /// No votes ever.
    pub helpful_no: i64,
}

/// Records a vote on a published article (anonymous; in workspace `ws`).
pub async fn record_feedback(
    store: &Store,
    ws: i64,
    article_id: i64,
    locale: &str,
    helpful: bool,
    comment: Option<&str>,
) -> StoreResult<Feedback> {
    let locale = parse_locale(locale, "/locale")?;
    let comment = comment.map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
    if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(StoreError::invalid("/comment", format!("must be at most {MAX_COMMENT_CHARS} characters")));
    }
    let row = find_row(&store.db, ws, article_id).await?;
    if row.status != ArticleStatus::Published.as_str() {
        return Err(StoreError::NotFound);
    }
    let now = store.now();
    let tx = store.begin(&Principal::system(ws)).await?;
    let fb = kb_feedback::ActiveModel {
        workspace_id: Set(ws),
        article_id: Set(article_id),
        locale: Set(locale),
        helpful: Set(helpful),
        comment: Set(comment),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    let column = if helpful { "helpful_yes" } else { "helpful_no" };
    let backend = store.backend;
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            fix(backend, &format!("UPDATE kb_articles SET {column} = {column} + 1 WHERE id = $1")),
            [article_id.into()],
        ))
        .await?;
    tx.commit().await?;
    Ok(feedback_of(fb))
}

fn feedback_of(f: kb_feedback::Model) -> Feedback {
    Feedback {
        id: f.id,
        article_id: f.article_id,
        locale: f.locale,
        helpful: f.helpful,
        comment: f.comment,
        created_at: f.created_at,
    }
}

/// An article's votes (newest first, at most `limit`) and their totals.
pub async fn feedback(
    store: &Store,
    p: &Principal,
    article_id: i64,
    limit: u64,
) -> StoreResult<(FeedbackStats, Vec<Feedback>)> {
    staff_only(p)?;
    find_row(&store.db, p.workspace_id, article_id).await?;
    let rows = kb_feedback::Entity::find()
        .filter(kb_feedback::Column::WorkspaceId.eq(p.workspace_id))
        .filter(kb_feedback::Column::ArticleId.eq(article_id))
        .order_by_desc(kb_feedback::Column::Id)
        .limit(limit.clamp(1, 500))
        .all(&store.db)
        .await?;
    let backend = store.backend;
    let totals = store
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            fix(
                backend,
                "SELECT locale, CAST(SUM(CASE WHEN helpful THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN helpful THEN 0 ELSE 1 END) AS BIGINT) \
                 FROM kb_feedback WHERE workspace_id = $1 AND article_id = $2 GROUP BY locale ORDER BY locale",
            ),
            [p.workspace_id.into(), article_id.into()],
        ))
        .await?;
    let mut stats = FeedbackStats::default();
    for r in totals {
        let locale: String = r.try_get_by_index(0)?;
        let yes: i64 = r.try_get_by_index(1)?;
        let no: i64 = r.try_get_by_index(2)?;
        stats.yes += yes;
        stats.no += no;
        stats.by_locale.push((locale, yes, no));
    }
    Ok((stats, rows.into_iter().map(feedback_of).collect()))
}

/// Counts one view of a published article (today, UTC).
pub async fn record_view(store: &Store, ws: i64, article_id: i64) -> StoreResult<()> {
    let now = store.now();
    let day = now.date_naive().format("%Y-%m-%d").to_string();
    let backend = store.backend;
    let tx = store.begin(&Principal::system(ws)).await?;
    let res = tx
        .conn()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            fix(
                backend,
                "UPDATE kb_articles SET view_count = view_count + 1 WHERE id = $1 AND workspace_id = $2 AND status = 'published'",
            ),
            [article_id.into(), ws.into()],
        ))
        .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            fix(
                backend,
                "INSERT INTO kb_views_daily (workspace_id, article_id, day, views, created_at, updated_at) \
                 VALUES ($1, $2, $3, 1, $4, $5) \
                 ON CONFLICT (article_id, day) DO UPDATE SET views = kb_views_daily.views + 1, updated_at = excluded.updated_at",
            ),
            [ws.into(), article_id.into(), day.into(), now.into(), now.into()],
        ))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Views per day in `[from, to]` (one article or all), oldest first; days
/// without views are left out.
pub async fn daily_views(
    store: &Store,
    p: &Principal,
    article_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<DayViews>> {
    staff_only(p)?;
    if to < from || (to - from).num_days() > 366 {
        return Err(StoreError::invalid("/to", "must be on or after `from`, at most a year later"));
    }
    let backend = store.backend;
    let mut sql = "SELECT day, CAST(SUM(views) AS BIGINT) FROM kb_views_daily WHERE workspace_id = $1 AND day >= $2 AND day <= $3".to_owned();
    let mut values: Vec<sea_orm::Value> = vec![
        p.workspace_id.into(),
        from.format("%Y-%m-%d").to_string().into(),
        to.format("%Y-%m-%d").to_string().into(),
    ];
    if let Some(id) = article_id {
        find_row(&store.db, p.workspace_id, id).await?;
        sql.push_str(" AND article_id = $4");
        values.push(id.into());
    }
    sql.push_str(" GROUP BY day ORDER BY day");
    let rows = store.db.query_all_raw(Statement::from_sql_and_values(backend, fix(backend, &sql), values)).await?;
    let mut out = Vec::new();
    for r in rows {
        let day: String = r.try_get_by_index(0)?;
        let views: i64 = r.try_get_by_index(1)?;
        if let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
            out.push(DayViews { day, views });
        }
    }
    Ok(out)
}

/// Per-article numbers: views in `[from, to]`, all-time views and votes; most viewed first.
pub async fn article_stats(
    store: &Store,
    p: &Principal,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<ArticleStats>> {
    staff_only(p)?;
    if to < from || (to - from).num_days() > 366 {
        return Err(StoreError::invalid("/to", "must be on or after `from`, at most a year later"));
    }
    let backend = store.backend;
    let rows = store
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            fix(
                backend,
                "SELECT article_id, CAST(SUM(views) AS BIGINT) FROM kb_views_daily WHERE workspace_id = $1 AND day >= $2 AND day <= $3 \
                 GROUP BY article_id",
            ),
            [p.workspace_id.into(), from.format("%Y-%m-%d").to_string().into(), to.format("%Y-%m-%d").to_string().into()],
        ))
        .await?;
    let mut period = std::collections::HashMap::new();
    for r in rows {
        period.insert(r.try_get_by_index::<i64>(0)?, r.try_get_by_index::<i64>(1)?);
    }
    let articles = kb_articles::Entity::find()
        .select_only()
        .columns([
            kb_articles::Column::Id,
            kb_articles::Column::ViewCount,
            kb_articles::Column::HelpfulYes,
            kb_articles::Column::HelpfulNo,
        ])
        .filter(kb_articles::Column::WorkspaceId.eq(p.workspace_id))
        .into_tuple::<(i64, i64, i64, i64)>()
        .all(&store.db)
        .await?;
    let mut out: Vec<ArticleStats> = articles
        .into_iter()
        .map(|(id, total, yes, no)| ArticleStats {
            article_id: id,
            views_total: total,
            views: period.get(&id).copied().unwrap_or(0),
            helpful_yes: yes,
            helpful_no: no,
        })
        .collect();
    out.sort_by(|a, b| {
        b.views.cmp(&a.views).then(b.views_total.cmp(&a.views_total)).then(a.article_id.cmp(&b.article_id))
    });
    Ok(out)
}
