//! The simulated customer: an OpenAI-compatible chat model playing the
//! task's caller, as τ²-bench's user simulator does.
//!
//! It is told the task's scenario (persona, reason for the call, what the
//! caller knows and does not know, how they behave), writes one message at a
//! time, and ends the conversation with a stop token: [`STOP`] when the
//! task is done, [`TRANSFER`] when handed to a person, [`OUT_OF_SCOPE`] when
//! the scenario gives no way on. Roles are flipped for it: the assistant's
//! messages are its "user" messages and its own are "assistant" messages.
//!
//! One addition to τ²'s guidelines: the chatbot asks for an explicit yes
//! before any change (code enforces it, see [`crate::agent`]), so the
//! customer is told to answer such a question with a plain "yes" when the
//! stated change is what they want.

use async_trait::async_trait;

use super::Task;
use crate::AiError;
use crate::llm::{ChatMessage, ChatRequest, LlmClient};

/// The customer's token for "my task is done".
pub const STOP: &str = "###STOP###";
/// The customer's token for "I was transferred to a person".
pub const TRANSFER: &str = "###TRANSFER###";
/// The customer's token for "the scenario does not say how to go on".
pub const OUT_OF_SCOPE: &str = "###OUT-OF-SCOPE###";

/// The simulated customer's standing instructions (after τ²-bench's
/// `simulation_guidelines.md`, MIT).
const GUIDELINES: &str = "\
# How to play the customer
You are playing a customer who contacts an online shop's customer service. Follow the scenario below \
exactly and sound like a real person.

- Write one message at a time, as the customer, in plain text.
- Follow the scenario's instructions strictly. Never invent information the scenario does not give you: \
treat anything it does not mention as unknown to you.
- Do not copy the instructions word for word; say things in your own words.
- Give information a piece at a time, when the agent asks for it.
- Keep going until the whole task is done. Agreeing to an action is not the action being done: wait until the \
agent says it is done. If the scenario has several requests, make sure every one is handled before you stop.
- When the agent states a change and asks you to reply yes to confirm it, and the change is exactly what you \
want, reply with just \"yes\". If it is not what you want, say what is wrong instead.
- When your task is done, write ###STOP### to end the conversation.
- If you are transferred to a human agent, write ###TRANSFER###.
- If the scenario does not give you enough information to go on, write ###OUT-OF-SCOPE###.";

/// Whoever answers the assistant in a conversation.
#[async_trait]
pub trait Customer: Send {
    /// The customer's next message after the assistant's `assistant_text`.
    async fn reply(&mut self, assistant_text: &str) -> Result<String, AiError>;
}

/// The LLM playing a task's customer.
pub struct SimulatedCustomer {
    client: LlmClient,
    system: String,
    /// The conversation from the customer's side (roles flipped).
    messages: Vec<ChatMessage>,
    temperature: f32,
}

impl SimulatedCustomer {
    /// A customer for `task`, answering with `client` at `temperature`.
    pub fn new(client: LlmClient, task: &Task, temperature: f32) -> Self {
        Self { client, system: system_prompt(task), messages: Vec::new(), temperature }
    }
}

/// The customer's system prompt: the guidelines, then the scenario.
pub fn system_prompt(task: &Task) -> String {
    format!("{GUIDELINES}\n\n<scenario>\n{}\n</scenario>", scenario(task))
}

/// The task's scenario as text, section by section.
pub fn scenario(task: &Task) -> String {
    let scenario = &task.user_scenario;
    let i = &scenario.instructions;
    let mut sections = Vec::new();
    if let Some(persona) = scenario.persona.as_deref().filter(|p| !p.trim().is_empty()) {
        sections.push(format!("Persona:\n\t{persona}"));
    }
    for (title, text) in [
        ("Domain", i.domain.as_deref()),
        ("Reason for call", i.reason_for_call.as_deref()),
        ("Known info", i.known_info.as_deref()),
        ("Unknown info", i.unknown_info.as_deref()),
        ("Task instructions", i.task_instructions.as_deref()),
    ] {
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            sections.push(format!("{title}:\n\t{text}"));
        }
    }
    sections.join("\n")
}

#[async_trait]
impl Customer for SimulatedCustomer {
    async fn reply(&mut self, assistant_text: &str) -> Result<String, AiError> {
        self.messages.push(ChatMessage::user(assistant_text));
        let mut messages = Vec::with_capacity(self.messages.len() + 1);
        messages.push(ChatMessage::system(&self.system));
        messages.extend(self.messages.iter().cloned());
        let request =
            ChatRequest { messages, tools: Vec::new(), temperature: Some(self.temperature), max_tokens: None };
        let response = self.client.chat(&request).await?;
        let text = response.message.content.trim().to_owned();
        if text.is_empty() {
            return Err(AiError::BadAnswer("the simulated customer answered nothing".into()));
        }
        self.messages.push(ChatMessage::assistant(text.clone()));
        Ok(text)
    }
}
