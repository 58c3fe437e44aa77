//! What the public help center and the widget read: published articles
//! only, in a requested locale with the workspace's default locale standing
//! in for a missing translation (flagged as a fallback).
//!
//! These calls take a workspace id instead of a principal: their readers
//! are anonymous, and the server resolves the workspace of a public page
//! (`autocrm_server::public`). Nothing here returns a draft or internal article.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect as _};

use super::articles::{Article, Translation, assemble, translations_of};
use super::files::FileMeta;
use super::structure::{Category, Section, categories, sections};
use super::{ArticleStatus, NameText, name_in};
use crate::entity::{kb_articles, kb_categories, kb_sections, kb_translations, workspaces};
use crate::{Store, StoreError, StoreResult};

/// A link to an article: its title in the chosen locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleLink {
    /// The article.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The locale of the title.
    pub locale: String,
}

/// A section with its published articles.
#[derive(Debug, Clone)]
pub struct SectionView {
    /// The section.
    pub id: i64,
    /// Its category.
    pub category_id: i64,
    /// Name and description in the chosen locale.
    pub name: NameText,
    /// Published articles in order.
    pub articles: Vec<ArticleLink>,
}

/// A category with its non-empty sections.
#[derive(Debug, Clone)]
pub struct CategoryView {
    /// The category.
    pub id: i64,
    /// Name and description in the chosen locale.
    pub name: NameText,
    /// Sections that have published articles.
    pub sections: Vec<SectionView>,
}

/// A published article as a visitor reads it.
#[derive(Debug, Clone)]
pub struct PublicArticle {
    /// The article (every translation, for `hreflang` alternates).
    pub article: Article,
    /// The translation shown.
    pub translation: Translation,
    /// True when the requested locale has no translation and the default locale's is shown.
    pub fallback: bool,
    /// The section it is in (without its article list).
    pub section: Option<SectionView>,
    /// The section's category (without its sections).
    pub category: Option<CategoryView>,
    /// Published related articles.
    pub related: Vec<ArticleLink>,
    /// Files attached to it.
    pub attachments: Vec<FileMeta>,
}

/// One URL of the sitemap: a published article in one locale.
#[derive(Debug, Clone)]
pub struct SitemapEntry {
    /// Article.
    pub id: i64,
    /// Locale.
    pub locale: String,
    /// Title (for the URL's slug).
    pub title: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn name_or_empty(names: &super::Names, locale: &str, default_locale: &str) -> NameText {
    name_in(names, locale, default_locale).cloned().unwrap_or_default()
}

/// The locales the help center offers: the workspace's default first, then
/// every locale a published article is translated into.
pub async fn locales(store: &Store, ws: &workspaces::Model) -> StoreResult<Vec<String>> {
    let published: Vec<i64> = kb_articles::Entity::find()
        .select_only()
        .column(kb_articles::Column::Id)
        .filter(kb_articles::Column::WorkspaceId.eq(ws.id))
        .filter(kb_articles::Column::Status.eq(ArticleStatus::Published.as_str()))
        .into_tuple::<i64>()
        .all(&store.db)
        .await?;
    let mut set = BTreeSet::new();
    for chunk in published.chunks(500) {
        let ls: Vec<String> = kb_translations::Entity::find()
            .select_only()
            .column(kb_translations::Column::Locale)
            .distinct()
            .filter(kb_translations::Column::WorkspaceId.eq(ws.id))
            .filter(kb_translations::Column::ArticleId.is_in(chunk.iter().copied()))
            .into_tuple::<String>()
            .all(&store.db)
            .await?;
        set.extend(ls);
    }
    let mut out = vec![ws.locale.clone()];
    out.extend(set.into_iter().filter(|l| *l != ws.locale));
    Ok(out)
}

/// Published articles of the workspace, in section order.
async fn published_rows(store: &Store, ws: i64) -> StoreResult<Vec<kb_articles::Model>> {
    Ok(kb_articles::Entity::find()
        .filter(kb_articles::Column::WorkspaceId.eq(ws))
        .filter(kb_articles::Column::Status.eq(ArticleStatus::Published.as_str()))
        .order_by_asc(kb_articles::Column::Position)
        .order_by_asc(kb_articles::Column::Id)
        .all(&store.db)
        .await?)
}

fn link_of(id: i64, ts: &[Translation], locale: &str, default_locale: &str) -> Option<ArticleLink> {
    let locales: Vec<&str> = ts.iter().map(|t| t.locale.as_str()).collect();
    let pick = super::best_locale(locale, locales.iter().copied())
        .or_else(|| super::best_locale(default_locale, locales.iter().copied()))
        .or_else(|| locales.first().copied())?;
    let t = ts.iter().find(|t| t.locale == pick)?;
    Some(ArticleLink { id, title: t.title.clone(), locale: t.locale.clone() })
}

/// Categories → sections → published articles, in order, in `locale`;
/// empty sections and categories are left out.
pub async fn tree(store: &Store, ws: &workspaces::Model, locale: &str) -> StoreResult<Vec<CategoryView>> {
    let cats = categories(store, ws.id).await?;
    let secs = sections(store, ws.id).await?;
    let rows = published_rows(store, ws.id).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let translations = translations_of(&store.db, ws.id, &ids).await?;
    let mut by_section: HashMap<i64, Vec<ArticleLink>> = HashMap::new();
    for r in &rows {
        if let (Some(sid), Some(ts)) = (r.section_id, translations.get(&r.id))
            && let Some(link) = link_of(r.id, ts, locale, &ws.locale)
        {
            by_section.entry(sid).or_default().push(link);
        }
    }
    Ok(assemble_tree(&cats, &secs, &mut by_section, locale, &ws.locale))
}

fn section_view(s: &Section, articles: Vec<ArticleLink>, locale: &str, default_locale: &str) -> SectionView {
    SectionView {
        id: s.id,
        category_id: s.category_id,
        name: name_or_empty(&s.translations, locale, default_locale),
        articles,
    }
}

fn assemble_tree(
    cats: &[Category],
    secs: &[Section],
    by_section: &mut HashMap<i64, Vec<ArticleLink>>,
    locale: &str,
    default_locale: &str,
) -> Vec<CategoryView> {
    cats.iter()
        .filter_map(|c| {
            let sections: Vec<SectionView> = secs
                .iter()
                .filter(|s| s.category_id == c.id)
                .filter_map(|s| {
                    let arts = by_section.remove(&s.id).filter(|a| !a.is_empty())?;
                    Some(section_view(s, arts, locale, default_locale))
                })
                .collect();
            (!sections.is_empty()).then(|| CategoryView {
                id: c.id,
                name: name_or_empty(&c.translations, locale, default_locale),
                sections,
            })
        })
        .collect()
}

/// A published article in `locale` (or the default locale's translation, flagged).
pub async fn article(store: &Store, ws: &workspaces::Model, id: i64, locale: &str) -> StoreResult<PublicArticle> {
    let row = kb_articles::Entity::find_by_id(id)
        .filter(kb_articles::Column::WorkspaceId.eq(ws.id))
        .filter(kb_articles::Column::Status.eq(ArticleStatus::Published.as_str()))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let article = assemble(&store.db, row).await?;
    let (translation, fallback) =
        article.translation_for(locale, &ws.locale).map(|(t, f)| (t.clone(), f)).ok_or(StoreError::NotFound)?;
    // Breadcrumbs need the section and its category only, not the whole tree.
    let (category, section) = match article.section_id {
        Some(sid) => {
            let sec = kb_sections::Entity::find_by_id(sid)
                .filter(kb_sections::Column::WorkspaceId.eq(ws.id))
                .one(&store.db)
                .await?
                .map(|r| super::structure::section_of(&r));
            let cat = match &sec {
                Some(s) => kb_categories::Entity::find_by_id(s.category_id)
                    .filter(kb_categories::Column::WorkspaceId.eq(ws.id))
                    .one(&store.db)
                    .await?
                    .map(|r| super::structure::category_of(&r)),
                None => None,
            };
            (
                cat.map(|c| CategoryView {
                    id: c.id,
                    name: name_or_empty(&c.translations, locale, &ws.locale),
                    sections: Vec::new(),
                }),
                sec.map(|s| section_view(&s, Vec::new(), locale, &ws.locale)),
            )
        }
        None => (None, None),
    };
    // Related articles: only published ones, in the article's order.
    let rel_rows = kb_articles::Entity::find()
        .filter(kb_articles::Column::WorkspaceId.eq(ws.id))
        .filter(kb_articles::Column::Status.eq(ArticleStatus::Published.as_str()))
        .filter(kb_articles::Column::Id.is_in(article.related_ids.clone()))
        .all(&store.db)
        .await?;
    let rel_ids: Vec<i64> =
        article.related_ids.iter().copied().filter(|r| rel_rows.iter().any(|a| a.id == *r)).collect();
    let rel_ts = translations_of(&store.db, ws.id, &rel_ids).await?;
    let related =
        rel_ids.iter().filter_map(|r| rel_ts.get(r).and_then(|ts| link_of(*r, ts, locale, &ws.locale))).collect();
    let attachments = super::files::list_for(store, ws.id, id).await?;
    Ok(PublicArticle { article, translation, fallback, section, category, related, attachments })
}

/// Links to published articles by id, in `locale` (unpublished ids are skipped).
pub async fn links(
    store: &Store,
    ws: &workspaces::Model,
    ids: &[i64],
    locale: &str,
) -> StoreResult<HashMap<i64, ArticleLink>> {
    let rows = kb_articles::Entity::find()
        .select_only()
        .column(kb_articles::Column::Id)
        .filter(kb_articles::Column::WorkspaceId.eq(ws.id))
        .filter(kb_articles::Column::Status.eq(ArticleStatus::Published.as_str()))
        .filter(kb_articles::Column::Id.is_in(ids.iter().copied()))
        .into_tuple::<i64>()
        .all(&store.db)
        .await?;
    let ts = translations_of(&store.db, ws.id, &rows).await?;
    Ok(rows
        .into_iter()
        .filter_map(|id| ts.get(&id).and_then(|t| link_of(id, t, locale, &ws.locale)).map(|l| (id, l)))
        .collect())
}

/// Every published article in every locale it has (for `sitemap.xml`).
pub async fn sitemap(store: &Store, ws: &workspaces::Model) -> StoreResult<Vec<SitemapEntry>> {
    let rows = published_rows(store, ws.id).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let ts = translations_of(&store.db, ws.id, &ids).await?;
    let mut out = Vec::new();
    for id in ids {
        for t in ts.get(&id).into_iter().flatten() {
            out.push(SitemapEntry { id, locale: t.locale.clone(), title: t.title.clone(), updated_at: t.updated_at });
        }
    }
    Ok(out)
}

/// The most viewed published articles (the help center's "popular articles").
pub async fn popular(store: &Store, ws: &workspaces::Model, locale: &str, n: u64) -> StoreResult<Vec<ArticleLink>> {
    let rows = kb_articles::Entity::find()
        .filter(kb_articles::Column::WorkspaceId.eq(ws.id))
        .filter(kb_articles::Column::Status.eq(ArticleStatus::Published.as_str()))
        .order_by_desc(kb_articles::Column::ViewCount)
        .order_by_asc(kb_articles::Column::Id)
        .limit(n)
        .all(&store.db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let ts = translations_of(&store.db, ws.id, &ids).await?;
    Ok(ids.iter().filter_map(|id| ts.get(id).and_then(|t| link_of(*id, t, locale, &ws.locale))).collect())
}
