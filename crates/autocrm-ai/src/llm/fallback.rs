//! [`Fallback`]: one engine, then another when the first fails.
//!
//! Decision: the secondary answers after *any* error of the primary,
//! including [`AiError::BudgetSpent`]: the secondary is meant to be the
//! built-in engine, which costs no tokens, so a spent budget degrades the
//! quality of the AI rather than switching it off. A caller that wants no AI
//! at all once the budget is spent uses the LLM engine alone. The output's
//! [`crate::Provenance`] always names the engine that actually answered.

use crate::{AiError, Answer, AnswerRequest, Generate, Provenance, ReplyRequest, Suggestion, Summary, SummaryRequest};

/// Tries `primary`, and on error `secondary`.
pub struct Fallback<P, S> {
    primary: P,
    secondary: S,
}

impl<P: Generate, S: Generate> Fallback<P, S> {
    /// `primary` first (the LLM engine), `secondary` after a failure (the built-in one).
    pub fn new(primary: P, secondary: S) -> Self {
        Self { primary, secondary }
    }

    /// The engine tried first.
    pub fn primary(&self) -> &P {
        &self.primary
    }

    /// The engine used after a failure.
    pub fn secondary(&self) -> &S {
        &self.secondary
    }
}

fn log_fallback(capability: &str, error: &AiError) {
    tracing::warn!(capability, %error, "primary AI engine failed, falling back");
}

#[async_trait::async_trait]
impl<P: Generate, S: Generate> Generate for Fallback<P, S> {
    /// The primary's: what answers when all is well.
    fn provenance(&self) -> Provenance {
        self.primary.provenance()
    }

    async fn suggest_reply(&self, request: &ReplyRequest) -> Result<Suggestion, AiError> {
        match self.primary.suggest_reply(request).await {
            Ok(suggestion) => Ok(suggestion),
            Err(error) => {
                log_fallback("suggest_reply", &error);
                self.secondary.suggest_reply(request).await
            }
        }
    }

    async fn summarise(&self, request: &SummaryRequest) -> Result<Summary, AiError> {
        match self.primary.summarise(request).await {
            Ok(summary) => Ok(summary),
            Err(error) => {
                log_fallback("summarise", &error);
                self.secondary.summarise(request).await
            }
        }
    }

    async fn answer(&self, request: &AnswerRequest) -> Result<Answer, AiError> {
        match self.primary.answer(request).await {
            Ok(answer) => Ok(answer),
            Err(error) => {
                log_fallback("answer", &error);
                self.secondary.answer(request).await
            }
        }
    }
}
