//! @mentions of agents in internal notes.
//!
//! The editor writes a mention as
//! `<span data-type="mention" data-id="42">@Anna Berg</span>`. Notes are
//! sanitised with [`crate::html::note_body_from_input`], which keeps exactly
//! these two attributes on spans (`data-type` only as `mention`, `data-id`
//! only as digits). The id is a claim: the store looks the [`candidate_ids`]
//! up among the workspace's active staff and [`resolve`]s the note, which
//! rewrites each mention of a staff member into its canonical chip with the
//! user's real name and unwraps every other one to its plain text — so a
//! customer's or another workspace's id is never a mention and no name is
//! looked up for it.
//!
//! Invariant: the input is ammonia's output (html5ever's serialiser):
//! attribute values are double-quoted with `"` escaped, `<` in text is
//! escaped, comments are gone. A linear scan therefore finds every tag
//! exactly; nothing here is applied to unsanitised HTML.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::html::escape;

/// At most this many distinct people are mentioned by one note (the rest stay text).
pub const MAX_MENTIONS: usize = 20;

/// A note with its mentions resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The note's HTML: staff mentions canonical, other mentions plain text.
    pub html: String,
    /// The mentioned staff, distinct, in order of appearance.
    pub user_ids: Vec<i64>,
}

/// The distinct ids claimed by mention spans of sanitised HTML, in order of
/// appearance, at most [`MAX_MENTIONS`].
pub fn candidate_ids(html: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut at = 0;
    while let Some((range, tag)) = next_tag(html, at) {
        at = range.end;
        if let Some(id) = tag.mention_id()
            && !ids.contains(&id)
        {
            ids.push(id);
            if ids.len() == MAX_MENTIONS {
                break;
            }
        }
    }
    ids
}

/// Rewrites the mentions of sanitised HTML: ids in `staff` (id → name) become
/// `<span data-type="mention" data-id="ID" class="mention">@Name</span>`;
/// any other mention loses its span and keeps its content as text.
pub fn resolve(html: &str, staff: &BTreeMap<i64, String>) -> Resolved {
    let mut out = String::with_capacity(html.len() + 32);
    let mut user_ids = Vec::new();
    let mut copied = 0;
    let mut at = 0;
    // One entry per open span: whether its end tag is dropped (an unwrapped mention).
    let mut open_spans: Vec<bool> = Vec::new();
    while let Some((range, tag)) = next_tag(html, at) {
        at = range.end;
        if tag.name != "span" {
            continue;
        }
        if tag.closing {
            if open_spans.pop() == Some(true) {
                out.push_str(&html[copied..range.start]);
                copied = range.end;
            }
            continue;
        }
        let Some(id) = tag.mention_id() else {
            open_spans.push(false);
            continue;
        };
        out.push_str(&html[copied..range.start]);
        let known = staff.get(&id).filter(|_| user_ids.contains(&id) || user_ids.len() < MAX_MENTIONS);
        if let Some(name) = known {
            // The chip's content is replaced by the real name: skip to its end tag.
            let end = matching_span_end(html, range.end);
            out.push_str(r#"<span data-type="mention" data-id=""#);
            out.push_str(&id.to_string());
            out.push_str(r#"" class="mention">@"#);
            out.push_str(&escape(name));
            out.push_str("</span>");
            if !user_ids.contains(&id) {
                user_ids.push(id);
            }
            copied = end;
            at = end;
        } else {
            open_spans.push(true);
            copied = range.end;
        }
    }
    out.push_str(&html[copied..]);
    Resolved { html: out, user_ids }
}

/// A start or end tag of serialised HTML.
#[derive(Debug)]
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    /// Attribute names and their (still escaped) values.
    attrs: Vec<(&'a str, &'a str)>,
}

impl Tag<'_> {
    /// The id of a mention span (`data-type="mention"` with a positive `data-id`).
    fn mention_id(&self) -> Option<i64> {
        if self.name != "span" || self.closing || !self.attrs.contains(&("data-type", "mention")) {
            return None;
        }
        let (_, id) = self.attrs.iter().find(|(k, _)| *k == "data-id")?;
        if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        id.parse().ok().filter(|id| *id > 0)
    }
}

/// The next tag at or after byte `from`, with its byte range.
fn next_tag(html: &str, from: usize) -> Option<(Range<usize>, Tag<'_>)> {
    let bytes = html.as_bytes();
    let start = from + html.get(from..)?.find('<')?;
    let mut i = start + 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_end = i + html[i..].find([' ', '>', '/'])?;
    let name = &html[i..name_end];
    i = name_end;
    let mut attrs = Vec::new();
    loop {
        match bytes.get(i)? {
            b'>' => return Some((start..i + 1, Tag { name, closing, attrs })),
            b' ' | b'/' => i += 1,
            _ => {
                let key_end = i + html[i..].find(['=', ' ', '>'])?;
                let key = &html[i..key_end];
                if bytes[key_end] == b'=' && bytes.get(key_end + 1) == Some(&b'"') {
                    // Values are double-quoted with `"` escaped: the next quote closes it.
                    let value_start = key_end + 2;
                    let value_end = value_start + html[value_start..].find('"')?;
                    attrs.push((key, &html[value_start..value_end]));
                    i = value_end + 1;
                } else {
                    attrs.push((key, ""));
                    i = key_end;
                }
            }
        }
    }
}

/// The byte after the end tag closing the span whose start tag ends at `from`.
fn matching_span_end(html: &str, from: usize) -> usize {
    let mut depth = 1usize;
    let mut at = from;
    while let Some((range, tag)) = next_tag(html, at) {
        at = range.end;
        if tag.name == "span" {
            if tag.closing {
                depth -= 1;
                if depth == 0 {
                    return range.end;
                }
            } else {
                depth += 1;
            }
        }
    }
    html.len()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;

    use super::*;
    use crate::html::{note_body_from_input, sanitize};

    fn staff() -> BTreeMap<i64, String> {
        BTreeMap::from([(7, "Anna Berg".to_owned()), (9, "Marco <Rossi>".to_owned())])
    }

    #[test]
    fn staff_mentions_become_canonical_chips_with_the_real_name() {
        let html = note_body_from_input(
            r#"<p>Hi <span data-type="mention" data-id="7" data-label="X">@Someone else</span>, and <span class="mention" data-id="9" data-type="mention">@M</span>!</p>"#,
        )
        .html;
        assert_eq!(candidate_ids(&html), vec![7, 9]);
        let r = resolve(&html, &staff());
        assert_eq!(r.user_ids, vec![7, 9]);
        assert_eq!(
            r.html,
            r#"<p>Hi <span data-type="mention" data-id="7" class="mention">@Anna Berg</span>, and <span data-type="mention" data-id="9" class="mention">@Marco &lt;Rossi&gt;</span>!</p>"#
        );
    }

    #[test]
    fn unknown_ids_are_unwrapped_to_their_text_and_never_named() {
        let html = note_body_from_input(
            r#"<p><span data-type="mention" data-id="1234">@Carla Customer</span> and <span>plain <span data-type="mention" data-id="7">@A</span></span></p>"#,
        )
        .html;
        let r = resolve(&html, &staff());
        assert_eq!(r.user_ids, vec![7]);
        assert_eq!(
            r.html,
            r#"<p>@Carla Customer and <span>plain <span data-type="mention" data-id="7" class="mention">@Anna Berg</span></span></p>"#
        );
    }

    #[test]
    fn the_note_cleaner_keeps_only_well_formed_mention_attributes() {
        let html = note_body_from_input(
            r#"<p><span data-type="evil" data-id="7">a</span><span data-type="mention" data-id="7 or 1=1">b</span><span data-type="mention" data-id="7" onclick="x()">c</span><a data-id="7" href="https://x.test">d</a></p>"#,
        )
        .html;
        assert_eq!(
            html,
            r#"<p><span data-id="7">a</span><span data-type="mention">b</span><span data-type="mention" data-id="7">c</span><a href="https://x.test" rel="noopener noreferrer nofollow">d</a></p>"#
        );
        assert_eq!(candidate_ids(&html), vec![7]);
    }

    #[test]
    fn public_replies_keep_no_mention_attributes() {
        let html = sanitize(r#"<p><span data-type="mention" data-id="7">@Anna Berg</span></p>"#);
        assert_eq!(html, "<p><span>@Anna Berg</span></p>");
        assert!(candidate_ids(&html).is_empty());
    }

    #[test]
    fn quotes_and_angle_brackets_inside_attribute_values_do_not_fool_the_scan() {
        let html = note_body_from_input(
            r#"<p><span title='<span data-type="mention" data-id="7">'>x</span><span data-type="mention" data-id="9">@M</span></p>"#,
        )
        .html;
        assert_eq!(candidate_ids(&html), vec![9]);
    }

    #[test]
    fn at_most_max_mentions_people_are_mentioned() {
        let many = (1..=30)
            .map(|i| format!(r#"<span data-type="mention" data-id="{i}">@{i}</span>"#))
            .collect::<Vec<_>>()
            .concat();
        let html = note_body_from_input(&format!("<p>{many}</p>")).html;
        let all: BTreeMap<i64, String> = (1..=30).map(|i| (i, format!("P{i}"))).collect();
        assert_eq!(candidate_ids(&html).len(), MAX_MENTIONS);
        assert_eq!(resolve(&html, &all).user_ids.len(), MAX_MENTIONS);
    }

    proptest! {
        #[test]
        fn resolving_any_sanitised_note_yields_html_the_cleaner_leaves_alone(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(r#"<span data-type="mention" data-id="7">"#.to_owned()),
                    Just(r#"<span data-type="mention" data-id="8">"#.to_owned()),
                    Just("<span>".to_owned()),
                    Just("</span>".to_owned()),
                    Just("<b>".to_owned()),
                    Just("</b>".to_owned()),
                    Just("<p>".to_owned()),
                    Just(r#"<a title="x>y" href="https://e.test">"#.to_owned()),
                    "[a-z@<>&\" ]{0,6}",
                ],
                0..16,
            )
        ) {
            let html = note_body_from_input(&format!("<p>{}</p>", parts.concat())).html;
            let r = resolve(&html, &staff());
            // Still sanitised, and stable under a second resolution.
            prop_assert_eq!(note_body_from_input(&r.html).html, r.html.clone());
            prop_assert_eq!(resolve(&r.html, &staff()).html, r.html.clone());
            prop_assert!(r.user_ids.iter().all(|id| *id == 7));
        }
    }
}
