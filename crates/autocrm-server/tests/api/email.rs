//! E-mail in and out through the real server: the inbound endpoint,
//! threading, duplicates under concurrency, loop caps, oversize mail, and
//! the agent's reply as it reaches an SMTP server.

use autocrm_testkit::{Auth as _, SmtpSink, TestApp, spawn_app};
use serde_json::{Value, json};

/// Creates a mailbox through the API; returns (id, inbound token).
pub async fn mailbox(app: &TestApp, key: &str, address: &str) -> (i64, String) {
    let res = app
        .http
        .post(app.url("/api/v1/channels/mailboxes"))
        .key(key)
        .json(&json!({"address": address, "name": "Acme Support"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let body: Value = res.json().await.unwrap();
    (body["id"].as_i64().unwrap(), body["inbound_token"].as_str().unwrap().to_owned())
}

/// Posts a raw message to the inbound endpoint; returns (status, body).
pub async fn deliver(app: &TestApp, token: &str, raw: &str) -> (u16, Value) {
    let res = app
        .http
        .post(app.url("/api/v1/channels/email/inbound"))
        .bearer_auth(token)
        .header("content-type", "message/rfc822")
        .body(raw.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A plain message from `from` to `to`.
pub fn mail(from: &str, to: &str, subject: &str, message_id: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\
         Date: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n{extra}\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

async fn get(app: &TestApp, key: &str, path: &str) -> Value {
    let res = app.http.get(app.url(path)).key(key).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_mailed_question_opens_a_ticket_and_a_reply_by_in_reply_to_joins_it() {
    // Arrange
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "admin").await;
    let (_, token) = mailbox(&app, &key, "support@acme.test").await;
    // Act
    let (status, first) = deliver(
        &app,
        &token,
        &mail(
            "Dana Doe <dana@example.net>",
            "support@acme.test",
            "Where is my parcel?",
            "q1@example.net",
            "",
            "Hello, my order 1042 has not arrived.",
        ),
    )
    .await;
    let (_, reply) = deliver(
        &app,
        &token,
        &mail(
            "dana@example.net",
            "support@acme.test",
            "Re: Where is my parcel?",
            "q2@example.net",
            "In-Reply-To: <q1@example.net>\r\n",
            "Any news?\r\n\r\nOn Fri, Dana wrote:\r\n> Hello, my order 1042 has not arrived.",
        ),
    )
    .await;
    // Assert
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["outcome"], "new_ticket");
    assert_eq!(first["duplicate"], false);
    assert_eq!(first["acknowledged"], true, "a person's new request is acknowledged");
    assert_eq!(reply["outcome"], "appended");
    assert_eq!(reply["ticket_id"], first["ticket_id"]);
    let id = first["ticket_id"].as_i64().unwrap();
    let ticket = get(&app, &key, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["channel"], "email");
    assert_eq!(ticket["subject"], "Where is my parcel?");
    let messages = get(&app, &key, &format!("/api/v1/tickets/{id}/messages")).await;
    let texts: Vec<&str> =
        messages["data"].as_array().unwrap().iter().map(|m| m["body_text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 2);
    assert!(
        texts[1].contains("Any news?") && !texts[1].contains("has not arrived"),
        "quoted history is kept apart: {texts:?}"
    );
    let deliveries = get(&app, &key, &format!("/api/v1/tickets/{id}/deliveries")).await;
    let inbound: Vec<&Value> =
        deliveries["data"].as_array().unwrap().iter().filter(|d| d["direction"] == "in").collect();
    assert_eq!(inbound.len(), 2);
    assert!(inbound[1]["quoted_text"].as_str().unwrap().contains("has not arrived"));
    assert_eq!(inbound[0]["external_id"], "q1@example.net");
    assert_eq!(inbound[0]["has_raw"], true);
    let outbound: Vec<&Value> =
        deliveries["data"].as_array().unwrap().iter().filter(|d| d["direction"] == "out").collect();
    assert_eq!(outbound.len(), 1, "one acknowledgement, none for the follow-up");
    assert_eq!(outbound[0]["automatic"], true);
}

#[tokio::test]
async fn the_inbound_endpoint_refuses_a_wrong_token_and_never_shows_secrets() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "admin").await;
    let (id, token) = mailbox(&app, &key, "support@acme.test").await;
    let raw = mail("dana@example.net", "support@acme.test", "Hi", "x1@example.net", "", "Hello");
    let (status, _) = deliver(&app, "mbx_not-a-real-token", &raw).await;
    assert_eq!(status, 401);
    let (status, _) = deliver(&app, &format!("{token}x"), &raw).await;
    assert_eq!(status, 401);
    let listed = get(&app, &key, &format!("/api/v1/channels/mailboxes/{id}")).await;
    assert!(listed.get("inbound_token").is_none());
    assert!(!listed.to_string().contains(&token));
    // Rotation: the old token stops working at once.
    let res = app
        .http
        .post(app.url(&format!("/api/v1/channels/mailboxes/{id}/rotate-token")))
        .key(&key)
        .send()
        .await
        .unwrap();
    let fresh: Value = res.json().await.unwrap();
    assert_eq!(deliver(&app, &token, &raw).await.0, 401);
    assert_eq!(deliver(&app, fresh["inbound_token"].as_str().unwrap(), &raw).await.0, 200);
}

#[tokio::test]
async fn an_imap_password_is_write_only() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "admin").await;
    let res = app
        .http
        .post(app.url("/api/v1/channels/mailboxes"))
        .key(&key)
        .json(&json!({"address": "help@acme.test", "imap": {"host": "imap.acme.test", "port": 993, "username": "help", "password": "hunter2-secret"}, "smtp_url": "smtp://help:smtp-secret@smtp.acme.test:587"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let listed =
        app.http.get(app.url("/api/v1/channels/mailboxes")).key(&key).send().await.unwrap().text().await.unwrap();
    assert!(!listed.contains("hunter2-secret") && !listed.contains("smtp-secret"), "{listed}");
    assert!(listed.contains("\"password_set\":true") && listed.contains("\"smtp_configured\":true"), "{listed}");
    // Bad settings change nothing and say which field is wrong.
    let res = app
        .http
        .post(app.url("/api/v1/channels/mailboxes"))
        .key(&key)
        .json(&json!({"address": "sales+x@acme.test", "imap": {"host": "", "port": 0, "security": "ssl3", "username": "u"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let pointers: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    for p in ["/address", "/imap/host", "/imap/port", "/imap/security", "/imap/password"] {
        assert!(pointers.contains(&p), "{p} missing in {pointers:?}");
    }
}

#[tokio::test]
async fn the_same_message_delivered_a_thousand_times_ten_at_a_time_is_stored_once() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "admin").await;
    let (_, token) = mailbox(&app, &key, "support@acme.test").await;
    let raw = mail("dana@example.net", "support@acme.test", "Refund please", "dup@example.net", "", "I want a refund.");
    let mut outcomes = Vec::new();
    for _ in 0..100 {
        let batch = (0..10).map(|_| deliver(&app, &token, &raw));
        outcomes.extend(futures::future::join_all(batch).await);
    }
    let failed: Vec<&(u16, Value)> = outcomes.iter().filter(|(s, _)| *s != 200).collect();
    assert!(failed.is_empty(), "every delivery is acknowledged: {} failed, first {:?}", failed.len(), failed.first());
    let new: Vec<&Value> = outcomes.iter().map(|(_, b)| b).filter(|b| b["outcome"] == "new_ticket").collect();
    assert_eq!(new.len(), 1, "exactly one delivery creates the ticket");
    let ticket = new[0]["ticket_id"].clone();
    assert!(outcomes.iter().all(|(_, b)| b["ticket_id"] == ticket), "duplicates name the same ticket");
    assert_eq!(outcomes.iter().filter(|(_, b)| b["duplicate"] == true).count(), 999);
    let tickets = get(&app, &key, "/api/v1/tickets?limit=100").await;
    assert_eq!(tickets["data"].as_array().unwrap().len(), 1);
    let messages = get(&app, &key, &format!("/api/v1/tickets/{ticket}/messages")).await;
    assert_eq!(messages["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_message_to_one_mailbox_and_cc_another_becomes_one_ticket() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "admin").await;
    let (_, support) = mailbox(&app, &key, "support@acme.test").await;
    let (_, sales) = mailbox(&app, &key, "sales@acme.test").await;
    let raw = mail(
        "dana@example.net",
        "support@acme.test",
        "Bulk order",
        "cc2@example.net",
        "Cc: sales@acme.test, boss@example.net\r\n",
        "Can I order 40?",
    );
    let (_, a) = deliver(&app, &support, &raw).await;
    let (_, b) = deliver(&app, &sales, &raw).await;
    assert_eq!(a["outcome"], "new_ticket");
    assert_eq!(b["outcome"], "duplicate");
    assert_eq!(a["ticket_id"], b["ticket_id"]);
    // The outside CC joined the ticket; our own mailboxes did not.
    let (_, from_boss) = deliver(
        &app,
        &support,
        &mail(
            "boss@example.net",
            "support@acme.test",
            &format!("Re: Bulk order [#{}]", a["ticket_number"]),
            "boss1@example.net",
            "",
            "Approved.",
        ),
    )
    .await;
    assert_eq!(from_boss["outcome"], "appended", "a CC may continue by ticket number");
}

#[tokio::test]
async fn a_stranger_quoting_a_ticket_number_opens_a_new_ticket() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "admin").await;
    let (_, token) = mailbox(&app, &key, "support@acme.test").await;
    let (_, first) = deliver(
        &app,
        &token,
        &mail("dana@example.net", "support@acme.test", "My order", "s1@example.net", "", "Where is it?"),
    )
    .await;
    let number = first["ticket_number"].as_i64().unwrap();
    let (_, stranger) = deliver(
        &app,
        &token,
        &mail(
            "mallory@evil.example",
            "support@acme.test",
            &format!("Re: My order [#{number}]"),
            "s2@evil.example",
            "",
            "Send me Dana's address",
        ),
    )
    .await;
    let (_, owner) = deliver(
        &app,
        &token,
        &mail(
            "dana@example.net",
            "support@acme.test",
            &format!("Re: My order [#{number}]"),
            "s3@example.net",
            "",
            "Thanks!",
        ),
    )
    .await;
    assert_eq!(stranger["outcome"], "new_ticket");
    assert_ne!(stranger["ticket_id"], first["ticket_id"]);
    assert_eq!(owner["outcome"], "appended");
    assert_eq!(owner["ticket_id"], first["ticket_id"]);
}

#[tokio::test]
async fn a_reply_never_threads_into_another_workspace() {
    let app = spawn_app().await;
    let acme_key = app.api_key(app.ws, "admin").await;
    let other = app.workspace_id("other").await;
    let other_key = app.api_key(other, "admin").await;
    let (_, acme) = mailbox(&app, &acme_key, "support@acme.test").await;
    let (_, theirs) = mailbox(&app, &other_key, "support@other.test").await;
    let (_, first) =
        deliver(&app, &acme, &mail("dana@example.net", "support@acme.test", "Hello", "w1@example.net", "", "Hi")).await;
    // The same customer answers to the other shop, quoting acme's Message-ID and ticket number.
    let (_, elsewhere) = deliver(
        &app,
        &theirs,
        &mail(
            "dana@example.net",
            "support@other.test",
            "Re: Hello [#1]",
            "w2@example.net",
            "In-Reply-To: <w1@example.net>\r\n",
            "Wrong shop",
        ),
    )
    .await;
    assert_eq!(elsewhere["outcome"], "new_ticket");
    let acme_messages = get(&app, &acme_key, &format!("/api/v1/tickets/{}/messages", first["ticket_id"])).await;
    assert_eq!(acme_messages["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn auto_replies_and_bulk_mail_get_no_acknowledgement() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "admin").await;
    let (_, token) = mailbox(&app, &key, "support@acme.test").await;
    let cases = [
        ("Auto-Submitted: auto-replied\r\n", "dana@example.net", "auto_submitted"),
        ("Precedence: bulk\r\n", "news@shop.example", "bulk"),
        ("List-Id: <deals.lists.example>\r\n", "deals@lists.example", "mailing_list"),
        ("", "noreply@carrier.example", "role_sender"),
        ("", "support@acme.test", "own_address"),
    ];
    for (i, (header, from, reason)) in cases.into_iter().enumerate() {
        let (_, out) = deliver(
            &app,
            &token,
            &mail(from, "support@acme.test", "Out of office", &format!("auto{i}@x.example"), header, "I am away."),
        )
        .await;
        assert_eq!(out["acknowledged"], false, "{reason}: {out}");
        assert_eq!(out["no_auto_reply"], reason, "{out}");
    }
}

#[tokio::test]
async fn an_oversize_message_is_rejected_with_a_bounce_not_dropped() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app().await;
    let _workers = app.spawn_channel_workers(Some(autocrm_testkit::MailConfig {
        smtp_url: format!("smtp://{}", smtp.addr),
        from: "Acme <no-reply@acme.test>".into(),
    }));
    let key = app.api_key(app.ws, "admin").await;
    let (_, token) = mailbox(&app, &key, "support@acme.test").await;
    autocrm_store::channels::settings(app.store.connection(), &app.store, app.ws).await.unwrap();
    app.store.connection().execute_unprepared("UPDATE channel_settings SET max_message_bytes = 10000").await.unwrap();
    let big = "x".repeat(20_000);
    let (status, out) =
        deliver(&app, &token, &mail("dana@example.net", "support@acme.test", "Huge scan", "big@example.net", "", &big))
            .await;
    assert_eq!(status, 200);
    assert_eq!(out["outcome"], "rejected");
    assert_eq!(out["ticket_id"], Value::Null);
    let bounce = &smtp.wait_for(1).await[0];
    assert!(bounce.contains("Undelivered: Huge scan"), "{bounce}");
    assert!(bounce.contains("Auto-Submitted: auto-replied"), "{bounce}");
    assert!(bounce.contains("RCPT") || bounce.contains("dana@example.net"), "{bounce}");
    // The same oversize message again is a duplicate: one bounce, not two.
    let (_, again) =
        deliver(&app, &token, &mail("dana@example.net", "support@acme.test", "Huge scan", "big@example.net", "", &big))
            .await;
    assert_eq!(again["duplicate"], true);
}

use sea_orm::ConnectionTrait as _;

#[tokio::test]
async fn an_agent_reply_goes_out_threaded_with_the_reply_token_and_ticket_number() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app().await;
    let _workers = app.spawn_channel_workers(Some(autocrm_testkit::MailConfig {
        smtp_url: format!("smtp://{}", smtp.addr),
        from: "Acme <no-reply@acme.test>".into(),
    }));
    let key = app.api_key(app.ws, "admin").await;
    let (_, token) = mailbox(&app, &key, "support@acme.test").await;
    let (_, first) = deliver(
        &app,
        &token,
        &mail("Dana Doe <dana@example.net>", "support@acme.test", "Broken kettle", "k1@example.net", "", "It leaks."),
    )
    .await;
    let id = first["ticket_id"].as_i64().unwrap();
    let number = first["ticket_number"].as_i64().unwrap();
    smtp.wait_for(1).await; // the acknowledgement
    // Act: the agent answers.
    let agent = app.login("acme", "anna@acme.test").await;
    let res = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&agent)
        .json(&json!({"body": "<p>Sorry! A replacement is on its way.</p>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mails = smtp.wait_for(2).await;
    // Assert
    let reply = mails.iter().find(|m| m.contains("replacement is on its way")).expect("the reply was sent");
    assert!(reply.contains(&format!("[#{number}]")), "ticket number in the subject: {reply}");
    assert!(reply.contains("In-Reply-To: <") && reply.contains("References: <k1@example.net>"), "{reply}");
    assert!(reply.contains("Reply-To: support+"), "reply token in Reply-To: {reply}");
    assert!(reply.contains("multipart/alternative"), "text + HTML: {reply}");
    assert!(!reply.contains("Auto-Submitted"), "a person's reply is not automatic");
    let deliveries = get(&app, &key, &format!("/api/v1/tickets/{id}/deliveries")).await;
    let sent: Vec<&Value> = deliveries["data"].as_array().unwrap().iter().filter(|d| d["direction"] == "out").collect();
    assert_eq!(sent.len(), 2);
    for d in &sent {
        assert_eq!(d["status"], "sent", "{d}");
        let mid = d["external_id"].as_str().unwrap();
        assert!(mails.iter().any(|m| m.to_lowercase().contains(&format!("message-id: <{mid}>"))), "{mid} not sent");
    }
    // The customer answers to the Reply-To address without any threading header: the token threads it.
    let reply_to = reply
        .lines()
        .find(|l| l.starts_with("Reply-To:"))
        .unwrap()
        .trim_start_matches("Reply-To:")
        .trim()
        .trim_matches(['<', '>'])
        .to_owned();
    let (_, answer) =
        deliver(&app, &token, &mail("dana@example.net", &reply_to, "Thanks", "k2@example.net", "", "Great, thanks."))
            .await;
    assert_eq!(answer["outcome"], "appended", "{answer}");
    assert_eq!(answer["ticket_id"], id);
}

#[tokio::test]
async fn an_autoresponder_ping_pong_stops_within_the_cap() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app().await;
    let _workers = app.spawn_channel_workers(Some(autocrm_testkit::MailConfig {
        smtp_url: format!("smtp://{}", smtp.addr),
        from: "Acme <no-reply@acme.test>".into(),
    }));
    let key = app.api_key(app.ws, "admin").await;
    let (_, token) = mailbox(&app, &key, "support@acme.test").await;
    // A broken autoresponder: answers every mail with a fresh message, no loop headers, no threading.
    let mut answered = 0;
    let mut round = 0;
    deliver(&app, &token, &mail("robot@example.net", "support@acme.test", "Hello", "r0@example.net", "", "Ping")).await;
    loop {
        round += 1;
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let sent = smtp.messages().len();
        if sent == answered || round > 10 {
            break;
        }
        for i in answered..sent {
            deliver(
                &app,
                &token,
                &mail(
                    "robot@example.net",
                    "support@acme.test",
                    &format!("Auto answer {i}"),
                    &format!("r{}@example.net", i + 1),
                    "",
                    "Thank you for your message!",
                ),
            )
            .await;
        }
        answered = sent;
    }
    let acks = smtp.messages().len();
    assert!(acks >= 1, "the first message is acknowledged");
    assert!(acks <= 3, "the loop stops within the per-customer cap of 3, sent {acks}");
    assert!(round <= 10, "the ping-pong ended");
}

/// Sends `raw` over SMTP as a mail client would.
async fn smtp_send(url: &str, from: &str, to: &str, raw: &str) {
    use lettre::AsyncTransport as _;
    let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).unwrap().build();
    let envelope = lettre::address::Envelope::new(Some(from.parse().unwrap()), vec![to.parse().unwrap()]).unwrap();
    transport.send_raw(&envelope, raw.as_bytes()).await.unwrap();
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    raw.lines().find(|l| l.to_ascii_lowercase().starts_with(&prefix)).map(|l| l[prefix.len()..].trim())
}

async fn wait_for_messages(app: &TestApp, key: &str, ticket: i64, n: usize) -> Value {
    for _ in 0..100 {
        let m = get(app, key, &format!("/api/v1/tickets/{ticket}/messages")).await;
        if m["data"].as_array().unwrap().len() >= n {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("ticket {ticket} never reached {n} messages");
}

#[tokio::test]
async fn a_customer_mail_round_trips_through_imap_and_smtp_on_one_ticket() {
    // Arrange: a real Dovecot holding the support mailbox and the customer's, a real SMTP entry point.
    let server =
        autocrm_testkit::MailServer::start(&[("support@shop.example", "support-pw"), ("dana@example.net", "dana-pw")])
            .await;
    let app = autocrm_testkit::spawn_app_with(|c| c.imap_accept_invalid_certs = true).await;
    let _workers = app.spawn_channel_workers(None);
    let key = app.api_key(app.ws, "admin").await;
    let res = app
        .http
        .post(app.url("/api/v1/channels/mailboxes"))
        .key(&key)
        .json(&json!({"address": "support@shop.example", "name": "Shop Support",
            "imap": {"host": "127.0.0.1", "port": server.imap_port(), "security": "starttls",
                     "username": "support@shop.example", "password": "support-pw"},
            "poll_interval_secs": 5, "smtp_url": server.smtp_url()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let mailbox_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let test: Value = app
        .http
        .post(app.url(&format!("/api/v1/channels/mailboxes/{mailbox_id}/test")))
        .key(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(test["ok"], true, "{test}");

    // Act 1: the customer mails the support address.
    let question = mail(
        "Dana Doe <dana@example.net>",
        "support@shop.example",
        "Wrong size delivered",
        "rt1@example.net",
        "",
        "I ordered M and got XL.",
    );
    smtp_send(&server.smtp_url(), "dana@example.net", "support@shop.example", &question).await;
    // Assert 1: a ticket appears through IMAP polling.
    let mut ticket = Value::Null;
    for _ in 0..100 {
        let list = get(&app, &key, "/api/v1/tickets?limit=10").await;
        if let Some(t) = list["data"].as_array().unwrap().first() {
            ticket = t.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let id = ticket["id"].as_i64().expect("a ticket from the polled mailbox");
    assert_eq!(ticket["subject"], "Wrong size delivered");

    // Act 2: an agent replies.
    let agent = app.login("acme", "anna@acme.test").await;
    let res = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&agent)
        .json(&json!({"body": "<p>We will send size M today.</p>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // Assert 2: the customer's mailbox receives the acknowledgement and the reply, threaded.
    let inbox = server.wait_for_inbox("dana@example.net", 2).await;
    let inbox: Vec<String> = inbox.into_iter().map(|r| String::from_utf8_lossy(&r).into_owned()).collect();
    let reply = inbox.iter().find(|m| m.contains("send size M today")).expect("the agent's reply arrived");
    let number = ticket["number"].as_i64().unwrap();
    assert!(header(reply, "Subject").unwrap().contains(&format!("[#{number}]")), "{reply}");
    assert!(header(reply, "References").unwrap().contains("<rt1@example.net>"), "{reply}");
    assert!(header(reply, "In-Reply-To").is_some(), "{reply}");
    let reply_id = header(reply, "Message-ID").unwrap().to_owned();
    let reply_to = header(reply, "Reply-To").unwrap().trim_matches(['<', '>']).to_owned();
    assert!(reply_to.starts_with("support+"), "{reply_to}");
    let ack = inbox.iter().find(|m| !m.contains("send size M today")).expect("the acknowledgement arrived");
    assert_eq!(header(ack, "Auto-Submitted"), Some("auto-generated"));

    // Act 3: the customer answers from their mail client: To the Reply-To, threading headers set.
    let answer = format!(
        "From: Dana Doe <dana@example.net>\r\nTo: {reply_to}\r\nSubject: Re: {}\r\nMessage-ID: <rt2@example.net>\r\n\
         In-Reply-To: {reply_id}\r\nReferences: <rt1@example.net> {reply_id}\r\nDate: Sat, 21 Nov 2026 11:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThank you!\r\n\r\nOn Sat, Shop Support wrote:\r\n> We will send size M today.\r\n",
        header(reply, "Subject").unwrap()
    );
    smtp_send(&server.smtp_url(), "dana@example.net", &reply_to, &answer).await;
    // Assert 3: the same ticket, no new one.
    let messages = wait_for_messages(&app, &key, id, 3).await;
    let last = messages["data"].as_array().unwrap().last().unwrap().clone();
    assert!(last["body_text"].as_str().unwrap().contains("Thank you!"), "{last}");
    let list = get(&app, &key, "/api/v1/tickets?limit=10").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "the answer did not open a ticket");
}

#[tokio::test]
async fn an_agent_is_emailed_when_assigned_a_ticket() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app().await;
    let _workers = app.spawn_channel_workers(Some(autocrm_testkit::MailConfig {
        smtp_url: format!("smtp://{}", smtp.addr),
        from: "Acme <no-reply@acme.test>".into(),
    }));
    let admin = app.login("acme", "admin@acme.test").await;
    let agents: Value =
        app.http.get(app.url("/api/v1/users?role=agent")).session(&admin).send().await.unwrap().json().await.unwrap();
    let anna = agents["data"][0]["id"].as_i64().unwrap();
    let res = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(&admin)
        .json(&json!({"subject": "Damaged lamp", "requester": {"email": "erin@example.net"}, "assignee_id": anna}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mail = &smtp.wait_for(1).await[0];
    assert!(mail.contains("anna@acme.test"), "{mail}");
    assert!(mail.contains("Damaged lamp"), "{mail}");
    assert!(mail.contains("Auto-Submitted: auto-generated"), "{mail}");
    assert!(mail.contains("/tickets/"), "a link to the ticket: {mail}");
}

#[tokio::test]
async fn a_workspace_template_in_its_locale_is_used_and_a_broken_one_is_refused() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app().await;
    let _workers = app.spawn_channel_workers(Some(autocrm_testkit::MailConfig {
        smtp_url: format!("smtp://{}", smtp.addr),
        from: "Acme <no-reply@acme.test>".into(),
    }));
    let key = app.api_key(app.ws, "admin").await;
    let (_, token) = mailbox(&app, &key, "support@acme.test").await;
    let res =
        app.http.patch(app.url("/api/v1/workspace")).key(&key).json(&json!({"locale": "de-AT"})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // A broken template is refused with the part and line, and nothing changes.
    let res = app
        .http
        .put(app.url("/api/v1/channels/templates/ticket_received/de"))
        .key(&key)
        .json(&json!({"subject": "Eingang", "text": "Hallo\n{% if %}", "html": "<p>x</p>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "/text", "{problem}");
    let res = app
        .http
        .put(app.url("/api/v1/channels/templates/ticket_received/de"))
        .key(&key)
        .json(&json!({"subject": "Eingang bestätigt: {{ ticket.subject }}", "text": "Hallo {{ customer.name }}, wir melden uns.", "html": "<p>Hallo {{ customer.name }}</p>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // Act
    deliver(
        &app,
        &token,
        &mail(
            "Jörg <joerg@example.net>",
            "support@acme.test",
            "Rechnung",
            "de1@example.net",
            "",
            "Bitte Rechnung schicken.",
        ),
    )
    .await;
    // Assert
    let ack = &smtp.wait_for(1).await[0];
    assert!(ack.contains("=?utf-8?") || ack.contains("Eingang best"), "the German subject: {ack}");
    assert!(ack.contains("wir melden uns"), "{ack}");
    let list: Value =
        app.http.get(app.url("/api/v1/channels/templates")).key(&key).send().await.unwrap().json().await.unwrap();
    let saved = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["notice"] == "ticket_received" && t["locale"] == "de")
        .unwrap();
    assert_eq!(saved["customized"], true);
}
