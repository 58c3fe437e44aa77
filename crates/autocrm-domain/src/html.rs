//! Message bodies: sanitised HTML plus a plain-text rendering.
//!
//! Invariant: every stored `body_html` went through [`sanitize`]; the
//! plain-text version feeds search, e-mail and AI.

use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(builder);

/// Internal notes also keep mention markup (see [`crate::mentions`]):
/// `data-type="mention"` and a numeric `data-id` on spans, nothing else.
static NOTE_CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = builder();
    b.add_tag_attributes("span", ["data-type", "data-id"]).attribute_filter(|element, attribute, value| {
        match (element, attribute) {
            ("span", "data-type") => (value == "mention").then_some(value.into()),
            ("span", "data-id") => {
                (!value.is_empty() && value.len() <= 18 && value.bytes().all(|b| b.is_ascii_digit()))
                    .then_some(value.into())
            }
            _ => Some(value.into()),
        }
    });
    b
});

fn builder() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["class"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto", "tel", "cid"].into_iter().collect())
        .add_tags(["span", "figure", "figcaption"]);
    b
}

/// A message body in both forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Sanitised HTML.
    pub html: String,
    /// Plain text rendering (for search, e-mail and AI).
    pub text: String,
}

/// Longest body accepted, in bytes of input.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// Builds a body from user input: HTML when it looks like HTML, else plain
/// text whose lines become paragraphs. Mention markup is dropped (public
/// replies mention nobody: see [`crate::mentions`]).
pub fn body_from_input(input: &str) -> Body {
    body_with(input, &CLEANER)
}

/// Like [`body_from_input`] for an internal note: mention markup is kept,
/// for the store to resolve against the workspace's staff.
pub fn note_body_from_input(input: &str) -> Body {
    body_with(input, &NOTE_CLEANER)
}

fn body_with(input: &str, cleaner: &ammonia::Builder<'static>) -> Body {
    if looks_like_html(input) {
        let html = cleaner.clean(input).to_string();
        let text = html_to_text(&html);
        Body { html, text }
    } else {
        let text = input.trim().replace("\r\n", "\n");
        let mut html = String::with_capacity(text.len() + 16);
        for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
            html.push_str("<p>");
            html.push_str(&escape(paragraph).replace('\n', "<br>"));
            html.push_str("</p>");
        }
        Body { html, text }
    }
}

/// Removes scripts, event handlers, dangerous URLs and unknown tags.
pub fn sanitize(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

/// Renders sanitised HTML as wrapped-free plain text.
pub fn html_to_text(html: &str) -> String {
    html2text::from_read(html.as_bytes(), usize::MAX / 4).unwrap_or_default().trim().to_owned()
}

/// Whether input contains a real HTML tag (not just `<angle brackets>` in prose).
fn looks_like_html(s: &str) -> bool {
    const TAGS: &[&str] = &[
        "p",
        "br",
        "b",
        "i",
        "u",
        "s",
        "a",
        "div",
        "span",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "blockquote",
        "pre",
        "code",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "img",
        "table",
        "tr",
        "td",
        "th",
        "hr",
        "script",
        "style",
        "html",
        "body",
        "iframe",
        "svg",
        "figure",
    ];
    let lower = s.to_ascii_lowercase();
    lower.match_indices('<').any(|(i, _)| {
        let rest = lower[i + 1..].trim_start_matches('/');
        let name: String = rest.chars().take_while(char::is_ascii_alphanumeric).collect();
        let after = rest[name.len()..].chars().next();
        TAGS.contains(&name.as_str()) && matches!(after, Some('>' | ' ' | '/' | '\n' | '\t'))
    })
}

/// Escapes text for HTML element content.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_stripped_but_formatting_kept() {
        let b = body_from_input(
            r#"<p onclick="x()">Hi <b>there</b><script>alert(1)</script> <a href="javascript:alert(1)">x</a></p>"#,
        );
        assert!(!b.html.contains("script"));
        assert!(!b.html.contains("onclick"));
        assert!(!b.html.contains("javascript"));
        assert!(b.html.contains("<b>there</b>"));
        assert!(b.text.contains("Hi"));
    }

    #[test]
    fn plain_text_becomes_escaped_paragraphs() {
        let b = body_from_input("Hello <you>\nline two\n\nSecond para");
        assert_eq!(b.html, "<p>Hello &lt;you&gt;<br>line two</p><p>Second para</p>");
        assert_eq!(b.text, "Hello <you>\nline two\n\nSecond para");
    }
}
