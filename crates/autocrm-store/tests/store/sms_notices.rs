//! Text-message notices about tickets on other channels, on both backends:
//! only to customers who opted in, with a phone, from an active number,
//! never after STOP; one per ticket in a short while; sent through the same
//! queue and Twilio client as agents' SMS replies (checked against the fake).

use autocrm_channels::sms::twilio::{Inbound, TwilioClient, TwilioConfig};
use autocrm_store::channels::{email_out, sms};
use autocrm_store::contacts::ContactInput;
use autocrm_store::entity::channel_messages;
use autocrm_store::tickets::TicketPatch;
use autocrm_testkit::twilio::FakeTwilio;
use chrono::TimeDelta;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};

use crate::support::{World, world};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-auth-token";
const OUR_NUMBER: &str = "+14155550100";
const CARLA_PHONE: &str = "+14155550199";
const PUBLIC_URL: &str = "https://help.acme.test/";

/// The workspace's number, at the fake.
async fn number(w: &World, twilio: &FakeTwilio) -> autocrm_store::entity::sms_numbers::Model {
    sms::create(
        &w.store,
        &w.admin,
        sms::SmsNumberInput {
            phone: Some(OUR_NUMBER.into()),
            base_url: Some(twilio.base_url()),
            account_sid: Some(ACCOUNT.into()),
            auth_token: Some(TOKEN.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// Gives Carla a phone (written as people write them) and her SMS choice.
async fn carla_with_phone(w: &World, texts: Option<bool>) -> i64 {
    let contact = w.carla.customer_contact().unwrap();
    autocrm_store::contacts::update(
        &w.store,
        &w.admin,
        contact,
        ContactInput { phones: Some(vec!["+1 (415) 555-0199".into()]), ..ContactInput::default() },
    )
    .await
    .unwrap();
    if texts.is_some() {
        email_out::set_preferences(&w.store, w.ws, contact, None, texts).await.unwrap();
    }
    contact
}

/// The automatic texts queued about `ticket`, oldest first.
async fn notices(w: &World, ticket: i64) -> Vec<channel_messages::Model> {
    channel_messages::Entity::find()
        .filter(channel_messages::Column::TicketId.eq(ticket))
        .filter(channel_messages::Column::Channel.eq("sms"))
        .filter(channel_messages::Column::Direction.eq("out"))
        .filter(channel_messages::Column::Automatic.eq(true))
        .order_by_asc(channel_messages::Column::Id)
        .all(w.store.connection())
        .await
        .unwrap()
}

async fn reply(w: &World, ticket: i64, body: &str) {
    autocrm_store::messages::create(&w.store, &w.agent, ticket, body, false).await.unwrap();
}

async fn solve(w: &World, ticket: i64) {
    let patch = TicketPatch { status_id: Some(w.status("solved").await), ..TicketPatch::default() };
    autocrm_store::tickets::update(&w.store, &w.agent, ticket, &patch).await.unwrap();
}

#[tokio::test]
async fn an_agents_reply_texts_a_portal_link_to_a_customer_who_opted_in() {
    // Arrange
    let w = world().await;
    let twilio = FakeTwilio::start(ACCOUNT, TOKEN).await;
    number(&w, &twilio).await;
    carla_with_phone(&w, Some(true)).await;
    let t = w.ticket_for(&w.carla, "Where is my parcel?").await.ticket;
    // Act
    reply(&w, t.id, "It left our warehouse this morning.").await;
    // Assert
    let queued = notices(&w, t.id).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].status, "queued");
    assert_eq!(queued[0].to_addresses, serde_json::json!([CARLA_PHONE]));
    let out = sms::prepare(&w.store, queued[0].id, PUBLIC_URL).await.unwrap().expect("a text to send");
    let link = format!("https://help.acme.test/portal/tickets/{}", t.id);
    assert!(out.body.ends_with(&format!("Your request #{} has a new reply: {link}", t.number)), "{}", out.body);
    assert!(!out.body.contains("warehouse"), "the text points to the portal and does not carry the reply");
    // Sent like any text: the same client and number the worker uses.
    let client = TwilioClient::new(TwilioConfig {
        base_url: url::Url::parse(&out.number.base_url).unwrap(),
        account_sid: out.number.account_sid.clone(),
        auth_token: out.number.auth_token.clone(),
        timeout: std::time::Duration::from_secs(5),
    })
    .unwrap();
    client.send(&out.number.phone, &out.to, &out.body, &[], None).await.unwrap();
    let sent = twilio.wait_for(1).await;
    assert_eq!((sent[0].from.as_str(), sent[0].to.as_str()), (OUR_NUMBER, CARLA_PHONE));
    assert_eq!(sent[0].body, out.body);
}

#[tokio::test]
async fn texts_are_opt_in_so_a_customer_who_never_chose_gets_none() {
    // Arrange
    let w = world().await;
    let twilio = FakeTwilio::start(ACCOUNT, TOKEN).await;
    number(&w, &twilio).await;
    let contact = carla_with_phone(&w, None).await;
    let untouched = w.ticket_for(&w.carla, "No preferences row").await.ticket;
    // Act: no row yet, then the row the portal's preferences page creates, then an e-mail-only change.
    reply(&w, untouched.id, "Answer one").await;
    let defaults = email_out::preferences(&w.store, w.ws, contact).await.unwrap();
    let viewed = w.ticket_for(&w.carla, "Default preferences").await.ticket;
    reply(&w, viewed.id, "Answer two").await;
    email_out::set_preferences(&w.store, w.ws, contact, Some(true), None).await.unwrap();
    reply(&w, viewed.id, "Answer three").await;
    // Assert
    assert!(defaults.email_notifications, "e-mail notices stay on by default");
    assert!(!defaults.sms_notifications, "text notices start off");
    assert!(notices(&w, untouched.id).await.is_empty());
    assert!(notices(&w, viewed.id).await.is_empty());
}

#[tokio::test]
async fn no_text_on_sms_tickets_without_a_phone_or_an_active_number_or_after_stop() {
    // Arrange
    let w = world().await;
    let twilio = FakeTwilio::start(ACCOUNT, TOKEN).await;
    let ours = number(&w, &twilio).await;
    let contact = carla_with_phone(&w, Some(true)).await;
    // Act + Assert: an SMS ticket is answered by the reply's own text, not a notice.
    let inbound =
        Inbound::from_form(&twilio.inbound_form(CARLA_PHONE, OUR_NUMBER, "Hi, is my order on its way?")).unwrap();
    let texted = sms::ingest(&w.store, &ours, &inbound).await.unwrap();
    reply(&w, texted.ticket_id.unwrap(), "Yes, tomorrow.").await;
    assert!(notices(&w, texted.ticket_id.unwrap()).await.is_empty());

    // No active number.
    sms::update(&w.store, &w.admin, ours.id, sms::SmsNumberInput { active: Some(false), ..Default::default() })
        .await
        .unwrap();
    let web = w.ticket_for(&w.carla, "Web request").await.ticket;
    reply(&w, web.id, "Looking into it").await;
    assert!(notices(&w, web.id).await.is_empty());
    sms::update(&w.store, &w.admin, ours.id, sms::SmsNumberInput { active: Some(true), ..Default::default() })
        .await
        .unwrap();

    // No phone.
    autocrm_store::contacts::update(
        &w.store,
        &w.admin,
        contact,
        ContactInput { phones: Some(vec![]), ..Default::default() },
    )
    .await
    .unwrap();
    reply(&w, web.id, "Still looking").await;
    assert!(notices(&w, web.id).await.is_empty());
    carla_with_phone(&w, Some(true)).await;

    // The phone texted STOP.
    let stop = Inbound { message_sid: "SM0000000000000000000000000000stop".into(), ..inbound.clone() };
    let stop = Inbound { body: "STOP".into(), ..stop };
    sms::ingest(&w.store, &ours, &stop).await.unwrap();
    reply(&w, web.id, "Found it").await;
    assert!(notices(&w, web.id).await.is_empty());
}

#[tokio::test]
async fn a_reply_and_solving_at_once_make_one_text_and_a_later_solve_another() {
    // Arrange
    let w = world().await;
    let twilio = FakeTwilio::start(ACCOUNT, TOKEN).await;
    number(&w, &twilio).await;
    carla_with_phone(&w, Some(true)).await;
    let t = w.ticket_for(&w.carla, "Refund please").await.ticket;
    // Act
    reply(&w, t.id, "Refunded.").await;
    solve(&w, t.id).await;
    let after_first = notices(&w, t.id).await.len();
    w.clock.advance(TimeDelta::minutes(sms::NOTICE_QUIET_MINUTES + 1));
    let open = TicketPatch { status_id: Some(w.status("open").await), ..TicketPatch::default() };
    autocrm_store::tickets::update(&w.store, &w.agent, t.id, &open).await.unwrap();
    solve(&w, t.id).await;
    // Assert
    let queued = notices(&w, t.id).await;
    assert_eq!(after_first, 1, "the reply's text covers the solve that came with it");
    assert_eq!(queued.len(), 2);
    let out = sms::prepare(&w.store, queued[1].id, PUBLIC_URL).await.unwrap().unwrap();
    assert!(
        out.body.contains(&format!(
            "Your request #{} has been solved: https://help.acme.test/portal/tickets/{}",
            t.number, t.id
        )),
        "{}",
        out.body
    );
}

#[tokio::test]
async fn turning_texts_off_again_stops_them() {
    // Arrange
    let w = world().await;
    let twilio = FakeTwilio::start(ACCOUNT, TOKEN).await;
    number(&w, &twilio).await;
    let contact = carla_with_phone(&w, Some(true)).await;
    email_out::set_preferences(&w.store, w.ws, contact, None, Some(false)).await.unwrap();
    let t = w.ticket_for(&w.carla, "Opted out").await.ticket;
    // Act
    reply(&w, t.id, "Hello").await;
    // Assert
    assert!(notices(&w, t.id).await.is_empty());
}
