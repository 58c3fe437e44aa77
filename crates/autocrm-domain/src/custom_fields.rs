//! Custom fields: definitions and the validation every write goes through.
//!
//! Values live as a JSON object keyed by the definition's `key`. Invariant:
//! every stored object passed [`validate`] against the definitions current at
//! write time (unknown keys, wrong types, options outside the list and missing
//! required fields are refused, never coerced silently).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The value type of a custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text up to 10,000 characters.
    Text,
    /// A whole number.
    Number,
    /// A decimal, stored as its canonical string (`"12.50"`) to keep exactness.
    Decimal,
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// `true` or `false`.
    Checkbox,
    /// One of the options.
    Select,
    /// Several distinct options.
    MultiSelect,
}

impl FieldType {
    /// Every type.
    pub const ALL: [Self; 7] =
        [Self::Text, Self::Number, Self::Decimal, Self::Date, Self::Checkbox, Self::Select, Self::MultiSelect];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Decimal => "decimal",
            Self::Date => "date",
            Self::Checkbox => "checkbox",
            Self::Select => "select",
            Self::MultiSelect => "multi_select",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether the type needs a list of options.
    pub fn has_options(self) -> bool {
        matches!(self, Self::Select | Self::MultiSelect)
    }
}

/// What a validation needs to know about one definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// The key values are stored under (`order_number`).
    pub key: String,
    /// Its type.
    pub field_type: FieldType,
    /// Must be present and non-empty on create; cannot be cleared.
    pub required: bool,
    /// Options for select and multi-select.
    pub options: Vec<String>,
    /// Whether customers may see (and set) it.
    pub customer_visible: bool,
}

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field key.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// Whether values are validated for a new record (required fields must be
/// present) or as a patch of an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// All required fields must be set.
    Create,
    /// Only the given keys are checked; `null` clears a value.
    Patch,
}

const MAX_TEXT_CHARS: usize = 10_000;

/// Validates `input` against `defs` and returns the normalised values to
/// store (for `Patch`, the keys to set; `null` values mean "remove").
pub fn validate(
    defs: &[FieldDef],
    input: &Map<String, Value>,
    mode: Mode,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = Map::new();
    for (key, value) in input {
        let Some(def) = defs.iter().find(|d| &d.key == key) else {
            errors.push(FieldError { key: key.clone(), message: "is not a defined custom field".into() });
            continue;
        };
        if value.is_null() {
            if def.required {
                errors.push(FieldError { key: key.clone(), message: "is required".into() });
            } else {
                out.insert(key.clone(), Value::Null);
            }
            continue;
        }
        match normalize(def, value) {
            Ok(v) => {
                out.insert(key.clone(), v);
            }
            Err(message) => errors.push(FieldError { key: key.clone(), message }),
        }
    }
    if mode == Mode::Create {
        for def in defs.iter().filter(|d| d.required && !input.contains_key(&d.key)) {
            errors.push(FieldError { key: def.key.clone(), message: "is required".into() });
        }
        out.retain(|_, v| !v.is_null());
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Applies a validated patch to stored values.
pub fn apply_patch(stored: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        if v.is_null() {
            stored.remove(&k);
        } else {
            stored.insert(k, v);
        }
    }
}

/// Checks and normalises one value for `def` (trimmed text, canonical decimals, dates).
pub fn normalize(def: &FieldDef, value: &Value) -> Result<Value, String> {
    match def.field_type {
        FieldType::Text => match value.as_str() {
            Some(s) if s.trim().is_empty() && def.required => Err("is required".into()),
            Some(s) if s.chars().count() > MAX_TEXT_CHARS => Err("must be at most 10000 characters".into()),
            Some(s) => Ok(Value::String(s.trim().to_owned())),
            None => Err("must be a string".into()),
        },
        FieldType::Number => match value {
            Value::Number(n) if n.is_i64() => Ok(value.clone()),
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.0e15) => {
                Ok(Value::from(n.as_f64().map_or(0, |f| f as i64)))
            }
            _ => Err("must be a whole number".into()),
        },
        FieldType::Decimal => {
            let text = match value {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => return Err("must be a decimal number".into()),
            };
            canonical_decimal(&text).map(Value::String).ok_or_else(|| "must be a decimal number".into())
        }
        FieldType::Date => value
            .as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| "must be a date YYYY-MM-DD".into()),
        FieldType::Checkbox => value.as_bool().map(Value::Bool).ok_or_else(|| "must be true or false".into()),
        FieldType::Select => match value.as_str() {
            Some(s) if def.options.iter().any(|o| o == s) => Ok(Value::String(s.to_owned())),
            Some(_) => Err(format!("must be one of: {}", def.options.join(", "))),
            None => Err("must be a string".into()),
        },
        FieldType::MultiSelect => {
            let items = value.as_array().ok_or("must be an array of options")?;
            let mut seen = BTreeSet::new();
            for item in items {
                let s = item.as_str().ok_or("must be an array of options")?;
                if !def.options.iter().any(|o| o == s) {
                    return Err(format!(
                        "`{}` is not one of: {}",
                        s.chars().take(40).collect::<String>(),
                        def.options.join(", ")
                    ));
                }
                seen.insert(s.to_owned());
            }
            if def.required && seen.is_empty() {
                return Err("is required".into());
            }
            // Keep the definition's order so equal sets compare equal.
            Ok(Value::Array(def.options.iter().filter(|o| seen.contains(*o)).cloned().map(Value::String).collect()))
        }
    }
}

/// `"0012.500"` → `"12.500"`, `"-.5"` → `"-0.5"`; `None` when not a decimal
/// (at most 18 integer and 8 fractional digits).
pub fn canonical_decimal(s: &str) -> Option<String> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || int.len() > 18
        || frac.len() > 8
        || (digits.ends_with('.'))
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let zero = int == "0" && frac.chars().all(|c| c == '0');
    let sign = if neg && !zero { "-" } else { "" };
    Some(if frac.is_empty() { format!("{sign}{int}") } else { format!("{sign}{int}.{frac}") })
}

/// Checks a definition's own shape: key syntax and options.
pub fn check_definition(key: &str, field_type: FieldType, options: &[String]) -> Result<(), String> {
    let key_ok = !key.is_empty()
        && key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        return Err("key must be 1–64 characters of a-z, 0-9 and _, starting with a letter".into());
    }
    if field_type.has_options() {
        let distinct: BTreeSet<_> = options.iter().collect();
        if options.is_empty()
            || distinct.len() != options.len()
            || options.iter().any(|o| o.trim().is_empty() || o.len() > 100)
        {
            return Err("select fields need 1 or more distinct, non-empty options of at most 100 characters".into());
        }
    } else if !options.is_empty() {
        return Err("only select and multi_select fields take options".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn defs() -> Vec<FieldDef> {
        let d = |key: &str, t, required, options: &[&str]| FieldDef {
            key: key.into(),
            field_type: t,
            required,
            options: options.iter().map(|s| (*s).to_owned()).collect(),
            customer_visible: true,
        };
        vec![
            d("order_number", FieldType::Text, true, &[]),
            d("qty", FieldType::Number, false, &[]),
            d("amount", FieldType::Decimal, false, &[]),
            d("due", FieldType::Date, false, &[]),
            d("gift", FieldType::Checkbox, false, &[]),
            d("category", FieldType::Select, false, &["shoes", "bags"]),
            d("issues", FieldType::MultiSelect, false, &["late", "damaged", "wrong"]),
        ]
    }

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn a_complete_valid_record_is_normalised() {
        let out = validate(
            &defs(),
            &obj(json!({"order_number": " #W123 ", "qty": 2.0, "amount": "0012.50", "due": "2026-02-03",
                        "gift": true, "category": "bags", "issues": ["wrong", "late", "wrong"]})),
            Mode::Create,
        )
        .unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"order_number": "#W123", "qty": 2, "amount": "12.50", "due": "2026-02-03",
                   "gift": true, "category": "bags", "issues": ["late", "wrong"]})
        );
    }

    #[test]
    fn every_kind_of_mistake_is_reported_per_field() {
        let errs = validate(
            &defs(),
            &obj(json!({"qty": 1.5, "amount": "1e3", "due": "2026-02-30", "gift": "yes",
                        "category": "hats", "issues": "late", "nope": 1})),
            Mode::Create,
        )
        .unwrap_err();
        let keys: BTreeSet<_> = errs.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            ["amount", "category", "due", "gift", "issues", "nope", "order_number", "qty"].into_iter().collect()
        );
    }

    #[test]
    fn patches_may_clear_optional_fields_but_not_required_ones() {
        let out = validate(&defs(), &obj(json!({"qty": null})), Mode::Patch).unwrap();
        assert_eq!(out.get("qty"), Some(&Value::Null));
        assert!(validate(&defs(), &obj(json!({"order_number": null})), Mode::Patch).is_err());
        let mut stored = obj(json!({"qty": 3, "gift": false}));
        apply_patch(&mut stored, out);
        assert_eq!(Value::Object(stored), json!({"gift": false}));
    }

    proptest! {
        #[test]
        fn validation_never_panics_and_accepted_values_are_stable(
            key in prop_oneof![Just("qty"), Just("amount"), Just("due"), Just("category"), Just("issues"), Just("gift"), Just("x")],
            value in prop_oneof![
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
                ".{0,20}".prop_map(Value::String),
                "-?[0-9]{0,20}(\\.[0-9]{0,10})?".prop_map(Value::String),
                any::<bool>().prop_map(Value::Bool),
                prop::collection::vec(prop_oneof![Just("late"), Just("wrong"), Just("x")], 0..4)
                    .prop_map(|v| Value::from(v.into_iter().map(Value::from).collect::<Vec<_>>())),
            ]
        ) {
            let mut input = Map::new();
            input.insert(key.to_owned(), value);
            if let Ok(normalised) = validate(&defs(), &input, Mode::Patch) {
                // Idempotent: a stored value validates to itself.
                let again = validate(&defs(), &normalised, Mode::Patch).unwrap();
                prop_assert_eq!(again, normalised);
            }
        }

        #[test]
        fn canonical_decimals_reparse_to_themselves(int in "[0-9]{1,18}", frac in "[0-9]{0,8}", neg in any::<bool>()) {
            let raw = format!("{}{}{}{}", if neg { "-" } else { "" }, int, if frac.is_empty() { "" } else { "." }, frac);
            let c = canonical_decimal(&raw).unwrap();
            prop_assert_eq!(canonical_decimal(&c), Some(c.clone()));
        }
    }
}
