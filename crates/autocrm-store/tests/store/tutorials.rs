//! Tutorials: graph validation on save, publishing versions that runs keep,
//! run recording, drop-off numbers, tickets from runs (once, rate limited)
//! and workspace isolation.

use autocrm_domain::tutorials::{Outcome, RunChannel, Step};
use autocrm_store::tutorials::analytics::{self, Filter};
use autocrm_store::tutorials::runs::{self, NewRun, Requester};
use autocrm_store::tutorials::{self, Status, TutorialInput};
use autocrm_store::{Principal, StoreError};
use chrono::TimeDelta;
use serde_json::json;

use crate::support::{World, world};

/// "Return an item": delivered? → within 30 days? → print the label (or back to the start).
fn steps() -> Vec<Step> {
    serde_json::from_value(json!([
        {"key": "delivered", "title": {"en": "Was your order delivered?", "de": "Wurde Ihre Bestellung geliefert?"},
         "content": {"en": "Returns are possible for <b>delivered</b> orders.<script>x()</script>"},
         "choices": [
            {"key": "yes", "label": {"en": "Yes", "de": "Ja"}, "target": {"type": "step", "step": "window"}},
            {"key": "no", "label": {"en": "Not yet", "de": "Noch nicht"},
             "target": {"type": "open_ticket", "subject": {"en": "Return before delivery"}, "category": "returns"}}
         ]},
        {"key": "window", "title": {"en": "Did it arrive in the last 30 days?"},
         "choices": [
            {"key": "yes", "label": {"en": "Yes"}, "target": {"type": "step", "step": "label"}},
            {"key": "no", "label": {"en": "No"}, "target": {"type": "open_ticket"}}
         ]},
        {"key": "label", "title": {"en": "Print the return label"},
         "choices": [
            {"key": "done", "label": {"en": "Done"}, "target": {"type": "solved", "message": {"en": "Drop it off."}}},
            {"key": "restart", "label": {"en": "Start over"}, "target": {"type": "step", "step": "delivered"}},
            {"key": "policy", "label": {"en": "Read the policy"}, "target": {"type": "article", "url": "/help/articles/7"}}
         ]}
    ]))
    .unwrap()
}

fn input(title: &str) -> TutorialInput {
    TutorialInput {
        title: Some([("en".to_owned(), title.to_owned()), ("de".to_owned(), "Artikel zurücksenden".to_owned())].into()),
        start: Some("delivered".into()),
        steps: Some(steps()),
        ..Default::default()
    }
}

async fn published(w: &World) -> i64 {
    let t = tutorials::create(&w.store, &w.agent, input("Return an item")).await.unwrap();
    tutorials::publish(&w.store, &w.agent, t.id).await.unwrap();
    t.id
}

fn new_run(channel: RunChannel) -> NewRun {
    NewRun { channel, locale: Some("de-AT".into()), visitor_id: Some("v-123".into()) }
}

fn anonymous(w: &World) -> Principal {
    Principal::system(w.ws)
}

#[tokio::test]
async fn a_bad_graph_is_refused_with_a_pointer_per_problem_and_changes_nothing() {
    // Arrange
    let w = world().await;
    let t = tutorials::create(&w.store, &w.agent, input("Return an item")).await.unwrap();
    let mut bad = steps();
    bad[0].choices[0].target = autocrm_domain::tutorials::Target::Step { step: "nowhere".into() };
    bad[1].choices.clear();
    bad.push(
        serde_json::from_value(json!({"key": "orphan", "title": {"en": "Orphan"},
        "choices": [{"key": "x", "label": {"en": "x"}, "target": {"type": "step", "step": "orphan"}}]}))
        .unwrap(),
    );
    // Act
    let err = tutorials::update(&w.store, &w.agent, t.id, TutorialInput { steps: Some(bad), ..Default::default() })
        .await
        .unwrap_err();
    // Assert
    let StoreError::Invalid(problems) = err else { panic!("expected invalid input, got {err:?}") };
    let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    // The dangling target also cuts `window` and `label` off the start.
    assert_eq!(
        pointers,
        ["/steps/1/choices", "/steps/0/choices/0/target/step", "/steps/1", "/steps/2", "/steps/3"],
        "{problems:?}"
    );
    let after = tutorials::get(&w.store, &w.agent, t.id).await.unwrap();
    assert_eq!(after.revision, 1);
    assert_eq!(after.graph.steps.len(), 3);
}

#[tokio::test]
async fn a_new_tutorial_is_a_valid_draft_that_the_public_cannot_see() {
    // Arrange
    let w = world().await;
    // Act
    let t = tutorials::create(
        &w.store,
        &w.agent,
        TutorialInput { title: Some([("en".to_owned(), "Starter".to_owned())].into()), ..Default::default() },
    )
    .await
    .unwrap();
    // Assert
    assert_eq!(t.status, Status::Draft);
    assert_eq!(t.graph.start, "start");
    assert!(autocrm_domain::tutorials::validate(&t.graph, "en", &[]).is_empty());
    assert!(tutorials::published_list(&w.store, w.ws).await.unwrap().is_empty());
    assert!(matches!(tutorials::published(&w.store, w.ws, t.id).await, Err(StoreError::NotFound)));
    assert!(matches!(tutorials::list(&w.store, &w.carla).await, Err(StoreError::Forbidden)));
    let start = runs::start(&w.store, w.ws, &anonymous(&w), t.id, new_run(RunChannel::HelpCenter)).await;
    assert!(matches!(start, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn content_is_sanitised_and_a_stale_revision_is_a_conflict() {
    // Arrange
    let w = world().await;
    let t = tutorials::create(&w.store, &w.agent, input("Return an item")).await.unwrap();
    assert_eq!(t.graph.steps[0].content["en"], "Returns are possible for <b>delivered</b> orders.");
    tutorials::update(
        &w.store,
        &w.admin,
        t.id,
        TutorialInput { tags: Some(vec!["Returns".into()]), ..Default::default() },
    )
    .await
    .unwrap();
    // Act
    let stale = tutorials::update(
        &w.store,
        &w.agent,
        t.id,
        TutorialInput { tags: Some(vec!["mine".into()]), revision: Some(t.revision), ..Default::default() },
    )
    .await;
    // Assert
    assert!(matches!(stale, Err(StoreError::Conflict { code: "tutorial_changed", .. })), "{stale:?}");
    let now = tutorials::get(&w.store, &w.agent, t.id).await.unwrap();
    assert_eq!(now.tags, ["returns"]);
    assert_eq!(now.revision, 2);
}

#[tokio::test]
async fn runs_keep_the_version_they_started_on_when_the_tutorial_is_republished() {
    // Arrange
    let w = world().await;
    let id = published(&w).await;
    let old = runs::start(&w.store, w.ws, &anonymous(&w), id, new_run(RunChannel::Widget)).await.unwrap();
    // The author drops the "window" question and republishes.
    let mut shorter = steps();
    shorter.remove(1);
    shorter[0].choices[0].target = autocrm_domain::tutorials::Target::Step { step: "label".into() };
    tutorials::update(&w.store, &w.agent, id, TutorialInput { steps: Some(shorter), ..Default::default() })
        .await
        .unwrap();
    let draft = tutorials::get(&w.store, &w.agent, id).await.unwrap();
    assert!(draft.has_unpublished_changes);
    assert_eq!(tutorials::published(&w.store, w.ws, id).await.unwrap().graph.steps.len(), 3, "still v1 in public");
    tutorials::publish(&w.store, &w.agent, id).await.unwrap();
    // Act
    let v = runs::choose(&w.store, w.ws, &anonymous(&w), &old.run.public_id, "delivered", "yes").await.unwrap();
    let fresh = runs::start(&w.store, w.ws, &anonymous(&w), id, new_run(RunChannel::Widget)).await.unwrap();
    let f = runs::choose(&w.store, w.ws, &anonymous(&w), &fresh.run.public_id, "delivered", "yes").await.unwrap();
    // Assert
    assert_eq!((v.run.version, v.run.current_step.as_deref()), (1, Some("window")));
    assert_eq!((f.run.version, f.run.current_step.as_deref()), (2, Some("label")));
    assert_eq!(old.run.locale, "de", "the closest language the tutorial has");
}

#[tokio::test]
async fn a_run_records_its_path_goes_back_and_finishes_with_an_outcome() {
    // Arrange
    let w = world().await;
    let id = published(&w).await;
    let p = anonymous(&w);
    let r = runs::start(&w.store, w.ws, &p, id, new_run(RunChannel::HelpCenter)).await.unwrap().run.public_id;
    // Act
    runs::choose(&w.store, w.ws, &p, &r, "delivered", "yes").await.unwrap();
    let wrong = runs::choose(&w.store, w.ws, &p, &r, "label", "done").await;
    runs::choose(&w.store, w.ws, &p, &r, "window", "yes").await.unwrap();
    // The customer goes back to the first question and answers again.
    runs::choose(&w.store, w.ws, &p, &r, "delivered", "yes").await.unwrap();
    runs::choose(&w.store, w.ws, &p, &r, "window", "yes").await.unwrap();
    let done = runs::choose(&w.store, w.ws, &p, &r, "label", "done").await.unwrap();
    let again = runs::choose(&w.store, w.ws, &p, &r, "label", "done").await;
    // Assert
    assert!(matches!(wrong, Err(StoreError::Invalid(ref e)) if e[0].pointer == "/step"), "{wrong:?}");
    let path: Vec<(&str, &str)> = done.run.path.iter().map(|e| (e.step.as_str(), e.choice.as_str())).collect();
    assert_eq!(path, [("delivered", "yes"), ("window", "yes"), ("label", "done")]);
    assert_eq!(done.run.outcome, Some(Outcome::Solved));
    assert!(done.run.finished_at.is_some());
    assert!(matches!(again, Err(StoreError::Conflict { code: "tutorial_run_finished", .. })));
    assert!(runs::prefill(&done).is_none());
    let events = autocrm_store::events::after(&w.store, w.ws, 0, 500).await.unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.r#type.as_str()).collect();
    assert!(types.contains(&"tutorial.created") && types.contains(&"tutorial.published"), "{types:?}");
    assert_eq!(types.iter().filter(|t| **t == "tutorial_run.completed").count(), 1);
}

#[tokio::test]
async fn analytics_count_reach_choices_outcomes_and_drop_off_per_step() {
    // Arrange: one run solved at `label`, one left at `delivered` 31 minutes ago,
    // one active at `window`, one that asked for a ticket at `delivered`.
    let w = world().await;
    let id = published(&w).await;
    let p = anonymous(&w);
    let start = || runs::start(&w.store, w.ws, &p, id, new_run(RunChannel::HelpCenter));
    start().await.unwrap();
    w.clock.advance(TimeDelta::minutes(31));
    let solved = start().await.unwrap().run.public_id;
    for (step, choice) in [("delivered", "yes"), ("window", "yes"), ("label", "done")] {
        runs::choose(&w.store, w.ws, &p, &solved, step, choice).await.unwrap();
    }
    let active = start().await.unwrap().run.public_id;
    runs::choose(&w.store, w.ws, &p, &active, "delivered", "yes").await.unwrap();
    let ticket = runs::start(&w.store, w.ws, &p, id, new_run(RunChannel::Widget)).await.unwrap().run.public_id;
    runs::choose(&w.store, w.ws, &p, &ticket, "delivered", "no").await.unwrap();
    // Act
    let a = analytics::analytics(&w.store, &w.agent, id, Filter::default()).await.unwrap();
    // Assert
    assert_eq!((a.starts, a.completions, a.tickets), (4, 2, 0));
    assert_eq!(a.outcomes.get(&Outcome::Solved), Some(&1));
    assert_eq!(a.outcomes.get(&Outcome::OpenTicket), Some(&1));
    assert_eq!(a.channels.get("widget"), Some(&1));
    let step = |k: &str| a.steps.iter().find(|s| s.step == k).unwrap().clone();
    let delivered = step("delivered");
    assert_eq!((delivered.reached, delivered.finished, delivered.dropped, delivered.in_progress), (4, 1, 1, 0));
    assert_eq!(delivered.choices.get("yes"), Some(&2));
    assert_eq!(delivered.choices.get("no"), Some(&1));
    let window = step("window");
    assert_eq!((window.reached, window.finished, window.dropped, window.in_progress), (2, 0, 0, 1));
    let label = step("label");
    assert_eq!((label.reached, label.finished), (1, 1));
    assert_eq!(a.steps.iter().map(|s| s.step.as_str()).collect::<Vec<_>>(), ["delivered", "window", "label"]);
    // The period filter counts runs by their start.
    let later = Filter { from: Some(w.clock_now() - TimeDelta::minutes(1)), ..Filter::default() };
    let recent = analytics::analytics(&w.store, &w.agent, id, later).await.unwrap();
    assert_eq!(recent.starts, 3);
    assert_eq!(recent.steps[0].reached, 3);
}

#[tokio::test]
async fn an_open_ticket_outcome_opens_one_ticket_with_the_path_taken() {
    // Arrange
    let w = world().await;
    let id = published(&w).await;
    let actor = anonymous(&w);
    let run = runs::start(&w.store, w.ws, &actor, id, new_run(RunChannel::HelpCenter)).await.unwrap().run.public_id;
    let before = runs::open_ticket(&w.store, w.ws, &actor, &run, Requester::Contact(1), None).await;
    let view = runs::choose(&w.store, w.ws, &actor, &run, "delivered", "no").await.unwrap();
    let prefill = runs::prefill(&view).unwrap();
    let requester = Requester::Email {
        email: autocrm_domain::EmailAddress::parse("new.customer@example.test").unwrap(),
        name: Some("New Customer".into()),
        client_key: Some("client-a".into()),
    };
    // Act
    let opened =
        runs::open_ticket(&w.store, w.ws, &actor, &run, requester.clone(), Some("It is <b>late</b>")).await.unwrap();
    let twice = runs::open_ticket(&w.store, w.ws, &actor, &run, requester, None).await;
    // Assert
    assert!(matches!(before, Err(StoreError::Conflict { code: "tutorial_run_not_open_ticket", .. })));
    assert!(matches!(twice, Err(StoreError::Conflict { code: "tutorial_ticket_exists", .. })), "{twice:?}");
    assert_eq!(prefill.subject, "Return before delivery");
    assert_eq!(
        prefill.text,
        "I went through the tutorial \"Artikel zurücksenden\":\n1. Wurde Ihre Bestellung geliefert? — Noch nicht\n"
    );
    let t = autocrm_store::tickets::get(&w.store, &w.admin, opened.ticket_id).await.unwrap();
    assert_eq!(t.ticket.subject, "Return before delivery");
    assert_eq!(t.requester.2.as_deref(), Some("new.customer@example.test"));
    assert_eq!(t.ticket.tags, json!(["tutorial", "returns"]));
    let messages = autocrm_store::messages::list(&w.store, &w.admin, t.ticket.id, None, None, false).await.unwrap();
    let body = &messages.data[0].body_html;
    assert!(body.contains("It is &lt;b&gt;late&lt;/b&gt;"), "{body}");
    assert!(body.contains("Wurde Ihre Bestellung geliefert? — <strong>Noch nicht</strong>"), "{body}");
    let again = runs::get(&w.store, w.ws, &run).await.unwrap();
    assert_eq!(again.run.ticket_number, Some(opened.number));
}

#[tokio::test]
async fn a_signed_in_customer_is_the_requester_and_anonymous_tickets_are_rate_limited() {
    // Arrange
    let w = world().await;
    let id = published(&w).await;
    let asked = |p: Principal| {
        let w = &w;
        async move {
            let r = runs::start(&w.store, w.ws, &p, id, new_run(RunChannel::Portal)).await.unwrap().run.public_id;
            runs::choose(&w.store, w.ws, &p, &r, "delivered", "no").await.unwrap();
            r
        }
    };
    let carla_contact = w.carla.customer_contact().unwrap();
    let r = asked(w.carla.clone()).await;
    // Act
    let mine = runs::open_ticket(&w.store, w.ws, &w.carla, &r, Requester::Contact(carla_contact), None).await.unwrap();
    let mut anon = Vec::new();
    for i in 0..4 {
        let r = asked(anonymous(&w)).await;
        let requester = Requester::Email {
            email: autocrm_domain::EmailAddress::parse(&format!("anon{i}@example.test")).unwrap(),
            name: None,
            client_key: Some("same-client".into()),
        };
        anon.push(runs::open_ticket(&w.store, w.ws, &anonymous(&w), &r, requester, None).await);
    }
    let mut same_address = Vec::new();
    for i in 0..4 {
        let r = asked(anonymous(&w)).await;
        let requester = Requester::Email {
            email: autocrm_domain::EmailAddress::parse("one@example.test").unwrap(),
            name: None,
            client_key: Some(format!("client-{i}")),
        };
        same_address.push(runs::open_ticket(&w.store, w.ws, &anonymous(&w), &r, requester, None).await);
    }
    // Assert
    let t = autocrm_store::tickets::get(&w.store, &w.carla, mine.ticket_id).await.unwrap();
    assert_eq!(t.requester.0, carla_contact);
    assert!(anon[..3].iter().all(Result::is_ok));
    assert!(matches!(anon[3], Err(StoreError::Conflict { code: "rate_limited", .. })), "{:?}", anon[3]);
    assert!(same_address[..3].iter().all(Result::is_ok));
    assert!(matches!(same_address[3], Err(StoreError::Conflict { code: "rate_limited", .. })));
    // An hour later the client may open tickets again.
    w.clock.advance(TimeDelta::minutes(61));
    let r = asked(anonymous(&w)).await;
    let requester = Requester::Email {
        email: autocrm_domain::EmailAddress::parse("later@example.test").unwrap(),
        name: None,
        client_key: Some("same-client".into()),
    };
    assert!(runs::open_ticket(&w.store, w.ws, &anonymous(&w), &r, requester, None).await.is_ok());
}

/// The "we received your request" e-mails queued about `ticket`.
async fn acknowledgements(w: &World, ticket: i64) -> Vec<autocrm_store::entity::channel_messages::Model> {
    use autocrm_store::entity::channel_messages as cm;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    cm::Entity::find()
        .filter(cm::Column::TicketId.eq(ticket))
        .filter(cm::Column::Channel.eq("email"))
        .filter(cm::Column::Direction.eq("out"))
        .all(w.store.connection())
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.flags["notice"] == "ticket_received")
        .collect()
}

#[tokio::test]
async fn an_anonymous_runs_ticket_is_acknowledged_by_e_mail_like_other_new_requests() {
    // Arrange
    let w = world().await;
    let id = published(&w).await;
    autocrm_store::channels::mailboxes::create(
        &w.store,
        &w.admin,
        autocrm_store::channels::mailboxes::MailboxInput {
            address: Some("support@acme.test".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let asked = |p: Principal| {
        let w = &w;
        async move {
            let r = runs::start(&w.store, w.ws, &p, id, new_run(RunChannel::HelpCenter)).await.unwrap().run.public_id;
            runs::choose(&w.store, w.ws, &p, &r, "delivered", "no").await.unwrap();
            r
        }
    };
    let visitor = |address: &str| Requester::Email {
        email: autocrm_domain::EmailAddress::parse(address).unwrap(),
        name: Some("Visitor".into()),
        client_key: None,
    };
    // Act
    let r = asked(anonymous(&w)).await;
    let anon =
        runs::open_ticket(&w.store, w.ws, &anonymous(&w), &r, visitor("visitor@example.test"), None).await.unwrap();
    let r = asked(w.carla.clone()).await;
    let carla = Requester::Contact(w.carla.customer_contact().unwrap());
    let signed_in = runs::open_ticket(&w.store, w.ws, &w.carla, &r, carla, None).await.unwrap();
    autocrm_store::channels::update_settings(
        &w.store,
        &w.admin,
        autocrm_store::channels::SettingsPatch { auto_reply_enabled: Some(false), ..Default::default() },
    )
    .await
    .unwrap();
    let r = asked(anonymous(&w)).await;
    let switched_off =
        runs::open_ticket(&w.store, w.ws, &anonymous(&w), &r, visitor("quiet@example.test"), None).await.unwrap();
    // Assert
    let acks = acknowledgements(&w, anon.ticket_id).await;
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].to_addresses, json!(["visitor@example.test"]));
    assert_eq!((acks[0].status.as_str(), acks[0].automatic), ("queued", true));
    assert!(acknowledgements(&w, signed_in.ticket_id).await.is_empty(), "the portal shows it to a signed-in customer");
    assert!(acknowledgements(&w, switched_off.ticket_id).await.is_empty(), "the workspace's switch applies");
}

#[tokio::test]
async fn another_workspace_reaches_neither_tutorials_nor_runs() {
    // Arrange
    let w = world().await;
    let id = published(&w).await;
    let r = runs::start(&w.store, w.ws, &anonymous(&w), id, new_run(RunChannel::HelpCenter)).await.unwrap();
    // Act + Assert
    assert!(matches!(tutorials::get(&w.store, &w.other_admin, id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        tutorials::update(&w.store, &w.other_admin, id, input("Mine now")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(tutorials::publish(&w.store, &w.other_admin, id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        analytics::analytics(&w.store, &w.other_admin, id, Filter::default()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(tutorials::published(&w.store, w.other_ws, id).await, Err(StoreError::NotFound)));
    assert!(tutorials::published_list(&w.store, w.other_ws).await.unwrap().is_empty());
    assert!(matches!(runs::get(&w.store, w.other_ws, &r.run.public_id).await, Err(StoreError::NotFound)));
    let foreign = Principal::system(w.other_ws);
    let choose = runs::choose(&w.store, w.other_ws, &foreign, &r.run.public_id, "delivered", "yes").await;
    assert!(matches!(choose, Err(StoreError::NotFound)));
    assert!(tutorials::list(&w.store, &w.other_admin).await.unwrap().is_empty());
}

#[tokio::test]
async fn images_must_be_real_images_and_drafts_keep_theirs_private() {
    // Arrange
    let w = world().await;
    let t = tutorials::create(&w.store, &w.agent, input("Return an item")).await.unwrap();
    // Act
    let svg = tutorials::add_image(&w.store, &w.agent, t.id, "x.svg", b"<svg onload=alert(1)>").await;
    let png = tutorials::add_image(&w.store, &w.agent, t.id, "x.png", b"\x89PNG\r\n\x1a\nrest").await.unwrap();
    let mut with_image = steps();
    with_image[0].image = Some(png.public_id.clone());
    tutorials::update(
        &w.store,
        &w.agent,
        t.id,
        TutorialInput { steps: Some(with_image.clone()), ..Default::default() },
    )
    .await
    .unwrap();
    with_image[1].image = Some("not-ours".into());
    let foreign_image =
        tutorials::update(&w.store, &w.agent, t.id, TutorialInput { steps: Some(with_image), ..Default::default() })
            .await;
    // Assert
    assert!(matches!(svg, Err(StoreError::Invalid(_))));
    assert!(matches!(foreign_image, Err(StoreError::Invalid(ref e)) if e[0].pointer == "/steps/1/image"));
    assert_eq!(png.content_type, "image/png");
    assert!(matches!(tutorials::image(&w.store, w.ws, &png.public_id, false).await, Err(StoreError::NotFound)));
    assert!(tutorials::image(&w.store, w.ws, &png.public_id, true).await.is_ok());
    assert!(matches!(tutorials::image(&w.store, w.other_ws, &png.public_id, true).await, Err(StoreError::NotFound)));
    tutorials::publish(&w.store, &w.agent, t.id).await.unwrap();
    assert_eq!(tutorials::image(&w.store, w.ws, &png.public_id, false).await.unwrap().1, b"\x89PNG\r\n\x1a\nrest");
}
