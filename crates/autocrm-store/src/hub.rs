//! The real-time hub: committed events fan out to this node's subscribers.
//!
//! On SQLite (one process) the committing task publishes directly. On
//! PostgreSQL every commit also sends `NOTIFY autocrm_events` carrying only
//! `node:workspace:first_seq:last_seq`; each other node reads those events
//! from the log and publishes them locally. Subscribers track the last seq
//! they delivered and fill any gap from the log, so a lagging or missed
//! broadcast never loses an event.
//!
//! Presence ("Anna is replying") is ephemeral: never written to the log,
//! fanned out on its own channel (and `NOTIFY autocrm_presence` between
//! nodes); a missed presence signal is simply refreshed by the next heartbeat.
//!
//! Chat signals (typing, read receipts) are ephemeral the same way, on their
//! own channel (`NOTIFY autocrm_chat` between nodes): they go from one side
//! of a widget conversation to the other and are never stored in the log
//! (read positions themselves are stored by `chat`; the signal only makes
//! them show at once).

use std::sync::Arc;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tokio::sync::broadcast;

use crate::entity::events;
use crate::{Store, StoreResult};

/// A committed event as subscribers receive it.
pub type HubEvent = events::Model;

/// Who is looking at or answering a ticket right now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Presence {
    /// Workspace.
    pub workspace_id: i64,
    /// The ticket.
    pub ticket_id: i64,
    /// The agent.
    pub user_id: i64,
    /// Their name.
    pub name: String,
    /// `viewing`, `replying` or `left`.
    pub state: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A chat signal: one side of a widget conversation is typing or has read
/// up to a message. It goes to the other side only (`from` says which).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChatSignal {
    /// Workspace.
    pub workspace_id: i64,
    /// The chat's ticket.
    pub ticket_id: i64,
    /// `visitor` or `agent`: who sent it.
    pub from: String,
    /// `typing`, `read` or `draft` (the bot's answer so far, while it is written).
    pub kind: String,
    /// For `typing`: started (`true`) or stopped.
    pub typing: bool,
    /// For `read`: the last message read.
    pub message_id: Option<i64>,
    /// The agent, when an agent sent it.
    pub user_id: Option<i64>,
    /// Display name of the sender ("Anna", "Visitor 4821").
    pub name: String,
    /// When (RFC 3339).
    pub at: String,
    /// For `draft`: the text so far (plain text; the stored message replaces it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// This node's broadcast of committed events and presence signals.
#[derive(Clone, Debug)]
pub struct EventHub {
    tx: broadcast::Sender<Arc<HubEvent>>,
    presence: broadcast::Sender<Arc<Presence>>,
    chat: broadcast::Sender<Arc<ChatSignal>>,
    node_id: Arc<str>,
}

impl EventHub {
    pub(crate) fn new() -> Self {
        let (tx, _) = broadcast::channel(4096);
        let (presence, _) = broadcast::channel(1024);
        let (chat, _) = broadcast::channel(1024);
        let node_id: String = {
            use rand::Rng as _;
            rand::thread_rng().sample_iter(rand::distributions::Alphanumeric).take(12).map(char::from).collect()
        };
        Self { tx, presence, chat, node_id: node_id.into() }
    }

    /// Receives every event committed from now on (all workspaces; filter by the receiver).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<HubEvent>> {
        self.tx.subscribe()
    }

    /// Receives presence signals from now on (all workspaces; filter by the receiver).
    pub fn subscribe_presence(&self) -> broadcast::Receiver<Arc<Presence>> {
        self.presence.subscribe()
    }

    pub(crate) fn publish_presence(&self, p: Presence) {
        let _ = self.presence.send(Arc::new(p));
    }

    /// Receives chat signals from now on (all workspaces; filter by the receiver).
    pub fn subscribe_chat(&self) -> broadcast::Receiver<Arc<ChatSignal>> {
        self.chat.subscribe()
    }

    pub(crate) fn publish_chat(&self, s: ChatSignal) {
        let _ = self.chat.send(Arc::new(s));
    }

    /// This process's id in cluster notifications.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    pub(crate) fn publish(&self, events: &[Arc<HubEvent>]) {
        for e in events {
            // No receivers is fine: nobody is listening.
            let _ = self.tx.send(e.clone());
        }
    }
}

/// The NOTIFY channel presence travels on between nodes.
pub(crate) const PRESENCE_CHANNEL: &str = "autocrm_presence";

/// The NOTIFY channel chat signals travel on between nodes.
pub(crate) const CHAT_CHANNEL: &str = "autocrm_chat";

pub(crate) async fn spawn_pg_listener(store: Store) -> StoreResult<()> {
    let pool = store.db.get_postgres_connection_pool().clone();
    let mut listener =
        sqlx::postgres::PgListener::connect_with(&pool).await.map_err(|e| crate::StoreError::Io(e.to_string()))?;
    listener
        .listen_all(["autocrm_events", PRESENCE_CHANNEL, CHAT_CHANNEL])
        .await
        .map_err(|e| crate::StoreError::Io(e.to_string()))?;
    tokio::spawn(async move {
        loop {
            // recv() reconnects by itself; notifications lost meanwhile are recovered by
            // subscribers' periodic catch-up from the log.
            let note = match listener.recv().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "cluster listener error");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            if note.channel() == PRESENCE_CHANNEL {
                // `node|json`: skip our own, publish the others'.
                if let Some((node, json)) = note.payload().split_once('|')
                    && node != store.hub.node_id()
                    && let Ok(p) = serde_json::from_str::<Presence>(json)
                {
                    store.hub.publish_presence(p);
                }
                continue;
            }
            if note.channel() == CHAT_CHANNEL {
                if let Some((node, json)) = note.payload().split_once('|')
                    && node != store.hub.node_id()
                    && let Ok(s) = serde_json::from_str::<ChatSignal>(json)
                {
                    store.hub.publish_chat(s);
                }
                continue;
            }
            let mut parts = note.payload().split(':');
            let (Some(node), Some(ws), Some(first), Some(last)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if node == store.hub.node_id() {
                continue;
            }
            if parts.next() == Some("1") {
                // Another node queued jobs (e.g. webhook deliveries): idle workers here may take them.
                store.jobs_wake.notify_waiters();
            }
            let (Ok(ws), Ok(first), Ok(last)) = (ws.parse::<i64>(), first.parse::<i64>(), last.parse::<i64>()) else {
                continue;
            };
            match events::Entity::find()
                .filter(events::Column::WorkspaceId.eq(ws))
                .filter(events::Column::Seq.between(first, last))
                .order_by_asc(events::Column::Seq)
                .all(&store.db)
                .await
            {
                Ok(rows) => store.hub.publish(&rows.into_iter().map(Arc::new).collect::<Vec<_>>()),
                Err(e) => tracing::warn!(error = %e, "reading notified events failed"),
            }
        }
    });
    Ok(())
}
