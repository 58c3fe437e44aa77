//! Macros: a set of ticket changes plus a reply written as a template with
//! placeholders (`{{ requester.first_name }}`, `{{ ticket.number }}`,
//! `{{ order.status }}` …), rendered by a sandboxed minijinja.
//!
//! The sandbox: no loader (no `include`/`import` of anything), HTML
//! auto-escaping of every value, a fuel limit so a loop cannot spin, a size
//! cap on templates and output, and only the context given here.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::tickets::Priority;

/// Longest template accepted.
pub const MAX_TEMPLATE_CHARS: usize = 20_000;
/// Longest rendered reply.
pub const MAX_OUTPUT_CHARS: usize = 100_000;
/// Instructions a render may take.
const FUEL: u64 = 50_000;

/// The ticket changes a macro makes; absent parts leave the ticket as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MacroActions {
    /// New status.
    pub status_id: Option<i64>,
    /// New priority.
    pub priority: Option<Priority>,
    /// `me` (whoever applies it), `none`, or a user id.
    pub assignee: Option<String>,
    /// Tags to add.
    pub add_tags: Vec<String>,
    /// Tags to remove.
    pub remove_tags: Vec<String>,
    /// Custom field values to set (`null` clears).
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
}

/// What a reply template can refer to.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TemplateContext {
    /// The ticket.
    pub ticket: TicketVars,
    /// Who asked.
    pub requester: PersonVars,
    /// The agent applying the macro.
    pub agent: PersonVars,
    /// The order the ticket is about, when known.
    pub order: Option<OrderVars>,
    /// The workspace (the shop).
    pub workspace: WorkspaceVars,
}

/// Ticket placeholders.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TicketVars {
    /// `1042`.
    pub number: i64,
    /// Subject.
    pub subject: String,
    /// Status name.
    pub status: String,
    /// Priority.
    pub priority: String,
    /// Custom field values by key.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// Person placeholders.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonVars {
    /// Full name.
    pub name: String,
    /// First word of the name.
    pub first_name: String,
    /// E-mail.
    pub email: String,
}

impl PersonVars {
    /// From a name and address; the first name is the name's first word.
    pub fn new(name: &str, email: &str) -> Self {
        let first = name.split_whitespace().next().unwrap_or_default().to_owned();
        Self { name: name.to_owned(), first_name: first, email: email.to_owned() }
    }
}

/// Order placeholders.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrderVars {
    /// `#W1234`.
    pub number: String,
    /// `pending`, `delivered` … (from the commerce provider).
    pub status: String,
    /// The latest shipment's carrier and tracking number, when shipped.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// The order total (`$189.60`).
    pub total: String,
}

/// Workspace placeholders.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkspaceVars {
    /// The shop's name.
    pub name: String,
}

/// A template problem, with a human message naming the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // A misspelt placeholder renders empty rather than failing an agent's reply.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_fuel(Some(FUEL));
    env
}

fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("line {line}: {}", e.detail().map_or_else(|| e.kind().to_string(), ToOwned::to_owned)),
        None => e.detail().map_or_else(|| e.to_string(), ToOwned::to_owned),
    }
}

/// Checks that a template parses (at save time).
pub fn check_template(source: &str) -> Result<(), TemplateError> {
    if source.chars().count() > MAX_TEMPLATE_CHARS {
        return Err(TemplateError(format!("must be at most {MAX_TEMPLATE_CHARS} characters")));
    }
    let env = environment();
    env.template_from_str(source).map(|_| ()).map_err(|e| TemplateError(describe(&e)))
}

/// Renders a reply template; every value is HTML-escaped.
pub fn render(source: &str, ctx: &TemplateContext) -> Result<String, TemplateError> {
    check_template(source)?;
    let env = environment();
    let template = env.template_from_str(source).map_err(|e| TemplateError(describe(&e)))?;
    let out = template
        .render(minijinja::Value::from(minijinja::value::Serde(ctx)))
        .map_err(|e| TemplateError(describe(&e)))?;
    if out.chars().count() > MAX_OUTPUT_CHARS {
        return Err(TemplateError(format!("renders to more than {MAX_OUTPUT_CHARS} characters")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ctx() -> TemplateContext {
        TemplateContext {
            ticket: TicketVars {
                number: 1042,
                subject: "Late".into(),
                status: "Open".into(),
                priority: "high".into(),
                ..Default::default()
            },
            requester: PersonVars::new("Mason <b>Lopez</b>", "mason@example.com"),
            agent: PersonVars::new("Anna Berg", "anna@shop.example"),
            order: Some(OrderVars { number: "#W1".into(), status: "delivered".into(), ..OrderVars::default() }),
            workspace: WorkspaceVars { name: "Everline".into() },
        }
    }

    #[test]
    fn placeholders_are_filled_and_escaped() {
        let out = render(
            "<p>Hi {{ requester.first_name }}, #{{ ticket.number }} is {{ order.status }}. {{ requester.name }}</p>",
            &ctx(),
        )
        .unwrap();
        assert_eq!(out, "<p>Hi Mason, #1042 is delivered. Mason &lt;b&gt;Lopez&lt;&#x2f;b&gt;</p>");
    }

    #[test]
    fn unknown_placeholders_render_empty_and_conditionals_work() {
        let out = render("{{ nope.deeper }}{% if order %}order {{ order.number }}{% endif %}", &ctx()).unwrap();
        assert_eq!(out, "order #W1");
    }

    #[test]
    fn runaway_loops_and_includes_are_stopped() {
        assert!(
            render("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", &ctx())
                .is_err()
        );
        assert!(render("{% include 'secrets.txt' %}", &ctx()).is_err());
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = check_template("Hello\n{{ requester.name ").unwrap_err();
        assert!(e.0.starts_with("line 2"), "{e}");
    }
}
