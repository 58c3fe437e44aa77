//! The demo shop's help center: categories → sections → articles about
//! orders, shipping, returns and exchanges, refunds, payments, the account
//! and subscriptions, every article in English and German
//! (`demo/help-center.json`). The answers follow the shop's support policy
//! (`../shared/datasets/tau2-retail/policy.md`): only pending orders are
//! cancelled or changed, only delivered ones returned or exchanged, refunds
//! go to the original payment method or a gift card. One article is
//! internal (agents only), to show the difference in the agent app.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use autocrm_domain::Principal;
use autocrm_store::Store;
use autocrm_store::kb::articles::{self, ArticleMeta, NewArticle};
use autocrm_store::kb::structure::{self, HeadingInput};
use autocrm_store::kb::{ArticleStatus, NameText};
use serde::Deserialize;

const HELP_CENTER: &str = include_str!("../demo/help-center.json");

#[derive(Deserialize)]
struct File {
    default_locale: String,
    categories: Vec<Heading>,
}

#[derive(Deserialize)]
struct Heading {
    names: BTreeMap<String, NameText>,
    #[serde(default)]
    sections: Vec<Heading>,
    #[serde(default)]
    articles: Vec<Article>,
}

#[derive(Deserialize)]
struct Article {
    key: String,
    status: ArticleStatus,
    tags: Vec<String>,
    related: Vec<String>,
    translations: BTreeMap<String, Text>,
}

#[derive(Deserialize)]
struct Text {
    title: String,
    body: String,
}

fn names(n: &BTreeMap<String, NameText>) -> BTreeMap<String, Option<NameText>> {
    n.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect()
}

/// Creates the help center in the workspace `sys` acts for.
pub async fn seed(store: &Store, sys: &Principal) -> anyhow::Result<()> {
    let file: File = serde_json::from_str(HELP_CENTER).context("demo/help-center.json")?;
    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut related: Vec<(i64, Vec<String>)> = Vec::new();
    let mut position = 0;
    for c in &file.categories {
        let category = structure::create_category(
            store,
            sys,
            HeadingInput { translations: Some(names(&c.names)), ..HeadingInput::default() },
        )
        .await?;
        for s in &c.sections {
            let section = structure::create_section(
                store,
                sys,
                HeadingInput {
                    category_id: Some(category.id),
                    translations: Some(names(&s.names)),
                    ..HeadingInput::default()
                },
            )
            .await?;
            for a in &s.articles {
                let first =
                    a.translations.get(&file.default_locale).context("an article without the default locale")?;
                let created = articles::create(
                    store,
                    sys,
                    NewArticle {
                        meta: ArticleMeta {
                            section_id: Some(Some(section.id)),
                            status: Some(a.status),
                            tags: Some(a.tags.clone()),
                            position: Some(position),
                            related_ids: None,
                        },
                        locale: Some(file.default_locale.clone()),
                        title: first.title.clone(),
                        body: first.body.clone(),
                    },
                )
                .await
                .with_context(|| format!("article {}", a.key))?;
                position += 1;
                for (locale, t) in a.translations.iter().filter(|(l, _)| **l != file.default_locale) {
                    articles::save_translation(store, sys, created.id, locale, &t.title, &t.body).await?;
                }
                ids.insert(a.key.clone(), created.id);
                related.push((created.id, a.related.clone()));
            }
        }
    }
    // Related articles point forward and back, so they are linked once all exist.
    for (id, keys) in related.into_iter().filter(|(_, k)| !k.is_empty()) {
        let related_ids = keys.iter().filter_map(|k| ids.get(k).copied()).collect();
        articles::update(store, sys, id, ArticleMeta { related_ids: Some(related_ids), ..ArticleMeta::default() })
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_demo_article_is_in_english_and_german_and_related_keys_exist() {
        let file: File = serde_json::from_str(HELP_CENTER).unwrap();
        let all: Vec<&Article> =
            file.categories.iter().flat_map(|c| c.sections.iter()).flat_map(|s| s.articles.iter()).collect();
        assert!(all.len() >= 15, "{} articles", all.len());
        let keys: Vec<&str> = all.iter().map(|a| a.key.as_str()).collect();
        for a in &all {
            assert!(a.translations.contains_key("en") && a.translations.contains_key("de"), "{}", a.key);
            for r in &a.related {
                assert!(keys.contains(&r.as_str()), "{} relates to unknown {r}", a.key);
            }
        }
        for c in &file.categories {
            assert!(c.names.contains_key("en") && c.names.contains_key("de"));
            for s in &c.sections {
                assert!(s.names.contains_key("en") && s.names.contains_key("de"));
            }
        }
    }
}
