//! Presence: agents announce that they view or answer a ticket; other staff
//! watching it see who. Nothing is stored; signals expire on the client when
//! heartbeats stop.

use autocrm_domain::Principal;
use sea_orm::{ConnectionTrait as _, DbBackend, Statement};

use crate::hub::{PRESENCE_CHANNEL, Presence};
use crate::{Store, StoreError, StoreResult};

/// What an agent is doing on a ticket.
pub const STATES: &[&str] = &["viewing", "replying", "left"];

/// Announces `state` on a ticket the agent can see, to this node and the others.
pub async fn announce(store: &Store, p: &Principal, ticket_id: i64, state: &str) -> StoreResult<()> {
    if !STATES.contains(&state) {
        return Err(StoreError::invalid("/state", "must be viewing, replying or left"));
    }
    let Some(user_id) = p.user_id().filter(|_| p.sees_all_tickets()) else {
        return Err(StoreError::Forbidden);
    };
    // Visible to the caller, or "not found".
    crate::tickets::find_visible(&store.db, p, ticket_id).await?;
    let (_, _, name) = p.actor();
    let presence = Presence {
        workspace_id: p.workspace_id,
        ticket_id,
        user_id,
        name,
        state: state.to_owned(),
        at: store.now().to_rfc3339(),
    };
    if store.backend == DbBackend::Postgres {
        let json = serde_json::to_string(&presence).map_err(|e| StoreError::Io(e.to_string()))?;
        let payload = format!("{}|{json}", store.hub.node_id());
        store
            .db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [PRESENCE_CHANNEL.into(), payload.into()],
            ))
            .await?;
    }
    store.hub.publish_presence(presence);
    Ok(())
}
