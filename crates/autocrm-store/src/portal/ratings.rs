//! Satisfaction ratings: one per ticket, good or bad with an optional
//! comment, given by the holder of the ticket's rating token.
//!
//! Invariants:
//! - A rating token names one workspace and one ticket and carries an HMAC
//!   of both under the workspace's channel secret (with its own context, so
//!   it is never a reply token), so it rates that ticket and nothing else.
//! - Only solved or closed tickets are rated; a rating can be changed for
//!   [`CHANGE_WINDOW_DAYS`] days after it was first given, then it is final.
//! - Each rating or change is a `ticket.rated` event (public: the requester
//!   sees it) in the same transaction as the row, which keeps the assignee,
//!   team and channel of the moment for the CSAT reports.

use std::collections::HashMap;

use autocrm_domain::auth::PrincipalKind;
use autocrm_domain::{Principal, Role};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, QueryFilter};
use serde_json::json;
use sha2::Sha256;

use crate::entity::{ticket_ratings, tickets, users};
use crate::tx::{NewEvent, Visibility};
use crate::{Store, StoreError, StoreResult};

/// Days after the first rating during which it may be changed.
pub const CHANGE_WINDOW_DAYS: i64 = 7;
/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// A rating's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Score {
    /// Satisfied.
    Good,
    /// Not satisfied.
    Bad,
}

impl Score {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Bad => "bad",
        }
    }
}

/// Domain separation: the channel secret also signs reply tokens.
const TOKEN_CONTEXT: &[u8] = b"autocrm/rating-token/v1\0";
/// Bytes of the HMAC kept in a token (128 bits).
const MAC_LEN: usize = 16;

fn mac(secret: &str, ws: i64, ticket_id: i64) -> Hmac<Sha256> {
    // The key is only ever the workspace's random secret; HMAC takes any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    m.update(TOKEN_CONTEXT);
    m.update(format!("{ws}:{ticket_id}").as_bytes());
    m
}

/// The rating token of a ticket, from the workspace's channel secret (for
/// callers that already hold the settings row, like outgoing e-mail):
/// `<workspace>-<ticket>-<base64url HMAC>`, URL-safe.
pub fn sign_token(secret: &str, ws: i64, ticket_id: i64) -> String {
    let tag = mac(secret, ws, ticket_id).finalize().into_bytes();
    format!("{ws}-{ticket_id}-{}", URL_SAFE_NO_PAD.encode(&tag[..MAC_LEN]))
}

/// The rating token of a ticket.
pub async fn token_for(store: &Store, ws: i64, ticket_id: i64) -> StoreResult<String> {
    let settings = crate::channels::settings(&store.db, store, ws).await?;
    Ok(sign_token(&settings.reply_secret, ws, ticket_id))
}

/// The `(workspace, ticket)` a rating token names, when its signature holds;
/// anything else is `NotFound`.
pub async fn verify_token(store: &Store, token: &str) -> StoreResult<(i64, i64)> {
    let mut parts = token.splitn(3, '-');
    let (Some(ws), Some(ticket), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(StoreError::NotFound);
    };
    let (Ok(ws), Ok(ticket_id)) = (ws.parse::<i64>(), ticket.parse::<i64>()) else {
        return Err(StoreError::NotFound);
    };
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| StoreError::NotFound)?;
    // The unsigned numbers only say which workspace's secret to check with.
    if tag.len() != MAC_LEN || crate::entity::workspaces::Entity::find_by_id(ws).one(&store.db).await?.is_none() {
        return Err(StoreError::NotFound);
    }
    let settings = crate::channels::settings(&store.db, store, ws).await?;
    mac(&settings.reply_secret, ws, ticket_id).verify_truncated_left(&tag).map_err(|_| StoreError::NotFound)?;
    Ok((ws, ticket_id))
}

/// A ticket as the rating page shows it, with its rating.
#[derive(Debug, Clone)]
pub struct RatingTarget {
    /// The ticket.
    pub ticket: tickets::Model,
    /// Its rating, if given.
    pub rating: Option<ticket_ratings::Model>,
}

impl RatingTarget {
    /// Whether a rating may be given or changed now.
    pub fn can_rate(&self, now: DateTime<Utc>) -> bool {
        solved(&self.ticket) && self.rating.as_ref().is_none_or(|r| now < editable_until(r))
    }
}

/// Until when a rating may be changed.
pub fn editable_until(r: &ticket_ratings::Model) -> DateTime<Utc> {
    r.first_rated_at + Duration::days(CHANGE_WINDOW_DAYS)
}

fn solved(t: &tickets::Model) -> bool {
    matches!(t.status_category.as_str(), "solved" | "closed")
}

/// The ticket a token rates, with its rating.
pub async fn target(store: &Store, ws: i64, ticket_id: i64) -> StoreResult<RatingTarget> {
    let ticket = tickets::Entity::find_by_id(ticket_id)
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let rating = get(store, ws, ticket_id).await?;
    Ok(RatingTarget { ticket, rating })
}

/// A ticket's rating, if given.
pub async fn get(store: &Store, ws: i64, ticket_id: i64) -> StoreResult<Option<ticket_ratings::Model>> {
    Ok(ticket_ratings::Entity::find()
        .filter(ticket_ratings::Column::WorkspaceId.eq(ws))
        .filter(ticket_ratings::Column::TicketId.eq(ticket_id))
        .one(&store.db)
        .await?)
}

/// The ratings of several tickets, by ticket id (for ticket lists).
pub async fn for_tickets(store: &Store, ws: i64, ids: &[i64]) -> StoreResult<HashMap<i64, ticket_ratings::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(ticket_ratings::Entity::find()
        .filter(ticket_ratings::Column::WorkspaceId.eq(ws))
        .filter(ticket_ratings::Column::TicketId.is_in(ids.iter().copied()))
        .all(&store.db)
        .await?
        .into_iter()
        .map(|r| (r.ticket_id, r))
        .collect())
}

/// Rates a ticket or changes its rating (see the module's rules). The
/// comment is plain text (shown escaped), trimmed, at most
/// [`MAX_COMMENT_CHARS`] characters; empty means none.
pub async fn rate(
    store: &Store,
    ws: i64,
    ticket_id: i64,
    score: Score,
    comment: Option<&str>,
) -> StoreResult<ticket_ratings::Model> {
    rate_at(store, ws, ticket_id, score, comment, store.now()).await
}

/// [`rate`] as if the customer rated at `now`: for seeding (the demo
/// workspace) and imports, so the rating falls into its period of the CSAT
/// report. The same rules hold at that instant (solved ticket, change window).
pub async fn rate_at(
    store: &Store,
    ws: i64,
    ticket_id: i64,
    score: Score,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<ticket_ratings::Model> {
    let comment = comment.map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
    if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(StoreError::invalid("/comment", format!("must be at most {MAX_COMMENT_CHARS} characters")));
    }
    let ticket = tickets::Entity::find_by_id(ticket_id)
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    // The requester's own account acts when there is one, so the trail says who rated.
    let actor = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::ContactId.eq(ticket.requester_id))
        .filter(users::Column::Role.eq(Role::Customer.as_str()))
        .one(&store.db)
        .await?
        .map_or_else(
            || Principal::system(ws),
            |u| Principal {
                workspace_id: ws,
                kind: PrincipalKind::User {
                    user_id: u.id,
                    role: Role::Customer,
                    contact_id: u.contact_id,
                    name: u.name,
                },
            },
        );
    let mut tx = store.begin(&actor).await?;
    // Re-read inside the transaction: the status and an earlier rating are what count now.
    let ticket = tickets::Entity::find_by_id(ticket.id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if !solved(&ticket) {
        return Err(StoreError::Conflict {
            code: "ticket_not_solved",
            message: "only solved or closed tickets can be rated".into(),
        });
    }
    let existing = ticket_ratings::Entity::find()
        .filter(ticket_ratings::Column::WorkspaceId.eq(ws))
        .filter(ticket_ratings::Column::TicketId.eq(ticket.id))
        .one(tx.conn())
        .await?;
    let previous = existing.as_ref().map(|r| r.score.clone());
    let row = match existing {
        Some(r) if now >= editable_until(&r) => {
            return Err(StoreError::Conflict {
                code: "rating_final",
                message: format!(
                    "a rating can be changed for {CHANGE_WINDOW_DAYS} days after it was given; this one is final"
                ),
            });
        }
        Some(r) => {
            let mut am = r.into_active_model();
            am.score = Set(score.as_str().to_owned());
            am.comment = Set(comment);
            am.assignee_id = Set(ticket.assignee_id);
            am.team_id = Set(ticket.team_id);
            am.rated_at = Set(now);
            am.updated_at = Set(now);
            am.update(tx.conn()).await?
        }
        None => {
            ticket_ratings::ActiveModel {
                workspace_id: Set(ws),
                ticket_id: Set(ticket.id),
                score: Set(score.as_str().to_owned()),
                comment: Set(comment),
                requester_id: Set(ticket.requester_id),
                assignee_id: Set(ticket.assignee_id),
                team_id: Set(ticket.team_id),
                channel: Set(ticket.channel.clone()),
                first_rated_at: Set(now),
                rated_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(tx.conn())
            .await?
        }
    };
    tx.emit(NewEvent {
        event_type: "ticket.rated",
        subject_type: "ticket",
        subject_id: Some(ticket.id),
        ticket_id: Some(ticket.id),
        requester_id: Some(ticket.requester_id),
        visibility: Visibility::Public,
        data: json!({
            "ticket": {"id": ticket.id, "number": ticket.number},
            "rating": {"score": row.score, "comment": row.comment, "previous_score": previous,
                "first_rated_at": row.first_rated_at, "editable_until": editable_until(&row)},
        }),
    });
    tx.commit().await?;
    Ok(row)
}
