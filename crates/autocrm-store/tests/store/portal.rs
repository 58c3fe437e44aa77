//! The portal's store rules on both backends: links and OIDC logins are
//! single-use even under concurrency and expire by the store's clock; a
//! verification link never overrides an existing password; one rating per
//! ticket, also when two arrive at once; CSAT reads only its period and
//! keeps the assignee of the moment of rating; a rating seeded at an earlier
//! instant (the demo) counts in that period.

use autocrm_domain::EmailAddress;
use autocrm_store::StoreError;
use autocrm_store::portal::accounts::{self, LinkPurpose, SignUp};
use autocrm_store::portal::{oidc, ratings};
use autocrm_store::reports::{Interval, Period};
use autocrm_store::tickets::TicketPatch;
use chrono::TimeDelta;

use crate::support::world;

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

#[tokio::test]
async fn a_magic_link_redeemed_twice_at_once_signs_in_once_and_creates_one_account() {
    // Arrange
    let w = world().await;
    let link = accounts::request_magic_link(&w.store, w.ws, &email("twice@customer.test")).await.unwrap().unwrap();
    // Act
    let (a, b) = tokio::join!(
        accounts::redeem(&w.store, LinkPurpose::Magic, &link.token, None),
        accounts::redeem(&w.store, LinkPurpose::Magic, &link.token, None),
    );
    // Assert
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1, "exactly one use wins");
    assert!(matches!(a.err().or(b.err()), Some(StoreError::NotFound)));
    let user = autocrm_store::users::by_email(&w.store, w.ws, "twice@customer.test").await.unwrap().unwrap();
    assert_eq!(user.role, "customer");
    assert!(user.contact_id.is_some());
}

#[tokio::test]
async fn a_link_of_one_purpose_does_nothing_as_another_and_expires_by_the_clock() {
    // Arrange
    let w = world().await;
    let reset = accounts::request_password_reset(&w.store, w.ws, &email("carla@customer.test")).await.unwrap().unwrap();
    let magic = accounts::request_magic_link(&w.store, w.ws, &email("carla@customer.test")).await.unwrap().unwrap();
    // Act
    let as_magic = accounts::redeem(&w.store, LinkPurpose::Magic, &reset.token, None).await;
    let without_password = accounts::redeem(&w.store, LinkPurpose::Reset, &reset.token, None).await;
    w.clock.advance(accounts::MAGIC_TTL);
    let expired = accounts::redeem(&w.store, LinkPurpose::Magic, &magic.token, None).await;
    let still = accounts::redeem(&w.store, LinkPurpose::Reset, &reset.token, Some("hash".into())).await;
    // Assert
    assert!(matches!(as_magic, Err(StoreError::NotFound)));
    assert!(matches!(without_password, Err(StoreError::Invalid(_))), "refused before the link is spent");
    assert!(matches!(expired, Err(StoreError::NotFound)));
    assert_eq!(still.unwrap().password_hash.as_deref(), Some("hash"), "a reset link works for an hour");
}

#[tokio::test]
async fn a_verification_link_gives_a_password_only_to_an_account_without_one() {
    // Arrange: Mia's account was made by a magic link (no password); Carla has one.
    let w = world().await;
    let magic = accounts::request_magic_link(&w.store, w.ws, &email("mia@customer.test")).await.unwrap().unwrap();
    accounts::redeem(&w.store, LinkPurpose::Magic, &magic.token, None).await.unwrap();
    // Act
    let mia = accounts::sign_up(&w.store, w.ws, &email("mia@customer.test"), "Mia", "mia-hash".into()).await.unwrap();
    let carla =
        accounts::sign_up(&w.store, w.ws, &email("carla@customer.test"), "C", "attacker-hash".into()).await.unwrap();
    let staff = accounts::sign_up(&w.store, w.ws, &email("anna@acme.test"), "A", "x".into()).await.unwrap();
    let SignUp::Verify(link) = mia else { panic!("Mia verifies to set a password: {mia:?}") };
    let user = accounts::redeem(&w.store, LinkPurpose::Verify, &link.token, None).await.unwrap();
    // Assert
    assert_eq!(user.password_hash.as_deref(), Some("mia-hash"));
    assert!(matches!(carla, SignUp::AlreadyRegistered(_)));
    assert!(matches!(staff, SignUp::Nothing));
    let carla = autocrm_store::users::by_email(&w.store, w.ws, "carla@customer.test").await.unwrap().unwrap();
    assert_ne!(carla.password_hash.as_deref(), Some("attacker-hash"));
}

#[tokio::test]
async fn an_oidc_login_is_taken_once_in_its_own_workspace_and_expires_after_ten_minutes() {
    // Arrange
    let w = world().await;
    let endpoints = oidc::Endpoints {
        authorization_endpoint: "https://id.example/authorize".into(),
        token_endpoint: "https://id.example/token".into(),
        jwks_uri: "https://id.example/jwks".into(),
        userinfo_endpoint: None,
    };
    let input = oidc::ProviderInput {
        slug: Some("id".into()),
        name: Some("ID".into()),
        issuer: Some("https://id.example".into()),
        client_id: Some("client".into()),
        endpoints: Some(endpoints),
        ..Default::default()
    };
    let provider = oidc::create_provider(&w.store, &w.admin, input).await.unwrap();
    let first = oidc::start_login(&w.store, &provider, "https://shop/cb", None).await.unwrap();
    let second = oidc::start_login(&w.store, &provider, "https://shop/cb", None).await.unwrap();
    // Act
    let foreign = oidc::take_login(&w.store, w.other_ws, &first.state, &first.binding).await;
    let (taken, again) = tokio::join!(
        oidc::take_login(&w.store, w.ws, &first.state, &first.binding),
        oidc::take_login(&w.store, w.ws, &first.state, &first.binding),
    );
    w.clock.advance(oidc::LOGIN_TTL);
    let late = oidc::take_login(&w.store, w.ws, &second.state, &second.binding).await;
    // Assert
    assert!(matches!(foreign, Err(StoreError::NotFound)), "another workspace cannot use it");
    assert_eq!(usize::from(taken.is_ok()) + usize::from(again.is_ok()), 1);
    let (login, _) = taken.or(again).unwrap();
    assert_eq!(login.nonce, first.nonce);
    assert_eq!(login.code_verifier, first.code_verifier);
    assert!(matches!(late, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn two_first_ratings_at_once_leave_one_rating() {
    // Arrange
    let w = world().await;
    let t = w.ticket_for(&w.carla, "Lamp").await.ticket.id;
    let patch = TicketPatch { status_id: Some(w.status("solved").await), ..Default::default() };
    autocrm_store::tickets::update(&w.store, &w.admin, t, &patch).await.unwrap();
    // Act
    let (a, b) = tokio::join!(
        ratings::rate(&w.store, w.ws, t, ratings::Score::Good, None),
        ratings::rate(&w.store, w.ws, t, ratings::Score::Bad, Some("slow")),
    );
    // Assert
    assert!(a.is_ok() || b.is_ok());
    let stored = ratings::get(&w.store, w.ws, t).await.unwrap().unwrap();
    let ids: Vec<i64> = [a, b].into_iter().filter_map(Result::ok).map(|r| r.id).collect();
    assert!(ids.iter().all(|id| *id == stored.id), "one row per ticket");
}

#[tokio::test]
async fn csat_reads_its_period_only_and_keeps_the_assignee_of_the_moment_of_rating() {
    // Arrange: Anna's ticket is rated good, then reassigned to Ada; an older rating is outside the period.
    let w = world().await;
    let anna = w.agent.user_id().unwrap();
    let ada = w.admin.user_id().unwrap();
    let solved = w.status("solved").await;
    let rate_one = async |assignee: i64, score: ratings::Score| {
        let t = w.ticket_for(&w.carla, "q").await.ticket.id;
        let patch = TicketPatch { status_id: Some(solved), assignee_id: Some(Some(assignee)), ..Default::default() };
        autocrm_store::tickets::update(&w.store, &w.admin, t, &patch).await.unwrap();
        ratings::rate(&w.store, w.ws, t, score, None).await.unwrap();
        t
    };
    let old = rate_one(anna, ratings::Score::Bad).await;
    w.clock.advance(TimeDelta::days(10));
    let start = w.clock_now();
    let t = rate_one(anna, ratings::Score::Good).await;
    let patch = TicketPatch { assignee_id: Some(Some(ada)), ..Default::default() };
    autocrm_store::tickets::update(&w.store, &w.admin, t, &patch).await.unwrap();
    w.clock.advance(TimeDelta::hours(1));
    let period = Period::new(start, w.clock_now()).unwrap();
    // Act
    let f = autocrm_store::reports::csat(&w.store, &w.admin, period, Interval::Month).await.unwrap();
    let refused = autocrm_store::reports::csat(&w.store, &w.carla, period, Interval::Day).await;
    // Assert
    assert_ne!(old, t);
    assert_eq!((f.total.good, f.total.bad), (1, 0), "the older rating is outside the period");
    assert_eq!(f.by_agent.len(), 1);
    assert_eq!(f.by_agent[0].key, anna.to_string(), "credited to who had the ticket when it was rated");
    assert_eq!(f.total.percent(), Some(100.0));
    assert!(matches!(refused, Err(StoreError::Forbidden)));
}

#[tokio::test]
async fn a_rating_seeded_at_an_earlier_instant_counts_in_that_period() {
    // Arrange: the demo seeds ratings as customers gave them, days ago.
    let w = world().await;
    let t = w.ticket_for(&w.carla, "q").await.ticket.id;
    let patch = TicketPatch { status_id: Some(w.status("solved").await), ..Default::default() };
    autocrm_store::tickets::update(&w.store, &w.admin, t, &patch).await.unwrap();
    w.clock.advance(TimeDelta::days(30));
    let given = w.clock_now() - TimeDelta::days(20);
    // Act
    let row = ratings::rate_at(&w.store, w.ws, t, ratings::Score::Bad, Some(" slow "), given).await.unwrap();
    let then = Period::new(given - TimeDelta::days(1), given + TimeDelta::days(1)).unwrap();
    let recent = Period::new(w.clock_now() - TimeDelta::days(7), w.clock_now()).unwrap();
    let f_then = autocrm_store::reports::csat(&w.store, &w.admin, then, Interval::Week).await.unwrap();
    let f_recent = autocrm_store::reports::csat(&w.store, &w.admin, recent, Interval::Week).await.unwrap();
    let change = ratings::rate(&w.store, w.ws, t, ratings::Score::Good, None).await;
    // Assert
    assert_eq!((row.first_rated_at, row.comment.as_deref()), (given, Some("slow")));
    assert_eq!((f_then.total.good, f_then.total.bad), (0, 1));
    assert_eq!((f_recent.total.good, f_recent.total.bad), (0, 0));
    assert!(
        matches!(change, Err(StoreError::Conflict { code: "rating_final", .. })),
        "its change window ran from when it was given"
    );
}
