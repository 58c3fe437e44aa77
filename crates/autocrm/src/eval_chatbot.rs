//! `autocrm eval chatbot`: the chatbot's order assistant on τ²-bench retail
//! (see `autocrm_ai::eval::tau2` for what is run and how it is scored).
//!
//! It needs an OpenAI-compatible endpoint for the assistant and for the
//! simulated customer (the same one unless `--user-model` names another
//! model). Without one it prints `{"skipped": true, "reason": …}` and exits
//! 0, so a script or CI without a model runs it harmlessly. It talks to no
//! other host and touches no database: the shop is `db.json`, in memory.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use autocrm_ai::eval::tau2::{self, MAX_TURNS, Tau2Data};
use autocrm_ai::llm::{LlmClient, LlmConfig};
use clap::Args;
use serde_json::json;

/// Why the evaluation did not run.
const NO_ENDPOINT: &str = "no LLM endpoint configured: set --base-url/--model or AUTOCRM_EVAL_LLM_BASE_URL";

/// Where the data and the models are, and how many conversations to run.
#[derive(Args, Debug)]
pub struct ChatbotArgs {
    /// The tau2-retail folder (`db.json`, `policy.md`, `tasks_train.json`).
    #[arg(long, default_value = "../shared/datasets/tau2-retail")]
    data: PathBuf,
    /// The OpenAI-compatible base URL, up to and including `/v1`
    /// (`http://127.0.0.1:11434/v1` for Ollama).
    #[arg(long, env = "AUTOCRM_EVAL_LLM_BASE_URL")]
    base_url: Option<String>,
    /// The assistant's model.
    #[arg(long, env = "AUTOCRM_EVAL_LLM_MODEL")]
    model: Option<String>,
    /// Sent as a bearer token, if the endpoint wants one.
    #[arg(long, env = "AUTOCRM_EVAL_LLM_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The simulated customer's model (default: the assistant's).
    #[arg(long, env = "AUTOCRM_EVAL_LLM_USER_MODEL")]
    user_model: Option<String>,
    /// Conversations per task: pass^k is reported for k = 1..=trials.
    #[arg(long, default_value_t = 1)]
    trials: usize,
    /// Only the first N tasks of the train split.
    #[arg(long)]
    tasks: Option<usize>,
    /// Conversations run at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// The simulated customer's sampling temperature (the assistant's is 0).
    #[arg(long, default_value_t = 0.0)]
    user_temperature: f32,
    /// The longest wait for one model answer, in seconds.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
    /// Customer messages per conversation before it is cut off.
    #[arg(long, default_value_t = MAX_TURNS)]
    max_turns: usize,
}

/// The endpoint's configuration for `model`.
fn config(base_url: &str, model: &str, api_key: Option<&String>, timeout_secs: u64) -> LlmConfig {
    LlmConfig {
        base_url: base_url.to_owned(),
        model: model.to_owned(),
        embedding_model: None,
        api_key: api_key.filter(|k| !k.is_empty()).cloned(),
        timeout: Duration::from_secs(timeout_secs.max(1)),
        max_retries: 3,
        retry_backoff: Duration::from_millis(500),
        // Room for a long order summary; the turns are short otherwise.
        max_tokens: 1024,
    }
}

/// Runs the evaluation (on its own runtime) and returns its figures, or the
/// skip notice when no endpoint is configured.
pub fn run(args: ChatbotArgs) -> anyhow::Result<serde_json::Value> {
    let ChatbotArgs {
        data,
        base_url,
        model,
        api_key,
        user_model,
        trials,
        tasks,
        concurrency,
        user_temperature,
        timeout_secs,
        max_turns,
    } = args;
    let endpoint = base_url.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let model = model.as_deref().map(str::trim).filter(|m| !m.is_empty());
    let (Some(base_url), Some(model)) = (endpoint, model) else {
        return Ok(json!({ "skipped": true, "reason": NO_ENDPOINT }));
    };
    anyhow::ensure!(trials >= 1, "--trials must be at least 1");
    let data = Tau2Data::load(&data).context("eval chatbot: the tau2-retail data")?;
    let user_model = user_model.as_deref().map(str::trim).filter(|m| !m.is_empty()).unwrap_or(model);
    let assistant = LlmClient::new(config(base_url, model, api_key.as_ref(), timeout_secs))
        .context("eval chatbot: the assistant's endpoint")?;
    let customer = LlmClient::new(config(base_url, user_model, api_key.as_ref(), timeout_secs))
        .context("eval chatbot: the customer's endpoint")?;
    let options = tau2::Options {
        trials,
        tasks,
        concurrency: concurrency.max(1),
        max_turns: max_turns.max(1),
        customer_temperature: user_temperature,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let figures = runtime.block_on(tau2::evaluate(&data, &assistant, &customer, &options)).context("eval chatbot")?;
    Ok(figures)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ChatbotArgs,
    }

    #[test]
    fn without_an_endpoint_the_evaluation_says_so_and_skips() {
        let cli =
            Cli::try_parse_from(["eval-chatbot", "--base-url", "", "--model", "", "--data", "/nonexistent"]).unwrap();

        let figures = run(cli.args).unwrap();

        assert_eq!(figures, json!({ "skipped": true, "reason": NO_ENDPOINT }));
    }
}
