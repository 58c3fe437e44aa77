//! The chatbot's order assistant: an LLM that uses tools, behind a
//! confirmation gate that code enforces, not the model.
//!
//! One customer turn ([`take_turn`]):
//! 1. If a write is waiting for confirmation ([`AgentState::pending`]), the
//!    customer's message decides it: an explicit yes ([`is_explicit_yes`])
//!    runs exactly the stored call, anything else drops it. Either way the
//!    model is told what happened in the call's tool result.
//! 2. The model is asked for the next step with the tools of the
//!    [`Toolbox`]. A read tool runs at once and its result goes back to the
//!    model; a write tool is never run in the turn the model calls it: the
//!    toolbox first checks it ([`Toolbox::describe`], which also confines it
//!    to the signed-in customer's own records) and states the exact change,
//!    and the turn ends with [`TurnOutcome::Confirm`] asking the customer.
//!    `transfer_to_human_agents` ends the turn with a hand-off.
//! 3. A text answer ends the turn ([`TurnOutcome::Reply`]); after
//!    [`MAX_STEPS`] model calls the turn hands off.
//!
//! Invariants:
//! - No write runs unless the customer's message right after the stated
//!   change is an explicit yes, and then only the stated call runs, with
//!   the stored arguments (a model cannot swap them after the yes).
//! - The toolbox decides whose records a tool may reach; the model's ids
//!   are only ever looked up inside that scope.
//! - The state is plain data ([`AgentState`] serialises), so the caller
//!   stores it between turns and any node can take the next turn.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::llm::{ChatMessage, ChatRequest, LlmClient, OnText, Role, ToolSpec};
use crate::{AiError, Provenance};

/// Model calls per customer turn before the assistant gives up and hands off.
pub const MAX_STEPS: usize = 8;
/// Messages of history kept in the state (older ones are dropped in whole
/// tool-call groups), so a long chat stays within the model's context.
pub const MAX_HISTORY: usize = 60;
/// The tool every assistant has: hand the conversation to a person.
pub const TRANSFER_TOOL: &str = "transfer_to_human_agents";

/// A tool offered to the model, and whether it changes anything.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentTool {
    pub spec: ToolSpec,
    /// A write: gated by the customer's explicit confirmation.
    pub writes: bool,
}

/// What a tool run returned to the model (a refusal is an `Err` with the
/// reason, which the model may pass on).
pub type ToolResult = Result<String, String>;

/// The tools of one conversation, bound to whoever the conversation acts for.
#[async_trait]
pub trait Toolbox: Send + Sync {
    /// The tools offered to the model now (may change after a call, e.g.
    /// once the customer is authenticated).
    fn tools(&self) -> Vec<AgentTool>;
    /// Checks a write without doing it and states the exact change for the
    /// customer ("Cancel order #W123 (2 items) and refund 54.00 EUR to the
    /// card ending 4242"). `Err` with the reason when it is not allowed.
    async fn describe(&self, name: &str, arguments: &Value) -> ToolResult;
    /// Runs a tool: a read, or a write the customer confirmed.
    async fn call(&self, name: &str, arguments: &Value) -> ToolResult;
}

/// A write the model asked for, waiting for the customer's yes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingAction {
    /// The model's call id (its tool result answers it).
    pub call_id: String,
    pub name: String,
    pub arguments: Value,
    /// The change as stated to the customer.
    pub summary: String,
}

/// The assistant's memory of one conversation, stored between turns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentState {
    /// The conversation as the model saw it (no system message), oldest first.
    pub messages: Vec<ChatMessage>,
    /// A write waiting for the customer's confirmation.
    pub pending: Option<PendingAction>,
}

/// A tool run during a turn, for the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolRun {
    pub name: String,
    pub arguments: Value,
    pub writes: bool,
    /// `ok`, `refused`, `declined` (the customer did not confirm) or `asked` (confirmation requested).
    pub status: String,
    /// What the tool answered (shortened).
    pub result: String,
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TurnOutcome {
    /// The assistant's message to the customer.
    Reply { text: String },
    /// A write was stated and awaits the customer's explicit yes.
    Confirm { summary: String },
    /// Hand the conversation to a person (`summary` is the model's note for the agent, if any).
    HandOff { summary: Option<String> },
}

/// One turn's result.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnResult {
    pub outcome: TurnOutcome,
    pub tools: Vec<ToolRun>,
    pub provenance: Provenance,
}

/// Whether a customer's message is an explicit yes: a short message whose
/// first word is a yes (en, de) and that says no "no", "not" or "wait".
pub fn is_explicit_yes(text: &str) -> bool {
    const YES: &[&str] =
        &["yes", "y", "yeah", "yep", "yup", "confirm", "confirmed", "ja", "jawohl", "bestätigt", "ok", "okay"];
    // Not "cancel": "yes, cancel it" confirms a cancellation.
    const NO: &[&str] =
        &["no", "not", "don't", "dont", "wait", "stop", "nein", "nicht", "kein", "keine", "warte", "but", "aber"];
    let words: Vec<String> = crate::text::tokens(text);
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    let first_yes = YES.contains(&words[0].as_str()) || (words[0] == "do" && words.get(1).is_some_and(|w| w == "it"));
    first_yes && !words.iter().any(|w| NO.contains(&w.as_str()))
}

/// The transfer tool's definition.
pub fn transfer_tool() -> AgentTool {
    AgentTool {
        spec: ToolSpec {
            name: TRANSFER_TOOL.into(),
            description: "Transfer the customer to a human agent, with a short summary of their issue. Use it when \
                          the customer asks for a human, when the request needs a refund or anything the policy or \
                          your tools do not allow, or when you cannot help."
                .into(),
            parameters: serde_json::json!({
                "type": "object",
                "properties": { "summary": { "type": "string", "description": "The customer's issue in one or two sentences." } },
                "required": ["summary"]
            }),
        },
        writes: false,
    }
}

/// Takes one customer turn (see the module documentation). `system` is the
/// rendered instructions; `prompt_version` names them for the provenance.
pub async fn take_turn(
    client: &LlmClient,
    system: &str,
    prompt_version: &str,
    state: &mut AgentState,
    customer_text: &str,
    toolbox: &dyn Toolbox,
) -> Result<TurnResult, AiError> {
    turn(client, system, prompt_version, state, customer_text, toolbox, None).await
}

/// [`take_turn`], streaming the model's calls: `on_text` gets the text of
/// a reply as it is written (never a tool call's), so a chat can show it
/// before the model has finished. What the turn decides is the same.
pub async fn take_turn_streaming(
    client: &LlmClient,
    system: &str,
    prompt_version: &str,
    state: &mut AgentState,
    customer_text: &str,
    toolbox: &dyn Toolbox,
    on_text: OnText<'_>,
) -> Result<TurnResult, AiError> {
    turn(client, system, prompt_version, state, customer_text, toolbox, Some(on_text)).await
}

async fn turn(
    client: &LlmClient,
    system: &str,
    prompt_version: &str,
    state: &mut AgentState,
    customer_text: &str,
    toolbox: &dyn Toolbox,
    on_text: Option<OnText<'_>>,
) -> Result<TurnResult, AiError> {
    let provenance = Provenance {
        engine: "llm".into(),
        model: client.model().to_owned(),
        prompt_version: Some(prompt_version.to_owned()),
    };
    let mut runs = Vec::new();
    if let Some(pending) = state.pending.take() {
        let result = if is_explicit_yes(customer_text) {
            let result = toolbox.call(&pending.name, &pending.arguments).await;
            runs.push(run(&pending.name, &pending.arguments, true, status_of(&result, "ok"), &result));
            match result {
                Ok(text) => format!("The customer confirmed and it was done: {text}"),
                Err(reason) => format!("The customer confirmed but it failed: {reason}"),
            }
        } else {
            runs.push(run(&pending.name, &pending.arguments, true, "declined", &Ok(String::new())));
            "The customer did not confirm, so nothing was changed.".to_owned()
        };
        state.messages.push(ChatMessage::tool(pending.call_id, result));
    }
    state.messages.push(ChatMessage::user(customer_text));

    for _ in 0..MAX_STEPS {
        let tools = toolbox.tools();
        let mut offered: Vec<ToolSpec> = tools.iter().map(|t| t.spec.clone()).collect();
        offered.push(transfer_tool().spec);
        let mut messages = Vec::with_capacity(state.messages.len() + 1);
        messages.push(ChatMessage::system(system));
        messages.extend(state.messages.iter().cloned());
        let request = ChatRequest { messages, tools: offered, temperature: Some(0.0), max_tokens: None };
        let response = match on_text {
            Some(on_text) => client.chat_progressively(&request, on_text).await?,
            None => client.chat(&request).await?,
        };
        let Some(call) = response.message.tool_calls.first().cloned() else {
            let text = response.message.content.trim().to_owned();
            if text.is_empty() {
                return Err(AiError::BadAnswer("the model answered neither text nor a tool call".into()));
            }
            state.messages.push(ChatMessage::assistant(text.clone()));
            trim_history(state);
            return Ok(TurnResult { outcome: TurnOutcome::Reply { text }, tools: runs, provenance });
        };
        // One call at a time: the others the model made are not run.
        state.messages.push(ChatMessage {
            role: Role::Assistant,
            content: String::new(),
            tool_calls: vec![call.clone()],
            tool_call_id: None,
        });
        let Ok(arguments @ Value::Object(_)) = call.arguments_json() else {
            state.messages.push(ChatMessage::tool(&call.id, "Error: the arguments must be a JSON object."));
            continue;
        };
        if call.name == TRANSFER_TOOL {
            let summary = arguments.get("summary").and_then(Value::as_str).map(str::to_owned);
            state.messages.push(ChatMessage::tool(&call.id, "Transferred to a human agent."));
            runs.push(run(&call.name, &arguments, false, "ok", &Ok(String::new())));
            trim_history(state);
            return Ok(TurnResult { outcome: TurnOutcome::HandOff { summary }, tools: runs, provenance });
        }
        let Some(tool) = tools.iter().find(|t| t.spec.name == call.name) else {
            state.messages.push(ChatMessage::tool(&call.id, format!("Error: there is no tool {:?}.", call.name)));
            continue;
        };
        if tool.writes {
            match toolbox.describe(&call.name, &arguments).await {
                Ok(summary) => {
                    runs.push(run(&call.name, &arguments, true, "asked", &Ok(summary.clone())));
                    state.pending = Some(PendingAction {
                        call_id: call.id.clone(),
                        name: call.name.clone(),
                        arguments,
                        summary: summary.clone(),
                    });
                    trim_history(state);
                    return Ok(TurnResult { outcome: TurnOutcome::Confirm { summary }, tools: runs, provenance });
                }
                Err(reason) => {
                    runs.push(run(&call.name, &arguments, true, "refused", &Err(reason.clone())));
                    state.messages.push(ChatMessage::tool(&call.id, format!("Not allowed: {reason}")));
                }
            }
        } else {
            let result = toolbox.call(&call.name, &arguments).await;
            runs.push(run(&call.name, &arguments, false, status_of(&result, "ok"), &result));
            let text = match result {
                Ok(text) => text,
                Err(reason) => format!("Error: {reason}"),
            };
            state.messages.push(ChatMessage::tool(&call.id, text));
        }
    }
    trim_history(state);
    Ok(TurnResult { outcome: TurnOutcome::HandOff { summary: None }, tools: runs, provenance })
}

fn status_of(result: &ToolResult, ok: &'static str) -> &'static str {
    if result.is_ok() { ok } else { "refused" }
}

fn run(name: &str, arguments: &Value, writes: bool, status: &str, result: &ToolResult) -> ToolRun {
    let text = match result {
        Ok(t) | Err(t) => t,
    };
    ToolRun {
        name: name.to_owned(),
        arguments: arguments.clone(),
        writes,
        status: status.to_owned(),
        result: text.chars().take(500).collect(),
    }
}

/// Drops the oldest messages beyond [`MAX_HISTORY`], never splitting a tool
/// call from its result: the kept part starts at a user message.
fn trim_history(state: &mut AgentState) {
    if state.messages.len() <= MAX_HISTORY {
        return;
    }
    let from = state.messages.len() - MAX_HISTORY;
    let start =
        state.messages[from..].iter().position(|m| m.role == Role::User).map_or(state.messages.len(), |i| from + i);
    state.messages.drain(..start);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::ToolCall;

    #[test]
    fn explicit_yes_is_short_and_unqualified() {
        for yes in
            ["yes", "Yes, please.", "YES do it", "ja", "Ja, bitte", "confirm", "ok, yes", "do it", "yes, cancel it"]
        {
            assert!(is_explicit_yes(yes), "{yes:?} is a yes");
        }
        for not in [
            "",
            "no",
            "yes but not the blue one",
            "wait",
            "yes, wait",
            "maybe",
            "sure thing, and also change my address to somewhere else entirely",
            "I said yes earlier",
            "nein",
            "ja aber nicht heute",
        ] {
            assert!(!is_explicit_yes(not), "{not:?} is not a yes");
        }
    }

    #[test]
    fn history_is_trimmed_at_a_user_message() {
        let mut state = AgentState::default();
        for i in 0..40 {
            state.messages.push(ChatMessage::user(format!("q{i}")));
            state.messages.push(ChatMessage {
                role: Role::Assistant,
                content: String::new(),
                tool_calls: vec![ToolCall { id: format!("c{i}"), name: "t".into(), arguments: "{}".into() }],
                tool_call_id: None,
            });
            state.messages.push(ChatMessage::tool(format!("c{i}"), "r"));
        }
        trim_history(&mut state);
        assert!(state.messages.len() <= MAX_HISTORY);
        assert_eq!(state.messages[0].role, Role::User);
        assert_eq!(state.messages.last().map(|m| m.content.as_str()), Some("r"));
    }
}
