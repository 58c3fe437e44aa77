//! Realistic English text for seeded tickets: customer requests and agent
//! replies sampled from the Bitext customer-service set (a path given at seed
//! time), falling back to the demo tickets shipped in the repository.

use std::path::Path;

use anyhow::{Context as _, bail};

/// The demo tickets (always available: they are part of the repository).
const DEMO: &str = include_str!("../../crates/autocrm/demo/tickets.json");

/// Sentences to build tickets from.
#[derive(Debug)]
pub struct Corpus {
    /// Short customer requests ("how can I cancel purchase 1135…?").
    pub requests: Vec<String>,
    /// Longer agent replies, placeholders filled in.
    pub replies: Vec<String>,
}

impl Corpus {
    /// Loads `path` (Bitext CSV) when it exists, else the demo tickets.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        match path {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
                from_csv(&text)
            }
            _ => from_demo(),
        }
    }
}

fn from_csv(text: &str) -> anyhow::Result<Corpus> {
    let rows = parse_csv(text);
    let Some(header) = rows.first() else { bail!("empty corpus") };
    let col = |name: &str| header.iter().position(|h| h == name).with_context(|| format!("no `{name}` column"));
    let (ins, resp) = (col("instruction")?, col("response")?);
    let mut requests = Vec::new();
    let mut replies = Vec::new();
    for r in rows.iter().skip(1) {
        if let (Some(i), Some(a)) = (r.get(ins), r.get(resp)) {
            requests.push(capitalise(i.trim()));
            replies.push(shorten(&fill_placeholders(a), 420));
        }
    }
    if requests.is_empty() {
        bail!("no rows in corpus");
    }
    Ok(Corpus { requests, replies })
}

fn from_demo() -> anyhow::Result<Corpus> {
    let v: serde_json::Value = serde_json::from_str(DEMO)?;
    let mut requests = Vec::new();
    let mut replies = Vec::new();
    for t in v["tickets"].as_array().into_iter().flatten() {
        for m in t["messages"].as_array().into_iter().flatten() {
            let body = m["body"].as_str().unwrap_or_default().to_owned();
            if m["from"] == "customer" { requests.push(body) } else { replies.push(body) }
        }
    }
    if requests.is_empty() || replies.is_empty() {
        bail!("the demo tickets hold no messages");
    }
    Ok(Corpus { requests, replies })
}

/// RFC 4180: fields separated by commas, optionally quoted, `""` escapes a quote.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (_, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// `{{Order Number}}` → a plausible value, so full-text search sees words, not braces.
fn fill_placeholders(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else { break };
        let name = &rest[start + 2..start + end];
        out.push_str(match name {
            n if n.contains("Website") => "everline.example",
            n if n.contains("Phone") => "+1 800 555 0142",
            n if n.contains("Hours") || n.contains("Availability") => "Monday to Friday, 9am to 6pm",
            n if n.contains("Order") || n.contains("Purchase") => "#W4824466",
            n if n.contains("Chat") => "live chat",
            n => n,
        });
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// Cuts at a sentence end near `max` bytes (agent replies run ~670 characters).
fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &s[..cut];
    match head.rfind(". ") {
        Some(i) if i > max / 3 => head[..=i].to_owned(),
        _ => head.to_owned(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines() {
        let rows = parse_csv("a,b\n\"x, \"\"y\"\"\nz\",2\n");
        assert_eq!(rows, vec![vec!["a", "b"], vec!["x, \"y\"\nz", "2"]]);
    }

    #[test]
    fn placeholders_become_words() {
        assert_eq!(fill_placeholders("see {{Website Name}} now"), "see everline.example now");
    }

    #[test]
    fn demo_corpus_loads() {
        let c = Corpus::load(None).unwrap();
        assert!(!c.requests.is_empty() && !c.replies.is_empty());
    }
}
