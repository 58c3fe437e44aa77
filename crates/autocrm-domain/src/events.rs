//! Event types of the append-only log.
//!
//! Names are `resource.verb`. The same names are the webhook event types and
//! the SSE `event:` field.

/// Every event type the log holds, with a one-line description for the API.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("ticket.created", "A ticket was created"),
    ("ticket.updated", "Ticket fields changed (status, priority, assignee, team, tags, custom fields, subject)"),
    ("ticket.merged", "A ticket was merged into another"),
    ("ticket.mentioned", "An agent was @mentioned in an internal note (one event per person mentioned)"),
    ("message.created", "A public reply or internal note was added"),
    ("contact.created", "A contact was created"),
    ("contact.updated", "A contact changed"),
    ("company.created", "A company was created"),
    ("company.updated", "A company changed"),
    ("user.created", "A user was created"),
    ("user.updated", "A user changed"),
    ("user.invited", "A user was invited by e-mail link (or the invitation was sent anew)"),
    ("user.invitation_revoked", "An invitation was revoked and the invited user removed"),
    ("user.invitation_accepted", "An invited user set a password and joined"),
    ("status.created", "A status was created"),
    ("status.updated", "A status changed"),
    ("custom_field.created", "A custom field definition was created"),
    ("custom_field.updated", "A custom field definition changed"),
    ("api_key.created", "An API key was created"),
    ("api_key.revoked", "An API key was revoked"),
    ("webhook.created", "A webhook subscription was created"),
    ("webhook.updated", "A webhook subscription changed"),
    ("webhook.deleted", "A webhook subscription was deleted"),
    ("webhook.disabled", "A webhook was disabled (410 Gone or exhausted retries)"),
    ("session.login", "A user signed in"),
    ("session.login_failed", "A sign-in failed"),
    ("session.logout", "A user signed out (one or every session)"),
    ("workspace.created", "A workspace was created"),
    ("workspace.updated", "Workspace settings changed (name, time zone, locale)"),
    ("tag.renamed", "A ticket tag was renamed on every ticket carrying it"),
    ("tag.merged", "A ticket tag was merged into another"),
    ("tag.deleted", "A ticket tag was removed from every ticket"),
    ("view.created", "A ticket view was created"),
    ("view.updated", "A ticket view changed"),
    ("view.deleted", "A ticket view was deleted"),
    ("macro.created", "A macro was created"),
    ("macro.updated", "A macro changed"),
    ("macro.deleted", "A macro was deleted"),
    ("macro.applied", "A macro was applied to a ticket"),
    ("order.cancelled", "An agent cancelled a customer's pending order (on the ticket it was done from)"),
    ("order.address_changed", "An agent changed a pending order's shipping address"),
    ("order.payment_changed", "An agent changed a pending order's payment method"),
    ("order.items_changed", "An agent swapped items of a pending order for other options"),
    ("order.return_requested", "An agent requested the return of delivered items"),
    ("order.exchange_requested", "An agent requested the exchange of delivered items"),
    ("order.refunded", "An agent refunded order items"),
    ("subscription.paused", "An agent paused a subscription"),
    ("subscription.resumed", "An agent resumed a subscription"),
    ("subscription.skipped", "An agent skipped a subscription's next delivery"),
    ("subscription.cancelled", "An agent cancelled a subscription"),
    ("subscription.frequency_changed", "An agent changed how often a subscription delivers"),
    ("mailbox.created", "An e-mail mailbox was added"),
    ("mailbox.updated", "A mailbox changed (address, IMAP or SMTP settings, or its inbound token was rotated)"),
    ("mailbox.deleted", "A mailbox was removed"),
    ("sms_number.created", "An SMS number was added"),
    ("sms_number.updated", "An SMS number changed"),
    ("sms_number.deleted", "An SMS number was removed"),
    ("api_channel.created", "An API channel was added"),
    ("api_channel.updated", "An API channel changed"),
    ("api_channel.deleted", "An API channel was removed"),
    ("notification_template.updated", "A notification template was customised or reset"),
    ("channel_settings.updated", "Channel settings changed (acknowledgements, caps, size limit)"),
    ("article.created", "A knowledge-base article was created (as a draft unless published at once)"),
    ("article.updated", "A knowledge-base article changed (metadata, a translation saved or restored, a file)"),
    ("article.published", "A knowledge-base article was published to the help center"),
    ("article.unpublished", "A knowledge-base article was taken out of the help center"),
    ("article.deleted", "A knowledge-base article was deleted"),
    ("kb_category.created", "A knowledge-base category was created"),
    ("kb_category.updated", "A knowledge-base category was renamed or moved"),
    ("kb_category.deleted", "A knowledge-base category was deleted"),
    ("kb_section.created", "A knowledge-base section was created"),
    ("kb_section.updated", "A knowledge-base section was renamed or moved"),
    ("kb_section.deleted", "A knowledge-base section was deleted"),
    ("chat_settings.updated", "Chat widget settings changed (or its identity secret was rotated)"),
    ("ticket.rated", "The requester rated a solved ticket (good or bad, optional comment) or changed the rating"),
    ("oidc_provider.created", "An OpenID Connect sign-in provider was added to the customer portal"),
    ("oidc_provider.updated", "A portal sign-in provider changed"),
    ("oidc_provider.deleted", "A portal sign-in provider was removed"),
    ("customer.identity_linked", "A customer's sign-in with an OpenID Connect provider was linked to their account"),
    ("customer.password_reset", "A customer set a new password with a reset link"),
    ("tutorial.created", "A tutorial was created (as a draft)"),
    ("tutorial.updated", "A tutorial's draft changed (texts, steps, choices)"),
    ("tutorial.published", "A tutorial's draft was published as a new version"),
    ("tutorial.unpublished", "A tutorial was taken out of the help center and widget"),
    ("tutorial.deleted", "A tutorial was deleted with its versions and runs"),
    ("tutorial_run.completed", "A customer's tutorial run reached an outcome (solved, open a ticket, article)"),
    (
        "ai.triaged",
        "An inbound customer message was triaged: category, intent, language, sentiment, urgency (with the engine)",
    ),
    ("ticket.categorized", "An agent set a ticket's category (a correction of the AI when it differs from the AI's)"),
    (
        "ai.suggested",
        "A suggested reply, summary or translation was shown to an agent (engine, model, prompt version, inputs, sources)",
    ),
    ("ai.suggestion_used", "An agent accepted, edited or rejected an AI suggestion"),
    ("ai.model_trained", "The workspace's classifier was retrained from agents' categories"),
    ("ai.settings_updated", "The workspace's AI settings changed (LLM endpoint, budget, triage, chatbot)"),
    (
        "ai.answered",
        "The chatbot answered a customer (engine, model, prompt version, inputs, sources, tools it ran, outcome)",
    ),
    (
        "chat.handed_off",
        "The chatbot handed a conversation to the team (asked for a person, low confidence, upset customer, needs an agent)",
    ),
    ("category.created", "A ticket category was created"),
    ("category.updated", "A ticket category was renamed or described"),
    ("category.deleted", "A ticket category was deleted (its tickets keep no category)"),
];

/// Whether `name` is a known event type.
pub fn is_event_type(name: &str) -> bool {
    EVENT_TYPES.iter().any(|(n, _)| *n == name)
}

/// Whether a webhook subscribed to `pattern` receives `event_type`:
/// exact name, `resource.*` or `*`.
pub fn matches_pattern(pattern: &str, event_type: &str) -> bool {
    pattern == "*"
        || pattern == event_type
        || pattern.strip_suffix(".*").is_some_and(|res| event_type.split('.').next() == Some(res))
}

/// Whether a subscription pattern names something that can ever match.
pub fn is_valid_pattern(pattern: &str) -> bool {
    pattern == "*"
        || is_event_type(pattern)
        || pattern
            .strip_suffix(".*")
            .is_some_and(|res| EVENT_TYPES.iter().any(|(n, _)| n.split('.').next() == Some(res)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names_resources_and_everything() {
        assert!(matches_pattern("ticket.created", "ticket.created"));
        assert!(matches_pattern("ticket.*", "ticket.updated"));
        assert!(!matches_pattern("ticket.*", "message.created"));
        assert!(matches_pattern("*", "message.created"));
        assert!(is_valid_pattern("message.*"));
        assert!(!is_valid_pattern("nope.*"));
        assert!(!is_valid_pattern("ticket.exploded"));
    }
}
