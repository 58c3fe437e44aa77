//! The demo shop's chat widget: on, embeddable from the demo server itself
//! on any loopback port (`http://127.0.0.1:*`, `http://localhost:*`) and from
//! `http://127.0.0.2:*` (a "different site" for trying it, and the browser
//! journey), greeting in English and German; one earlier chat in the queue.
//! Try it at `/widget-demo.html`.

use autocrm_domain::Principal;
use autocrm_store::Store;
use autocrm_store::chat::{NewChat, SessionInput, SettingsPatch};

/// Turns the widget on for the demo workspace and adds a sample chat.
pub async fn seed(store: &Store, sys: &Principal) -> anyhow::Result<()> {
    let greetings = [
        (
            "en".to_owned(),
            "Hi there! 👋 Questions about an order, a return or your subscription? We're happy to help.".to_owned(),
        ),
        (
            "de".to_owned(),
            "Hallo! 👋 Fragen zu einer Bestellung, einer Rücksendung oder Ihrem Abo? Wir helfen gern.".to_owned(),
        ),
    ];
    let settings = |offline_mode: &str| SettingsPatch {
        enabled: Some(true),
        allowed_origins: Some(vec![
            "http://127.0.0.1:*".into(),
            "http://localhost:*".into(),
            "http://127.0.0.2:*".into(),
        ]),
        color: Some("#0b7285".into()),
        greetings: Some(greetings.iter().cloned().collect()),
        default_locale: Some("en".into()),
        offline_mode: Some(offline_mode.into()),
        ..Default::default()
    };
    // Open to chats while seeding the sample (nobody is online yet), then back to
    // "leave a message when nobody is online".
    autocrm_store::chat::update_settings(store, sys, settings("chat")).await?;
    let opened = autocrm_store::chat::open_session(
        store,
        sys.workspace_id,
        SessionInput {
            locale: Some("de-AT".into()),
            page_url: Some("http://127.0.0.2/shop/shoes".into()),
            ..Default::default()
        },
    )
    .await?;
    if let Some(visitor) = autocrm_store::chat::resolve_token(store, &opened.token).await? {
        autocrm_store::chat::start(
            store,
            &visitor.principal,
            NewChat { body: "Do you ship to Austria? And how long does it take?".into(), client_id: None },
        )
        .await?;
    }
    autocrm_store::chat::update_settings(store, sys, settings("message")).await?;
    Ok(())
}
