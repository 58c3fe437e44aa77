//! A seeded store per test: workspaces `acme` and `other`, their people as
//! principals, and the clock the store reads.

use std::sync::Arc;

use autocrm_store::tickets::{self, NewTicket, RequesterRef, TicketView};
use autocrm_store::{Principal, Store};
use autocrm_testkit::{TempDir, TestClock, fresh_store_with_clock, principal, seed};
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};

/// A seeded store and who acts in it.
pub struct World {
    pub store: Store,
    pub clock: Arc<TestClock>,
    /// Workspace `acme`.
    pub ws: i64,
    /// Workspace `other`.
    pub other_ws: i64,
    pub admin: Principal,
    pub agent: Principal,
    /// Customer A.
    pub carla: Principal,
    /// Customer B.
    pub bob: Principal,
    /// The admin of workspace `other`.
    pub other_admin: Principal,
    pub dir: TempDir,
}

pub async fn world() -> World {
    let dir = TempDir::new();
    let clock = Arc::new(TestClock::new());
    let store = fresh_store_with_clock(dir.path(), clock.clone()).await;
    let ws = seed(&store).await;
    let other_ws = autocrm_store::workspaces::by_slug(&store, "other").await.unwrap().unwrap().id;
    World {
        admin: principal(&store, "acme", "admin@acme.test").await,
        agent: principal(&store, "acme", "anna@acme.test").await,
        carla: principal(&store, "acme", "carla@customer.test").await,
        bob: principal(&store, "acme", "bob@customer.test").await,
        other_admin: principal(&store, "other", "admin@other.test").await,
        store,
        clock,
        ws,
        other_ws,
        dir,
    }
}

/// A ticket with just a subject (and a requester by e-mail for staff).
pub fn new_ticket(subject: &str) -> NewTicket {
    NewTicket {
        subject: subject.to_owned(),
        requester: Some(RequesterRef::Email {
            email: autocrm_domain::EmailAddress::parse("someone@example.test").unwrap(),
            name: None,
        }),
        body: None,
        priority: None,
        channel: None,
        status_id: None,
        assignee_id: None,
        team_id: None,
        tags: Vec::new(),
        custom_fields: serde_json::Map::new(),
        created_at: None,
    }
}

impl World {
    /// Creates a ticket as `p`.
    pub async fn ticket(&self, p: &Principal, input: NewTicket) -> TicketView {
        tickets::create(&self.store, p, input).await.unwrap()
    }

    /// Creates a ticket requested by customer `c` (written by staff).
    pub async fn ticket_for(&self, c: &Principal, subject: &str) -> TicketView {
        let mut t = new_ticket(subject);
        t.requester = Some(RequesterRef::Id(c.customer_contact().unwrap()));
        self.ticket(&self.admin, t).await
    }

    /// The id of a workspace status of `category`.
    pub async fn status(&self, category: &str) -> i64 {
        autocrm_store::statuses::list(&self.store, &self.admin)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.category == category)
            .unwrap()
            .id
    }

    /// The latest event seq of workspace `acme`.
    pub async fn last_seq(&self) -> i64 {
        autocrm_store::events::last_seq(&self.store, self.ws).await.unwrap()
    }

    /// Queued jobs of every kind.
    pub async fn jobs(&self) -> u64 {
        autocrm_store::jobs::pending(&self.store).await.unwrap()
    }

    /// Every ticket row of workspace `acme`, read straight from the table.
    pub async fn rows(&self) -> Vec<autocrm_store::entity::tickets::Model> {
        use autocrm_store::entity::tickets as t;
        t::Entity::find().filter(t::Column::WorkspaceId.eq(self.ws)).all(self.store.connection()).await.unwrap()
    }

    /// How many contacts workspace `ws` has.
    pub async fn contact_count(&self, ws: i64) -> u64 {
        use autocrm_store::entity::contacts as c;
        c::Entity::find().filter(c::Column::WorkspaceId.eq(ws)).count(self.store.connection()).await.unwrap()
    }

    /// A user id by e-mail in `acme`.
    pub fn user_id(p: &Principal) -> i64 {
        p.user_id().unwrap()
    }
}

impl World {
    /// The injected clock's current time.
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use autocrm_store::Clock as _;
        self.clock.now()
    }
}
