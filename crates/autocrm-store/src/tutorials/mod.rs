//! Interactive tutorials: authoring (draft graph, publish, images) and the
//! published versions customers run.
//!
//! Invariants:
//! - A saved draft always holds a valid graph (`autocrm_domain::tutorials::validate`):
//!   a bad graph is refused with every problem and its JSON pointer.
//! - Publishing snapshots the draft into `tutorial_versions` (never changed
//!   afterwards); customers only ever see the latest published version, and a
//!   run keeps the version it started on, so edits never break a run in progress.
//! - Only staff read drafts; a draft is "not found" to the public.
//! - `revision` grows by one per saved change: an editor that sends the
//!   revision it loaded cannot silently overwrite someone else's change.

pub mod analytics;
pub mod runs;

use autocrm_domain::Principal;
use autocrm_domain::people::normalize_tag;
use autocrm_domain::tutorials::{
    Choice, Graph, LocaleText, MAX_LABEL_CHARS, MAX_TITLE_CHARS, Step, Target, check_text, sanitize, validate,
};
use autocrm_domain::workspaces::Locale;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::entity::{tutorial_images, tutorial_versions, tutorials};
use crate::owned::staff_only;
use crate::tx::{NewEvent, Visibility};
use crate::{FieldProblem, Store, StoreError, StoreResult};

/// Whether customers can see a tutorial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Only staff see it.
    Draft,
    /// Its latest published version is public.
    Published,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }
}

/// A tutorial as its authors see it: the draft and where publishing stands.
#[derive(Debug, Clone)]
pub struct Tutorial {
    /// Id.
    pub id: i64,
    /// Draft or published.
    pub status: Status,
    /// The language every text must have; others fall back to it.
    pub default_locale: String,
    /// Title per locale.
    pub title: LocaleText,
    /// Short description per locale (shown in lists).
    pub description: LocaleText,
    /// Tags for finding it.
    pub tags: Vec<String>,
    /// The draft graph.
    pub graph: Graph,
    /// Grows by one per saved change.
    pub revision: i64,
    /// The latest published version's number.
    pub published_version: Option<i64>,
    /// Published, but the draft has changes customers do not see yet.
    pub has_unpublished_changes: bool,
    /// Images uploaded for its steps.
    pub images: Vec<Image>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When the draft last changed.
    pub updated_at: DateTime<Utc>,
}

/// An image uploaded for a tutorial's steps.
#[derive(Debug, Clone)]
pub struct Image {
    /// What steps refer to (`image` of a step).
    pub public_id: String,
    /// The uploaded name.
    pub filename: String,
    /// `image/png` …
    pub content_type: String,
    /// Bytes.
    pub size: i64,
}

/// A published version: what customers run.
#[derive(Debug, Clone)]
pub struct Published {
    /// The tutorial.
    pub tutorial_id: i64,
    /// The version number.
    pub version: i64,
    /// The fallback language.
    pub default_locale: String,
    /// Title per locale.
    pub title: LocaleText,
    /// Description per locale.
    pub description: LocaleText,
    /// Tags.
    pub tags: Vec<String>,
    /// The graph as published.
    pub graph: Graph,
    /// When this version was published.
    pub published_at: DateTime<Utc>,
}

/// A new tutorial or a change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct TutorialInput {
    /// Title per locale.
    pub title: Option<LocaleText>,
    /// Description per locale.
    pub description: Option<LocaleText>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// The fallback language (default: the workspace's locale).
    pub default_locale: Option<String>,
    /// The start step's key.
    pub start: Option<String>,
    /// Every step, replaced at once.
    pub steps: Option<Vec<Step>>,
    /// The revision the editor loaded; a different current one is a conflict.
    pub revision: Option<i64>,
}

/// Largest step image (bytes).
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// Most tags on one tutorial.
const MAX_TAGS: usize = 20;

fn json_of<T: serde::de::DeserializeOwned>(v: serde_json::Value, what: &str) -> StoreResult<T> {
    serde_json::from_value(v).map_err(|e| StoreError::Io(format!("stored tutorial {what}: {e}")))
}

async fn images_of(conn: &impl ConnectionTrait, ws: i64, tutorial_id: i64) -> StoreResult<Vec<tutorial_images::Model>> {
    Ok(tutorial_images::Entity::find()
        .filter(tutorial_images::Column::WorkspaceId.eq(ws))
        .filter(tutorial_images::Column::TutorialId.eq(tutorial_id))
        .order_by_asc(tutorial_images::Column::Id)
        .all(conn)
        .await?)
}

fn image_of(row: tutorial_images::Model) -> Image {
    Image { public_id: row.public_id, filename: row.filename, content_type: row.content_type, size: row.size }
}

fn from_row(row: tutorials::Model, images: Vec<tutorial_images::Model>) -> StoreResult<Tutorial> {
    let status = if row.status == "published" { Status::Published } else { Status::Draft };
    Ok(Tutorial {
        id: row.id,
        status,
        has_unpublished_changes: status == Status::Published && row.published_revision != Some(row.revision),
        default_locale: row.default_locale,
        title: json_of(row.title, "title")?,
        description: json_of(row.description, "description")?,
        tags: json_of(row.tags, "tags")?,
        graph: json_of(row.graph, "graph")?,
        revision: row.revision,
        published_version: row.published_version,
        images: images.into_iter().map(image_of).collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn version_of(row: tutorial_versions::Model) -> StoreResult<Published> {
    Ok(Published {
        tutorial_id: row.tutorial_id,
        version: row.version,
        default_locale: row.default_locale,
        title: json_of(row.title, "title")?,
        description: json_of(row.description, "description")?,
        tags: json_of(row.tags, "tags")?,
        graph: json_of(row.graph, "graph")?,
        published_at: row.created_at,
    })
}

async fn find(conn: &impl ConnectionTrait, p: &Principal, id: i64) -> StoreResult<tutorials::Model> {
    staff_only(p)?;
    tutorials::Entity::find_by_id(id)
        .filter(tutorials::Column::WorkspaceId.eq(p.workspace_id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Every tutorial of the workspace (drafts included), by title order of the default locale.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<Tutorial>> {
    staff_only(p)?;
    let rows = tutorials::Entity::find()
        .filter(tutorials::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(tutorials::Column::Id)
        .all(&store.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(from_row(row, Vec::new())?);
    }
    out.sort_by_cached_key(|t| {
        autocrm_domain::tutorials::pick(&t.title, &t.default_locale, &t.default_locale).0.to_lowercase()
    });
    Ok(out)
}

/// One tutorial with its draft graph and images (staff).
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<Tutorial> {
    let row = find(&store.db, p, id).await?;
    let images = images_of(&store.db, p.workspace_id, id).await?;
    from_row(row, images)
}

/// The graph a new tutorial starts with: one question with both outcomes,
/// so it is valid from the first save.
pub fn starter_graph(locale: &str) -> Graph {
    let text = |en: &str, de: &str| -> LocaleText {
        let s = if locale.starts_with("de") { de } else { en };
        [(locale.to_owned(), s.to_owned())].into()
    };
    Graph {
        start: "start".into(),
        steps: vec![Step {
            key: "start".into(),
            title: text("Did this solve your problem?", "Hat das Ihr Problem gelöst?"),
            content: LocaleText::new(),
            image: None,
            choices: vec![
                Choice {
                    key: "yes".into(),
                    label: text("Yes, thanks", "Ja, danke"),
                    target: Target::Solved { message: LocaleText::new() },
                },
                Choice {
                    key: "no".into(),
                    label: text("No, I need help", "Nein, ich brauche Hilfe"),
                    target: Target::OpenTicket { subject: LocaleText::new(), category: None },
                },
            ],
        }],
    }
}

/// The checked parts of an input, ready to store.
struct Checked {
    default_locale: String,
    title: LocaleText,
    description: LocaleText,
    tags: Vec<String>,
    graph: Graph,
}

/// Checks an input against the current state (`None` when creating):
/// texts, tags and the graph, every problem listed.
fn check(input: TutorialInput, current: Option<&Tutorial>, workspace_locale: &str) -> StoreResult<Checked> {
    let mut problems = Vec::new();
    let default_locale = match input.default_locale.as_deref() {
        Some(raw) => match Locale::parse(raw) {
            Ok(l) => l.as_str().to_owned(),
            Err(e) => {
                problems.push(FieldProblem::new("/default_locale", e.to_string()));
                raw.to_owned()
            }
        },
        None => current.map_or_else(|| workspace_locale.to_owned(), |t| t.default_locale.clone()),
    };
    let tidy = |mut t: LocaleText| {
        t.retain(|_, v| !v.trim().is_empty());
        for v in t.values_mut() {
            *v = v.trim().to_owned();
        }
        t
    };
    let title = input.title.map(tidy).or_else(|| current.map(|t| t.title.clone())).unwrap_or_default();
    let description =
        input.description.map(tidy).or_else(|| current.map(|t| t.description.clone())).unwrap_or_default();
    let mut domain_problems = Vec::new();
    check_text(&title, "/title", &default_locale, MAX_TITLE_CHARS, true, &mut domain_problems);
    check_text(&description, "/description", &default_locale, MAX_LABEL_CHARS, false, &mut domain_problems);
    let tags = match input.tags {
        Some(raw) => {
            let mut tags = Vec::new();
            for (i, t) in raw.iter().enumerate() {
                match normalize_tag(t) {
                    Some(t) if !tags.contains(&t) => tags.push(t),
                    Some(_) => {}
                    None => problems
                        .push(FieldProblem::new(format!("/tags/{i}"), "must be 1–64 letters, digits, -, _, : or .")),
                }
            }
            if tags.len() > MAX_TAGS {
                problems.push(FieldProblem::new("/tags", format!("at most {MAX_TAGS} tags")));
            }
            tags
        }
        None => current.map(|t| t.tags.clone()).unwrap_or_default(),
    };
    let mut graph = match (input.start, input.steps, current) {
        (None, None, None) => starter_graph(&default_locale),
        (start, steps, current) => Graph {
            start: start.or_else(|| current.map(|t| t.graph.start.clone())).unwrap_or_default(),
            steps: steps.or_else(|| current.map(|t| t.graph.steps.clone())).unwrap_or_default(),
        },
    };
    sanitize(&mut graph);
    let images: Vec<String> =
        current.map(|t| t.images.iter().map(|i| i.public_id.clone()).collect()).unwrap_or_default();
    domain_problems.extend(validate(&graph, &default_locale, &images));
    problems.extend(domain_problems.into_iter().map(|p| FieldProblem::new(p.pointer, p.detail)));
    if problems.is_empty() {
        Ok(Checked { default_locale, title, description, tags, graph })
    } else {
        Err(StoreError::Invalid(problems))
    }
}

/// The problems saving `input` on tutorial `id` would meet, without saving.
pub async fn problems(store: &Store, p: &Principal, id: i64, input: TutorialInput) -> StoreResult<Vec<FieldProblem>> {
    let current = get(store, p, id).await?;
    match check(input, Some(&current), &current.default_locale) {
        Ok(_) => Ok(Vec::new()),
        Err(StoreError::Invalid(list)) => Ok(list),
        Err(e) => Err(e),
    }
}

fn event(event_type: &'static str, row: &tutorials::Model, extra: serde_json::Value) -> NewEvent {
    let title: LocaleText = serde_json::from_value(row.title.clone()).unwrap_or_default();
    let title = autocrm_domain::tutorials::pick(&title, &row.default_locale, &row.default_locale).0.to_owned();
    let mut data = json!({"tutorial": {"id": row.id, "title": title, "status": row.status, "revision": row.revision,
        "published_version": row.published_version}});
    if let (Some(obj), serde_json::Value::Object(more)) = (data.as_object_mut(), extra) {
        obj.extend(more);
    }
    NewEvent {
        event_type,
        subject_type: "tutorial",
        subject_id: Some(row.id),
        ticket_id: None,
        requester_id: None,
        visibility: Visibility::Staff,
        data,
    }
}

/// Creates a draft tutorial; without a graph it starts with [`starter_graph`].
pub async fn create(store: &Store, p: &Principal, input: TutorialInput) -> StoreResult<Tutorial> {
    staff_only(p)?;
    let ws = crate::workspaces::by_id(store, p.workspace_id).await?;
    let c = check(input, None, &ws.locale)?;
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = tutorials::ActiveModel {
        workspace_id: Set(tx.ws()),
        status: Set(Status::Draft.as_str().to_owned()),
        default_locale: Set(c.default_locale),
        title: Set(json!(c.title)),
        description: Set(json!(c.description)),
        tags: Set(json!(c.tags)),
        graph: Set(json!(c.graph)),
        revision: Set(1),
        published_version: Set(None),
        published_revision: Set(None),
        created_by_user_id: Set(p.user_id()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(event("tutorial.created", &row, json!({})));
    tx.commit().await?;
    from_row(row, Vec::new())
}

/// Saves a change to the draft (the whole graph at once). Published
/// versions are untouched until [`publish`].
pub async fn update(store: &Store, p: &Principal, id: i64, input: TutorialInput) -> StoreResult<Tutorial> {
    let current = get(store, p, id).await?;
    let expected = input.revision;
    let c = check(input, Some(&current), &current.default_locale)?;
    let mut tx = store.begin(p).await?;
    // Re-read under the write transaction: the revision check and the bump are one step.
    let row = find(tx.conn(), p, id).await?;
    if expected.is_some_and(|r| r != row.revision) {
        return Err(StoreError::Conflict {
            code: "tutorial_changed",
            message: "someone else saved this tutorial meanwhile; reload it".into(),
        });
    }
    let mut am: tutorials::ActiveModel = row.into();
    let revision = current.revision + 1;
    am.default_locale = Set(c.default_locale);
    am.title = Set(json!(c.title));
    am.description = Set(json!(c.description));
    am.tags = Set(json!(c.tags));
    am.graph = Set(json!(c.graph));
    am.revision = Set(revision);
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(event("tutorial.updated", &row, json!({})));
    tx.commit().await?;
    let images = images_of(&store.db, p.workspace_id, id).await?;
    from_row(row, images)
}

/// Publishes the draft as a new version; customers see it from now on and
/// runs already under way keep theirs.
pub async fn publish(store: &Store, p: &Principal, id: i64) -> StoreResult<Tutorial> {
    let current = get(store, p, id).await?;
    // Re-checked: a graph stored before a rule tightened must not go public unchecked.
    let images: Vec<String> = current.images.iter().map(|i| i.public_id.clone()).collect();
    let problems = validate(&current.graph, &current.default_locale, &images);
    if !problems.is_empty() {
        return Err(StoreError::Invalid(
            problems.into_iter().map(|p| FieldProblem::new(p.pointer, p.detail)).collect(),
        ));
    }
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = find(tx.conn(), p, id).await?;
    let version = row.published_version.unwrap_or(0) + 1;
    tutorial_versions::ActiveModel {
        workspace_id: Set(tx.ws()),
        tutorial_id: Set(row.id),
        version: Set(version),
        revision: Set(row.revision),
        default_locale: Set(row.default_locale.clone()),
        title: Set(row.title.clone()),
        description: Set(row.description.clone()),
        tags: Set(row.tags.clone()),
        graph: Set(row.graph.clone()),
        published_by_user_id: Set(p.user_id()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    let revision = row.revision;
    let mut am: tutorials::ActiveModel = row.into();
    am.status = Set(Status::Published.as_str().to_owned());
    am.published_version = Set(Some(version));
    am.published_revision = Set(Some(revision));
    am.updated_at = Set(now);
    let row = am.update(tx.conn()).await?;
    tx.emit(event("tutorial.published", &row, json!({"version": version})));
    tx.commit().await?;
    from_row(row, images_of(&store.db, p.workspace_id, id).await?)
}

/// Takes a tutorial out of the help center and widget (runs under way can still finish).
pub async fn unpublish(store: &Store, p: &Principal, id: i64) -> StoreResult<Tutorial> {
    let mut tx = store.begin(p).await?;
    let row = find(tx.conn(), p, id).await?;
    let mut am: tutorials::ActiveModel = row.into();
    am.status = Set(Status::Draft.as_str().to_owned());
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(event("tutorial.unpublished", &row, json!({})));
    tx.commit().await?;
    from_row(row, images_of(&store.db, p.workspace_id, id).await?)
}

/// Deletes a tutorial with its versions, runs and images.
pub async fn delete(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    let mut tx = store.begin(p).await?;
    let row = find(tx.conn(), p, id).await?;
    tutorials::Entity::delete_by_id(row.id).exec(tx.conn()).await?;
    tx.emit(event("tutorial.deleted", &row, json!({})));
    tx.commit().await?;
    Ok(())
}

/// The image type of `bytes` by its signature; SVG is refused (it can carry script).
fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Uploads an image for the tutorial's steps (PNG, JPEG, GIF or WebP up to 5 MiB).
pub async fn add_image(store: &Store, p: &Principal, id: i64, filename: &str, bytes: &[u8]) -> StoreResult<Image> {
    find(&store.db, p, id).await?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(StoreError::invalid("/file", "is larger than 5 MiB"));
    }
    let content_type =
        sniff_image(bytes).ok_or_else(|| StoreError::invalid("/file", "must be a PNG, JPEG, GIF or WebP image"))?;
    let sha = crate::attachments::write_blob(store, bytes).await?;
    let name: String =
        filename.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"')).take(200).collect();
    let now = store.now();
    let row = tutorial_images::ActiveModel {
        workspace_id: Set(p.workspace_id),
        tutorial_id: Set(id),
        public_id: Set(crate::sessions::random_token()),
        sha256: Set(sha),
        filename: Set(if name.trim().is_empty() { "image".into() } else { name }),
        content_type: Set(content_type.to_owned()),
        size: Set(bytes.len() as i64),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&store.db)
    .await?;
    Ok(image_of(row))
}

/// An image's type and bytes. Staff read any of their workspace's; others
/// only those of tutorials that are published.
pub async fn image(store: &Store, ws: i64, public_id: &str, staff: bool) -> StoreResult<(String, Vec<u8>)> {
    let row = tutorial_images::Entity::find()
        .filter(tutorial_images::Column::WorkspaceId.eq(ws))
        .filter(tutorial_images::Column::PublicId.eq(public_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !staff {
        tutorials::Entity::find_by_id(row.tutorial_id)
            .filter(tutorials::Column::WorkspaceId.eq(ws))
            .filter(tutorials::Column::Status.eq(Status::Published.as_str()))
            .one(&store.db)
            .await?
            .ok_or(StoreError::NotFound)?;
    }
    let bytes = crate::attachments::read_blob(store, &row.sha256).await?;
    Ok((row.content_type, bytes))
}

/// The published tutorials of a workspace (latest versions), for the help center and widget.
pub async fn published_list(store: &Store, ws: i64) -> StoreResult<Vec<Published>> {
    let rows = tutorials::Entity::find()
        .filter(tutorials::Column::WorkspaceId.eq(ws))
        .filter(tutorials::Column::Status.eq(Status::Published.as_str()))
        .order_by_asc(tutorials::Column::Id)
        .all(&store.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(v) = row.published_version {
            out.push(version(&store.db, ws, row.id, v).await?);
        }
    }
    out.sort_by_cached_key(|t| {
        autocrm_domain::tutorials::pick(&t.title, &t.default_locale, &t.default_locale).0.to_lowercase()
    });
    Ok(out)
}

/// One published tutorial's latest version; drafts are "not found".
pub async fn published(store: &Store, ws: i64, id: i64) -> StoreResult<Published> {
    let row = tutorials::Entity::find_by_id(id)
        .filter(tutorials::Column::WorkspaceId.eq(ws))
        .filter(tutorials::Column::Status.eq(Status::Published.as_str()))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let v = row.published_version.ok_or(StoreError::NotFound)?;
    version(&store.db, ws, id, v).await
}

/// A given version of a tutorial (what a run walks).
pub(crate) async fn version(conn: &impl ConnectionTrait, ws: i64, id: i64, version: i64) -> StoreResult<Published> {
    let row = tutorial_versions::Entity::find()
        .filter(tutorial_versions::Column::WorkspaceId.eq(ws))
        .filter(tutorial_versions::Column::TutorialId.eq(id))
        .filter(tutorial_versions::Column::Version.eq(version))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    version_of(row)
}
