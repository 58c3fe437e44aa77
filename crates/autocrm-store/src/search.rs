//! Full-text search over ticket subjects and message bodies: FTS5 on SQLite,
//! tsvector + GIN on PostgreSQL. The only dialect-specific SQL of reads.
//!
//! User input never reaches the query syntax: it is split into word tokens,
//! each quoted (FTS5) or joined with `&` into `to_tsquery` (PostgreSQL); every word
//! must match (AND), the last one as a prefix on SQLite.

use sea_orm::DbBackend;
use sea_orm::sea_query::Expr;

use crate::{StoreError, StoreResult};

/// Longest query accepted.
pub const MAX_QUERY_CHARS: usize = 200;

/// Splits a query into at most 12 word tokens.
pub fn tokens(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).take(12).map(str::to_lowercase).collect()
}

/// A condition `tickets.id IN (…matching tickets…)` for a list query.
/// Internal notes count as matches only when `include_internal` (staff and keys);
/// a customer's search never finds a ticket by words of a note they cannot read.
pub fn ticket_id_condition(backend: DbBackend, ws: i64, q: &str, include_internal: bool) -> StoreResult<Expr> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(StoreError::invalid("/q", "must be at most 200 characters"));
    }
    let toks = tokens(q);
    if toks.is_empty() {
        // Only punctuation: matches nothing rather than everything.
        return Ok(Expr::cust("1 = 0"));
    }
    // A constant chosen by the caller's role, never by the request.
    let notes = if include_internal { "" } else { " AND m.internal = FALSE" };
    Ok(if backend == DbBackend::Sqlite {
        let last = toks.len() - 1;
        let expr = toks
            .iter()
            .enumerate()
            .map(|(i, t)| if i == last { format!("\"{t}\"*") } else { format!("\"{t}\"") })
            .collect::<Vec<_>>()
            .join(" ");
        crate::cust_expr(
            backend,
            &format!(
                "tickets.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH $1 \
                 UNION SELECT m.ticket_id FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid \
                 WHERE messages_fts MATCH $2 AND m.workspace_id = $3{notes})"
            ),
            vec![sea_orm::Value::from(expr.clone()), expr.into(), ws.into()],
        )
    } else {
        // Tokens are alphanumeric only, so composing tsquery syntax from them is safe;
        // the last word matches as a prefix, as on SQLite.
        let last = toks.len() - 1;
        let text = toks
            .iter()
            .enumerate()
            .map(|(i, t)| if i == last { format!("{t}:*") } else { t.clone() })
            .collect::<Vec<_>>()
            .join(" & ");
        crate::cust_expr(
            backend,
            &format!(
                "tickets.id IN (SELECT t2.id FROM tickets t2 WHERE t2.workspace_id = $1 \
                 AND t2.search_vector @@ to_tsquery('english', $2) \
                 UNION SELECT m.ticket_id FROM messages m WHERE m.workspace_id = $3{notes} \
                 AND m.search_vector @@ to_tsquery('english', $4))"
            ),
            vec![sea_orm::Value::from(ws), text.clone().into(), ws.into(), text.into()],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_syntax_in_user_input_is_neutralised() {
        assert_eq!(tokens(r#"refund" OR NEAR(x*) -order"#), ["refund", "or", "near", "x", "order"]);
        assert!(tokens("\"*()").is_empty());
    }
}
