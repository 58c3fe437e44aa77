//! Invitations keep only the token's hash, and a token is used once even
//! when two accepts race.

use autocrm_domain::{EmailAddress, Role};
use autocrm_store::entity::invitations as inv;
use autocrm_store::invitations::{self, NewInvitation};
use autocrm_store::sessions::hash_token;
use sea_orm::EntityTrait as _;

use crate::support::world;

fn ivy() -> NewInvitation {
    NewInvitation { email: EmailAddress::parse("ivy@acme.test").unwrap(), name: "Ivy".into(), role: Role::Agent }
}

#[tokio::test]
async fn only_the_hash_of_an_invitation_token_is_stored() {
    // Arrange
    let w = world().await;
    // Act
    let issued = invitations::invite(&w.store, &w.admin, ivy()).await.unwrap();
    // Assert
    let rows = inv::Entity::find().all(w.store.connection()).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].token_hash, hash_token(&issued.token));
    assert!(!rows[0].token_hash.contains(&issued.token));
    assert_eq!(rows[0].expires_at, issued.expires_at, "the time returned is the time stored");
    assert_eq!(rows[0].invited_by_user_id, w.admin.user_id());
    assert!(!issued.user.active && issued.user.password_hash.is_none());
}

#[tokio::test]
async fn of_two_concurrent_accepts_only_one_succeeds() {
    // Arrange
    let w = world().await;
    let issued = invitations::invite(&w.store, &w.admin, ivy()).await.unwrap();
    // Act
    let (a, b) = tokio::join!(
        invitations::accept(&w.store, &issued.token, "hash-a".into()),
        invitations::accept(&w.store, &issued.token, "hash-b".into()),
    );
    // Assert
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1, "{a:?} {b:?}");
    let winner = if a.is_ok() { "hash-a" } else { "hash-b" };
    let user = autocrm_store::users::get(&w.store, &w.admin, issued.user.id).await.unwrap();
    assert_eq!(user.password_hash.as_deref(), Some(winner));
    assert!(user.active);
    assert!(matches!(
        invitations::find_pending(&w.store, &issued.token).await,
        Err(autocrm_store::StoreError::NotFound)
    ));
}
