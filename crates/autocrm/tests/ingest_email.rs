//! `autocrm ingest-email`, the MTA pipe transport: the real binary reads one
//! message on stdin and prints one JSON object; a redelivery is a duplicate;
//! garbage exits 65 (the MTA bounces it) and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use autocrm_domain::Principal;
use serde_json::Value;

fn ingest(dir: &std::path::Path, url: &str, raw: &[u8]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_autocrm"))
        .args(["--database", url, "ingest-email", "--workspace", "acme", "--mailbox", "support@acme.test"])
        .current_dir(dir)
        .env("AUTOCRM_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn a_piped_message_opens_a_ticket_once_and_garbage_is_refused() {
    // Arrange: a database with workspace `acme` and its mailbox.
    let dir = autocrm_testkit::TempDir::new();
    let url = autocrm_testkit::fresh_database(dir.path()).await;
    let store = autocrm_testkit::open_store(&url, dir.path()).await;
    let ws = autocrm_testkit::seed(&store).await;
    autocrm_store::channels::mailboxes::create(
        &store,
        &Principal::system(ws),
        autocrm_store::channels::mailboxes::MailboxInput {
            address: Some("support@acme.test".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let raw = b"From: Dana <dana@example.net>\r\nTo: support@acme.test\r\nSubject: Broken zip\r\n\
        Message-ID: <pipe1@example.net>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n\r\nThe zip broke.\r\n";
    // Act
    let (code, first) = ingest(dir.path(), &url, raw);
    let (again_code, again) = ingest(dir.path(), &url, raw);
    let (bad_code, bad_out) = ingest(dir.path(), &url, b"\x00\x01 not a mail");
    // Assert
    assert_eq!(code, 0, "{first}");
    let first: Value = serde_json::from_str(first.trim()).unwrap();
    assert!(first["ticket_id"].as_i64().is_some() && first["ticket_number"].as_i64().is_some(), "{first}");
    assert!(first["message_id"].as_i64().is_some());
    assert_eq!(first["duplicate"], false);
    assert_eq!(again_code, 0);
    let again: Value = serde_json::from_str(again.trim()).unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["ticket_id"], first["ticket_id"]);
    assert_eq!(bad_code, 65, "not e-mail: EX_DATAERR so the MTA bounces it ({bad_out})");
    assert!(bad_out.trim().is_empty());
}
