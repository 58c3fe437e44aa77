//! Channels in the store, on both backends: concurrent deliveries of one
//! message, the IMAP poll lease, and the caps on automatic mail.

use autocrm_store::channels::{email_in, mailboxes};
use chrono::TimeDelta;

use crate::support::world;

async fn mailbox(w: &crate::support::World, address: &str, imap: bool) -> autocrm_store::entity::mailboxes::Model {
    let input = mailboxes::MailboxInput {
        address: Some(address.into()),
        imap: imap.then(|| {
            Some(mailboxes::ImapInput {
                host: "127.0.0.1".into(),
                port: 143,
                security: "plain".into(),
                username: "u".into(),
                password: Some("p".into()),
                folder: "INBOX".into(),
            })
        }),
        poll_interval_secs: Some(60),
        ..Default::default()
    };
    mailboxes::create(&w.store, &w.admin, input).await.unwrap().0
}

fn raw(id: &str, from: &str, subject: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: support@acme.test\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\r\nHello\r\n")
        .into_bytes()
}

#[tokio::test]
async fn concurrent_deliveries_of_one_message_store_it_once() {
    let w = world().await;
    let m = mailbox(&w, "support@acme.test", false).await;
    let message = raw("race@example.net", "racer@example.net", "Race");
    let runs = (0..12).map(|_| email_in::ingest(&w.store, &m, &message, None));
    let results: Vec<_> = futures::future::join_all(runs).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|r| r.outcome == email_in::Outcome::NewTicket).count(), 1);
    assert_eq!(results.iter().filter(|r| r.duplicate).count(), 11);
    let ticket = results[0].ticket_id;
    assert!(results.iter().all(|r| r.ticket_id == ticket));
    let page = autocrm_store::tickets::list(
        &w.store,
        &w.admin,
        &autocrm_store::tickets::TicketFilter::default(),
        autocrm_store::tickets::TicketSort::default(),
        Some(100),
        None,
    )
    .await
    .unwrap();
    assert_eq!(page.data.len(), 1);
}

#[tokio::test]
async fn a_mailbox_is_polled_by_one_claimant_until_its_lease_ends() {
    let w = world().await;
    let polled = mailbox(&w, "support@acme.test", true).await;
    mailbox(&w, "sales@acme.test", false).await; // no IMAP: never claimed
    let first = mailboxes::claim_due(&w.store, 10, TimeDelta::minutes(5)).await.unwrap();
    let second = mailboxes::claim_due(&w.store, 10, TimeDelta::minutes(5)).await.unwrap();
    assert_eq!(first.iter().map(|m| m.id).collect::<Vec<_>>(), vec![polled.id]);
    assert!(second.is_empty(), "a leased mailbox is not claimed twice");
    // Released with the next poll a minute away: not due yet, then due.
    mailboxes::finish_poll(&w.store, polled.id, w.store.now() + TimeDelta::minutes(1), None).await.unwrap();
    assert!(mailboxes::claim_due(&w.store, 10, TimeDelta::minutes(5)).await.unwrap().is_empty());
    w.clock.advance(TimeDelta::seconds(61));
    assert_eq!(mailboxes::claim_due(&w.store, 10, TimeDelta::minutes(5)).await.unwrap().len(), 1);
    // A claimant that died: its lease runs out and another node takes over.
    w.clock.advance(TimeDelta::minutes(6));
    assert_eq!(mailboxes::claim_due(&w.store, 10, TimeDelta::minutes(5)).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_customer_gets_at_most_the_capped_number_of_automatic_messages_per_hour() {
    let w = world().await;
    let m = mailbox(&w, "support@acme.test", false).await;
    let mut acknowledged = 0;
    for i in 0..8 {
        let r = email_in::ingest(
            &w.store,
            &m,
            &raw(&format!("cap{i}@example.net"), "loop@example.net", &format!("Topic {i}")),
            None,
        )
        .await
        .unwrap();
        assert_eq!(r.outcome, email_in::Outcome::NewTicket);
        acknowledged += usize::from(r.acknowledged);
    }
    assert_eq!(acknowledged, 3, "three acknowledgements per customer per hour");
    w.clock.advance(TimeDelta::minutes(61));
    let r =
        email_in::ingest(&w.store, &m, &raw("cap-later@example.net", "loop@example.net", "Later"), None).await.unwrap();
    assert!(r.acknowledged, "the window moves on");
}

#[tokio::test]
async fn mail_failing_dmarc_never_joins_a_known_customers_ticket_as_them() {
    let w = world().await;
    let m = mailbox(&w, "support@acme.test", false).await;
    let first = email_in::ingest(&w.store, &m, &raw("d1@customer.test", "carla@customer.test", "My order"), None)
        .await
        .unwrap();
    let forged = "From: carla@customer.test\r\nTo: support@acme.test\r\nSubject: Re: My order\r\nMessage-ID: <d2@evil.example>\r\n\
         In-Reply-To: <d1@customer.test>\r\n\r\nPlease change my delivery address to 1 Evil Street.\r\n"
        .to_owned();
    let failed = autocrm_channels::email::auth::AuthResults {
        dmarc: "fail".into(),
        ..autocrm_channels::email::auth::AuthResults::unknown()
    };
    let r = email_in::ingest(&w.store, &m, forged.as_bytes(), Some(failed)).await.unwrap();
    assert_eq!(r.outcome, email_in::Outcome::NewTicket, "not appended to Carla's ticket");
    assert_ne!(r.ticket_id, first.ticket_id);
    assert!(r.flags.contains(&"dmarc_failed".to_owned()));
    assert!(!r.acknowledged, "no automatic answer to a forged sender");
    let flagged = autocrm_store::tickets::get(&w.store, &w.admin, r.ticket_id.unwrap()).await.unwrap();
    assert!(flagged.ticket.tags.to_string().contains("suspicious-sender"), "{:?}", flagged.ticket.tags);
    // The same message passing DMARC threads as usual.
    let genuine = forged.replace("d2@evil.example", "d3@customer.test");
    let ok = email_in::ingest(&w.store, &m, genuine.as_bytes(), None).await.unwrap();
    assert_eq!(ok.outcome, email_in::Outcome::Appended);
    assert_eq!(ok.ticket_id, first.ticket_id);
}
