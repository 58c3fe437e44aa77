//! `autocrm eval chatbot`: the chatbot's order assistant ([`crate::agent`])
//! on τ²-bench's retail domain (Barres et al. 2025, arXiv 2506.07982), with
//! the train tasks of `../shared/datasets/tau2-retail`.
//!
//! Each trial of a task is one conversation: an LLM plays the task's
//! customer ([`customer`]); the assistant is [`crate::agent::take_turn`]
//! with the `chatbot_tools` prompt, the shop's policy and the retail tools
//! ([`retail`]) over a fresh copy of the database. The assistant greets; then
//! each customer message is one assistant turn, whose reply, confirmation
//! question ("… Reply yes to confirm") or hand-off the customer sees, until
//! the customer writes a stop token, the assistant hands off, or
//! [`MAX_TURNS`] customer messages have passed.
//!
//! Scoring, as τ²'s: a trial earns 1 when the database ends in exactly the
//! state that replaying the task's expected actions on a fresh copy gives
//! (compared by [`RetailDb::hash`] over the whole database), and every
//! `communicate_info` string of the task appears in some message the
//! customer was shown (case-insensitive, commas removed); else 0. The
//! tasks' `nl_assertions` need an LLM judge and are not scored. Over `n`
//! trials per task with `c` successes, pass^k is the mean over tasks of
//! C(c, k) / C(n, k) ([`pass_hat_k`]): the chance that k trials drawn from
//! the n all succeed, so pass^1 is the mean reward.

pub mod customer;
pub mod retail;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use customer::{Customer, OUT_OF_SCOPE, STOP, SimulatedCustomer, TRANSFER};
pub use retail::{RetailDb, RetailToolbox};

use super::EvalError;
use crate::AiError;
use crate::agent::{AgentState, ToolRun, TurnOutcome, take_turn};
use crate::llm::{Budget, LlmClient};
use crate::prompts::{self, Rendered};

/// The assistant's opening line, as τ²'s agent greets.
pub const GREETING: &str = "Hi! How can I help you today?";
/// Customer messages per conversation before it is cut off.
pub const MAX_TURNS: usize = 30;
/// Shown under a stated change: the assistant's confirmation gate.
pub const CONFIRM_PROMPT: &str = "Reply yes to confirm, or anything else to leave it as it is.";

/// One τ² task (the fields this evaluation reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Task {
    pub id: String,
    pub user_scenario: UserScenario,
    pub evaluation_criteria: Criteria,
}

/// Who the simulated customer is and what they want.
#[derive(Debug, Clone, Deserialize)]
pub struct UserScenario {
    #[serde(default)]
    pub persona: Option<String>,
    pub instructions: Instructions,
}

/// The scenario, section by section.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Instructions {
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub reason_for_call: Option<String>,
    #[serde(default)]
    pub known_info: Option<String>,
    #[serde(default)]
    pub unknown_info: Option<String>,
    #[serde(default)]
    pub task_instructions: Option<String>,
}

/// What a successful conversation leaves behind.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Criteria {
    /// The reference tool calls: replayed, they give the expected end state.
    #[serde(default)]
    pub actions: Option<Vec<Action>>,
    /// Strings the assistant must have told the customer (τ¹ called them `outputs`).
    #[serde(default, alias = "outputs")]
    pub communicate_info: Option<Vec<String>>,
    /// Statements for an LLM judge (not scored here).
    #[serde(default)]
    pub nl_assertions: Option<Vec<String>>,
}

/// One reference tool call.
#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    #[serde(default)]
    pub action_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub arguments: Value,
}

/// The data set: the shop, its policy and the tasks.
#[derive(Debug, Clone)]
pub struct Tau2Data {
    pub db: RetailDb,
    pub policy: String,
    pub tasks: Vec<Task>,
}

impl Tau2Data {
    /// Reads `db.json`, `policy.md` and `tasks_train.json` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, EvalError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path)
                .map_err(|e| EvalError::Invalid(format!("cannot read {}: {e}", path.display())))
        };
        let db = RetailDb::load(&dir.join("db.json"))?;
        let policy = read("policy.md")?;
        let tasks = serde_json::from_str(&read("tasks_train.json")?)
            .map_err(|e| EvalError::Invalid(format!("{}: {e}", dir.join("tasks_train.json").display())))?;
        Ok(Self { db, policy, tasks })
    }
}

/// The expected end state of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gold {
    /// [`RetailDb::hash`] after the replay.
    pub hash: String,
    /// Reference writes that were refused (`action: reason`): the expected
    /// state is then incomplete, which the report shows.
    pub failed: Vec<String>,
}

/// Replays `task`'s expected actions on a copy of `db`. A refused read
/// changes nothing and is ignored, as in τ².
pub fn gold(db: &RetailDb, task: &Task) -> Gold {
    let mut db = db.clone();
    let mut failed = Vec::new();
    for action in task.evaluation_criteria.actions.iter().flatten() {
        if action.name == crate::agent::TRANSFER_TOOL {
            continue;
        }
        if let Err(reason) = db.invoke(&action.name, &action.arguments)
            && (retail::is_write(&action.name) || !retail::READ_TOOLS.contains(&action.name.as_str()))
        {
            failed.push(format!("{}: {reason}", action.action_id.as_deref().unwrap_or(&action.name)));
        }
    }
    Gold { hash: db.hash(), failed }
}

/// One trial's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// 1 or 0.
    pub reward: f64,
    /// The end state equals the expected one.
    pub db_match: bool,
    /// `communicate_info` strings the customer was never shown.
    pub missing_info: Vec<String>,
}

/// Whether `info` appears in one of `messages` (case-insensitive, commas
/// removed from the message, as τ² checks `communicate_info`).
pub fn communicated(info: &str, messages: &[String]) -> bool {
    let info = info.to_lowercase();
    messages.iter().any(|m| m.to_lowercase().replace(',', "").contains(&info))
}

/// Scores a trial: the end state's hash against the expected one, and the
/// task's `communicate_info` against the messages the customer was shown.
pub fn score(task: &Task, gold_hash: &str, end_hash: &str, shown: &[String]) -> Score {
    let db_match = gold_hash == end_hash;
    let missing_info: Vec<String> = task
        .evaluation_criteria
        .communicate_info
        .iter()
        .flatten()
        .filter(|info| !communicated(info, shown))
        .cloned()
        .collect();
    let reward = if db_match && missing_info.is_empty() { 1.0 } else { 0.0 };
    Score { reward, db_match, missing_info }
}

/// C(n, k) as a float (0 when k > n).
fn binomial(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// pass^k over tasks given `(trials, successes)` per task: the mean of
/// C(c, k) / C(n, k). Tasks with fewer than k trials are left out; 0 when
/// none is left.
pub fn pass_hat_k(results: &[(usize, usize)], k: usize) -> f64 {
    let usable: Vec<f64> =
        results.iter().filter(|(n, _)| *n >= k && k > 0).map(|&(n, c)| binomial(c, k) / binomial(n, k)).collect();
    if usable.is_empty() { 0.0 } else { usable.iter().sum::<f64>() / usable.len() as f64 }
}

/// The assistant's system prompt for the retail shop: `chatbot_tools` with
/// the shop's policy, no signed-in customer and no help-center search.
pub fn assistant_prompt(policy: &str) -> Result<Rendered, AiError> {
    prompts::render(
        "chatbot_tools",
        &json!({
            "company": "an online retail store",
            "locale": "en",
            "customer": null,
            "can_search": false,
            "policy": policy,
        }),
    )
}

/// The assistant under test.
#[derive(Clone)]
pub struct Assistant {
    pub client: LlmClient,
    /// The rendered system prompt.
    pub system: String,
    /// Its `name@version`.
    pub prompt_version: String,
}

impl Assistant {
    /// The assistant with the retail prompt for `policy`.
    pub fn new(client: LlmClient, policy: &str) -> Result<Self, AiError> {
        let rendered = assistant_prompt(policy)?;
        Ok(Self { client, system: rendered.system().to_owned(), prompt_version: rendered.version })
    }
}

/// How a conversation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The customer wrote [`STOP`].
    Stop,
    /// The customer wrote [`TRANSFER`].
    Transfer,
    /// The customer wrote [`OUT_OF_SCOPE`].
    OutOfScope,
    /// The assistant handed off to a person.
    HandOff,
    /// [`MAX_TURNS`] customer messages passed.
    MaxTurns,
    /// An endpoint failed or answered nothing usable.
    Error,
}

/// One customer message and the assistant's turn on it.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnLog {
    pub customer: String,
    pub outcome: TurnOutcome,
    pub tools: Vec<ToolRun>,
}

/// A whole conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub turns: Vec<TurnLog>,
    /// Every message the customer was shown, greeting first.
    pub shown: Vec<String>,
    pub ending: Ending,
    /// The failure, when [`Ending::Error`].
    pub error: Option<String>,
}

/// What the customer sees of an assistant turn (`None`: the conversation ends).
fn shown_text(outcome: &TurnOutcome) -> Option<String> {
    match outcome {
        TurnOutcome::Reply { text } => Some(text.clone()),
        TurnOutcome::Confirm { summary } => Some(format!("{summary}\n\n{CONFIRM_PROMPT}")),
        TurnOutcome::HandOff { .. } => None,
    }
}

/// Runs one conversation between `assistant` (over `toolbox`) and `customer`.
pub async fn converse(
    assistant: &Assistant,
    toolbox: &RetailToolbox,
    customer: &mut dyn Customer,
    max_turns: usize,
) -> Conversation {
    let mut state = AgentState::default();
    let mut conversation =
        Conversation { turns: Vec::new(), shown: vec![GREETING.to_owned()], ending: Ending::MaxTurns, error: None };
    let mut last_shown = GREETING.to_owned();
    for _ in 0..max_turns {
        let message = match customer.reply(&last_shown).await {
            Ok(message) => message,
            Err(e) => {
                conversation.ending = Ending::Error;
                conversation.error = Some(format!("customer: {e}"));
                return conversation;
            }
        };
        for (token, ending) in [(STOP, Ending::Stop), (TRANSFER, Ending::Transfer), (OUT_OF_SCOPE, Ending::OutOfScope)]
        {
            if message.contains(token) {
                conversation.ending = ending;
                return conversation;
            }
        }
        let turn = match take_turn(
            &assistant.client,
            &assistant.system,
            &assistant.prompt_version,
            &mut state,
            &message,
            toolbox,
        )
        .await
        {
            Ok(turn) => turn,
            Err(e) => {
                conversation.ending = Ending::Error;
                conversation.error = Some(format!("assistant: {e}"));
                return conversation;
            }
        };
        let shown = shown_text(&turn.outcome);
        conversation.turns.push(TurnLog { customer: message, outcome: turn.outcome, tools: turn.tools });
        let Some(shown) = shown else {
            conversation.ending = Ending::HandOff;
            return conversation;
        };
        conversation.shown.push(shown.clone());
        last_shown = shown;
    }
    conversation
}

/// How the evaluation runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Conversations per task (n of pass^k; pass^k is reported for k = 1..=n).
    pub trials: usize,
    /// Only the first this many tasks, in file order.
    pub tasks: Option<usize>,
    /// Conversations at once.
    pub concurrency: usize,
    /// Customer messages per conversation.
    pub max_turns: usize,
    /// The simulated customer's sampling temperature.
    pub customer_temperature: f32,
}

impl Default for Options {
    fn default() -> Self {
        Self { trials: 1, tasks: None, concurrency: 4, max_turns: MAX_TURNS, customer_temperature: 0.0 }
    }
}

/// Adds up the tokens an endpoint reports (never refuses a call).
#[derive(Default)]
struct TokenCount(AtomicU64);

impl Budget for TokenCount {
    fn check(&self) -> Result<(), AiError> {
        Ok(())
    }

    fn charge(&self, tokens: u64) {
        self.0.fetch_add(tokens, Ordering::Relaxed);
    }
}

/// One trial's result.
#[derive(Debug, Clone, Serialize)]
struct TrialResult {
    task: usize,
    trial: usize,
    #[serde(flatten)]
    score: Score,
    ending: Ending,
    turns: usize,
    writes: usize,
    error: Option<String>,
}

/// Runs one trial of `task` and scores it.
async fn trial(
    data: &Tau2Data,
    (index, task, gold): (usize, &Task, &Gold),
    trial: usize,
    assistant: &Assistant,
    customer_client: &LlmClient,
    options: &Options,
) -> TrialResult {
    let toolbox = RetailToolbox::new(data.db.clone());
    let mut customer = SimulatedCustomer::new(customer_client.clone(), task, options.customer_temperature);
    let conversation = converse(assistant, &toolbox, &mut customer, options.max_turns).await;
    let score = score(task, &gold.hash, &toolbox.db_hash(), &conversation.shown);
    let writes = conversation.turns.iter().flat_map(|t| &t.tools).filter(|r| r.writes && r.status == "ok").count();
    tracing::info!(task = %task.id, trial, reward = score.reward, ending = ?conversation.ending, "tau2 trial done");
    TrialResult {
        task: index,
        trial,
        score,
        ending: conversation.ending,
        turns: conversation.turns.len(),
        writes,
        error: conversation.error,
    }
}

/// Runs every trial of the tasks and returns the figures as one JSON object.
pub async fn evaluate(
    data: &Tau2Data,
    assistant_client: &LlmClient,
    customer_client: &LlmClient,
    options: &Options,
) -> Result<Value, AiError> {
    if options.trials == 0 {
        return Err(AiError::Invalid("at least one trial per task".into()));
    }
    let started = Instant::now();
    let (assistant_tokens, customer_tokens) = (Arc::new(TokenCount::default()), Arc::new(TokenCount::default()));
    let assistant = Assistant::new(assistant_client.with_budget(assistant_tokens.clone()), &data.policy)?;
    let customer_client = customer_client.with_budget(customer_tokens.clone());
    let tasks: Vec<&Task> = data.tasks.iter().take(options.tasks.unwrap_or(usize::MAX)).collect();
    let golds: Vec<Gold> = tasks.iter().map(|t| gold(&data.db, t)).collect();

    let jobs = tasks.iter().enumerate().flat_map(|(i, t)| (0..options.trials).map(move |k| (i, *t, k)));
    let mut results: Vec<TrialResult> = futures::stream::iter(jobs)
        .map(|(i, task, k)| trial(data, (i, task, &golds[i]), k, &assistant, &customer_client, options))
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    results.sort_by_key(|r| (r.task, r.trial));

    let mut per_task = Vec::with_capacity(tasks.len());
    let mut counts = Vec::with_capacity(tasks.len());
    for (i, task) in tasks.iter().enumerate() {
        let mine: Vec<&TrialResult> = results.iter().filter(|r| r.task == i).collect();
        let successes = mine.iter().filter(|r| r.score.reward >= 1.0).count();
        counts.push((mine.len(), successes));
        per_task.push(json!({
            "id": task.id,
            "rewards": mine.iter().map(|r| r.score.reward).collect::<Vec<_>>(),
            "db_match": mine.iter().map(|r| r.score.db_match).collect::<Vec<_>>(),
            "missing_info": mine.iter().map(|r| &r.score.missing_info).collect::<Vec<_>>(),
            "endings": mine.iter().map(|r| r.ending).collect::<Vec<_>>(),
            "turns": mine.iter().map(|r| r.turns).collect::<Vec<_>>(),
            "writes": mine.iter().map(|r| r.writes).collect::<Vec<_>>(),
            "errors": mine.iter().filter_map(|r| r.error.as_deref()).collect::<Vec<_>>(),
        }));
    }
    let mut endings: BTreeMap<Ending, usize> = BTreeMap::new();
    for r in &results {
        *endings.entry(r.ending).or_default() += 1;
    }
    let pass_hat: BTreeMap<String, f64> =
        (1..=options.trials).map(|k| (k.to_string(), round4(pass_hat_k(&counts, k)))).collect();
    let gold_failures: Vec<Value> = tasks
        .iter()
        .zip(&golds)
        .filter(|(_, g)| !g.failed.is_empty())
        .map(|(t, g)| json!({ "id": t.id, "failed": g.failed }))
        .collect();
    let (a, c) = (assistant_tokens.0.load(Ordering::Relaxed), customer_tokens.0.load(Ordering::Relaxed));
    Ok(json!({
        "benchmark": "tau2-retail (train split)",
        "tasks": tasks.len(),
        "trials": options.trials,
        "pass_1": round4(pass_hat_k(&counts, 1)),
        "pass_k": round4(pass_hat_k(&counts, options.trials)),
        "pass_hat": pass_hat,
        "model": assistant_client.model(),
        "user_model": customer_client.model(),
        "prompt_version": assistant.prompt_version,
        "endings": endings,
        "errors": results.iter().filter(|r| r.error.is_some()).count(),
        "per_task": per_task,
        "gold_replay_failures": gold_failures,
        "tokens": { "assistant": a, "customer": c, "total": a + c },
        "seconds": round4(started.elapsed().as_secs_f64()),
        "scoring": "reward 1 when the database's end state equals the replay of the task's expected actions \
                    and every communicate_info string was shown; nl_assertions are not judged",
    }))
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    // Rewards are exactly 0 or 1: comparing them exactly is right.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

    use std::path::PathBuf;
    use std::sync::LazyLock;

    use super::*;
    use crate::agent::Toolbox as _;

    /// The test copy of `../shared/datasets/tau2-retail` (tests/data/tau2-retail).
    fn data_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tau2-retail")
    }

    static DATA: LazyLock<Tau2Data> =
        LazyLock::new(|| Tau2Data::load(&data_dir()).expect("the test copy of the tau2-retail data set"));

    fn task(id: &str) -> &'static Task {
        DATA.tasks.iter().find(|t| t.id == id).unwrap()
    }

    #[test]
    fn the_train_split_loads_and_its_reference_writes_follow_the_rules() {
        assert_eq!(DATA.tasks.len(), 74);
        assert_eq!(DATA.db.users.len(), 500);
        assert_eq!(DATA.db.orders.len(), 1000);
        let failures: Vec<(String, Vec<String>)> = DATA
            .tasks
            .iter()
            .map(|t| (t.id.clone(), gold(&DATA.db, t).failed))
            .filter(|(_, f)| !f.is_empty())
            .collect();
        // One reference write breaks the policy, in τ² too: task 105 pays a
        // 21.10 exchange difference with a gift card holding 17.00. Every
        // other reference write is accepted, so the rules are not too strict.
        assert_eq!(
            failures,
            [(
                "105".to_owned(),
                vec!["106_0: Insufficient gift card balance to pay for the price difference".to_owned()]
            )]
        );
    }

    #[test]
    fn the_canonical_form_is_the_data_file_read_back() {
        let reread = RetailDb::parse(&DATA.db.canonical_json()).unwrap();

        assert_eq!(reread, DATA.db);
        assert_eq!(reread.hash(), DATA.db.hash());
    }

    /// Runs the task's actions the way the assistant would, through the
    /// toolbox (reads at once, writes described then called), skipping `skip`.
    async fn through_toolbox(task: &Task, skip: Option<&str>) -> String {
        let toolbox = RetailToolbox::new(DATA.db.clone());
        for action in task.evaluation_criteria.actions.iter().flatten() {
            if Some(action.name.as_str()) == skip {
                continue;
            }
            if retail::is_write(&action.name) {
                toolbox.describe(&action.name, &action.arguments).await.unwrap();
            }
            toolbox.call(&action.name, &action.arguments).await.unwrap();
        }
        toolbox.db_hash()
    }

    #[tokio::test]
    async fn replaying_the_expected_actions_scores_one_and_missing_one_scores_zero() {
        let task = task("69");
        let expected = gold(&DATA.db, task);

        assert_ne!(expected.hash, DATA.db.hash(), "the task changes the database");
        assert_eq!(gold(&DATA.db, task), expected, "the replay is deterministic");
        let done = through_toolbox(task, None).await;
        let full = score(task, &expected.hash, &done, &[]);
        assert_eq!((full.reward, full.db_match), (1.0, true));
        let missing = through_toolbox(task, Some("cancel_pending_order")).await;
        assert_eq!(score(task, &expected.hash, &missing, &[]).reward, 0.0);
    }

    #[test]
    fn a_task_that_changes_nothing_expects_the_database_untouched() {
        let task = task("24");

        assert_eq!(gold(&DATA.db, task).hash, DATA.db.hash());
    }

    #[test]
    fn communicated_facts_are_matched_without_case_or_thousands_commas() {
        let task = task("46");
        let gold_hash = gold(&DATA.db, task).hash;
        let infos = task.evaluation_criteria.communicate_info.clone().unwrap();
        assert_eq!(infos, ["1126.04", "1497.65"]);

        let told = vec!["Your total is $1,126.04.".to_owned(), "And the other is 1,497.65 dollars".to_owned()];
        let half = vec!["Your total is $1,126.04.".to_owned()];

        assert_eq!(score(task, &gold_hash, &gold_hash, &told).reward, 1.0);
        let partial = score(task, &gold_hash, &gold_hash, &half);
        assert_eq!((partial.reward, partial.missing_info.clone()), (0.0, vec!["1497.65".to_owned()]));
        assert_eq!(score(task, &gold_hash, "0000", &told).reward, 0.0, "the end state must match too");
    }

    #[test]
    fn pass_hat_k_is_the_mean_chance_that_k_of_n_trials_all_succeed() {
        // Task A: 2 of 4; task B: 4 of 4; task C: 1 of 4.
        let results = [(4, 2), (4, 4), (4, 1)];

        assert!((pass_hat_k(&results, 1) - (0.5 + 1.0 + 0.25) / 3.0).abs() < 1e-12);
        // C(2,2)/C(4,2) = 1/6, 1, 0.
        assert!((pass_hat_k(&results, 2) - (1.0 / 6.0 + 1.0) / 3.0).abs() < 1e-12);
        assert!((pass_hat_k(&results, 4) - 1.0 / 3.0).abs() < 1e-12);
        assert!(pass_hat_k(&results, 5).abs() < f64::EPSILON, "more than n trials: no task counts");
        assert!((binomial(5, 2) - 10.0).abs() < f64::EPSILON);
    }

    #[test]
    fn the_customer_sees_the_scenario_and_the_stop_tokens() {
        let prompt = customer::system_prompt(task("0"));

        assert!(prompt.contains("Reason for call:\n\tYou received your order #W2378156"));
        assert!(prompt.contains("Known info:\n\tYou are Yusuf Rossi in zip code 19122."));
        assert!(prompt.contains(STOP) && prompt.contains(TRANSFER) && prompt.contains(OUT_OF_SCOPE));
    }

    #[test]
    fn the_assistant_prompt_carries_the_policy() {
        let rendered = assistant_prompt(&DATA.policy).unwrap();

        assert!(rendered.version.starts_with("chatbot_tools@"));
        assert!(rendered.system().contains("Authenticate first"));
        assert!(rendered.system().contains("'no longer needed' or 'ordered by mistake'"));
    }
}
