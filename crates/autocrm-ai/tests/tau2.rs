//! The τ² retail conversation loop end to end against the deliberately
//! obedient fake LLM over real HTTP: the fake plays the assistant and does
//! what the scripted customer's `CALL_TOOL …` lines say, so a task's write
//! can be driven exactly, and the order changes only after the customer's
//! explicit yes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc, clippy::float_cmp)]

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use autocrm_ai::AiError;
use autocrm_ai::agent::TurnOutcome;
use autocrm_ai::eval::tau2::{
    Assistant, CONFIRM_PROMPT, Customer, Ending, GREETING, MAX_TURNS, RetailToolbox, STOP, Tau2Data, converse, gold,
    score,
};
use autocrm_ai::fake_llm::FakeLlm;
use autocrm_ai::llm::{LlmClient, LlmConfig};

/// Task 69 of the train split: Emma Smith (zip 10192) cancels pending order
/// #W2417020 (2,674.40 paid by gift card) because it is no longer needed.
const TASK: &str = "69";
const ORDER: &str = "#W2417020";

fn data() -> Tau2Data {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tau2-retail");
    Tau2Data::load(&dir).expect("the test copy of the tau2-retail data set")
}

fn client(fake: &FakeLlm) -> LlmClient {
    LlmClient::new(LlmConfig {
        base_url: fake.base_url.clone(),
        model: "fake-model".into(),
        timeout: Duration::from_secs(5),
        retry_backoff: Duration::from_millis(10),
        ..LlmConfig::default()
    })
    .unwrap()
}

/// A customer who says the scripted lines in order and notes, at each of
/// its turns, what it was shown and the order's status at that moment.
struct Scripted<'a> {
    lines: Vec<String>,
    toolbox: &'a RetailToolbox,
    seen: Vec<(String, String)>,
}

#[async_trait]
impl Customer for Scripted<'_> {
    async fn reply(&mut self, assistant_text: &str) -> Result<String, AiError> {
        let status = self.toolbox.db().orders[ORDER].status.clone();
        self.seen.push((assistant_text.to_owned(), status));
        Ok(if self.lines.is_empty() { STOP.to_owned() } else { self.lines.remove(0) })
    }
}

fn script(answer: &str) -> Vec<String> {
    vec![
        r#"Hi, I'm Emma Smith, zip 10192. CALL_TOOL find_user_id_by_name_zip {"first_name": "Emma", "last_name": "Smith", "zip": "10192"}"#.into(),
        format!(r#"Please cancel {ORDER}, I no longer need it. CALL_TOOL cancel_pending_order {{"order_id": "{ORDER}", "reason": "no longer needed"}}"#),
        answer.into(),
    ]
}

async fn run(answer: &str) -> (Vec<(String, String)>, autocrm_ai::eval::tau2::Conversation, RetailToolbox, Tau2Data) {
    let fake = FakeLlm::start().await;
    let data = data();
    let assistant = Assistant::new(client(&fake), &data.policy).unwrap();
    let toolbox = RetailToolbox::new(data.db.clone());
    let mut customer = Scripted { lines: script(answer), toolbox: &toolbox, seen: Vec::new() };
    let conversation = converse(&assistant, &toolbox, &mut customer, MAX_TURNS).await;
    let seen = customer.seen;
    (seen, conversation, toolbox, data)
}

#[tokio::test]
async fn a_task_is_solved_end_to_end_and_its_write_waits_for_the_yes() {
    let (seen, conversation, toolbox, data) = run("yes").await;

    assert_eq!(conversation.ending, Ending::Stop, "{conversation:?}");
    assert_eq!(seen[0].0, GREETING);
    // The look-up ran in the first turn and bound the conversation to Emma.
    assert_eq!(conversation.turns[0].tools[0].name, "find_user_id_by_name_zip");
    assert_eq!(conversation.turns[0].tools[0].result, "emma_smith_8564");
    // The cancellation was stated, not done, and the customer was asked.
    let TurnOutcome::Confirm { summary } = &conversation.turns[1].outcome else {
        panic!("expected a confirmation, got {:?}", conversation.turns[1].outcome)
    };
    assert!(summary.contains("Cancel order #W2417020"), "{summary}");
    assert!(summary.contains("refund 2674.40 to gift card gift_card_8541487"), "{summary}");
    assert!(seen[2].0.ends_with(CONFIRM_PROMPT));
    assert_eq!(seen[2].1, "pending", "nothing changed while the customer was being asked");
    // The yes ran exactly the stated call.
    assert_eq!(conversation.turns[2].tools[0].status, "ok");
    let db = toolbox.db();
    assert_eq!(db.orders[ORDER].status, "cancelled");
    assert_eq!(
        db.users["emma_smith_8564"].payment_methods["gift_card_8541487"].balance.unwrap().to_string(),
        "2736.40"
    );
    // And the end state is the task's expected one.
    let task = data.tasks.iter().find(|t| t.id == TASK).unwrap();
    let result = score(task, &gold(&data.db, task).hash, &toolbox.db_hash(), &conversation.shown);
    assert_eq!((result.reward, result.db_match), (1.0, true));
}

#[tokio::test]
async fn without_the_yes_nothing_is_written_and_the_task_fails() {
    let (seen, conversation, toolbox, data) = run("hmm, no, leave it for now").await;

    assert_eq!(conversation.ending, Ending::Stop);
    assert!(matches!(conversation.turns[1].outcome, TurnOutcome::Confirm { .. }));
    assert_eq!(conversation.turns[2].tools[0].status, "declined");
    assert!(seen.iter().all(|(_, status)| status == "pending"));
    assert_eq!(toolbox.db().orders[ORDER].status, "pending");
    assert_eq!(toolbox.db_hash(), data.db.hash(), "the database is untouched");
    let task = data.tasks.iter().find(|t| t.id == TASK).unwrap();
    assert_eq!(score(task, &gold(&data.db, task).hash, &toolbox.db_hash(), &conversation.shown).reward, 0.0);
}
