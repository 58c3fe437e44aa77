//! Notification templates (minijinja, text + HTML) per workspace and locale.
//!
//! Each [`Notice`] has a [`TemplateSet`] (subject, plain text, HTML). The
//! defaults are files under `templates/<locale>/<key>.{subject,txt,html}.j2`,
//! compiled into the binary; a workspace may replace them, so every set is
//! treated as untrusted input.
//!
//! Invariants of [`render`]: values are HTML-escaped in the HTML part only
//! (the text and subject go out as `text/plain`); the subject is one line;
//! no template can load another (no loader), run longer than [`FUEL`]
//! instructions per part, or exceed [`MAX_TEMPLATE_CHARS`] /
//! [`MAX_OUTPUT_CHARS`]; an undefined value renders as nothing (see
//! [`CONTEXT_DOC`]).

use std::fmt;

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, ErrorKind, Output, State, UndefinedBehavior, Value, escape_formatter};

/// Instructions one part may execute. The defaults use a few hundred.
pub const FUEL: u64 = 100_000;
/// Longest template part accepted.
pub const MAX_TEMPLATE_CHARS: usize = 50_000;
/// Longest rendered part.
pub const MAX_OUTPUT_CHARS: usize = 200_000;
/// Locales with default templates; [`resolve_locale`] falls back to the first.
pub const LOCALES: [&str; 3] = ["en", "de", "fr"];

/// The variables a notification template can use. Every one may be absent:
/// printing an undefined or `null` value (or an attribute of one) gives an
/// empty string and `{% if x %}` treats it as false, so a workspace template that
/// names a variable a notice lacks still renders. Misspelt names therefore
/// render empty too; [`validate`] checks syntax, not names.
pub const CONTEXT_DOC: &str = "\
workspace.name     the workspace (shop) name
ticket.number      ticket number (1042)
ticket.subject     ticket subject
ticket.url         customers: the ticket in the portal; agents: the ticket in the agent app
ticket.status      status name (Open, Solved …)
customer.name      the customer's name
agent.name         the agent who replied (agent_replied), or the recipient agent (assigned, mentioned)
message.text       the message as plain text (the customer's request, the agent's reply)
message.html       the same message as sanitised HTML; mark it `|safe` in the HTML part
rating_url         ticket_solved: where the customer rates the answer
unsubscribe_url    where the recipient turns these e-mails off
actor.name         assigned/mentioned: who assigned or mentioned the agent
excerpt            assigned/mentioned: a short plain-text excerpt of the ticket or note";

/// Who a notice is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The person who asked; links go to the customer portal.
    Customer,
    /// Staff; links go to the agent app.
    Agent,
}

/// A notification e-mail AutoCRM sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Notice {
    /// To the customer: we have your request.
    TicketReceived,
    /// To the customer: an agent answered (the reply itself).
    AgentReplied,
    /// To the customer: the ticket is solved; rate us.
    TicketSolved,
    /// To an agent: a ticket was assigned to you.
    Assigned,
    /// To an agent: someone mentioned you in a note.
    Mentioned,
}

impl Notice {
    /// Every notice.
    pub const ALL: [Self; 5] =
        [Self::TicketReceived, Self::AgentReplied, Self::TicketSolved, Self::Assigned, Self::Mentioned];

    /// Stable key (settings, file names, the API).
    pub fn key(self) -> &'static str {
        match self {
            Self::TicketReceived => "ticket_received",
            Self::AgentReplied => "agent_replied",
            Self::TicketSolved => "ticket_solved",
            Self::Assigned => "assigned",
            Self::Mentioned => "mentioned",
        }
    }

    /// The notice with this key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.key() == key)
    }

    /// Who receives it.
    pub fn audience(self) -> Audience {
        match self {
            Self::TicketReceived | Self::AgentReplied | Self::TicketSolved => Audience::Customer,
            Self::Assigned | Self::Mentioned => Audience::Agent,
        }
    }

    /// The `Auto-Submitted` header value (RFC 3834) for this notice: machine
    /// messages are `auto-generated`, so other systems do not answer them; an
    /// agent's reply is a person writing and carries none.
    pub fn auto_submitted(self) -> Option<&'static str> {
        match self {
            Self::AgentReplied => None,
            Self::TicketReceived | Self::TicketSolved | Self::Assigned | Self::Mentioned => Some("auto-generated"),
        }
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The three templates of one notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSet {
    /// Subject line.
    pub subject: String,
    /// `text/plain` body.
    pub text: String,
    /// `text/html` body (values auto-escaped).
    pub html: String,
}

/// A rendered notice, ready for the outbound builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line, whitespace collapsed.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

/// Which template of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The subject.
    Subject,
    /// The text body.
    Text,
    /// The HTML body.
    Html,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::Text => "text",
            Self::Html => "html",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a template cannot be saved or rendered; the message names the part
/// and, when known, the line (for an admin editing it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The template is longer than [`MAX_TEMPLATE_CHARS`].
    #[error("the {part} template is longer than {max} characters")]
    TooLong {
        /// Which one.
        part: Part,
        /// The limit.
        max: usize,
    },
    /// It does not parse.
    #[error("the {part} template has a syntax error{}: {message}", at_line(*line))]
    Syntax {
        /// Which one.
        part: Part,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// It parsed but failed while rendering (a bad filter argument …).
    #[error("the {part} template failed{}: {message}", at_line(*line))]
    Render {
        /// Which one.
        part: Part,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// It ran longer than [`FUEL`] allows (a loop that does not end soon).
    #[error("the {part} template takes too long to render{}", at_line(*line))]
    OutOfFuel {
        /// Which one.
        part: Part,
        /// 1-based line, when known.
        line: Option<usize>,
    },
    /// It rendered more than [`MAX_OUTPUT_CHARS`].
    #[error("the {part} template renders more than {max} characters")]
    OutputTooLong {
        /// Which one.
        part: Part,
        /// The limit.
        max: usize,
    },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(" on line {l}")).unwrap_or_default()
}

impl TemplateError {
    fn from_minijinja(part: Part, e: &minijinja::Error, parsing: bool) -> Self {
        let line = e.line();
        let message = e.detail().map_or_else(|| e.kind().to_string(), ToOwned::to_owned);
        match e.kind() {
            ErrorKind::OutOfFuel => Self::OutOfFuel { part, line },
            ErrorKind::SyntaxError => Self::Syntax { part, line, message },
            _ if parsing => Self::Syntax { part, line, message },
            _ => Self::Render { part, line, message },
        }
    }
}

// ---------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------

macro_rules! defaults {
    ($($locale:literal => [$($key:literal),*]),* $(,)?) => {
        &[$($((
            $locale,
            $key,
            include_str!(concat!("../../templates/", $locale, "/", $key, ".subject.j2")),
            include_str!(concat!("../../templates/", $locale, "/", $key, ".txt.j2")),
            include_str!(concat!("../../templates/", $locale, "/", $key, ".html.j2")),
        )),*),*]
    };
}

/// `(locale, key, subject, text, html)` for every default.
const DEFAULTS: &[(&str, &str, &str, &str, &str)] = defaults! {
    "en" => ["ticket_received", "agent_replied", "ticket_solved", "assigned", "mentioned"],
    "de" => ["ticket_received", "agent_replied", "ticket_solved", "assigned", "mentioned"],
    "fr" => ["ticket_received", "agent_replied", "ticket_solved", "assigned", "mentioned"],
};

/// The supported locale closest to `locale`: `de-AT` and `de_at` → `de`,
/// anything unknown → `en`.
pub fn resolve_locale(locale: &str) -> &'static str {
    let lang = locale.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    LOCALES.into_iter().find(|l| *l == lang).unwrap_or(LOCALES[0])
}

/// The built-in templates of `notice` in the locale closest to `locale`.
pub fn default_template(notice: Notice, locale: &str) -> TemplateSet {
    let locale = resolve_locale(locale);
    let found = DEFAULTS
        .iter()
        .find(|(l, k, ..)| *l == locale && *k == notice.key())
        .or_else(|| DEFAULTS.iter().find(|(l, k, ..)| *l == LOCALES[0] && *k == notice.key()));
    // The table lists every notice for every locale (a test checks it).
    found.map_or_else(
        || TemplateSet { subject: String::new(), text: String::new(), html: String::new() },
        |(_, _, subject, text, html)| TemplateSet {
            subject: (*subject).to_owned(),
            text: (*text).to_owned(),
            html: (*html).to_owned(),
        },
    )
}

// ---------------------------------------------------------------------------
// Validation and rendering
// ---------------------------------------------------------------------------

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Only the HTML part is HTML; subject and text go out as plain text.
    env.set_auto_escape_callback(|name| if name == Part::Html.name() { AutoEscape::Html } else { AutoEscape::None });
    // An optional value a notice lacks (rating_url, actor.name …) renders empty.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_formatter(format_value);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(50);
    // `{% if %}` on its own line leaves no blank line in the text part.
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build() {
        env.set_syntax(syntax);
    }
    // No template is registered and there is no loader (and the workspace
    // builds minijinja without `multi_template`, so `include`, `import` and
    // `extends` do not even parse): the HTML part cannot pull in the
    // unescaped text part or anything else.
    env
}

/// Prints a value: `null` and undefined as nothing (minijinja would print
/// `none` for a JSON null), and in the HTML part every value not marked
/// `|safe` escaped for text and quoted attributes. Unlike minijinja's escaper
/// this leaves `/` alone, so URLs in `href` stay readable.
fn format_value(out: &mut Output<'_>, state: &mut State<'_, '_>, value: &Value) -> Result<(), minijinja::Error> {
    if value.is_undefined() || value.is_none() {
        return Ok(());
    }
    if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() {
        let raw = value.to_string();
        let mut escaped = String::with_capacity(raw.len());
        for c in raw.chars() {
            match c {
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '&' => escaped.push_str("&amp;"),
                '"' => escaped.push_str("&quot;"),
                '\'' => escaped.push_str("&#x27;"),
                c => escaped.push(c),
            }
        }
        return Ok(out.write_str(&escaped)?);
    }
    escape_formatter(out, state, value)
}

/// The parts of `set`, each checked against the size limit and parsed.
fn compile<'e, 's>(
    env: &'e Environment<'static>,
    set: &'s TemplateSet,
) -> Result<[minijinja::Template<'e, 's>; 3], TemplateError> {
    let one = |part: Part, source: &'s str| {
        if source.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(TemplateError::TooLong { part, max: MAX_TEMPLATE_CHARS });
        }
        env.template_from_named_str(part.name(), source).map_err(|e| TemplateError::from_minijinja(part, &e, true))
    };
    Ok([one(Part::Subject, &set.subject)?, one(Part::Text, &set.text)?, one(Part::Html, &set.html)?])
}

/// Checks that every part of `set` parses and is within the size limit (for
/// an admin saving a template). Unknown variable names are not errors.
pub fn validate(set: &TemplateSet) -> Result<(), TemplateError> {
    compile(&environment(), set).map(|_| ())
}

/// Renders all three parts with `ctx` (see [`CONTEXT_DOC`]).
pub fn render(set: &TemplateSet, ctx: &serde_json::Value) -> Result<Rendered, TemplateError> {
    let env = environment();
    let [subject, text, html] = compile(&env, set)?;
    let ctx = Value::from(Serde(ctx));
    let one = |part: Part, template: &minijinja::Template<'_, '_>| -> Result<String, TemplateError> {
        let out = template.render(ctx.clone()).map_err(|e| TemplateError::from_minijinja(part, &e, false))?;
        if out.chars().count() > MAX_OUTPUT_CHARS {
            return Err(TemplateError::OutputTooLong { part, max: MAX_OUTPUT_CHARS });
        }
        Ok(out)
    };
    Ok(Rendered {
        subject: one_line(&one(Part::Subject, &subject)?),
        text: one(Part::Text, &text)?,
        html: one(Part::Html, &html)?,
    })
}

/// Newlines and other control characters become spaces, runs of whitespace one space.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn full_context() -> serde_json::Value {
        json!({
            "workspace": {"name": "Everline"},
            "ticket": {
                "number": 1042,
                "subject": "Where is my order?",
                "url": "https://help.everline.example/portal/tickets/1042",
                "status": "Open",
            },
            "customer": {"name": "Mason Lopez"},
            "agent": {"name": "Anna Berg"},
            "message": {
                "text": "Hi Mason,\nyour parcel left our warehouse today.\nAnna",
                "html": "<p>Hi Mason,<br>your parcel left our warehouse <b>today</b>.</p><p>Anna</p>",
            },
            "rating_url": "https://help.everline.example/rate/abc",
            "unsubscribe_url": "https://help.everline.example/settings/notifications",
            "actor": {"name": "Marco Rossi"},
            "excerpt": "Can you check the refund for order #W1234?",
        })
    }

    #[test]
    fn every_default_template_renders_in_every_locale() {
        for locale in LOCALES {
            for notice in Notice::ALL {
                let set = default_template(notice, locale);
                assert!(!set.subject.is_empty() && !set.text.is_empty() && !set.html.is_empty(), "{locale}/{notice}");
                validate(&set).unwrap();
                let out = render(&set, &full_context()).unwrap_or_else(|e| panic!("{locale}/{notice}: {e}"));
                assert!(out.subject.contains("1042"), "{locale}/{notice}: {}", out.subject);
                assert!(!out.subject.contains('\n'));
                assert!(out.text.contains("1042"), "{locale}/{notice}: {}", out.text);
                assert!(out.text.contains("https://help.everline.example/portal/tickets/1042"), "{locale}/{notice}");
                assert!(out.html.contains("https://help.everline.example/portal/tickets/1042"), "{locale}/{notice}");
                assert!(out.html.contains("Everline"), "{locale}/{notice}");
                // No remote images, fonts or scripts.
                for banned in ["<img", "<script", "@import", "<link", "url("] {
                    assert!(!out.html.contains(banned), "{locale}/{notice} contains {banned}");
                }
                assert!(!out.text.contains("{{") && !out.html.contains("{{"), "{locale}/{notice}");
                match notice {
                    Notice::AgentReplied | Notice::TicketReceived => {
                        assert!(out.text.contains("your parcel left our warehouse"), "{locale}/{notice}");
                    }
                    Notice::TicketSolved => {
                        assert!(out.text.contains("https://help.everline.example/rate/abc"), "{locale}/{notice}");
                        assert!(out.html.contains("https://help.everline.example/rate/abc"), "{locale}/{notice}");
                    }
                    Notice::Assigned | Notice::Mentioned => {
                        assert!(out.text.contains("Marco Rossi"), "{locale}/{notice}");
                        assert!(out.text.contains("Can you check the refund"), "{locale}/{notice}");
                    }
                }
            }
        }
    }

    #[test]
    fn agent_reply_html_keeps_the_sanitised_message_html() {
        let out = render(&default_template(Notice::AgentReplied, "en"), &full_context()).unwrap();
        assert!(out.html.contains("<b>today</b>"), "{}", out.html);
    }

    #[test]
    fn templates_render_with_only_the_ticket_known() {
        let ctx = json!({"ticket": {"number": 7, "subject": "Hi", "url": "https://x.example/t/7"}});
        for locale in LOCALES {
            for notice in Notice::ALL {
                let out = render(&default_template(notice, locale), &ctx).unwrap();
                assert!(out.subject.contains('7'), "{locale}/{notice}");
            }
        }
    }

    #[test]
    fn html_escapes_values_but_text_and_subject_do_not() {
        let mut ctx = full_context();
        ctx["customer"]["name"] = json!("<script>alert(1)</script>");
        ctx["ticket"]["subject"] = json!("Tom & Jerry <3");
        let set = TemplateSet {
            subject: "{{ ticket.subject }}".into(),
            text: "Hello {{ customer.name }}".into(),
            html: "<p>Hello {{ customer.name }}</p>".into(),
        };
        let out = render(&set, &ctx).unwrap();
        assert_eq!(out.subject, "Tom & Jerry <3");
        assert_eq!(out.text, "Hello <script>alert(1)</script>");
        assert!(!out.html.contains("<script>"), "{}", out.html);
        assert!(out.html.contains("&lt;script&gt;"), "{}", out.html);
        // And the defaults too.
        let out = render(&default_template(Notice::TicketReceived, "en"), &ctx).unwrap();
        assert!(out.text.contains("<script>alert(1)</script>"), "{}", out.text);
        assert!(!out.html.contains("<script>"), "{}", out.html);
    }

    #[test]
    fn subject_is_one_line() {
        let set = TemplateSet {
            subject: "{{ ticket.subject }}\n  [#{{ ticket.number }}]\r\n".into(),
            text: String::new(),
            html: String::new(),
        };
        let mut ctx = full_context();
        ctx["ticket"]["subject"] = json!("Line one\r\nBcc: evil@example.com\tend");
        let out = render(&set, &ctx).unwrap();
        assert_eq!(out.subject, "Line one Bcc: evil@example.com end [#1042]");
    }

    #[test]
    fn undefined_values_render_empty() {
        let set = TemplateSet {
            subject: "[{{ nope }}][{{ actor.name }}][{{ a.b.c }}]".into(),
            text: "{% if rating_url %}rate{% else %}none{% endif %}{% for x in missing %}x{% endfor %}".into(),
            html: String::new(),
        };
        let out = render(&set, &json!({"actor": {"name": null}})).unwrap();
        assert_eq!(out.subject, "[][][]");
        assert_eq!(out.text, "none");
    }

    #[test]
    fn a_runaway_loop_runs_out_of_fuel() {
        // `range` alone refuses more than 100 000 items …
        let set = TemplateSet {
            subject: String::new(),
            text: "{% for i in range(100000000) %}{{ i }}{% endfor %}".into(),
            html: String::new(),
        };
        let e = render(&set, &json!({})).unwrap_err();
        assert!(matches!(e, TemplateError::Render { part: Part::Text, .. }), "{e:?}");
        // … so nest two allowed ones to reach the fuel limit.
        let set = TemplateSet {
            subject: String::new(),
            text: String::new(),
            html: "x\n{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}".into(),
        };
        let e = render(&set, &json!({})).unwrap_err();
        assert_eq!(e, TemplateError::OutOfFuel { part: Part::Html, line: Some(2) });
        assert!(e.to_string().contains("html") && e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn validate_points_at_the_line() {
        let set = TemplateSet {
            subject: "ok".into(),
            text: "line one\nline two\n{% if ticket.number %}\nunclosed".into(),
            html: String::new(),
        };
        let e = validate(&set).unwrap_err();
        assert!(matches!(e, TemplateError::Syntax { part: Part::Text, line: Some(_), .. }), "{e:?}");
        assert!(e.to_string().contains("text template"), "{e}");
        let set = TemplateSet { subject: "{{ ticket.number ".into(), text: String::new(), html: String::new() };
        let e = validate(&set).unwrap_err();
        assert!(matches!(e, TemplateError::Syntax { part: Part::Subject, line: Some(1), .. }), "{e:?}");
        let set = TemplateSet { subject: String::new(), text: String::new(), html: "<p>\n\n{% endfor %}".into() };
        let e = validate(&set).unwrap_err();
        assert!(matches!(e, TemplateError::Syntax { part: Part::Html, line: Some(3), .. }), "{e:?}");
    }

    #[test]
    fn templates_cannot_include_anything() {
        // Not even another part of the same set (the text part is not escaped).
        let set =
            TemplateSet { subject: "x".into(), text: "<b>{{ n }}</b>".into(), html: "{% include 'text' %}".into() };
        let out = render(&set, &json!({"n": "<i>"}));
        assert!(
            matches!(
                out,
                Err(TemplateError::Syntax { part: Part::Html, .. } | TemplateError::Render { part: Part::Html, .. })
            ),
            "{out:?}"
        );
        let set =
            TemplateSet { subject: String::new(), text: "{% include '/etc/passwd' %}".into(), html: String::new() };
        assert!(render(&set, &json!({})).is_err());
    }

    #[test]
    fn oversized_templates_and_output_are_refused() {
        let set = TemplateSet { subject: "x".repeat(MAX_TEMPLATE_CHARS + 1), text: String::new(), html: String::new() };
        assert_eq!(
            validate(&set).unwrap_err(),
            TemplateError::TooLong { part: Part::Subject, max: MAX_TEMPLATE_CHARS }
        );
        let set = TemplateSet { subject: String::new(), text: "{{ 'x' * 300000 }}".into(), html: String::new() };
        assert_eq!(
            render(&set, &json!({})).unwrap_err(),
            TemplateError::OutputTooLong { part: Part::Text, max: MAX_OUTPUT_CHARS }
        );
    }

    #[test]
    fn locales_fall_back_to_the_language_then_english() {
        assert_eq!(resolve_locale("de-AT"), "de");
        assert_eq!(resolve_locale("de_at"), "de");
        assert_eq!(resolve_locale("DE"), "de");
        assert_eq!(resolve_locale("fr-CA"), "fr");
        assert_eq!(resolve_locale("pt-BR"), "en");
        assert_eq!(resolve_locale(""), "en");
        assert_eq!(default_template(Notice::TicketSolved, "de-AT"), default_template(Notice::TicketSolved, "de"));
        assert_eq!(default_template(Notice::TicketSolved, "xx"), default_template(Notice::TicketSolved, "en"));
        assert_ne!(default_template(Notice::TicketSolved, "de"), default_template(Notice::TicketSolved, "en"));
        assert_ne!(default_template(Notice::TicketSolved, "fr"), default_template(Notice::TicketSolved, "en"));
    }

    #[test]
    fn keys_audiences_and_auto_submitted() {
        let keys: Vec<_> = Notice::ALL.into_iter().map(Notice::key).collect();
        assert_eq!(keys, ["ticket_received", "agent_replied", "ticket_solved", "assigned", "mentioned"]);
        for n in Notice::ALL {
            assert_eq!(Notice::from_key(n.key()), Some(n));
        }
        assert_eq!(Notice::from_key("nope"), None);
        assert_eq!(Notice::AgentReplied.audience(), Audience::Customer);
        assert_eq!(Notice::Mentioned.audience(), Audience::Agent);
        assert_eq!(Notice::Assigned.audience(), Audience::Agent);
        assert_eq!(Notice::AgentReplied.auto_submitted(), None);
        for n in [Notice::TicketReceived, Notice::TicketSolved, Notice::Assigned, Notice::Mentioned] {
            assert_eq!(n.auto_submitted(), Some("auto-generated"), "{n}");
        }
    }

    #[test]
    fn every_default_exists_for_every_locale() {
        for locale in LOCALES {
            for notice in Notice::ALL {
                assert!(
                    DEFAULTS.iter().any(|(l, k, ..)| *l == locale && *k == notice.key()),
                    "{locale}/{notice} has no default"
                );
            }
        }
        assert_eq!(DEFAULTS.len(), LOCALES.len() * Notice::ALL.len());
    }
}
