//! Interactive tutorials: a graph of steps whose choices lead to another
//! step or to an outcome (solved, open a ticket, read an article).
//!
//! Invariants a saved graph holds (checked by [`validate`], every problem
//! reported with a JSON pointer into the request):
//! - every choice leads to a step of the same graph or to an outcome;
//! - the start step exists and every step can be reached from it;
//! - every step has a choice, and from every step some outcome can be
//!   reached (loops are fine as long as there is a way out);
//! - every text has its default-locale version; step content is sanitised
//!   HTML ([`sanitize`]).
//!
//! Texts are maps from a BCP 47 locale to the text; a missing translation
//! falls back to the tutorial's default locale ([`pick`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::html::{body_from_input, escape};
use crate::people::normalize_tag;
use crate::workspaces::Locale;

/// A text in several languages: locale → text.
pub type LocaleText = BTreeMap<String, String>;

/// Most steps one tutorial may have.
pub const MAX_STEPS: usize = 200;
/// Most choices one step may offer.
pub const MAX_CHOICES: usize = 12;
/// Longest title (tutorial or step), in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest description or choice label, in characters.
pub const MAX_LABEL_CHARS: usize = 500;
/// Longest step content per locale, in bytes of HTML.
pub const MAX_CONTENT_BYTES: usize = 64 * 1024;

/// The step graph of a tutorial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = TutorialGraph)]
pub struct Graph {
    /// Key of the first step.
    pub start: String,
    /// The steps, in the author's order.
    pub steps: Vec<Step>,
}

/// One step: a heading, content, an optional image and the choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TutorialStep)]
pub struct Step {
    /// Stable key within the tutorial (`delivered`, `s2`): 1–40 of `a-z 0-9 _ -`.
    pub key: String,
    /// The step's heading or question, per locale.
    #[schema(value_type = BTreeMap<String, String>)]
    pub title: LocaleText,
    /// Rich text (HTML, sanitised on save), per locale.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    pub content: LocaleText,
    /// Public id of an image uploaded to this tutorial.
    #[serde(default)]
    pub image: Option<String>,
    /// What the customer can answer.
    #[serde(default)]
    pub choices: Vec<Choice>,
}

/// One answer to a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TutorialChoice)]
pub struct Choice {
    /// Stable key within the step: 1–40 of `a-z 0-9 _ -`.
    pub key: String,
    /// The button's label, per locale.
    #[schema(value_type = BTreeMap<String, String>)]
    pub label: LocaleText,
    /// Where it leads.
    pub target: Target,
}

/// Where a choice leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[schema(as = TutorialTarget)]
pub enum Target {
    /// Another step of the same tutorial.
    Step {
        /// The step's key.
        step: String,
    },
    /// The problem is solved.
    Solved {
        /// An optional closing message, per locale.
        #[serde(default)]
        #[schema(value_type = BTreeMap<String, String>)]
        message: LocaleText,
    },
    /// The customer needs a person: open a ticket with the path taken.
    OpenTicket {
        /// The ticket's subject, per locale (default: the tutorial's title).
        #[serde(default)]
        #[schema(value_type = BTreeMap<String, String>)]
        subject: LocaleText,
        /// A category for routing, put on the ticket as a tag (`returns`).
        #[serde(default)]
        category: Option<String>,
    },
    /// A knowledge-base article (or any page) answers it.
    Article {
        /// Where it lives: a path on this site (`/help/articles/12`) or an `http(s)` URL.
        url: String,
        /// The knowledge-base article's id, when it is one.
        #[serde(default)]
        article_id: Option<i64>,
    },
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TutorialOutcome)]
pub enum Outcome {
    /// Self-service worked.
    Solved,
    /// The customer asked for a person.
    OpenTicket,
    /// The customer was sent to an article.
    Article,
}

impl Outcome {
    /// Every outcome, in display order.
    pub const ALL: [Self; 3] = [Self::Solved, Self::OpenTicket, Self::Article];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Solved => "solved",
            Self::OpenTicket => "open_ticket",
            Self::Article => "article",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl Target {
    /// The outcome this target ends a run with; `None` for a step.
    pub fn outcome(&self) -> Option<Outcome> {
        match self {
            Self::Step { .. } => None,
            Self::Solved { .. } => Some(Outcome::Solved),
            Self::OpenTicket { .. } => Some(Outcome::OpenTicket),
            Self::Article { .. } => Some(Outcome::Article),
        }
    }
}

/// Where a run goes through a tutorial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TutorialRunChannel)]
pub enum RunChannel {
    /// The public help center.
    HelpCenter,
    /// The chat widget on the shop's site.
    Widget,
    /// The signed-in customer portal.
    Portal,
}

impl RunChannel {
    /// Every channel.
    pub const ALL: [Self; 3] = [Self::HelpCenter, Self::Widget, Self::Portal];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HelpCenter => "help_center",
            Self::Widget => "widget",
            Self::Portal => "portal",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One problem of a graph or its texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer into the request body (`/steps/2/choices/0/target/step`).
    pub pointer: String,
    /// What is wrong.
    pub detail: String,
}

impl Problem {
    fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), detail: detail.into() }
    }
}

/// Escapes a key for use inside a JSON pointer (RFC 6901).
fn pointer_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Whether `key` is a valid step or choice key.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Checks a text map: locale keys, lengths, and (when `required`) a
/// non-empty default-locale version. Problems point at `pointer/locale`.
pub fn check_text(
    text: &LocaleText,
    pointer: &str,
    default_locale: &str,
    max_chars: usize,
    required: bool,
    problems: &mut Vec<Problem>,
) {
    for (locale, value) in text {
        let at = format!("{pointer}/{}", pointer_token(locale));
        if Locale::parse(locale).map_or(true, |l| l.as_str() != locale) {
            problems.push(Problem::new(at, "is not a language tag in canonical form (en, de, pt-BR)"));
        } else if value.chars().count() > max_chars {
            problems.push(Problem::new(at, format!("must be at most {max_chars} characters")));
        }
    }
    if required && text.get(default_locale).is_none_or(|t| t.trim().is_empty()) {
        problems.push(Problem::new(
            format!("{pointer}/{}", pointer_token(default_locale)),
            format!("is required in the default language ({default_locale})"),
        ));
    }
}

/// Trims every text and drops empty translations; sanitises step content
/// (HTML is cleaned, plain text becomes paragraphs) and normalises
/// categories. Run before [`validate`].
pub fn sanitize(graph: &mut Graph) {
    fn tidy(text: &mut LocaleText) {
        text.retain(|_, v| !v.trim().is_empty());
        for v in text.values_mut() {
            *v = v.trim().to_owned();
        }
    }
    graph.start = graph.start.trim().to_owned();
    for step in &mut graph.steps {
        step.key = step.key.trim().to_owned();
        tidy(&mut step.title);
        tidy(&mut step.content);
        for html in step.content.values_mut() {
            *html = body_from_input(html).html;
        }
        step.image = step.image.take().map(|i| i.trim().to_owned()).filter(|i| !i.is_empty());
        for choice in &mut step.choices {
            choice.key = choice.key.trim().to_owned();
            tidy(&mut choice.label);
            match &mut choice.target {
                Target::Step { step } => *step = step.trim().to_owned(),
                Target::Solved { message } => tidy(message),
                Target::OpenTicket { subject, category } => {
                    tidy(subject);
                    *category = category
                        .take()
                        .map(|c| c.trim().to_owned())
                        .filter(|c| !c.is_empty())
                        .map(|c| normalize_tag(&c).unwrap_or(c));
                }
                Target::Article { url, .. } => *url = url.trim().to_owned(),
            }
        }
    }
}

/// Whether an article link is a path on this site or an `http(s)` URL.
fn is_valid_link(url: &str) -> bool {
    if url.len() > 2000 || url.chars().any(char::is_control) {
        return false;
    }
    if let Some(rest) = url.strip_prefix('/') {
        return !rest.starts_with('/') && !rest.starts_with('\\');
    }
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// Every problem of `graph` (after [`sanitize`]); empty when it may be saved.
/// `images` are the public ids of the tutorial's uploaded images.
pub fn validate(graph: &Graph, default_locale: &str, images: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
    if graph.steps.is_empty() {
        problems.push(Problem::new("/steps", "a tutorial needs at least one step"));
        return problems;
    }
    if graph.steps.len() > MAX_STEPS {
        problems.push(Problem::new("/steps", format!("at most {MAX_STEPS} steps")));
        return problems;
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, step) in graph.steps.iter().enumerate() {
        let at = format!("/steps/{i}");
        if !is_valid_key(&step.key) {
            problems.push(Problem::new(format!("{at}/key"), "must be 1–40 of a-z, 0-9, _ and -"));
        } else if index.insert(step.key.as_str(), i).is_some() {
            problems
                .push(Problem::new(format!("{at}/key"), format!("another step already has the key `{}`", step.key)));
        }
        check_text(&step.title, &format!("{at}/title"), default_locale, MAX_TITLE_CHARS, true, &mut problems);
        check_text(&step.content, &format!("{at}/content"), default_locale, usize::MAX, false, &mut problems);
        for (locale, html) in &step.content {
            if html.len() > MAX_CONTENT_BYTES {
                problems.push(Problem::new(
                    format!("{at}/content/{}", pointer_token(locale)),
                    format!("must be at most {} KiB", MAX_CONTENT_BYTES / 1024),
                ));
            }
        }
        if let Some(image) = &step.image
            && !images.contains(image)
        {
            problems.push(Problem::new(format!("{at}/image"), "is not an image uploaded to this tutorial"));
        }
        if step.choices.is_empty() {
            problems.push(Problem::new(
                format!("{at}/choices"),
                "a step needs at least one choice (leading to a step or an outcome)",
            ));
        } else if step.choices.len() > MAX_CHOICES {
            problems.push(Problem::new(format!("{at}/choices"), format!("at most {MAX_CHOICES} choices")));
        }
        let mut keys = BTreeSet::new();
        for (j, choice) in step.choices.iter().enumerate() {
            let at = format!("{at}/choices/{j}");
            if !is_valid_key(&choice.key) {
                problems.push(Problem::new(format!("{at}/key"), "must be 1–40 of a-z, 0-9, _ and -"));
            } else if !keys.insert(choice.key.as_str()) {
                problems.push(Problem::new(format!("{at}/key"), "another choice of this step has this key"));
            }
            check_text(&choice.label, &format!("{at}/label"), default_locale, MAX_LABEL_CHARS, true, &mut problems);
            match &choice.target {
                Target::Step { .. } | Target::Solved { .. } => {}
                Target::OpenTicket { subject, category } => {
                    check_text(subject, &format!("{at}/target/subject"), default_locale, 250, false, &mut problems);
                    if let Some(c) = category
                        && normalize_tag(c).as_deref() != Some(c.as_str())
                    {
                        problems.push(Problem::new(
                            format!("{at}/target/category"),
                            "must be a tag: 1–64 letters, digits, -, _, : or .",
                        ));
                    }
                }
                Target::Article { url, article_id } => {
                    if !is_valid_link(url) {
                        problems.push(Problem::new(
                            format!("{at}/target/url"),
                            "must be a path on this site (/help/…) or an http(s) URL",
                        ));
                    }
                    if article_id.is_some_and(|id| id <= 0) {
                        problems.push(Problem::new(format!("{at}/target/article_id"), "must be a positive id"));
                    }
                }
            }
            if let Target::Solved { message } = &choice.target {
                check_text(
                    message,
                    &format!("{at}/target/message"),
                    default_locale,
                    MAX_LABEL_CHARS,
                    false,
                    &mut problems,
                );
            }
        }
    }
    // Dangling references come after the per-step checks so that every one is listed.
    for (i, step) in graph.steps.iter().enumerate() {
        for (j, choice) in step.choices.iter().enumerate() {
            if let Target::Step { step: to } = &choice.target
                && !index.contains_key(to.as_str())
            {
                problems.push(Problem::new(
                    format!("/steps/{i}/choices/{j}/target/step"),
                    format!("no step has the key `{to}`"),
                ));
            }
        }
    }
    let Some(&start) = index.get(graph.start.as_str()) else {
        problems.push(Problem::new("/start", format!("no step has the key `{}`", graph.start)));
        return problems;
    };
    // Reachability from the start (forward), then "an outcome is reachable" (backward).
    let next = |i: usize| -> Vec<usize> {
        graph.steps[i]
            .choices
            .iter()
            .filter_map(|c| match &c.target {
                Target::Step { step } => index.get(step.as_str()).copied(),
                _ => None,
            })
            .collect()
    };
    let mut reached = vec![false; graph.steps.len()];
    let mut queue = VecDeque::from([start]);
    reached[start] = true;
    while let Some(i) = queue.pop_front() {
        for j in next(i) {
            if !reached[j] {
                reached[j] = true;
                queue.push_back(j);
            }
        }
    }
    let mut exits = vec![false; graph.steps.len()];
    let mut queue: VecDeque<usize> = VecDeque::new();
    for (i, step) in graph.steps.iter().enumerate() {
        if step.choices.iter().any(|c| c.target.outcome().is_some()) {
            exits[i] = true;
            queue.push_back(i);
        }
    }
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); graph.steps.len()];
    for i in 0..graph.steps.len() {
        for j in next(i) {
            before[j].push(i);
        }
    }
    while let Some(j) = queue.pop_front() {
        for &i in &before[j] {
            if !exits[i] {
                exits[i] = true;
                queue.push_back(i);
            }
        }
    }
    for (i, step) in graph.steps.iter().enumerate() {
        if !reached[i] {
            problems.push(Problem::new(format!("/steps/{i}"), "cannot be reached from the start step"));
        } else if !exits[i] && !step.choices.is_empty() {
            problems.push(Problem::new(
                format!("/steps/{i}"),
                "no outcome can be reached from this step: its choices only lead in circles",
            ));
        }
    }
    problems
}

/// The text for `locale`: an exact match, then the same language
/// (`de-AT` → `de`), then the default locale, then any. The flag says
/// whether a fallback was used.
pub fn pick<'a>(text: &'a LocaleText, locale: &str, default_locale: &str) -> (&'a str, bool) {
    if let Some(t) = text.get(locale) {
        return (t, false);
    }
    let language = locale.split('-').next().unwrap_or(locale);
    if let Some((_, t)) = text.iter().find(|(l, _)| l.split('-').next() == Some(language)) {
        return (t, false);
    }
    if let Some(t) = text.get(default_locale) {
        return (t, true);
    }
    text.values().next().map_or(("", true), |t| (t.as_str(), true))
}

/// Every locale some text of the tutorial is written in.
pub fn locales(title: &LocaleText, graph: &Graph) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = title.keys().cloned().collect();
    for step in &graph.steps {
        out.extend(step.title.keys().cloned());
    }
    out
}

/// The locale to show a tutorial in for `wanted`: that one when the
/// tutorial is written in it, else one of the same language (`de-AT` → `de`),
/// else the default.
pub fn best_locale(title: &LocaleText, graph: &Graph, wanted: Option<&str>, default_locale: &str) -> String {
    let available = locales(title, graph);
    match wanted {
        Some(w) if available.contains(w) => w.to_owned(),
        Some(w) => {
            let language = w.split('-').next().unwrap_or(w);
            available
                .into_iter()
                .find(|l| l.split('-').next() == Some(language))
                .unwrap_or_else(|| default_locale.to_owned())
        }
        None => default_locale.to_owned(),
    }
}

/// One answered step of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = TutorialPathEntry)]
pub struct PathEntry {
    /// The step's key.
    pub step: String,
    /// The chosen choice's key.
    pub choice: String,
}

impl Graph {
    /// The step with `key`.
    pub fn step(&self, key: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.key == key)
    }
}

/// The questions asked and the answers given along `path`, in `locale`.
pub fn transcript(graph: &Graph, path: &[PathEntry], locale: &str, default_locale: &str) -> Vec<(String, String)> {
    path.iter()
        .filter_map(|entry| {
            let step = graph.step(&entry.step)?;
            let choice = step.choices.iter().find(|c| c.key == entry.choice)?;
            Some((
                pick(&step.title, locale, default_locale).0.to_owned(),
                pick(&choice.label, locale, default_locale).0.to_owned(),
            ))
        })
        .collect()
}

/// The prefilled ticket description as plain text: which tutorial, then
/// each question with the answer chosen.
pub fn prefill_text(tutorial_title: &str, transcript: &[(String, String)]) -> String {
    let mut out = format!("I went through the tutorial \"{tutorial_title}\":\n");
    for (i, (question, answer)) in transcript.iter().enumerate() {
        let _ = writeln!(out, "{}. {question} — {answer}", i + 1);
    }
    out
}

/// The ticket body: the customer's own words (escaped) and the path taken as a list.
pub fn ticket_html(tutorial_title: &str, transcript: &[(String, String)], details: Option<&str>) -> String {
    let mut html = String::new();
    if let Some(d) = details.map(str::trim).filter(|d| !d.is_empty()) {
        for paragraph in d.split("\n\n").filter(|p| !p.trim().is_empty()) {
            let _ = write!(html, "<p>{}</p>", escape(paragraph.trim()).replace('\n', "<br>"));
        }
    }
    let _ = write!(html, "<p>Steps taken in the tutorial “{}”:</p><ol>", escape(tutorial_title));
    for (question, answer) in transcript {
        let _ = write!(html, "<li>{} — <strong>{}</strong></li>", escape(question), escape(answer));
    }
    html.push_str("</ol>");
    html
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn text(s: &str) -> LocaleText {
        [("en".to_owned(), s.to_owned())].into()
    }

    fn choice(key: &str, target: Target) -> Choice {
        Choice { key: key.into(), label: text(key), target }
    }

    fn step(key: &str, choices: Vec<Choice>) -> Step {
        Step { key: key.into(), title: text(key), content: LocaleText::new(), image: None, choices }
    }

    fn to(step: &str) -> Target {
        Target::Step { step: step.into() }
    }

    fn solved() -> Target {
        Target::Solved { message: LocaleText::new() }
    }

    fn pointers(g: &Graph) -> Vec<String> {
        validate(g, "en", &[]).into_iter().map(|p| p.pointer).collect()
    }

    #[test]
    fn a_small_graph_with_a_loop_and_a_way_out_is_valid() {
        let g = Graph {
            start: "a".into(),
            steps: vec![
                step("a", vec![choice("next", to("b"))]),
                step("b", vec![choice("back", to("a")), choice("done", solved())]),
            ],
        };
        assert_eq!(pointers(&g), Vec::<String>::new());
    }

    #[test]
    fn dangling_targets_a_missing_start_and_unreachable_steps_are_each_reported() {
        let g = Graph {
            start: "nope".into(),
            steps: vec![step("a", vec![choice("x", to("ghost"))]), step("b", vec![choice("y", solved())])],
        };
        assert_eq!(pointers(&g), ["/steps/0/choices/0/target/step", "/start"]);
        let g = Graph {
            start: "a".into(),
            steps: vec![step("a", vec![choice("x", solved())]), step("b", vec![choice("y", solved())])],
        };
        assert_eq!(pointers(&g), ["/steps/1"]);
    }

    #[test]
    fn dead_ends_and_loops_without_an_outcome_are_refused() {
        let g = Graph {
            start: "a".into(),
            steps: vec![
                step("a", vec![choice("x", to("b")), choice("y", to("c")), choice("z", solved())]),
                step("b", vec![]),
                step("c", vec![choice("loop", to("d"))]),
                step("d", vec![choice("loop", to("c"))]),
            ],
        };
        assert_eq!(pointers(&g), ["/steps/1/choices", "/steps/2", "/steps/3"]);
    }

    #[test]
    fn keys_texts_and_links_are_checked() {
        let mut g = Graph {
            start: "a".into(),
            steps: vec![
                step(
                    "a",
                    vec![
                        choice("x", Target::Article { url: "javascript:alert(1)".into(), article_id: None }),
                        choice(
                            "x",
                            Target::OpenTicket { subject: LocaleText::new(), category: Some("Not a tag!".into()) },
                        ),
                    ],
                ),
                step("A b", vec![choice("y", solved())]),
            ],
        };
        g.steps[0].title = [("de".to_owned(), "Hallo".to_owned()), ("english".to_owned(), "x".to_owned())].into();
        let got = pointers(&g);
        assert!(got.contains(&"/steps/0/title/en".to_owned()), "{got:?}");
        assert!(got.contains(&"/steps/0/title/english".to_owned()), "{got:?}");
        assert!(got.contains(&"/steps/0/choices/0/target/url".to_owned()), "{got:?}");
        assert!(got.contains(&"/steps/0/choices/1/key".to_owned()), "{got:?}");
        assert!(got.contains(&"/steps/0/choices/1/target/category".to_owned()), "{got:?}");
        assert!(got.contains(&"/steps/1/key".to_owned()), "{got:?}");
    }

    #[test]
    fn content_is_sanitised_and_categories_normalised() {
        let mut g = Graph {
            start: " a ".into(),
            steps: vec![step(
                "a",
                vec![choice(
                    "x",
                    Target::OpenTicket { subject: LocaleText::new(), category: Some(" Returns ".into()) },
                )],
            )],
        };
        g.steps[0].content = text("<p onclick=\"x()\">Hi<script>alert(1)</script></p>");
        sanitize(&mut g);
        assert_eq!(g.start, "a");
        assert_eq!(g.steps[0].content["en"], "<p>Hi</p>");
        assert_eq!(
            g.steps[0].choices[0].target,
            Target::OpenTicket { subject: LocaleText::new(), category: Some("returns".into()) }
        );
        assert!(validate(&g, "en", &[]).is_empty());
    }

    #[test]
    fn texts_fall_back_to_the_language_then_the_default_locale() {
        let t: LocaleText = [("de".to_owned(), "Hallo".to_owned()), ("en".to_owned(), "Hello".to_owned())].into();
        assert_eq!(pick(&t, "de-AT", "en"), ("Hallo", false));
        assert_eq!(pick(&t, "fr", "en"), ("Hello", true));
    }

    #[test]
    fn the_transcript_lists_each_question_with_the_answer_chosen() {
        let g = Graph {
            start: "a".into(),
            steps: vec![step("a", vec![choice("yes", to("b"))]), step("b", vec![choice("help", solved())])],
        };
        let path = [
            PathEntry { step: "a".into(), choice: "yes".into() },
            PathEntry { step: "b".into(), choice: "help".into() },
        ];
        let t = transcript(&g, &path, "en", "en");
        assert_eq!(t, [("a".to_owned(), "yes".to_owned()), ("b".to_owned(), "help".to_owned())]);
        assert_eq!(prefill_text("T", &t), "I went through the tutorial \"T\":\n1. a — yes\n2. b — help\n");
        assert!(ticket_html("<T>", &t, Some("<b>hi</b>")).starts_with("<p>&lt;b&gt;hi&lt;/b&gt;</p>"));
    }
}
