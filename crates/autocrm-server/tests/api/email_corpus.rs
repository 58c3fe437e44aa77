//! The e-mail corpus (`crates/autocrm-channels/tests/corpus`, 47 real-world
//! shapes) replayed in order through the inbound endpoint of a real server:
//! each message's outcome (new ticket, appended to which, duplicate, bounce
//! attached to which, rejected) and whether it was acknowledged must match
//! `expected.json`.

use std::collections::HashMap;

use autocrm_testkit::{Auth as _, spawn_app};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

use crate::email::{deliver, mailbox};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../autocrm-channels/tests/corpus");

struct Known {
    id: i64,
    number: i64,
    sent_id: String,
}

#[tokio::test]
async fn the_corpus_replays_to_its_expected_outcomes() {
    // Arrange
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "admin").await;
    let (_, support) = mailbox(&app, &key, "support@shop.example").await;
    let (_, sales) = mailbox(&app, &key, "sales@shop.example").await;
    let settings = autocrm_store::channels::settings(app.store.connection(), &app.store, app.ws).await.unwrap();
    // The oversize case is sized against a 256 KiB limit.
    app.store
        .connection()
        .execute_unprepared(&format!("UPDATE channel_settings SET max_message_bytes = {}", 256 * 1024))
        .await
        .unwrap();
    let agent = app.login("acme", "anna@acme.test").await;
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(format!("{CORPUS}/expected.json")).unwrap()).unwrap();
    assert!(manifest.len() >= 40, "the corpus has {} messages", manifest.len());
    let mut known: HashMap<String, Known> = HashMap::new();
    let mut failures = Vec::new();

    for case in &manifest {
        let file = case["file"].as_str().unwrap();
        let mut raw = String::from_utf8_lossy(&std::fs::read(format!("{CORPUS}/{file}")).unwrap()).into_owned();
        if raw.contains("{{") {
            for (k, t) in &known {
                let token = autocrm_channels::email::token::sign(settings.reply_secret.as_bytes(), app.ws, t.id);
                raw = raw
                    .replace(&format!("{{{{token:{k}}}}}"), &token)
                    .replace(&format!("{{{{number:{k}}}}}"), &t.number.to_string())
                    .replace(&format!("{{{{sent_id:{k}}}}}"), &t.sent_id);
            }
        }
        // Files containing non-UTF-8 bytes are sent as they are.
        let bytes_differ = std::str::from_utf8(&std::fs::read(format!("{CORPUS}/{file}")).unwrap()).is_err();
        let delivered_to = case["parse"]["delivered_to"][0].as_str().unwrap_or("support@shop.example");
        let token = if delivered_to.starts_with("sales@") { &sales } else { &support };
        // Act
        let (status, out) = if bytes_differ {
            let res = app
                .http
                .post(app.url("/api/v1/channels/email/inbound"))
                .bearer_auth(token)
                .header("content-type", "message/rfc822")
                .body(std::fs::read(format!("{CORPUS}/{file}")).unwrap())
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        } else {
            deliver(&app, token, &raw).await
        };
        // Assert
        if status != 200 {
            failures.push(format!("{file}: HTTP {status} {out}"));
            continue;
        }
        let want = &case["outcome"];
        let kind = want["kind"].as_str().unwrap();
        let ticket_of = |k: &str| known.get(k).map(|t| t.id);
        let ok = match kind {
            "new_ticket" => {
                out["outcome"] == "new_ticket" && !known.values().any(|t| Some(t.id) == out["ticket_id"].as_i64())
            }
            "appended" => {
                out["outcome"] == "appended" && out["ticket_id"].as_i64() == ticket_of(want["ticket"].as_str().unwrap())
            }
            "duplicate" => {
                out["outcome"] == "duplicate"
                    && out["ticket_id"].as_i64() == ticket_of(want["ticket"].as_str().unwrap())
            }
            "bounce" => {
                out["outcome"] == "bounce" && out["ticket_id"].as_i64() == ticket_of(want["ticket"].as_str().unwrap())
            }
            "rejected" => {
                out["outcome"] == "rejected" && out["flags"].to_string().contains(want["reason"].as_str().unwrap())
            }
            other => panic!("unknown outcome kind {other} in the manifest"),
        };
        if !ok {
            failures.push(format!("{file}: expected {want}, got {out}"));
        }
        let acknowledged = out["acknowledged"].as_bool().unwrap_or(false);
        if acknowledged != case["auto_reply"].as_bool().unwrap() {
            failures.push(format!("{file}: auto_reply expected {}, got {out}", case["auto_reply"]));
        }
        if kind == "new_ticket" && ok {
            // The replay answers every new ticket, so later messages can bounce or reply to it.
            let id = out["ticket_id"].as_i64().unwrap();
            let res = app
                .http
                .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
                .session(&agent)
                .json(&json!({"body": format!("Answer to {file}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
            let reply: Value = res.json().await.unwrap();
            let records: Value = app
                .http
                .get(app.url(&format!("/api/v1/tickets/{id}/deliveries")))
                .key(&key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let sent = records["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["direction"] == "out" && r["message_id"] == reply["id"])
                .unwrap_or_else(|| panic!("{file}: the agent's reply was not queued as e-mail: {records}"));
            known.insert(
                want["key"].as_str().unwrap().to_owned(),
                Known {
                    id,
                    number: out["ticket_number"].as_i64().unwrap(),
                    sent_id: sent["external_id"].as_str().unwrap().to_owned(),
                },
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus messages went wrong:\n{}",
        failures.len(),
        manifest.len(),
        failures.join("\n")
    );
    // Bounced permanently: the addresses are flagged, so no automatic mail goes to them again.
    let flagged: i64 = app
        .store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            app.store.connection().get_database_backend(),
            "SELECT COUNT(*) FROM channel_suppressions WHERE reason = 'bounce'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert!(flagged >= 3, "permanent bounces flag their addresses ({flagged})");
}
