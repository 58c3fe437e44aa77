//! Sessions end after an idle period or at an absolute deadline; logging out
//! everywhere ends all of a user's sessions.

use autocrm_store::sessions::{self, SessionPolicy};
use chrono::TimeDelta;

use crate::support::{World, world};

const POLICY: SessionPolicy = SessionPolicy { idle: TimeDelta::minutes(30), absolute: TimeDelta::hours(8) };

async fn sign_in(w: &World, email: &str) -> String {
    let user = autocrm_store::users::by_email(&w.store, w.ws, email).await.unwrap().unwrap();
    sessions::create(&w.store, &user, POLICY, Some("127.0.0.1".into()), Some("test".into())).await.unwrap().token
}

async fn alive(w: &World, token: &str) -> bool {
    sessions::resolve(&w.store, token, POLICY).await.unwrap().is_some()
}

#[tokio::test]
async fn a_session_ends_after_the_idle_period_and_activity_keeps_it_alive() {
    // Arrange
    let w = world().await;
    let active = sign_in(&w, "anna@acme.test").await;
    let idle = sign_in(&w, "anna@acme.test").await;
    // Act + Assert: a request every 20 minutes slides the window; the idle one dies at 30.
    w.clock.advance(TimeDelta::minutes(20));
    assert!(alive(&w, &active).await);
    w.clock.advance(TimeDelta::minutes(9));
    assert!(alive(&w, &idle).await, "29 minutes idle is still alive");
    // `idle` was just seen too; leave it alone for the full period from now on.
    w.clock.advance(TimeDelta::minutes(20));
    assert!(alive(&w, &active).await);
    w.clock.advance(TimeDelta::minutes(10));
    assert!(!alive(&w, &idle).await, "30 minutes without a request ends it");
    assert!(alive(&w, &active).await, "the active session lives on");
    // Once ended it stays ended, even if the clock went back.
    w.clock.advance(TimeDelta::minutes(-15));
    assert!(!alive(&w, &idle).await);
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_deadline_however_active() {
    // Arrange
    let w = world().await;
    let token = sign_in(&w, "admin@acme.test").await;
    // Act: a request every 25 minutes for almost eight hours.
    let mut elapsed = TimeDelta::zero();
    while elapsed + TimeDelta::minutes(25) < POLICY.absolute {
        w.clock.advance(TimeDelta::minutes(25));
        elapsed += TimeDelta::minutes(25);
        assert!(alive(&w, &token).await, "alive after {elapsed}");
    }
    // Assert
    w.clock.advance(POLICY.absolute - elapsed);
    assert!(!alive(&w, &token).await, "ended at the absolute deadline");
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_user_and_only_theirs() {
    // Arrange
    let w = world().await;
    let phone = sign_in(&w, "anna@acme.test").await;
    let laptop = sign_in(&w, "anna@acme.test").await;
    let tablet = sign_in(&w, "anna@acme.test").await;
    let admin = sign_in(&w, "admin@acme.test").await;
    // Act: one plain logout …
    let ended = sessions::logout(&w.store, &w.agent, &tablet, false).await.unwrap();
    // Assert
    assert_eq!(ended, 1);
    assert!(!alive(&w, &tablet).await);
    assert!(alive(&w, &phone).await && alive(&w, &laptop).await);
    // Act: … then everywhere from the phone.
    let ended = sessions::logout(&w.store, &w.agent, &phone, true).await.unwrap();
    // Assert
    assert_eq!(ended, 2);
    assert!(!alive(&w, &phone).await && !alive(&w, &laptop).await);
    assert!(alive(&w, &admin).await, "another user's session is untouched");
    let log = autocrm_store::events::after(&w.store, w.ws, 0, 1000).await.unwrap();
    let logouts: Vec<_> = log.iter().filter(|e| e.r#type == "session.logout").collect();
    assert_eq!(logouts.len(), 2);
    assert_eq!(logouts[1].data["all"], true);
    assert_eq!(logouts[1].data["sessions_ended"], 2);
}
