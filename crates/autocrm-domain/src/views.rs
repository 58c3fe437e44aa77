//! Ticket views: saved filters on any ticket property, including custom
//! fields and tags, with chosen columns and a sort.
//!
//! A filter arrives as JSON from an agent, is checked here against the
//! workspace's custom field definitions, and only then reaches the store,
//! which turns each condition into bound SQL parameters.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::custom_fields::{FieldDef, FieldType, normalize};
use crate::tickets::{Channel, Priority, StatusCategory};

/// Most conditions on custom fields in one view.
pub const MAX_FIELD_CONDITIONS: usize = 20;
/// Most tags in one view's tag lists.
pub const MAX_TAGS: usize = 20;

/// Columns a view may show in the queue.
pub const COLUMNS: &[&str] = &[
    "number",
    "subject",
    "requester",
    "status",
    "priority",
    "assignee",
    "team",
    "channel",
    "tags",
    "created",
    "updated",
];

/// How a custom field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldOp {
    /// Equal to the value.
    Eq,
    /// Not equal to the value (unset counts as not equal).
    Ne,
    /// Has any value.
    Set,
    /// Has no value.
    Unset,
    /// Text containing the value (case-insensitive), or a multi-select including the option.
    Contains,
    /// Greater than (numbers, decimals, dates).
    Gt,
    /// Less than (numbers, decimals, dates).
    Lt,
}

/// One condition on a custom field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldCondition {
    /// The field's key.
    pub key: String,
    /// The comparison.
    pub op: FieldOp,
    /// The value compared with (absent for `set`/`unset`).
    #[serde(default)]
    pub value: Value,
}

/// What a view shows: every part is optional and all parts must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ViewFilter {
    /// Status categories (any of).
    pub categories: Vec<StatusCategory>,
    /// Status ids (any of).
    pub status_ids: Vec<i64>,
    /// Priorities (any of).
    pub priorities: Vec<Priority>,
    /// `me`, `none` or a user id.
    pub assignee: Option<String>,
    /// A team id.
    pub team_id: Option<i64>,
    /// Channels (any of).
    pub channels: Vec<Channel>,
    /// Tags the ticket must all carry.
    pub tags: Vec<String>,
    /// Tags the ticket must not carry.
    pub exclude_tags: Vec<String>,
    /// Conditions on custom fields (all must hold).
    pub fields: Vec<FieldCondition>,
    /// Full-text words.
    pub q: Option<String>,
    /// Ticket categories by key (any of), as the AI or an agent set them.
    pub ticket_categories: Vec<String>,
    /// Sentiment of the newest customer message (any of): `negative`, `neutral`, `positive`.
    pub sentiments: Vec<String>,
    /// The AI's urgency hint (any of): `low`, `normal`, `high`, `urgent`.
    pub urgencies: Vec<String>,
    /// The customer's language (any of), ISO 639-1 (`en`, `de`).
    pub languages: Vec<String>,
}

/// The sentiments a filter may name.
pub const SENTIMENTS: [&str; 3] = ["negative", "neutral", "positive"];
/// The urgency hints a filter may name.
pub const URGENCIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// Who a view's `assignee` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeRef {
    /// The agent looking at the view.
    Me,
    /// Nobody.
    Nobody,
    /// That user.
    User(i64),
}

impl AssigneeRef {
    /// Parses `me`, `none` or a user id.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "me" => Some(Self::Me),
            "none" => Some(Self::Nobody),
            _ => s.parse::<i64>().ok().filter(|id| *id > 0).map(Self::User),
        }
    }
}

/// One problem with a filter, at a JSON pointer below `/filters`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterProblem {
    /// Where (`/fields/0/value`).
    pub pointer: String,
    /// What is wrong.
    pub detail: String,
}

fn problem(pointer: impl Into<String>, detail: impl Into<String>) -> FilterProblem {
    FilterProblem { pointer: pointer.into(), detail: detail.into() }
}

/// Checks a filter against the ticket field definitions and normalises its
/// values (so `"12.50"` and `12.5` compare alike). Tags go through `tag`,
/// the same normaliser ticket tags use.
pub fn check_filter(
    mut filter: ViewFilter,
    defs: &[FieldDef],
    tag: impl Fn(&str) -> Option<String>,
) -> Result<ViewFilter, Vec<FilterProblem>> {
    let mut problems = Vec::new();
    if let Some(a) = &filter.assignee
        && AssigneeRef::parse(a).is_none()
    {
        problems.push(problem("/assignee", "must be `me`, `none` or a user id"));
    }
    for (list, name) in [(&mut filter.tags, "tags"), (&mut filter.exclude_tags, "exclude_tags")] {
        if list.len() > MAX_TAGS {
            problems.push(problem(format!("/{name}"), format!("at most {MAX_TAGS} tags")));
        }
        let mut clean = Vec::with_capacity(list.len());
        for (i, t) in list.iter().enumerate() {
            match tag(t) {
                Some(t) if !clean.contains(&t) => clean.push(t),
                Some(_) => {}
                None => problems.push(problem(format!("/{name}/{i}"), "is not a valid tag")),
            }
        }
        *list = clean;
    }
    check_words(&mut filter.sentiments, "sentiments", |v| SENTIMENTS.contains(&v), &mut problems);
    check_words(&mut filter.urgencies, "urgencies", |v| URGENCIES.contains(&v), &mut problems);
    let language = |v: &str| v.len() == 2 && v.chars().all(|c| c.is_ascii_lowercase());
    check_words(&mut filter.languages, "languages", language, &mut problems);
    let key =
        |v: &str| (1..=40).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    check_words(&mut filter.ticket_categories, "ticket_categories", key, &mut problems);
    if filter.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        problems.push(problem("/q", "must be at most 200 characters"));
    }
    if filter.fields.len() > MAX_FIELD_CONDITIONS {
        problems.push(problem("/fields", format!("at most {MAX_FIELD_CONDITIONS} conditions")));
    }
    for (i, cond) in filter.fields.iter_mut().enumerate() {
        let Some(def) = defs.iter().find(|d| d.key == cond.key) else {
            problems.push(problem(format!("/fields/{i}/key"), "is not a ticket field"));
            continue;
        };
        if let Err(detail) = check_condition(def, cond) {
            problems.push(problem(format!("/fields/{i}"), detail));
        }
    }
    if problems.is_empty() { Ok(filter) } else { Err(problems) }
}

/// Lower-cases and de-duplicates a list of words, reporting those `ok` refuses.
fn check_words(list: &mut Vec<String>, name: &str, ok: impl Fn(&str) -> bool, problems: &mut Vec<FilterProblem>) {
    if list.len() > 20 {
        problems.push(problem(format!("/{name}"), "at most 20 values"));
    }
    let mut clean: Vec<String> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let v = v.trim().to_lowercase();
        if !ok(&v) {
            problems.push(problem(format!("/{name}/{i}"), format!("{v:?} is not a valid value")));
        } else if !clean.contains(&v) {
            clean.push(v);
        }
    }
    *list = clean;
}

/// Whether `op` makes sense for the field's type; normalises the value.
fn check_condition(def: &FieldDef, cond: &mut FieldCondition) -> Result<(), String> {
    use FieldType as T;
    let allowed = match cond.op {
        FieldOp::Set | FieldOp::Unset => true,
        FieldOp::Eq | FieldOp::Ne => def.field_type != T::MultiSelect,
        FieldOp::Contains => matches!(def.field_type, T::Text | T::MultiSelect),
        FieldOp::Gt | FieldOp::Lt => matches!(def.field_type, T::Number | T::Decimal | T::Date),
    };
    if !allowed {
        return Err(format!("`{:?}` does not apply to a {} field", cond.op, def.field_type.as_str()).to_lowercase());
    }
    cond.value = match cond.op {
        FieldOp::Set | FieldOp::Unset => Value::Null,
        FieldOp::Contains if def.field_type == T::MultiSelect => {
            let one = FieldDef { field_type: T::Select, required: false, ..def.clone() };
            normalize(&one, &cond.value).map_err(|e| format!("value {e}"))?
        }
        FieldOp::Contains => match cond.value.as_str().map(str::trim) {
            Some(s) if !s.is_empty() && s.chars().count() <= 200 => Value::String(s.to_owned()),
            _ => return Err("value must be 1–200 characters of text".into()),
        },
        _ => {
            let loose = FieldDef { required: false, ..def.clone() };
            normalize(&loose, &cond.value).map_err(|e| format!("value {e}"))?
        }
    };
    Ok(())
}

/// Checks a column list: known names, no repeats, at least one.
pub fn check_columns(columns: &[String]) -> Result<(), String> {
    if columns.is_empty() || columns.len() > COLUMNS.len() {
        return Err(format!("choose 1–{} of: {}", COLUMNS.len(), COLUMNS.join(", ")));
    }
    for (i, c) in columns.iter().enumerate() {
        if !COLUMNS.contains(&c.as_str()) {
            return Err(format!("`{c}` is not one of: {}", COLUMNS.join(", ")));
        }
        if columns[..i].contains(c) {
            return Err(format!("`{c}` is listed twice"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    fn defs() -> Vec<FieldDef> {
        let d = |key: &str, field_type, options: &[&str]| FieldDef {
            key: key.into(),
            field_type,
            required: true,
            options: options.iter().map(|s| (*s).to_owned()).collect(),
            customer_visible: false,
        };
        vec![
            d("order_number", FieldType::Text, &[]),
            d("amount", FieldType::Decimal, &[]),
            d("due", FieldType::Date, &[]),
            d("category", FieldType::Select, &["shoes", "bags"]),
            d("issues", FieldType::MultiSelect, &["late", "damaged"]),
        ]
    }

    fn tag(s: &str) -> Option<String> {
        let t = s.trim().to_lowercase();
        (!t.is_empty() && t.chars().all(|c| c.is_alphanumeric() || c == '-')).then_some(t)
    }

    fn cond(key: &str, op: FieldOp, value: Value) -> FieldCondition {
        FieldCondition { key: key.into(), op, value }
    }

    #[test]
    fn values_are_normalised_like_stored_field_values() {
        let f = ViewFilter {
            fields: vec![
                cond("amount", FieldOp::Gt, json!(12.50)),
                cond("order_number", FieldOp::Contains, json!("  W123 ")),
                cond("issues", FieldOp::Contains, json!("late")),
                cond("due", FieldOp::Unset, json!("ignored")),
            ],
            tags: vec!["VIP".into(), "vip".into()],
            ..ViewFilter::default()
        };
        let out = check_filter(f, &defs(), tag).unwrap();
        assert_eq!(out.fields[0].value, json!("12.5"));
        assert_eq!(out.fields[1].value, json!("W123"));
        assert_eq!(out.fields[2].value, json!("late"));
        assert_eq!(out.fields[3].value, Value::Null);
        assert_eq!(out.tags, ["vip"]);
    }

    #[test]
    fn conditions_that_cannot_apply_are_refused_with_pointers() {
        let f = ViewFilter {
            assignee: Some("someone".into()),
            fields: vec![
                cond("nope", FieldOp::Eq, json!("x")),
                cond("category", FieldOp::Gt, json!("shoes")),
                cond("category", FieldOp::Eq, json!("hats")),
                cond("issues", FieldOp::Eq, json!(["late"])),
                cond("due", FieldOp::Lt, json!("tomorrow")),
            ],
            exclude_tags: vec!["<b>".into()],
            ..ViewFilter::default()
        };
        let problems = check_filter(f, &defs(), tag).unwrap_err();
        let pointers: Vec<_> = problems.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/assignee", "/exclude_tags/0", "/fields/0/key", "/fields/1", "/fields/2", "/fields/3", "/fields/4"]
        );
    }

    #[test]
    fn columns_must_be_known_and_distinct() {
        assert!(check_columns(&["subject".into(), "status".into()]).is_ok());
        assert!(check_columns(&[]).is_err());
        assert!(check_columns(&["subject".into(), "subject".into()]).is_err());
        assert!(check_columns(&["password".into()]).is_err());
    }
}
