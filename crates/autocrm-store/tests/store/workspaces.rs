//! Workspaces are created with a valid IANA time zone and BCP 47 locale.

use crate::support::world;

#[tokio::test]
async fn a_workspace_needs_an_iana_time_zone_and_a_bcp47_locale() {
    // Arrange
    let w = world().await;
    // Act
    let bad_zone = autocrm_store::workspaces::create(&w.store, "mars", "Mars", "Mars/Base", "en").await;
    let bad_locale = autocrm_store::workspaces::create(&w.store, "mars", "Mars", "UTC", "en_US").await;
    let ok = autocrm_store::workspaces::create(&w.store, "berlin", "Berlin", "Europe/Berlin", "DE-de").await.unwrap();
    // Assert
    assert!(matches!(bad_zone, Err(autocrm_store::StoreError::Invalid(ref p)) if p[0].pointer == "/time_zone"));
    assert!(matches!(bad_locale, Err(autocrm_store::StoreError::Invalid(ref p)) if p[0].pointer == "/locale"));
    assert!(autocrm_store::workspaces::by_slug(&w.store, "mars").await.unwrap().is_none());
    assert_eq!((ok.time_zone.as_str(), ok.locale.as_str()), ("Europe/Berlin", "de-DE"));
}
