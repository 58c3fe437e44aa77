//! Tags in use on tickets, for pickers and filters.

use autocrm_domain::Principal;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::ticket_tags;
use crate::{Store, StoreResult};

/// The workspace's ticket tags with how many tickets carry each, most used
/// first (ties by name), at most `limit`.
pub async fn ticket_tag_counts(store: &Store, p: &Principal, limit: u64) -> StoreResult<Vec<(String, i64)>> {
    let count = Expr::col(ticket_tags::Column::Tag).count();
    Ok(ticket_tags::Entity::find()
        .select_only()
        .column(ticket_tags::Column::Tag)
        .column_as(count.clone(), "count")
        .filter(ticket_tags::Column::WorkspaceId.eq(p.workspace_id))
        .group_by(ticket_tags::Column::Tag)
        .order_by(count, Order::Desc)
        .order_by_asc(ticket_tags::Column::Tag)
        .limit(limit)
        .into_tuple::<(String, i64)>()
        .all(&store.db)
        .await?)
}
