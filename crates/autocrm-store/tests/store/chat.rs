//! Live chat in the store: visitor tokens expire and stay in their
//! workspace, a visitor is confined like a customer, identities move
//! anonymous chats along, agents count as online only while their heartbeat
//! lasts, read positions only move forward, bot messages are told apart.

use autocrm_domain::EmailAddress;
use autocrm_store::chat::{self, Identity, NewChat, SessionInput, SettingsPatch};
use autocrm_store::portal::ratings::Score;
use autocrm_store::{Principal, StoreError};
use chrono::TimeDelta;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{World, world};

async fn enable(w: &World, ws: i64, offline_mode: &str) -> String {
    let patch = SettingsPatch {
        enabled: Some(true),
        allowed_origins: Some(vec!["https://shop.test".into()]),
        offline_mode: Some(offline_mode.into()),
        ..Default::default()
    };
    chat::update_settings(&w.store, &Principal::system(ws), patch).await.unwrap();
    chat::rotate_identity_secret(&w.store, &Principal::system(ws)).await.unwrap()
}

/// A new anonymous visitor's token and principal.
async fn visitor(w: &World, ws: i64) -> (String, Principal) {
    let opened = chat::open_session(&w.store, ws, SessionInput::default()).await.unwrap();
    let p = chat::resolve_token(&w.store, &opened.token).await.unwrap().unwrap().principal;
    (opened.token, p)
}

async fn refreshed(w: &World, p: &Principal) -> Principal {
    chat::refresh_principal(&w.store, p).await.unwrap()
}

fn new_chat(body: &str) -> NewChat {
    NewChat { body: body.into(), client_id: None }
}

#[tokio::test]
async fn a_visitor_token_expires_after_thirty_days_and_renews_with_each_session() {
    // Arrange
    let w = world().await;
    enable(&w, w.ws, "chat").await;
    let (token, _) = visitor(&w, w.ws).await;
    // Act
    w.clock.advance(TimeDelta::days(29));
    let still = chat::resolve_token(&w.store, &token).await.unwrap();
    let resumed = chat::open_session(
        &w.store,
        w.ws,
        SessionInput { resume: Some(still.clone().unwrap().visitor), ..Default::default() },
    )
    .await
    .unwrap();
    w.clock.advance(TimeDelta::days(2));
    // Assert
    assert!(still.is_some());
    assert!(chat::resolve_token(&w.store, &token).await.unwrap().is_none(), "31 days: the first token expired");
    let renewed = chat::resolve_token(&w.store, &resumed.token).await.unwrap().unwrap();
    assert_eq!(renewed.visitor.id, still.unwrap().visitor.id, "the renewed token is the same visitor");
}

#[tokio::test]
async fn a_visitor_sees_only_its_own_chats_and_only_their_public_messages() {
    // Arrange: two visitors chat; an agent writes a note on A's chat.
    let w = world().await;
    enable(&w, w.ws, "chat").await;
    let (_, a) = visitor(&w, w.ws).await;
    let (_, b) = visitor(&w, w.ws).await;
    let chat_a = chat::start(&w.store, &a, new_chat("A here")).await.unwrap();
    let a = refreshed(&w, &a).await;
    chat::start(&w.store, &b, new_chat("B here")).await.unwrap();
    let b = refreshed(&w, &b).await;
    autocrm_store::messages::create(&w.store, &w.agent, chat_a.ticket.id, "internal: VIP?", true).await.unwrap();
    autocrm_store::messages::create(&w.store, &w.agent, chat_a.ticket.id, "Hello A", false).await.unwrap();

    // Act
    let a_list = chat::list(&w.store, &a).await.unwrap();
    let b_list = chat::list(&w.store, &b).await.unwrap();
    let a_messages = chat::messages(&w.store, &a, chat_a.ticket.id, None, None).await.unwrap();
    let b_reads_a = chat::messages(&w.store, &b, chat_a.ticket.id, None, None).await;
    let b_ticket = autocrm_store::tickets::get(&w.store, &b, chat_a.ticket.id).await;

    // Assert
    assert_eq!(a_list.len(), 1);
    assert_eq!(b_list.len(), 1);
    assert_ne!(a_list[0].ticket.id, b_list[0].ticket.id);
    let texts: Vec<&str> = a_messages.iter().map(|m| m.message.body_text.as_str()).collect();
    assert_eq!(texts, ["A here", "Hello A"], "no internal note");
    assert_eq!(a_messages[1].participant, "agent");
    assert_eq!(a_messages[1].author_name, "Anna", "agents appear by first name");
    assert!(matches!(b_reads_a, Err(StoreError::NotFound)));
    assert!(matches!(b_ticket, Err(StoreError::NotFound)), "the ticket API confines a visitor too");
    assert_eq!(chat_a.ticket.channel, "chat");
}

#[tokio::test]
async fn a_visitor_of_another_workspace_reaches_nothing_here() {
    // Arrange
    let w = world().await;
    enable(&w, w.ws, "chat").await;
    enable(&w, w.other_ws, "chat").await;
    let (_, here) = visitor(&w, w.ws).await;
    let conversation = chat::start(&w.store, &here, new_chat("hello")).await.unwrap();
    let (foreign_token, foreign) = visitor(&w, w.other_ws).await;
    // Act
    let read = chat::get(&w.store, &foreign, conversation.ticket.id).await;
    let typing = chat::typing(&w.store, &foreign, conversation.ticket.id, true).await;
    // Assert
    assert!(matches!(read, Err(StoreError::NotFound)));
    assert!(matches!(typing, Err(StoreError::NotFound)));
    assert_eq!(autocrm_domain::chat::token_workspace(&foreign_token), Some(w.other_ws));
}

#[tokio::test]
async fn a_proven_identity_joins_the_customers_contact_and_takes_the_anonymous_chat_along() {
    // Arrange: Carla (a contact with an e-mail) chats anonymously first.
    let w = world().await;
    let secret = enable(&w, w.ws, "chat").await;
    let (_, anon) = visitor(&w, w.ws).await;
    let early = chat::start(&w.store, &anon, new_chat("before signing in")).await.unwrap();
    let anon = refreshed(&w, &anon).await;
    let anon_row = chat::me(&w.store, &anon).await.unwrap();
    let carla_contact = w.carla.customer_contact().unwrap();
    let email = EmailAddress::parse("carla@customer.test").unwrap();
    let identity = |hash: String| Identity { user_id: None, email: Some(email.clone()), name: None, user_hash: hash };

    // Act
    let forged = chat::open_session(
        &w.store,
        w.ws,
        SessionInput {
            resume: Some(anon_row.clone()),
            identity: Some(identity("ab".repeat(32))),
            ..Default::default()
        },
    )
    .await;
    let proven = chat::open_session(
        &w.store,
        w.ws,
        SessionInput {
            resume: Some(anon_row),
            identity: Some(identity(autocrm_domain::chat::user_hash(&secret, "carla@customer.test"))),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let carla_ticket = w.ticket_for(&w.carla, "an e-mail from last week").await;
    let p = chat::resolve_token(&w.store, &proven.token).await.unwrap().unwrap().principal;

    // Assert
    assert!(matches!(forged, Err(StoreError::Invalid(_))));
    assert!(proven.visitor.identified);
    assert_eq!(proven.visitor.contact_id, Some(carla_contact));
    assert_eq!(p.customer_contact(), Some(carla_contact));
    let moved = autocrm_store::tickets::get(&w.store, &w.admin, early.ticket.id).await.unwrap();
    assert_eq!(moved.ticket.requester_id, carla_contact, "the anonymous chat moved to Carla");
    assert!(chat::list(&w.store, &p).await.unwrap().iter().any(|c| c.ticket.id == early.ticket.id));
    assert!(
        autocrm_store::tickets::get(&w.store, &p, carla_ticket.ticket.id).await.is_ok(),
        "an identified visitor reaches the customer's tickets like the customer does"
    );
}

#[tokio::test]
async fn an_id_only_identity_never_takes_over_a_contact_by_its_unproven_email() {
    // Arrange: the hash covers the user id; the e-mail beside it is Carla's.
    let w = world().await;
    let secret = enable(&w, w.ws, "chat").await;
    let identity = Identity {
        user_id: Some("u-999".into()),
        email: Some(EmailAddress::parse("carla@customer.test").unwrap()),
        name: Some("Mallory".into()),
        user_hash: autocrm_domain::chat::user_hash(&secret, "u-999"),
    };
    // Act
    let opened = chat::open_session(&w.store, w.ws, SessionInput { identity: Some(identity), ..Default::default() })
        .await
        .unwrap();
    // Assert
    assert!(opened.visitor.identified);
    assert_ne!(opened.visitor.contact_id, w.carla.customer_contact(), "a new contact, not Carla's");
}

#[tokio::test]
async fn agents_are_online_while_their_heartbeat_lasts_and_chats_wait_for_them() {
    // Arrange
    let w = world().await;
    enable(&w, w.ws, "message").await;
    let (_, v) = visitor(&w, w.ws).await;
    // Act + Assert
    assert_eq!(chat::agents_online(&w.store, w.ws).await.unwrap(), 0);
    let refused = chat::start(&w.store, &v, new_chat("anyone?")).await;
    assert!(matches!(refused, Err(StoreError::Conflict { code: "agents_offline", .. })));
    chat::heartbeat(&w.store, &w.agent, Some(true)).await.unwrap();
    assert_eq!(chat::agents_online(&w.store, w.ws).await.unwrap(), 1);
    assert!(chat::start(&w.store, &v, new_chat("hello")).await.is_ok());
    w.clock.advance(TimeDelta::seconds(chat::ONLINE_FOR_SECS + 1));
    assert_eq!(chat::agents_online(&w.store, w.ws).await.unwrap(), 0, "no heartbeat: offline");
    chat::heartbeat(&w.store, &w.agent, Some(false)).await.unwrap();
    assert_eq!(chat::agents_online(&w.store, w.ws).await.unwrap(), 0, "away is not online");
    assert!(chat::heartbeat(&w.store, &w.carla, Some(true)).await.is_err(), "customers take no chats");
}

#[tokio::test]
async fn read_positions_only_move_forward_and_a_retry_is_stored_once() {
    // Arrange
    let w = world().await;
    enable(&w, w.ws, "chat").await;
    let (_, v) = visitor(&w, w.ws).await;
    let conversation = chat::start(&w.store, &v, new_chat("one")).await.unwrap();
    let v = refreshed(&w, &v).await;
    let id = conversation.ticket.id;
    let (second, new) = chat::post(&w.store, &v, id, "two", Some("c-2"), &[]).await.unwrap();
    let (again, new_again) = chat::post(&w.store, &v, id, "two", Some("c-2"), &[]).await.unwrap();
    let first = conversation.last_message.unwrap().message.id;
    // Act
    chat::mark_read(&w.store, &w.agent, id, second.message.id).await.unwrap();
    let after = chat::mark_read(&w.store, &w.agent, id, first).await.unwrap();
    // Assert
    assert!(new && !new_again);
    assert_eq!(second.message.id, again.message.id);
    assert_eq!(chat::messages(&w.store, &v, id, None, None).await.unwrap().len(), 2);
    assert_eq!(after.agent_read_message_id, Some(second.message.id), "an older read does not move it back");
    let other = autocrm_store::messages::create(&w.store, &w.agent, id, "note", true).await.unwrap();
    assert!(chat::mark_read(&w.store, &v, id, other.id).await.is_err(), "an internal note is no message to read");
}

#[tokio::test]
async fn a_bot_answers_as_a_bot_and_hands_over_to_humans() {
    // Arrange
    let w = world().await;
    enable(&w, w.ws, "chat").await;
    let (_, v) = visitor(&w, w.ws).await;
    let conversation = chat::start(&w.store, &v, new_chat("where is my order?")).await.unwrap();
    let v = refreshed(&w, &v).await;
    let id = conversation.ticket.id;
    // Act
    let answer = chat::post_as_bot(&w.store, &Principal::system(w.ws), id, "Shop Assistant", "It ships today.", None)
        .await
        .unwrap();
    let during = chat::get(&w.store, &v, id).await.unwrap();
    let system = Principal::system(w.ws);
    chat::save_bot_state(&w.store, &system, id, serde_json::json!({"messages": []})).await.unwrap();
    let after =
        chat::hand_off(&w.store, &system, id, chat::HandOffReason::Requested, Some("wants to know where order 7 is"))
            .await
            .unwrap();
    // Assert
    assert_eq!(answer.participant, "bot");
    assert_eq!(answer.author_name, "Shop Assistant");
    assert_eq!(answer.message.author_kind, "system");
    assert_eq!(during.chat.handler, "bot");
    assert_eq!(after.handler, "human");
    assert!(chat::post_as_bot(&w.store, &v, id, "x", "y", None).await.is_err(), "a visitor cannot speak as the bot");
    assert_eq!(chat::bot_state(&w.store, w.ws, id).await.unwrap(), None, "the bot's memory goes with the hand-off");
    let thread = autocrm_store::messages::list(&w.store, &w.agent, id, Some(50), None, true).await.unwrap().data;
    let note = thread.iter().find(|m| m.internal).expect("an internal note for the agents");
    assert!(note.body_text.contains("the customer asked for a person"), "{}", note.body_text);
    assert!(note.body_text.contains("wants to know where order 7 is"));
    let visible = chat::messages(&w.store, &v, id, None, None).await.unwrap();
    assert!(visible.iter().all(|m| !m.message.internal), "the visitor never sees the note");
    let late = chat::save_bot_state(&w.store, &system, id, serde_json::json!({})).await;
    assert!(late.is_err(), "a late bot turn cannot take the conversation back");
}

#[tokio::test]
async fn a_bot_answer_is_recorded_with_its_message_and_a_stated_change_asks_for_a_yes() {
    // Arrange
    let w = world().await;
    enable(&w, w.ws, "chat").await;
    let (_, v) = visitor(&w, w.ws).await;
    let id = chat::start(&w.store, &v, new_chat("cancel my order please")).await.unwrap().ticket.id;
    let v = refreshed(&w, &v).await;
    let system = Principal::system(w.ws);
    let answer = |outcome| autocrm_store::ai::BotAnswer {
        outcome,
        citations: serde_json::json!([]),
        provenance: serde_json::json!({"engine": "llm", "model": "m", "prompt_version": "chatbot_tools@2"}),
        inputs: serde_json::json!({"messages": [1]}),
        tools: serde_json::json!([]),
        confidence: None,
    };
    // Act
    let asked =
        chat::post_as_bot(&w.store, &system, id, "Assistant", "Cancel order #W1? Reply yes.", Some(answer("confirm")))
            .await
            .unwrap();
    let told =
        chat::post_as_bot(&w.store, &system, id, "Assistant", "It is cancelled.", Some(answer("acted"))).await.unwrap();
    // Assert
    assert!(asked.asks_confirmation);
    assert!(!told.asks_confirmation);
    let seen = chat::messages(&w.store, &v, id, None, None).await.unwrap();
    let flags: Vec<(i64, bool)> = seen.iter().map(|m| (m.message.id, m.asks_confirmation)).collect();
    assert!(flags.contains(&(asked.message.id, true)) && flags.contains(&(told.message.id, false)), "{flags:?}");
    let recorded = autocrm_store::entity::chat_bot_answers::Entity::find()
        .filter(autocrm_store::entity::chat_bot_answers::Column::TicketId.eq(id))
        .all(w.store.connection())
        .await
        .unwrap();
    assert_eq!(recorded.len(), 2, "each bot message has its audit record, written with it");
    assert!(
        recorded.iter().any(|r| r.message_id == Some(asked.message.id) && r.body == "Cancel order #W1? Reply yes.")
    );
}

#[tokio::test]
async fn an_agents_reply_takes_a_conversation_over_from_the_bot() {
    // Arrange
    let w = world().await;
    enable(&w, w.ws, "chat").await;
    let (_, v) = visitor(&w, w.ws).await;
    let id = chat::start(&w.store, &v, new_chat("hello?")).await.unwrap().ticket.id;
    let system = Principal::system(w.ws);
    chat::post_as_bot(&w.store, &system, id, "Assistant", "Hi, how can I help?", None).await.unwrap();
    chat::save_bot_state(&w.store, &system, id, serde_json::json!({"messages": []})).await.unwrap();
    // Act
    autocrm_store::messages::create(&w.store, &w.agent, id, "Anna here, I'll take it from here.", false).await.unwrap();
    // Assert
    let v = refreshed(&w, &v).await;
    assert_eq!(chat::get(&w.store, &v, id).await.unwrap().chat.handler, "human");
    assert_eq!(chat::bot_state(&w.store, w.ws, id).await.unwrap(), None);
}

#[tokio::test]
async fn leaving_a_message_opens_an_email_ticket_the_visitor_does_not_reach() {
    // Arrange
    let w = world().await;
    enable(&w, w.ws, "message").await;
    let (_, v) = visitor(&w, w.ws).await;
    let carla_email = EmailAddress::parse("carla@customer.test").unwrap();
    // Act: the visitor leaves a message as Carla's address (anyone may write as any address).
    let ticket = chat::leave_message(&w.store, &v, Some("Carla?"), &carla_email, "call me").await.unwrap();
    let v = refreshed(&w, &v).await;
    // Assert
    assert_eq!(ticket.channel, "email");
    assert_eq!(ticket.requester_id, w.carla.customer_contact().unwrap());
    assert!(chat::list(&w.store, &v).await.unwrap().is_empty(), "the visitor did not become Carla");
    assert!(matches!(chat::get(&w.store, &v, ticket.id).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn settings_refuse_bad_sites_colours_and_languages_and_change_nothing() {
    // Arrange
    let w = world().await;
    enable(&w, w.ws, "chat").await;
    let before = chat::settings(&w.store, w.ws).await.unwrap();
    // Act
    let bad = chat::update_settings(
        &w.store,
        &w.admin,
        SettingsPatch {
            allowed_origins: Some(vec!["javascript:alert(1)".into()]),
            color: Some("#12345".into()),
            greetings: Some([("english".to_owned(), "Hi".to_owned())].into_iter().collect()),
            ..Default::default()
        },
    )
    .await;
    let by_agent = chat::update_settings(&w.store, &w.agent, SettingsPatch::default()).await;
    // Assert
    let Err(StoreError::Invalid(problems)) = bad else { panic!("expected invalid input") };
    let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(pointers, ["/allowed_origins/0", "/color", "/greetings/english"]);
    assert!(matches!(by_agent, Err(StoreError::Forbidden)));
    assert_eq!(chat::settings(&w.store, w.ws).await.unwrap(), before);
}

#[tokio::test]
async fn a_visitor_rates_its_own_solved_chat_for_seven_days_and_nobody_elses() {
    // Arrange: A's chat, solved by the team; B another visitor.
    let w = world().await;
    enable(&w, w.ws, "chat").await;
    let (_, a) = visitor(&w, w.ws).await;
    let (_, b) = visitor(&w, w.ws).await;
    let id = chat::start(&w.store, &a, new_chat("Help")).await.unwrap().ticket.id;
    let a = refreshed(&w, &a).await;
    let open = chat::rating(&w.store, &a, id).await;
    let system = Principal::system(w.ws);
    let solved = autocrm_store::statuses::list(&w.store, &system)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.category == "solved")
        .unwrap();
    let patch = autocrm_store::tickets::TicketPatch { status_id: Some(solved.id), ..Default::default() };
    autocrm_store::tickets::update(&w.store, &system, id, &patch).await.unwrap();

    // Act
    let before = chat::rating(&w.store, &a, id).await.unwrap();
    chat::rate(&w.store, &a, id, Score::Bad, Some("  slow  ")).await.unwrap();
    let by_b = chat::rate(&w.store, &b, id, Score::Good, None).await;
    let read_by_b = chat::rating(&w.store, &b, id).await;
    w.clock.advance(TimeDelta::days(6));
    chat::rate(&w.store, &a, id, Score::Good, None).await.unwrap();
    w.clock.advance(TimeDelta::days(2));
    let late = chat::rate(&w.store, &a, id, Score::Bad, None).await;
    let after = chat::rating(&w.store, &a, id).await.unwrap();

    // Assert
    assert!(matches!(open, Err(StoreError::Conflict { code: "ticket_not_solved", .. })), "{open:?}");
    assert!(before.rating.is_none() && before.can_rate);
    assert_eq!(
        autocrm_store::portal::ratings::verify_token(&w.store, &before.token).await.unwrap(),
        (w.ws, id),
        "the token is the ticket's rating token"
    );
    assert!(matches!(by_b, Err(StoreError::NotFound)), "{by_b:?}");
    assert!(matches!(read_by_b, Err(StoreError::NotFound)), "{read_by_b:?}");
    assert!(matches!(late, Err(StoreError::Conflict { code: "rating_final", .. })), "{late:?}");
    let r = after.rating.unwrap();
    assert_eq!((r.score.as_str(), r.comment), ("good", None), "the change within the week counted, B's did not");
    assert!(!after.can_rate);
}
