//! IMAP polling against a real Dovecot (the testkit's `MailServer`): every
//! transport, resuming from a cursor, UIDVALIDITY changes, refusals, and mail
//! that arrives over SMTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use autocrm_channels::email::imap::{self, Cursor, ImapError, Security};
use autocrm_testkit::MailServer;

const SUPPORT: &str = "support@shop.example";
const CUSTOMER: &str = "customer@example.net";

async fn server() -> MailServer {
    MailServer::start(&[(SUPPORT, "support-pw"), (CUSTOMER, "customer-pw")]).await
}

fn message(n: usize) -> Vec<u8> {
    format!(
        "From: Carla <carla@example.net>\r\nTo: {SUPPORT}\r\nSubject: Order {n}\r\n\
         Message-ID: <order-{n}@example.net>\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n\r\nWhere is order {n}?\r\n"
    )
    .into_bytes()
}

fn subjects(fetched: &imap::Fetched) -> Vec<String> {
    fetched
        .messages
        .iter()
        .map(|m| {
            let text = String::from_utf8_lossy(&m.raw);
            text.lines().find_map(|l| l.strip_prefix("Subject: ")).unwrap_or_default().to_owned()
        })
        .collect()
}

async fn fetches_delivered_mail_over(security: Security) {
    // Arrange
    let mail = server().await;
    mail.deliver(SUPPORT, &message(1)).await;
    mail.deliver(SUPPORT, &message(2)).await;
    let settings = mail.imap_settings(SUPPORT, security);

    // Act
    let fetched = imap::fetch_new(&settings, None, 50).await.unwrap();

    // Assert
    assert_eq!(fetched.uid_validity, mail.uid_validity(SUPPORT, "INBOX"));
    let mut got = subjects(&fetched);
    got.sort();
    assert_eq!(got, ["Order 1", "Order 2"]);
    assert!(fetched.messages.windows(2).all(|w| w[0].uid < w[1].uid), "ascending UIDs: {fetched:?}");
    assert!(fetched.messages.iter().all(|m| m.raw.ends_with(b"?\r\n")), "whole messages");
}

#[tokio::test]
async fn fetching_over_implicit_tls_returns_every_message() {
    fetches_delivered_mail_over(Security::Tls).await;
}

#[tokio::test]
async fn fetching_over_starttls_returns_every_message() {
    fetches_delivered_mail_over(Security::StartTls).await;
}

#[tokio::test]
async fn fetching_over_plain_imap_returns_every_message() {
    fetches_delivered_mail_over(Security::Plain).await;
}

#[tokio::test]
async fn a_saved_cursor_returns_only_newer_messages() {
    // Arrange
    let mail = server().await;
    let settings = mail.imap_settings(SUPPORT, Security::Tls);
    for n in 1..=3 {
        imap::append(&settings, &message(n)).await.unwrap();
    }
    let first = imap::fetch_new(&settings, None, 50).await.unwrap();
    let cursor = first.cursor(None);
    imap::append(&settings, &message(4)).await.unwrap();

    // Act: a restarted poller with the saved cursor
    let second = imap::fetch_new(&settings, Some(cursor), 50).await.unwrap();
    let third = imap::fetch_new(&settings, Some(second.cursor(Some(cursor))), 50).await.unwrap();

    // Assert
    assert_eq!(subjects(&first), ["Order 1", "Order 2", "Order 3"]);
    assert_eq!(subjects(&second), ["Order 4"]);
    assert!(second.messages[0].uid > cursor.last_uid);
    assert!(third.messages.is_empty(), "nothing new: {third:?}");
    assert_eq!(third.cursor(Some(second.cursor(Some(cursor)))).last_uid, second.messages[0].uid);
}

#[tokio::test]
async fn a_newest_message_deleted_before_polling_does_not_bring_back_older_ones() {
    // Arrange: the poller has read up to UID 3; UID 4 is deleted before the next poll
    let mail = server().await;
    let settings = mail.imap_settings(SUPPORT, Security::Plain);
    for n in 1..=4 {
        imap::append(&settings, &message(n)).await.unwrap();
    }
    let cursor = imap::fetch_new(&settings, None, 3).await.unwrap().cursor(None);
    assert_eq!(cursor.last_uid, 3);
    mail.expunge(SUPPORT, "INBOX", 4);

    // Act: `UID 4:*` matches UID 3, the highest left (RFC 3501 §6.4.8)
    let fetched = imap::fetch_new(&settings, Some(cursor), 10).await.unwrap();

    // Assert
    assert!(fetched.messages.is_empty(), "{fetched:?}");
}

#[tokio::test]
async fn at_most_max_messages_are_fetched_oldest_first() {
    // Arrange
    let mail = server().await;
    let settings = mail.imap_settings(SUPPORT, Security::Plain);
    for n in 1..=5 {
        imap::append(&settings, &message(n)).await.unwrap();
    }

    // Act
    let first = imap::fetch_new(&settings, None, 2).await.unwrap();
    let rest = imap::fetch_new(&settings, Some(first.cursor(None)), 10).await.unwrap();

    // Assert
    assert_eq!(subjects(&first), ["Order 1", "Order 2"]);
    assert_eq!(subjects(&rest), ["Order 3", "Order 4", "Order 5"]);
}

#[tokio::test]
async fn polling_leaves_messages_unseen() {
    // Arrange
    let mail = server().await;
    let settings = mail.imap_settings(SUPPORT, Security::Plain);
    mail.deliver(SUPPORT, &message(1)).await;

    // Act
    imap::fetch_new(&settings, None, 10).await.unwrap();

    // Assert: no file in the maildir carries the Seen flag (`:2,S`)
    let names: Vec<String> = ["new", "cur"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(mail.dir().join("mail").join(SUPPORT).join(sub)).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1);
    assert!(!names[0].rsplit_once(":2,").is_some_and(|(_, flags)| flags.contains('S')), "{names:?}");
}

#[tokio::test]
async fn a_changed_uidvalidity_refetches_everything() {
    // Arrange
    let mail = server().await;
    let settings = mail.imap_settings(SUPPORT, Security::Tls);
    imap::append(&settings, &message(1)).await.unwrap();
    imap::append(&settings, &message(2)).await.unwrap();
    let cursor = imap::fetch_new(&settings, None, 50).await.unwrap().cursor(None);
    mail.set_uid_validity(SUPPORT, "INBOX", cursor.uid_validity + 1000);

    // Act
    let again = imap::fetch_new(&settings, Some(cursor), 50).await.unwrap();

    // Assert
    assert_eq!(again.uid_validity, cursor.uid_validity + 1000);
    assert_eq!(subjects(&again), ["Order 1", "Order 2"]);
    assert_eq!(
        again.cursor(Some(cursor)),
        Cursor { uid_validity: cursor.uid_validity + 1000, last_uid: cursor.last_uid }
    );
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error() {
    let mail = server().await;
    let mut settings = mail.imap_settings(SUPPORT, Security::StartTls);
    settings.password = "not-the-password".into();

    let got = imap::check(&settings).await;

    assert!(matches!(&got, Err(ImapError::Auth(m)) if m.contains("Authentication failed")), "{got:?}");
    let shown = format!("{got:?} {settings:?}");
    assert!(!shown.contains("not-the-password"), "the password leaked: {shown}");
}

#[tokio::test]
async fn a_missing_folder_is_reported_as_such() {
    let mail = server().await;
    let mut settings = mail.imap_settings(SUPPORT, Security::Tls);
    settings.folder = "Support Queue".into();

    let checked = imap::check(&settings).await;
    let fetched = imap::fetch_new(&settings, None, 10).await;
    let appended = imap::append(&settings, &message(1)).await;

    assert_eq!(checked, Err(ImapError::NoFolder("Support Queue".into())));
    assert_eq!(fetched, Err(ImapError::NoFolder("Support Queue".into())));
    assert_eq!(appended, Err(ImapError::NoFolder("Support Queue".into())));
}

#[tokio::test]
async fn another_folder_with_a_non_ascii_name_can_be_polled() {
    // Arrange
    let mail = server().await;
    mail.create_folder(SUPPORT, "Eingang/Rückfragen");
    let mut settings = mail.imap_settings(SUPPORT, Security::Tls);
    settings.folder = "Eingang/Rückfragen".into();
    imap::append(&settings, &message(7)).await.unwrap();

    // Act
    let checked = imap::check(&settings).await;
    let fetched = imap::fetch_new(&settings, None, 10).await.unwrap();
    let inbox = imap::fetch_new(&mail.imap_settings(SUPPORT, Security::Tls), None, 10).await.unwrap();

    // Assert
    assert_eq!(checked, Ok(()));
    assert_eq!(subjects(&fetched), ["Order 7"]);
    assert!(inbox.messages.is_empty());
}

#[tokio::test]
async fn tls_to_a_self_signed_server_is_refused_unless_allowed() {
    let mail = server().await;
    let mut settings = mail.imap_settings(SUPPORT, Security::Tls);
    settings.accept_invalid_certs = false;

    let got = imap::check(&settings).await;

    assert!(matches!(&got, Err(ImapError::Tls(m)) if m.contains("certificate")), "{got:?}");
}

#[tokio::test]
async fn mail_sent_over_smtp_lands_in_the_inbox_and_is_fetched_over_imap() {
    use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

    // Arrange
    let mail = server().await;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&mail.smtp_url()).unwrap().build();
    let email = Message::builder()
        .from("Carla <carla@example.net>".parse().unwrap())
        .to("Support <support+orders@shop.example>".parse().unwrap())
        .subject("Parcel missing")
        .body("It never arrived.".to_owned())
        .unwrap();

    // Act
    transport.send(email).await.unwrap();
    let inbox = mail.wait_for_inbox(SUPPORT, 1).await;
    let fetched = imap::fetch_new(&mail.imap_settings(SUPPORT, Security::StartTls), None, 10).await.unwrap();

    // Assert
    assert_eq!(subjects(&fetched), ["Parcel missing"]);
    let raw = String::from_utf8_lossy(&fetched.messages[0].raw).into_owned();
    assert!(raw.contains("Delivered-To: support+orders@shop.example"), "{raw}");
    assert!(raw.contains("It never arrived."), "{raw}");
    assert_eq!(inbox.len(), 1);
    let sent = mail.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].mail_from, "carla@example.net");
    assert_eq!(sent[0].rcpt_tos, ["support+orders@shop.example"]);
    assert!(mail.inbox(CUSTOMER).is_empty());
}

#[tokio::test]
async fn mail_to_outside_addresses_is_only_kept_in_the_sink() {
    use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

    let mail = server().await;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&mail.smtp_url()).unwrap().build();
    let email = Message::builder()
        .from(SUPPORT.parse().unwrap())
        .to("someone@elsewhere.example".parse().unwrap())
        .cc(CUSTOMER.parse().unwrap())
        .subject("Re: your order")
        .body("On its way.".to_owned())
        .unwrap();

    transport.send(email).await.unwrap();

    let sent = mail.wait_for_sent(1).await;
    assert_eq!(sent[0].rcpt_tos.len(), 2);
    assert!(String::from_utf8_lossy(&sent[0].raw).contains("Subject: Re: your order"));
    assert_eq!(mail.wait_for_inbox(CUSTOMER, 1).await.len(), 1);
    assert!(mail.inbox(SUPPORT).is_empty());
}

#[tokio::test]
async fn servers_started_in_parallel_are_independent() {
    let (a, b) = tokio::join!(server(), server());
    assert_ne!(a.imap_port(), b.imap_port());
    assert_ne!(a.smtp_port(), b.smtp_port());
    a.deliver(SUPPORT, &message(1)).await;

    let from_b = imap::fetch_new(&b.imap_settings(SUPPORT, Security::Plain), None, 10).await.unwrap();
    let from_a = imap::fetch_new(&a.imap_settings(SUPPORT, Security::Plain), None, 10).await.unwrap();

    assert!(from_b.messages.is_empty());
    assert_eq!(from_a.messages.len(), 1);
}
