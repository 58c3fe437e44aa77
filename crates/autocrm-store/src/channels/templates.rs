//! Notification templates per workspace and locale: the built-in ones
//! unless an admin saved their own. A template is checked (syntax, size, a
//! trial render against a full sample) before it is stored, so a saved
//! template always renders.

use autocrm_channels::email::templates::{self, LOCALES, Notice, Part, TemplateError, TemplateSet};
use autocrm_domain::Principal;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::entity::notification_templates;
use crate::tx::NewEvent;
use crate::{Store, StoreError, StoreResult};

/// One notice in one locale, as in effect.
#[derive(Debug, Clone)]
pub struct EffectiveTemplate {
    /// The notice.
    pub notice: Notice,
    /// The locale (`en`, `de`, `fr`).
    pub locale: &'static str,
    /// Whether the workspace saved its own.
    pub customized: bool,
    /// The templates in effect.
    pub set: TemplateSet,
}

/// Every notice in every supported locale.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<EffectiveTemplate>> {
    let saved = notification_templates::Entity::find()
        .filter(notification_templates::Column::WorkspaceId.eq(p.workspace_id))
        .all(&store.db)
        .await?;
    let mut out = Vec::new();
    for notice in Notice::ALL {
        for locale in LOCALES {
            let own = saved.iter().find(|r| r.notice == notice.key() && r.locale == locale);
            out.push(EffectiveTemplate {
                notice,
                locale,
                customized: own.is_some(),
                set: own.map_or_else(
                    || templates::default_template(notice, locale),
                    |r| TemplateSet {
                        subject: r.subject.clone(),
                        text: r.body_text.clone(),
                        html: r.body_html.clone(),
                    },
                ),
            });
        }
    }
    Ok(out)
}

/// Parses a notice key and a supported locale from a path.
pub fn parse_target(notice: &str, locale: &str) -> StoreResult<(Notice, &'static str)> {
    let n = Notice::from_key(notice).ok_or(StoreError::NotFound)?;
    let l = LOCALES.into_iter().find(|l| *l == locale).ok_or(StoreError::NotFound)?;
    Ok((n, l))
}

fn problem(e: &TemplateError) -> StoreError {
    let pointer = match e {
        TemplateError::TooLong { part, .. }
        | TemplateError::Syntax { part, .. }
        | TemplateError::Render { part, .. } => match part {
            Part::Subject => "/subject",
            Part::Text => "/text",
            Part::Html => "/html",
        },
        _ => "/text",
    };
    StoreError::invalid(pointer, e.to_string())
}

/// Saves the workspace's own templates for a notice and locale.
pub async fn save(
    store: &Store,
    p: &Principal,
    notice: Notice,
    locale: &'static str,
    set: TemplateSet,
) -> StoreResult<EffectiveTemplate> {
    templates::validate(&set).map_err(|e| problem(&e))?;
    if set.subject.trim().is_empty() {
        return Err(StoreError::invalid("/subject", "must not be empty"));
    }
    let now = store.now();
    let mut tx = store.begin(p).await?;
    notification_templates::Entity::delete_many()
        .filter(notification_templates::Column::WorkspaceId.eq(tx.ws()))
        .filter(notification_templates::Column::Notice.eq(notice.key()))
        .filter(notification_templates::Column::Locale.eq(locale))
        .exec(tx.conn())
        .await?;
    notification_templates::Entity::insert(notification_templates::ActiveModel {
        workspace_id: Set(tx.ws()),
        notice: Set(notice.key().to_owned()),
        locale: Set(locale.to_owned()),
        subject: Set(set.subject.clone()),
        body_text: Set(set.text.clone()),
        body_html: Set(set.html.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "notification_template.updated",
        "notification_template",
        0,
        json!({"template": {"notice": notice.key(), "locale": locale}}),
    ));
    tx.commit().await?;
    Ok(EffectiveTemplate { notice, locale, customized: true, set })
}

/// Goes back to the built-in templates for a notice and locale.
pub async fn reset(
    store: &Store,
    p: &Principal,
    notice: Notice,
    locale: &'static str,
) -> StoreResult<EffectiveTemplate> {
    let mut tx = store.begin(p).await?;
    notification_templates::Entity::delete_many()
        .filter(notification_templates::Column::WorkspaceId.eq(tx.ws()))
        .filter(notification_templates::Column::Notice.eq(notice.key()))
        .filter(notification_templates::Column::Locale.eq(locale))
        .exec(tx.conn())
        .await?;
    tx.emit(NewEvent::admin(
        "notification_template.updated",
        "notification_template",
        0,
        json!({"template": {"notice": notice.key(), "locale": locale, "reset": true}}),
    ));
    tx.commit().await?;
    Ok(EffectiveTemplate { notice, locale, customized: false, set: templates::default_template(notice, locale) })
}
