//! The knowledge base on both backends: structure, articles, translations
//! with fallback, versions, search (ranking, typos, suggestions), what the
//! public may see, workspace isolation, feedback and views.

use std::collections::BTreeMap;

use autocrm_domain::Principal;
use autocrm_store::kb::articles::{self, ArticleMeta, NewArticle};
use autocrm_store::kb::search::{self, Locales, Scope};
use autocrm_store::kb::structure::{self, HeadingInput};
use autocrm_store::kb::{ArticleStatus, NameText, public, stats};
use autocrm_store::{StoreError, messages};

use crate::support::{World, world};

fn names(pairs: &[(&str, &str)]) -> BTreeMap<String, Option<NameText>> {
    pairs
        .iter()
        .map(|(l, n)| ((*l).to_owned(), Some(NameText { name: (*n).to_owned(), description: String::new() })))
        .collect()
}

/// A category with one section; returns the section id.
async fn section(w: &World, p: &Principal) -> i64 {
    let c = structure::create_category(
        &w.store,
        p,
        HeadingInput {
            translations: Some(names(&[("en", "Orders"), ("de", "Bestellungen")])),
            ..HeadingInput::default()
        },
    )
    .await
    .unwrap();
    structure::create_section(
        &w.store,
        p,
        HeadingInput {
            category_id: Some(c.id),
            translations: Some(names(&[("en", "Returns"), ("de", "Rücksendungen")])),
            ..HeadingInput::default()
        },
    )
    .await
    .unwrap()
    .id
}

async fn article(
    w: &World,
    p: &Principal,
    section: Option<i64>,
    status: ArticleStatus,
    title: &str,
    body: &str,
) -> i64 {
    articles::create(
        &w.store,
        p,
        NewArticle {
            meta: ArticleMeta { section_id: Some(section), status: Some(status), ..ArticleMeta::default() },
            locale: Some("en".into()),
            title: title.into(),
            body: body.into(),
        },
    )
    .await
    .unwrap()
    .id
}

fn en_with_de() -> Locales {
    Locales { wanted: Some("de".into()), default: "en".into() }
}

fn en() -> Locales {
    Locales { wanted: Some("en".into()), default: "en".into() }
}

async fn public_ids(w: &World, ws: i64, q: &str, locales: &Locales) -> Vec<i64> {
    search::search(&w.store, ws, Scope::Public, locales, q, 20)
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.article_id)
        .collect()
}

async fn event_types_since(w: &World, seq: i64) -> Vec<String> {
    autocrm_store::events::after(&w.store, w.ws, seq, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.r#type.clone())
        .collect()
}

#[tokio::test]
async fn categories_sections_and_articles_are_created_changed_and_deleted_with_events() {
    // Arrange
    let w = world().await;
    let before = w.last_seq().await;

    // Act
    let s = section(&w, &w.agent).await;
    let id = article(&w, &w.agent, Some(s), ArticleStatus::Draft, "Return an item", "<p>Send it back.</p>").await;
    let changed = articles::update(
        &w.store,
        &w.agent,
        id,
        ArticleMeta { tags: Some(vec!["Returns ".into(), "returns".into()]), ..ArticleMeta::default() },
    )
    .await
    .unwrap();
    let published = articles::publish(&w.store, &w.agent, id).await.unwrap();
    articles::unpublish(&w.store, &w.agent, id).await.unwrap();
    let renamed = structure::update_section(
        &w.store,
        &w.agent,
        s,
        HeadingInput {
            translations: Some(names(&[("en", "Returns & exchanges")])),
            position: Some(3),
            ..HeadingInput::default()
        },
    )
    .await
    .unwrap();

    // Assert
    assert_eq!(changed.tags, ["returns"], "tags are normalised and deduplicated");
    assert_eq!(published.status, ArticleStatus::Published);
    assert!(published.published_at.is_some());
    assert_eq!(renamed.translations["en"].name, "Returns & exchanges");
    assert_eq!(renamed.translations["de"].name, "Rücksendungen", "other locales stay");
    assert_eq!(renamed.position, 3);
    let refused = structure::delete_section(&w.store, &w.admin, s).await.unwrap_err();
    assert!(matches!(refused, StoreError::Conflict { code: "kb_section_not_empty", .. }), "{refused:?}");
    articles::delete(&w.store, &w.admin, id).await.unwrap();
    structure::delete_section(&w.store, &w.admin, s).await.unwrap();
    assert!(matches!(articles::get(&w.store, &w.agent, id).await, Err(StoreError::NotFound)));
    let types = event_types_since(&w, before).await;
    for t in [
        "kb_category.created",
        "kb_section.created",
        "article.created",
        "article.updated",
        "article.published",
        "article.unpublished",
        "kb_section.updated",
        "article.deleted",
        "kb_section.deleted",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} missing from {types:?}");
    }
    for t in &types {
        assert!(autocrm_domain::events::is_event_type(t), "{t} is not a declared event type");
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    // Arrange
    let w = world().await;
    let s = section(&w, &w.agent).await;
    let before = w.last_seq().await;

    // Act
    let no_title = articles::create(
        &w.store,
        &w.agent,
        NewArticle { title: "  ".into(), body: "x".into(), ..NewArticle::default() },
    )
    .await;
    let bad_locale = articles::save_translation(&w.store, &w.agent, 1, "english!", "T", "b").await;
    let publish_unfiled = articles::create(
        &w.store,
        &w.agent,
        NewArticle {
            meta: ArticleMeta { status: Some(ArticleStatus::Published), ..ArticleMeta::default() },
            title: "Unfiled".into(),
            body: "b".into(),
            ..NewArticle::default()
        },
    )
    .await;
    let foreign_related = articles::create(
        &w.store,
        &w.agent,
        NewArticle {
            meta: ArticleMeta { section_id: Some(Some(s)), related_ids: Some(vec![999_999]), ..ArticleMeta::default() },
            title: "Related".into(),
            body: "b".into(),
            ..NewArticle::default()
        },
    )
    .await;
    let customer = articles::create(
        &w.store,
        &w.carla,
        NewArticle { title: "Mine".into(), body: "b".into(), ..NewArticle::default() },
    )
    .await;

    // Assert
    assert!(matches!(no_title, Err(StoreError::Invalid(ref f)) if f[0].pointer == "/title"), "{no_title:?}");
    assert!(matches!(bad_locale, Err(StoreError::Invalid(ref f)) if f[0].pointer == "/locale"), "{bad_locale:?}");
    assert!(matches!(publish_unfiled, Err(StoreError::Invalid(ref f)) if f[0].pointer == "/section_id"));
    assert!(matches!(foreign_related, Err(StoreError::Invalid(ref f)) if f[0].pointer == "/related_ids"));
    assert!(matches!(customer, Err(StoreError::Forbidden)), "customers do not author");
    assert_eq!(w.last_seq().await, before, "nothing was written");
}

#[tokio::test]
async fn every_saved_translation_is_a_version_and_restoring_one_saves_it_anew() {
    // Arrange
    let w = world().await;
    let id = article(&w, &w.agent, None, ArticleStatus::Draft, "Refunds", "<p>First words.</p>").await;
    articles::save_translation(&w.store, &w.agent, id, "en", "Refunds", "<p>Second words.</p>").await.unwrap();
    articles::save_translation(&w.store, &w.admin, id, "de", "Erstattungen", "<p>Erste Worte.</p>").await.unwrap();

    // Act
    let en_versions = articles::versions(&w.store, &w.agent, id, Some("en")).await.unwrap();
    let first = en_versions.iter().find(|v| v.number == 1).unwrap().clone();
    let restored = articles::restore(&w.store, &w.agent, id, first.id).await.unwrap();

    // Assert
    assert_eq!(en_versions.iter().map(|v| v.number).collect::<Vec<_>>(), [2, 1], "newest first");
    assert_eq!(en_versions[0].author_name, "Anna Agent");
    assert_eq!(restored.version, 3);
    assert_eq!(restored.body_html, "<p>First words.</p>");
    let all = articles::versions(&w.store, &w.agent, id, None).await.unwrap();
    assert_eq!(all.len(), 4, "three English versions and one German");
    assert_eq!(all[0].restored_from, Some(first.id));
    let a = articles::get(&w.store, &w.agent, id).await.unwrap();
    assert_eq!(
        a.translations.iter().map(|t| (t.locale.as_str(), t.version)).collect::<Vec<_>>(),
        [("de", 1), ("en", 3)]
    );
    // A version of another article is not found through this one.
    let other = article(&w, &w.agent, None, ArticleStatus::Draft, "Other", "x").await;
    assert!(matches!(articles::restore(&w.store, &w.agent, other, first.id).await, Err(StoreError::NotFound)));
    // The last translation stays.
    articles::delete_translation(&w.store, &w.agent, id, "de").await.unwrap();
    let last = articles::delete_translation(&w.store, &w.agent, id, "en").await.unwrap_err();
    assert!(matches!(last, StoreError::Conflict { code: "kb_last_translation", .. }));
}

#[tokio::test]
async fn a_missing_translation_falls_back_to_the_workspace_locale_with_a_flag() {
    // Arrange
    let w = world().await;
    let s = section(&w, &w.agent).await;
    let both = article(&w, &w.agent, Some(s), ArticleStatus::Published, "Exchanges", "<p>Swap it.</p>").await;
    articles::save_translation(&w.store, &w.agent, both, "de", "Umtausch", "<p>Tauschen Sie es.</p>").await.unwrap();
    let only_en = article(&w, &w.agent, Some(s), ArticleStatus::Published, "Gift cards", "<p>Cards.</p>").await;
    let ws = autocrm_store::workspaces::by_id(&w.store, w.ws).await.unwrap();

    // Act
    let de = public::article(&w.store, &ws, both, "de").await.unwrap();
    let de_ch = public::article(&w.store, &ws, both, "de-CH").await.unwrap();
    let fallback = public::article(&w.store, &ws, only_en, "de").await.unwrap();
    let tree = public::tree(&w.store, &ws, "de").await.unwrap();
    let locales = public::locales(&w.store, &ws).await.unwrap();

    // Assert
    assert_eq!((de.translation.title.as_str(), de.fallback), ("Umtausch", false));
    assert_eq!(de_ch.translation.locale, "de", "same language counts");
    assert_eq!(
        (fallback.translation.title.as_str(), fallback.translation.locale.as_str(), fallback.fallback),
        ("Gift cards", "en", true)
    );
    assert_eq!(tree[0].name.name, "Bestellungen");
    assert_eq!(tree[0].sections[0].name.name, "Rücksendungen");
    let titles: Vec<&str> = tree[0].sections[0].articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["Umtausch", "Gift cards"]);
    assert_eq!(locales, ["en", "de"], "the default first");
    // German search finds the German translation and stands in English for the rest.
    let hits = search::search(&w.store, w.ws, Scope::Public, &en_with_de(), "cards", 10).await.unwrap().hits;
    assert_eq!(hits.iter().map(|h| (h.article_id, h.locale.as_str())).collect::<Vec<_>>(), [(only_en, "en")]);
    let swap = search::search(&w.store, w.ws, Scope::Public, &en_with_de(), "swap", 10).await.unwrap().hits;
    assert!(swap.is_empty(), "an article with a German translation is searched in German");
}

#[tokio::test]
async fn public_search_ranks_highlights_safely_and_corrects_a_typo() {
    // Arrange
    let w = world().await;
    let s = section(&w, &w.agent).await;
    let refunds = article(
        &w,
        &w.agent,
        Some(s),
        ArticleStatus::Published,
        "Refund policy",
        "<p>A refund &lt;script&gt;alert(1)&lt;/script&gt; goes to the original payment method within 5 days.</p>",
    )
    .await;
    let shipping = article(
        &w,
        &w.agent,
        Some(s),
        ArticleStatus::Published,
        "Shipping times",
        "<p>Parcels arrive in 3 days. Ask for a refund if a parcel is lost.</p>",
    )
    .await;

    // Act
    let ranked = search::search(&w.store, w.ws, Scope::Public, &en(), "refund", 10).await.unwrap();
    let typo = search::search(&w.store, w.ws, Scope::Public, &en(), "refnud", 10).await.unwrap();
    let two_words_one_typo = search::search(&w.store, w.ws, Scope::Public, &en(), "parcles arrive", 10).await.unwrap();
    let prefix = public_ids(&w, w.ws, "shipp", &en()).await;
    let question = public_ids(&w, w.ws, "How do I get a refund?", &en()).await;
    let nonsense = search::search(&w.store, w.ws, Scope::Public, &en(), "zzzzqx", 10).await.unwrap();

    // Assert
    assert_eq!(ranked.hits.iter().map(|h| h.article_id).collect::<Vec<_>>(), [refunds, shipping], "title match first");
    assert!(ranked.did_you_mean.is_none());
    let snippet = &ranked.hits[0].snippet_html;
    assert!(snippet.contains("<mark>refund</mark>"), "{snippet}");
    assert!(!snippet.contains("<script"), "text that looks like HTML stays escaped: {snippet}");
    if autocrm_testkit::backend() == "sqlite" {
        // PostgreSQL's headline drops tag-like text; FTS5 keeps it, escaped.
        assert!(snippet.contains("&lt;script&gt;"), "{snippet}");
    }
    assert_eq!(typo.did_you_mean.as_deref(), Some("refund"));
    assert_eq!(typo.hits[0].article_id, refunds);
    assert_eq!(two_words_one_typo.did_you_mean.as_deref(), Some("parcels arrive"));
    assert_eq!(two_words_one_typo.hits[0].article_id, shipping);
    assert_eq!(prefix, [shipping], "the last word is a prefix");
    assert_eq!(question[0], refunds, "a natural question ranks by its content words");
    assert!(nonsense.hits.is_empty() && nonsense.did_you_mean.is_none());
    let long = "x".repeat(201);
    assert!(matches!(
        search::search(&w.store, w.ws, Scope::Public, &en(), &long, 10).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn drafts_and_internal_articles_never_reach_public_reads_or_search_but_agents_find_them() {
    // Arrange
    let w = world().await;
    let s = section(&w, &w.agent).await;
    let draft =
        article(&w, &w.agent, Some(s), ArticleStatus::Draft, "Warehouse codes", "<p>Zanzibar procedure.</p>").await;
    let internal =
        article(&w, &w.agent, Some(s), ArticleStatus::Internal, "Escalation", "<p>Zanzibar escalation.</p>").await;
    let ws = autocrm_store::workspaces::by_id(&w.store, w.ws).await.unwrap();

    // Act
    let public_hits = public_ids(&w, w.ws, "zanzibar", &en()).await;
    let typo_hits = search::search(&w.store, w.ws, Scope::Public, &en(), "zanzibra", 10).await.unwrap();
    let suggestions = search::suggest(&w.store, w.ws, Scope::Public, &en(), "esca", 10).await.unwrap();
    let staff_hits = search::search(&w.store, w.ws, Scope::Staff, &en(), "zanzibar", 10).await.unwrap();

    // Assert
    assert!(public_hits.is_empty());
    assert!(typo_hits.hits.is_empty() && typo_hits.did_you_mean.is_none(), "no suggestion from hidden words");
    assert!(suggestions.is_empty());
    let mut staff: Vec<i64> = staff_hits.hits.iter().map(|h| h.article_id).collect();
    staff.sort_unstable();
    assert_eq!(staff, [draft, internal]);
    for id in [draft, internal] {
        assert!(matches!(public::article(&w.store, &ws, id, "en").await, Err(StoreError::NotFound)));
        assert!(matches!(stats::record_view(&w.store, w.ws, id).await, Err(StoreError::NotFound)));
        assert!(matches!(
            stats::record_feedback(&w.store, w.ws, id, "en", true, None).await,
            Err(StoreError::NotFound)
        ));
    }
    assert!(
        public::tree(&w.store, &ws, "en").await.unwrap().is_empty(),
        "a section without published articles is hidden"
    );
    assert!(public::sitemap(&w.store, &ws).await.unwrap().is_empty());
}

#[tokio::test]
async fn another_workspace_never_sees_searches_or_changes_an_article() {
    // Arrange
    let w = world().await;
    let s = section(&w, &w.agent).await;
    let id = article(&w, &w.agent, Some(s), ArticleStatus::Published, "Secret sauce", "<p>Acme only.</p>").await;
    let other_ws = autocrm_store::workspaces::by_id(&w.store, w.other_ws).await.unwrap();

    // Act + Assert
    assert!(matches!(articles::get(&w.store, &w.other_admin, id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        articles::save_translation(&w.store, &w.other_admin, id, "en", "Mine", "x").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(articles::delete(&w.store, &w.other_admin, id).await, Err(StoreError::NotFound)));
    assert!(matches!(public::article(&w.store, &other_ws, id, "en").await, Err(StoreError::NotFound)));
    assert!(public_ids(&w, w.other_ws, "sauce", &en()).await.is_empty());
    let typo = search::search(&w.store, w.other_ws, Scope::Staff, &en(), "sacue", 10).await.unwrap();
    assert!(typo.hits.is_empty() && typo.did_you_mean.is_none(), "no correction from another workspace's words");
    assert!(matches!(stats::record_view(&w.store, w.other_ws, id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        structure::update_section(&w.store, &w.other_admin, s, HeadingInput::default()).await,
        Err(StoreError::NotFound)
    ));
    let listed =
        articles::list(&w.store, &w.other_admin, &articles::ArticleFilter::default(), None, None).await.unwrap();
    assert!(listed.data.is_empty());
    assert!(matches!(
        articles::list(&w.store, &w.carla, &articles::ArticleFilter::default(), None, None).await,
        Err(StoreError::Forbidden)
    ));
}

#[tokio::test]
async fn feedback_and_views_count_per_article_locale_and_day() {
    // Arrange
    let w = world().await;
    let s = section(&w, &w.agent).await;
    let id = article(&w, &w.agent, Some(s), ArticleStatus::Published, "Track a parcel", "<p>Use the link.</p>").await;

    // Act
    stats::record_feedback(&w.store, w.ws, id, "en", true, Some("  Clear!  ")).await.unwrap();
    stats::record_feedback(&w.store, w.ws, id, "de", false, Some("")).await.unwrap();
    stats::record_view(&w.store, w.ws, id).await.unwrap();
    stats::record_view(&w.store, w.ws, id).await.unwrap();
    w.clock.advance(chrono::TimeDelta::days(1));
    stats::record_view(&w.store, w.ws, id).await.unwrap();
    let too_long = stats::record_feedback(&w.store, w.ws, id, "en", true, Some(&"x".repeat(2001))).await;

    // Assert
    let (totals, votes) = stats::feedback(&w.store, &w.agent, id, 50).await.unwrap();
    assert_eq!((totals.yes, totals.no), (1, 1));
    assert_eq!(totals.by_locale, [("de".to_owned(), 0, 1), ("en".to_owned(), 1, 0)]);
    assert_eq!(votes[1].comment.as_deref(), Some("Clear!"));
    assert_eq!(votes[0].comment, None, "an empty comment is none");
    assert!(matches!(too_long, Err(StoreError::Invalid(_))));
    let a = articles::get(&w.store, &w.agent, id).await.unwrap();
    assert_eq!((a.view_count, a.helpful_yes, a.helpful_no), (3, 1, 1));
    let today = w.clock_now().date_naive();
    let days = stats::daily_views(&w.store, &w.agent, Some(id), today - chrono::Days::new(7), today).await.unwrap();
    assert_eq!(days.iter().map(|d| d.views).collect::<Vec<_>>(), [2, 1]);
    let per_article = stats::article_stats(&w.store, &w.agent, today, today).await.unwrap();
    assert_eq!((per_article[0].article_id, per_article[0].views, per_article[0].views_total), (id, 1, 3));
    assert!(matches!(stats::feedback(&w.store, &w.carla, id, 10).await, Err(StoreError::Forbidden)));
}

#[tokio::test]
async fn bodies_are_sanitised_before_they_are_stored() {
    // Arrange
    let w = world().await;
    let body = r#"<p onclick="steal()">Hi <img src="x" onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a></p>"#;

    // Act
    let id = article(&w, &w.agent, None, ArticleStatus::Draft, "<b>Title</b>", body).await;

    // Assert
    let a = articles::get(&w.store, &w.agent, id).await.unwrap();
    let html = &a.translations[0].body_html;
    for bad in ["onclick", "onerror", "<script", "javascript:"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    assert_eq!(a.translations[0].title, "<b>Title</b>", "titles are text, escaped where shown");
    assert!(a.translations[0].body_text.contains("Hi"));
}

#[tokio::test]
async fn an_agents_public_reply_becomes_a_draft_article_but_a_note_or_a_customers_message_does_not() {
    // Arrange
    let w = world().await;
    let t = w.ticket_for(&w.carla, "How do I change my delivery address?").await.ticket.id;
    let reply =
        messages::create(&w.store, &w.agent, t, "<p>Open <b>Orders</b> and choose <i>Change address</i>.</p>", false)
            .await
            .unwrap();
    let note = messages::create(&w.store, &w.agent, t, "internal detail", true).await.unwrap();
    let question = messages::create(&w.store, &w.carla, t, "help me", false).await.unwrap();

    // Act
    let a = articles::from_message(&w.store, &w.agent, reply.id).await.unwrap();

    // Assert
    assert_eq!(a.status, ArticleStatus::Draft);
    assert_eq!(a.source_ticket_id, Some(t));
    assert_eq!(a.source_message_id, Some(reply.id));
    assert_eq!(a.translations[0].title, "How do I change my delivery address?");
    assert!(a.translations[0].body_html.contains("<b>Orders</b>"));
    assert_eq!(a.translations[0].locale, "en", "the workspace's locale");
    for m in [note.id, question.id] {
        assert!(matches!(articles::from_message(&w.store, &w.agent, m).await, Err(StoreError::Invalid(_))));
    }
    assert!(
        matches!(articles::from_message(&w.store, &w.other_admin, reply.id).await, Err(StoreError::Invalid(_))),
        "another workspace's message is unknown"
    );
}

#[tokio::test]
async fn suggestions_match_title_prefixes_in_the_locale() {
    // Arrange
    let w = world().await;
    let s = section(&w, &w.agent).await;
    let cancel =
        article(&w, &w.agent, Some(s), ArticleStatus::Published, "Cancel an order", "<p>Pending only.</p>").await;
    articles::save_translation(&w.store, &w.agent, cancel, "de", "Bestellung stornieren", "<p>Nur offene.</p>")
        .await
        .unwrap();
    article(&w, &w.agent, Some(s), ArticleStatus::Published, "Change your payment", "<p>Cancel is not here.</p>").await;

    // Act
    let en_hits = search::suggest(&w.store, w.ws, Scope::Public, &en(), "canc", 5).await.unwrap();
    let de_hits = search::suggest(&w.store, w.ws, Scope::Public, &en_with_de(), "bestellung sto", 5).await.unwrap();

    // Assert
    assert_eq!(en_hits.iter().map(|h| h.title.as_str()).collect::<Vec<_>>(), ["Cancel an order"], "titles only");
    assert_eq!(de_hits.iter().map(|h| h.title.as_str()).collect::<Vec<_>>(), ["Bestellung stornieren"]);
}

#[tokio::test]
async fn files_of_a_published_article_are_public_and_a_drafts_are_staff_only() {
    // Arrange
    let w = world().await;
    let s = section(&w, &w.agent).await;
    let id = article(&w, &w.agent, Some(s), ArticleStatus::Draft, "With a picture", "<p>See below.</p>").await;
    let png = b"\x89PNG\r\n\x1a\nfake";

    // Act
    let f = autocrm_store::kb::files::upload(&w.store, &w.agent, id, "shot.png", "image/PNG", png).await.unwrap();

    // Assert
    assert_eq!(f.content_type, "image/png");
    assert!(matches!(
        autocrm_store::kb::files::read(&w.store, w.ws, &f.public_id, false).await,
        Err(StoreError::NotFound)
    ));
    let (_, bytes) = autocrm_store::kb::files::read(&w.store, w.ws, &f.public_id, true).await.unwrap();
    assert_eq!(bytes, png);
    articles::publish(&w.store, &w.agent, id).await.unwrap();
    assert!(autocrm_store::kb::files::read(&w.store, w.ws, &f.public_id, false).await.is_ok());
    assert!(matches!(
        autocrm_store::kb::files::read(&w.store, w.other_ws, &f.public_id, true).await,
        Err(StoreError::NotFound)
    ));
    autocrm_store::kb::files::delete(&w.store, &w.agent, id, &f.public_id).await.unwrap();
    assert!(autocrm_store::kb::files::list(&w.store, &w.agent, id).await.unwrap().is_empty());
}
