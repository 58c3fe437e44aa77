//! Knowledge-base search: ranked full text over titles and bodies per
//! locale (FTS5 with bm25 on SQLite; a per-locale tsvector + GIN with
//! `ts_rank_cd` on PostgreSQL), highlighted snippets, typo tolerance
//! ("did you mean") and title suggestions as you type.
//!
//! Invariants:
//! - User input never reaches query syntax: it is split into alphanumeric
//!   tokens, quoted for FTS5 or joined with `&`/`|` for `to_tsquery`.
//! - Public scope sees only `published` articles; drafts and internal
//!   articles are found by staff only.
//! - Snippets are escaped first, then marked: the database brackets matches
//!   with two private-use characters (stripped from stored text), which
//!   become `<mark>` only after every other character was escaped.
//! - Corrections come from `kb_terms` of the same workspace and scope, and a
//!   corrected query is offered only when it finds something, so a
//!   suggestion never reveals words of another workspace or of hidden articles.
//!
//! A query first requires every word (AND); when that finds nothing, unknown
//! words are corrected to the closest indexed word (`pg_trgm` similarity on
//! PostgreSQL when the extension is installed, else edit distance), and the
//! corrected query runs with AND, then with OR (any word) ranked by relevance.

use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::ArticleStatus;
use super::articles::fix;
use crate::tx::Tx;
use crate::{Store, StoreError, StoreResult};

/// Opens a highlighted match inside a snippet (before escaping).
pub const MARK_START: char = '\u{E000}';
/// Closes a highlighted match.
pub const MARK_END: char = '\u{E001}';

/// Longest query accepted.
pub const MAX_QUERY_CHARS: usize = 200;

/// One search result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The article.
    pub article_id: i64,
    /// Its section.
    pub section_id: Option<i64>,
    /// Its status (always `published` in public scope).
    pub status: ArticleStatus,
    /// The locale of the translation that matched.
    pub locale: String,
    /// Its title (plain text).
    pub title: String,
    /// An excerpt with the matches in `<mark>`, safe to insert as HTML.
    pub snippet_html: String,
}

/// Results and, when the query was corrected, the corrected query.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Ranked results.
    pub hits: Vec<Hit>,
    /// The corrected query the results are for ("did you mean"), if any.
    pub did_you_mean: Option<String>,
}

/// Who searches: the public sees published articles only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Help center, widget: published only.
    Public,
    /// Agents: every status.
    Staff,
}

/// Which translations take part: one locale, with the default locale's
/// translation standing in for articles without one; or every locale.
#[derive(Debug, Clone)]
pub struct Locales {
    /// The requested locale (`None`: all).
    pub wanted: Option<String>,
    /// The workspace's default locale.
    pub default: String,
}

/// Splits a query into at most 12 lower-case alphanumeric tokens.
pub fn tokens(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).take(12).map(str::to_lowercase).collect()
}

/// Common words dropped from queries (when other words remain), so natural
/// questions ("how do I return an item") rank by their content words.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in", "is",
    "it", "my", "of", "on", "or", "the", "to", "was", "what", "when", "where", "which", "who", "why", "with", "you",
    "your", "me", "we", "our", "der", "die", "das", "und", "ist", "ich", "wie", "was", "wo", "wann", "ein", "eine",
    "einen", "mein", "meine", "meinen", "mit", "von", "zu", "für", "fur", "den", "dem", "des", "im", "in", "auf", "es",
    "kann", "bei", "nicht", "oder",
];

fn content_tokens(q: &str) -> Vec<String> {
    let all = tokens(q);
    let content: Vec<String> = all.iter().filter(|t| !STOPWORDS.contains(&t.as_str())).cloned().collect();
    if content.is_empty() { all } else { content }
}

/// Edit distance with adjacent transpositions counted as one edit
/// (optimal string alignment), over characters.
pub fn edit_distance(left: &str, right: &str) -> usize {
    let a: Vec<char> = left.chars().collect();
    let b: Vec<char> = right.chars().collect();
    // rows[i][j]: the distance between the first i characters of `a` and the first j of `b`.
    let mut rows: Vec<Vec<usize>> =
        (0..=a.len()).map(|i| (0..=b.len()).map(|j| if i == 0 { j } else { i }).collect()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// Escapes a snippet for HTML, then turns the match markers into `<mark>`
/// (balanced: a dangling opener is closed at the end).
pub fn mark(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 32);
    let mut open = false;
    for c in snippet.chars() {
        match c {
            MARK_START if !open => {
                out.push_str("<mark>");
                open = true;
            }
            MARK_END if open => {
                out.push_str("</mark>");
                open = false;
            }
            MARK_START | MARK_END => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

/// A statement under construction: `$n` placeholders numbered as bound.
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new() -> Self {
        Self { text: String::new(), values: Vec::new() }
    }

    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        format!("${}", self.values.len())
    }

    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn statement(self, backend: DbBackend) -> Statement {
        Statement::from_sql_and_values(backend, fix(backend, &self.text), self.values)
    }
}

/// The text-search configurations of PostgreSQL per language (as in the migration).
fn pg_config(locale: &str) -> &'static str {
    match super::language_of(&locale.to_ascii_lowercase()) {
        "en" => "english",
        "de" => "german",
        "fr" => "french",
        "es" => "spanish",
        "it" => "italian",
        "nl" => "dutch",
        "pt" => "portuguese",
        _ => "simple",
    }
}

/// The SQL expression choosing a translation's configuration (for headlines).
const PG_CONFIG_OF_T: &str = "(CASE split_part(lower(t.locale), '-', 1) WHEN 'en' THEN 'english' WHEN 'de' THEN 'german' \
     WHEN 'fr' THEN 'french' WHEN 'es' THEN 'spanish' WHEN 'it' THEN 'italian' WHEN 'nl' THEN 'dutch' \
     WHEN 'pt' THEN 'portuguese' ELSE 'simple' END)::regconfig";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every word (the last as a prefix).
    All,
    /// Any word (the last as a prefix), ranked.
    Any,
    /// Every word in the title (suggestions as you type).
    TitlePrefix,
}

/// Query words; the last one may be unfinished: it matches as a prefix and
/// as any indexed word it begins (`shipp` → `shipping`), because stemming
/// indexes `shipping` as `ship`, which the bare prefix would miss.
#[derive(Debug, Clone, Default)]
struct Words {
    toks: Vec<String>,
    completions: Vec<String>,
}

/// The FTS5 match expression.
fn fts5_expr(w: &Words, mode: Mode) -> String {
    let last = w.toks.len().saturating_sub(1);
    let parts: Vec<String> = w
        .toks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if i != last {
                format!("\"{t}\"")
            } else if w.completions.is_empty() {
                format!("\"{t}\"*")
            } else {
                let alts: Vec<String> = w.completions.iter().map(|c| format!("\"{c}\"")).collect();
                format!("(\"{t}\"* OR {})", alts.join(" OR "))
            }
        })
        .collect();
    // Explicit AND: FTS5 accepts implicit AND only between plain phrases.
    match mode {
        Mode::All => parts.join(" AND "),
        Mode::Any => parts.join(" OR "),
        Mode::TitlePrefix => format!("title : ({})", parts.join(" AND ")),
    }
}

/// The `to_tsquery` text (tokens are alphanumeric, so composing is safe).
fn tsquery_text(w: &Words, mode: Mode) -> String {
    let last = w.toks.len().saturating_sub(1);
    let weight = if mode == Mode::TitlePrefix { "A" } else { "" };
    let parts: Vec<String> = w
        .toks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if i != last {
                if weight.is_empty() { t.clone() } else { format!("{t}:{weight}") }
            } else if w.completions.is_empty() {
                format!("{t}:*{weight}")
            } else {
                let alts: Vec<String> = w
                    .completions
                    .iter()
                    .map(|c| if weight.is_empty() { c.clone() } else { format!("{c}:{weight}") })
                    .collect();
                format!("({t}:*{weight} | {})", alts.join(" | "))
            }
        })
        .collect();
    parts.join(if mode == Mode::Any { " | " } else { " & " })
}

/// Indexed words of the workspace that `prefix` begins (at most 20).
async fn completions(store: &Store, ws: i64, prefix: &str) -> StoreResult<Vec<String>> {
    if prefix.chars().count() < 2 {
        return Ok(Vec::new());
    }
    // `term >= prefix AND term < prefix-with-its-last-character-incremented` is an index range.
    let mut upper: Vec<char> = prefix.chars().collect();
    let Some(last) = upper.pop().and_then(|c| char::from_u32(c as u32 + 1)) else {
        return Ok(Vec::new());
    };
    upper.push(last);
    let upper: String = upper.into_iter().collect();
    let backend = store.backend;
    let rows = store
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            fix(
                backend,
                "SELECT DISTINCT term FROM kb_terms WHERE workspace_id = $1 AND term >= $2 AND term < $3 ORDER BY term LIMIT 20",
            ),
            [ws.into(), prefix.to_owned().into(), upper.into()],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let term: String = r.try_get_by_index(0)?;
        if term != prefix {
            out.push(term);
        }
    }
    Ok(out)
}

/// The configurations a query is parsed with: those of the locales involved.
fn pg_configs(locales: &Locales) -> Vec<&'static str> {
    let mut out = Vec::new();
    match &locales.wanted {
        Some(w) => {
            out.push(pg_config(w));
            out.push(pg_config(&locales.default));
        }
        None => out.extend(["english", "german", "french", "spanish", "italian", "dutch", "portuguese", "simple"]),
    }
    out.dedup();
    let mut seen = HashSet::new();
    out.retain(|c| seen.insert(*c));
    out
}

/// Appends the scope and locale conditions on `t` (translations) and `a` (articles).
fn push_filters(sql: &mut Sql, ws: i64, scope: Scope, locales: &Locales) {
    let w = sql.bind(ws);
    sql.push(&format!(" AND t.workspace_id = {w}"));
    if scope == Scope::Public {
        sql.push(" AND a.status = 'published'");
    }
    if let Some(wanted) = &locales.wanted {
        let l1 = sql.bind(wanted.clone());
        let l2 = sql.bind(locales.default.clone());
        let l3 = sql.bind(wanted.clone());
        sql.push(&format!(
            " AND (t.locale = {l1} OR (t.locale = {l2} AND NOT EXISTS \
             (SELECT 1 FROM kb_translations t2 WHERE t2.article_id = t.article_id AND t2.locale = {l3})))"
        ));
    }
}

/// The `FROM … WHERE <match>` part for `toks` in `mode`; returns the tsquery
/// expression (PostgreSQL) for ranking and headlines.
fn push_match(sql: &mut Sql, backend: DbBackend, words: &Words, mode: Mode, locales: &Locales) -> String {
    if backend == DbBackend::Sqlite {
        let m = sql.bind(fts5_expr(words, mode));
        sql.push(&format!(
            " FROM kb_fts JOIN kb_translations t ON t.id = kb_fts.rowid JOIN kb_articles a ON a.id = t.article_id \
             WHERE kb_fts MATCH {m}"
        ));
        String::new()
    } else {
        let text = tsquery_text(words, mode);
        let parts: Vec<String> =
            pg_configs(locales).into_iter().map(|c| format!("to_tsquery('{c}', {})", sql.bind(text.clone()))).collect();
        let q = format!("({})", parts.join(" || "));
        if mode == Mode::TitlePrefix {
            // Stemmed vectors leave out stop words ("where", "wie"), which titles
            // begin with as people type them: titles also match word for word.
            let plain = sql.bind(tsquery_text(words, Mode::All));
            sql.push(&format!(
                " FROM kb_translations t JOIN kb_articles a ON a.id = t.article_id WHERE (t.search_vector @@ {q} \
                 OR to_tsvector('simple', t.title) @@ to_tsquery('simple', {plain}))"
            ));
        } else {
            sql.push(&format!(
                " FROM kb_translations t JOIN kb_articles a ON a.id = t.article_id WHERE t.search_vector @@ {q}"
            ));
        }
        q
    }
}

async fn run(
    store: &Store,
    ws: i64,
    scope: Scope,
    locales: &Locales,
    words: &Words,
    mode: Mode,
    limit: u64,
) -> StoreResult<Vec<Hit>> {
    let backend = store.backend;
    let mut sql = Sql::new();
    let limit = limit.min(200);
    let stmt = if backend == DbBackend::Sqlite {
        // SQLite binds positionally: values in the order they appear.
        let s = sql.bind(MARK_START.to_string());
        let e = sql.bind(MARK_END.to_string());
        sql.push(&format!(
            "SELECT t.article_id, a.section_id, a.status, t.locale, t.title, snippet(kb_fts, 1, {s}, {e}, '…', 24)"
        ));
        push_match(&mut sql, backend, words, mode, locales);
        push_filters(&mut sql, ws, scope, locales);
        sql.push(&format!(" ORDER BY bm25(kb_fts, 10.0, 1.0), a.id LIMIT {limit}"));
        sql.statement(backend)
    } else {
        // PostgreSQL numbers its placeholders: the select list may come last.
        let q = push_match(&mut sql, backend, words, mode, locales);
        push_filters(&mut sql, ws, scope, locales);
        let opts = sql.bind(format!(
            "StartSel=\"{MARK_START}\", StopSel=\"{MARK_END}\", MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \""
        ));
        let rest = std::mem::take(&mut sql.text);
        sql.text = format!(
            "SELECT t.article_id, a.section_id, a.status, t.locale, t.title, \
             ts_headline({PG_CONFIG_OF_T}, left(t.body_text, 20000), {q}, {opts}){rest} \
             ORDER BY ts_rank_cd(t.search_vector, {q}) DESC, a.id LIMIT {limit}"
        );
        sql.statement(backend)
    };
    let rows = store.db.query_all_raw(stmt).await?;
    let mut hits = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for r in rows {
        let id: i64 = r.try_get_by_index(0)?;
        if !seen.insert(id) {
            continue; // another translation of an article already listed
        }
        let status: String = r.try_get_by_index(2)?;
        let snippet: String = r.try_get_by_index(5)?;
        hits.push(Hit {
            article_id: id,
            section_id: r.try_get_by_index(1)?,
            status: ArticleStatus::parse(&status).unwrap_or(ArticleStatus::Draft),
            locale: r.try_get_by_index(3)?,
            title: r.try_get_by_index(4)?,
            snippet_html: if mode == Mode::TitlePrefix { String::new() } else { mark(&snippet) },
        });
    }
    Ok(hits)
}

/// Whether any article in scope matches one word (with its completions when it is the unfinished last one).
async fn matches_any(store: &Store, ws: i64, scope: Scope, locales: &Locales, word: &Words) -> StoreResult<bool> {
    let backend = store.backend;
    let mut sql = Sql::new();
    sql.push("SELECT 1");
    push_match(&mut sql, backend, word, Mode::All, locales);
    push_filters(&mut sql, ws, scope, locales);
    sql.push(" LIMIT 1");
    Ok(!store.db.query_all_raw(sql.statement(backend)).await?.is_empty())
}

/// Whether PostgreSQL has `pg_trgm` (the migration installs it when allowed).
async fn has_trigrams(store: &Store) -> StoreResult<bool> {
    if store.backend != DbBackend::Postgres {
        return Ok(false);
    }
    let row = store
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')",
        ))
        .await?;
    Ok(row.map(|r| r.try_get_by_index::<bool>(0)).transpose()?.unwrap_or(false))
}

/// The closest indexed word to `tok` in scope, if one is close enough.
async fn correct(
    store: &Store,
    ws: i64,
    scope: Scope,
    locales: &Locales,
    tok: &str,
    trigrams: bool,
) -> StoreResult<Option<String>> {
    let len = tok.chars().count();
    let max = if len <= 5 { 1 } else { 2 };
    let backend = store.backend;
    let mut candidates: HashMap<String, i64> = HashMap::new();
    for use_trigrams in [trigrams, false] {
        let mut sql = Sql::new();
        sql.push(
            "SELECT k.term, COUNT(*) FROM kb_terms k JOIN kb_translations t ON t.id = k.translation_id \
             JOIN kb_articles a ON a.id = t.article_id WHERE 1 = 1",
        );
        push_filters(&mut sql, ws, scope, locales);
        let w = sql.bind(ws);
        sql.push(&format!(" AND k.workspace_id = {w}"));
        if use_trigrams {
            let t = sql.bind(tok.to_owned());
            let t2 = sql.bind(tok.to_owned());
            sql.push(&format!(" AND k.term % {t} GROUP BY k.term ORDER BY similarity(k.term, {t2}) DESC LIMIT 50"));
        } else {
            let lo = sql.bind((len.saturating_sub(max)) as i64);
            let hi = sql.bind((len + max) as i64);
            sql.push(&format!(" AND length(k.term) BETWEEN {lo} AND {hi} GROUP BY k.term"));
        }
        for r in store.db.query_all_raw(sql.statement(backend)).await? {
            let term: String = r.try_get_by_index(0)?;
            let n: i64 = r.try_get_by_index(1)?;
            candidates.insert(term, n);
        }
        if !candidates.is_empty() || !use_trigrams {
            break;
        }
    }
    let best = candidates
        .into_iter()
        .filter(|(term, _)| term != tok)
        .map(|(term, n)| (edit_distance(tok, &term), std::cmp::Reverse(n), term))
        .filter(|(d, _, _)| *d <= max)
        .min();
    Ok(best.map(|(_, _, term)| term))
}

fn check_query(q: &str) -> StoreResult<()> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(StoreError::invalid("/q", format!("must be at most {MAX_QUERY_CHARS} characters")));
    }
    Ok(())
}

/// Searches the knowledge base.
pub async fn search(
    store: &Store,
    ws: i64,
    scope: Scope,
    locales: &Locales,
    q: &str,
    limit: u64,
) -> StoreResult<Outcome> {
    check_query(q)?;
    let toks = content_tokens(q);
    if toks.is_empty() {
        return Ok(Outcome::default());
    }
    let limit = limit.clamp(1, 100);
    // Every translation of an article may match when all locales take part.
    let fetch = if locales.wanted.is_none() { limit * 4 } else { limit };
    let last = toks.len() - 1;
    let words = Words { completions: completions(store, ws, &toks[last]).await?, toks: toks.clone() };
    let mut hits = run(store, ws, scope, locales, &words, Mode::All, fetch).await?;
    if !hits.is_empty() {
        hits.truncate(limit as usize);
        return Ok(Outcome { hits, did_you_mean: None });
    }
    // Nothing has every word: correct the words nothing has, then accept any word.
    let trigrams = has_trigrams(store).await?;
    let mut corrected = toks.clone();
    let mut changed = false;
    for (i, tok) in toks.iter().enumerate() {
        let checkable = tok.chars().count() >= 3 && !tok.chars().all(|c| c.is_ascii_digit());
        let word = Words {
            toks: vec![tok.clone()],
            completions: if i == last { words.completions.clone() } else { Vec::new() },
        };
        if !checkable || matches_any(store, ws, scope, locales, &word).await? {
            continue;
        }
        if let Some(better) = correct(store, ws, scope, locales, tok, trigrams).await? {
            corrected[i] = better;
            changed = true;
        }
    }
    let corrected_words = if changed {
        Words { completions: completions(store, ws, &corrected[last]).await?, toks: corrected.clone() }
    } else {
        words
    };
    let mut hits =
        if changed { run(store, ws, scope, locales, &corrected_words, Mode::All, fetch).await? } else { Vec::new() };
    if hits.is_empty() && toks.len() > 1 {
        hits = run(store, ws, scope, locales, &corrected_words, Mode::Any, fetch).await?;
    }
    hits.truncate(limit as usize);
    let did_you_mean = (changed && !hits.is_empty()).then(|| corrected.join(" "));
    Ok(Outcome { hits, did_you_mean })
}

/// Titles that match what has been typed so far (every word, the last as a prefix).
pub async fn suggest(
    store: &Store,
    ws: i64,
    scope: Scope,
    locales: &Locales,
    q: &str,
    limit: u64,
) -> StoreResult<Vec<Hit>> {
    check_query(q)?;
    let toks = tokens(q);
    if toks.is_empty() {
        return Ok(Vec::new());
    }
    let limit = limit.clamp(1, 20);
    let fetch = if locales.wanted.is_none() { limit * 4 } else { limit };
    let last = toks.len() - 1;
    let words = Words { completions: completions(store, ws, &toks[last]).await?, toks };
    let mut hits = run(store, ws, scope, locales, &words, Mode::TitlePrefix, fetch).await?;
    hits.truncate(limit as usize);
    Ok(hits)
}

/// The distinct words of a translation, the candidates of typo correction.
fn terms_of(title: &str, body_text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for word in title.split(|c: char| !c.is_alphanumeric()).chain(body_text.split(|c: char| !c.is_alphanumeric())) {
        let n = word.chars().count();
        if !(3..=40).contains(&n) || word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let w = word.to_lowercase();
        if seen.insert(w.clone()) {
            out.push(w);
            if out.len() >= 3000 {
                break;
            }
        }
    }
    out
}

/// Replaces a translation's words in `kb_terms` (inside its save's transaction).
pub(crate) async fn index_terms(tx: &Tx, translation_id: i64, title: &str, body_text: &str) -> StoreResult<()> {
    let backend = tx.store.backend;
    let ws = tx.ws();
    let now = tx.store.now();
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            fix(backend, "DELETE FROM kb_terms WHERE translation_id = $1"),
            [translation_id.into()],
        ))
        .await?;
    for chunk in terms_of(title, body_text).chunks(200) {
        let mut sql = Sql::new();
        sql.push("INSERT INTO kb_terms (workspace_id, translation_id, term, created_at, updated_at) VALUES ");
        for (i, term) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            let values = [sql.bind(ws), sql.bind(translation_id), sql.bind(term.clone()), sql.bind(now), sql.bind(now)];
            sql.push(&format!("({})", values.join(", ")));
        }
        tx.conn().execute_raw(sql.statement(backend)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_before_they_are_marked() {
        let raw = format!("<img src=x onerror=alert(1)> {MARK_START}refund{MARK_END} & more");
        assert_eq!(mark(&raw), "&lt;img src=x onerror=alert(1)&gt; <mark>refund</mark> &amp; more");
        assert_eq!(mark(&format!("{MARK_START}open")), "<mark>open</mark>", "a dangling marker is closed");
        assert_eq!(mark(&format!("{MARK_END}x")), "x", "a stray closer is dropped");
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("refund", "refund"), 0);
        assert_eq!(edit_distance("refnud", "refund"), 1);
        assert_eq!(edit_distance("shiping", "shipping"), 1);
        assert_eq!(edit_distance("rückgabe", "ruckgabe"), 1);
        assert_eq!(edit_distance("abc", ""), 3);
    }

    #[test]
    fn query_syntax_never_reaches_the_engines() {
        let t = tokens(r#"refund" OR NEAR(x*) -order:*A & | !"#);
        assert_eq!(t, ["refund", "or", "near", "x", "order", "a"]);
        let w = Words { toks: t[..2].to_vec(), completions: Vec::new() };
        assert_eq!(fts5_expr(&w, Mode::All), "\"refund\" AND \"or\"*");
        assert_eq!(tsquery_text(&w, Mode::Any), "refund | or:*");
        assert_eq!(tsquery_text(&w, Mode::TitlePrefix), "refund:A & or:*A");
        let w = Words { toks: vec!["ship".into()], completions: vec!["shipping".into()] };
        assert_eq!(fts5_expr(&w, Mode::Any), "(\"ship\"* OR \"shipping\")");
        assert_eq!(tsquery_text(&w, Mode::TitlePrefix), "(ship:*A | shipping:A)");
    }

    #[test]
    fn natural_questions_keep_their_content_words() {
        assert_eq!(content_tokens("How do I return an item?"), ["return", "item"]);
        assert_eq!(content_tokens("how do I"), ["how", "do", "i"], "only stop words: keep them");
    }
}
