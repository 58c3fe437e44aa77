// Generated from the server's OpenAPI document by scripts/gen-api.mjs. Do not edit.
export interface paths {
    "/api/v1/ai/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace's trained classifiers. */
        get: operations["list_models"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ai/models/retrain": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retrains the workspace's classifiers now from every ticket an agent
         *     categorised, and answers with the models in use.
         */
        post: operations["retrain_models"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ai/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace's AI settings. */
        get: operations["get_ai_settings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes the workspace's AI settings. */
        patch: operations["update_ai_settings"];
        trace?: never;
    };
    "/api/v1/ai/suggestions/{id}/outcome": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Records what an agent did with a suggestion (for the AI report). */
        put: operations["set_suggestion_outcome"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lists the workspace's keys (never their secrets). */
        get: operations["list_api_keys"];
        put?: never;
        /** Creates a key and shows its secret once. */
        post: operations["create_api_key"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/api-keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revokes a key; it stops working at once. */
        delete: operations["revoke_api_key"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/attachments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Downloads an attachment. */
        get: operations["download_attachment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace audit log (every event, newest first). */
        get: operations["list_audit_log"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/api": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace's API channels. */
        get: operations["list_api_channels"];
        put?: never;
        /** Creates an API channel; the response carries its token and signing secret, shown only now. */
        post: operations["create_api_channel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/api/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One API channel. */
        get: operations["get_api_channel"];
        put?: never;
        post?: never;
        /** Deletes an API channel; its messages stay on their tickets. */
        delete: operations["delete_api_channel"];
        options?: never;
        head?: never;
        /** Changes an API channel. */
        patch: operations["update_api_channel"];
        trace?: never;
    };
    "/api/v1/channels/api/{public_id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Posts a customer's message to an API channel (authenticated by the
         *     channel's own bearer token, `apc_…`). Answers 201 for a new message and
         *     200 with `duplicate: true` when the `external_message_id` was posted before.
         */
        post: operations["create_api_message"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/email/inbound": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receives one raw RFC 5322 message for a mailbox (for forwarding
         *     providers and MTAs). Authenticated by the mailbox's inbound token as a
         *     bearer token. Idempotent: the same message again answers `duplicate`.
         */
        post: operations["inbound_email"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/email/unsubscribe/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The unsubscribe link's page: a button that confirms (so link scanners
         *     that follow every URL do not unsubscribe anyone).
         */
        get: operations["unsubscribe_page"];
        put?: never;
        /** Opts the customer out of automatic e-mail (RFC 8058 one-click unsubscribe). */
        post: operations["unsubscribe"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/mailboxes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every mailbox of the workspace. */
        get: operations["list_mailboxes"];
        put?: never;
        /** Creates a mailbox; the response carries its inbound token, shown only now. */
        post: operations["create_mailbox"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/mailboxes/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One mailbox. */
        get: operations["get_mailbox"];
        put?: never;
        post?: never;
        /** Deletes a mailbox; its messages stay on their tickets. */
        delete: operations["delete_mailbox"];
        options?: never;
        head?: never;
        /** Changes a mailbox. A new IMAP server or folder restarts polling from its first message. */
        patch: operations["update_mailbox"];
        trace?: never;
    };
    "/api/v1/channels/mailboxes/{id}/rotate-token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Issues a new inbound token; the old one stops working at once. */
        post: operations["rotate_mailbox_token"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/mailboxes/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Logs in to the mailbox's IMAP server and selects its folder. */
        post: operations["test_mailbox"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace's channel settings. */
        get: operations["get_channel_settings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes the workspace's channel settings. */
        patch: operations["update_channel_settings"];
        trace?: never;
    };
    "/api/v1/channels/sms-numbers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace's SMS numbers. */
        get: operations["list_sms_numbers"];
        put?: never;
        /** Adds an SMS number; point its Twilio webhook at the `inbound_url` returned. */
        post: operations["create_sms_number"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/sms-numbers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One SMS number. */
        get: operations["get_sms_number"];
        put?: never;
        post?: never;
        /** Removes an SMS number; its messages stay on their tickets. */
        delete: operations["delete_sms_number"];
        options?: never;
        head?: never;
        /** Changes an SMS number; omit `auth_token` to keep the stored one. */
        patch: operations["update_sms_number"];
        trace?: never;
    };
    "/api/v1/channels/sms/{public_id}/twilio": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receives a text message from Twilio (form-encoded, signed with
         *     `X-Twilio-Signature`). Answers an empty `TwiML` document: Twilio itself answers
         *     STOP/START/HELP, and agents answer through the ticket.
         */
        post: operations["receive_twilio_message"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/sms/{public_id}/twilio/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receives a delivery report from Twilio for a message we sent (signed
         *     like the message webhook). States only move forward: a late `sent` never
         *     replaces `delivered`.
         */
        post: operations["receive_twilio_status"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every notification template in effect, per notice and locale. */
        get: operations["list_templates"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/templates/{notice}/{locale}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Saves the workspace's own templates for a notice in a locale (checked by a trial render first). */
        put: operations["save_template"];
        post?: never;
        /** Goes back to the built-in templates for a notice in a locale. */
        delete: operations["reset_template"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/chat/availability": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Sets the signed-in agent's chat availability and records a heartbeat
         *     (send every ~30 s while the app is open; visitors see "online" while any agent is).
         */
        put: operations["update_chat_availability"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/chat/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The chat widget's settings. */
        get: operations["get_chat_settings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes the chat widget's settings. */
        patch: operations["update_chat_settings"];
        trace?: never;
    };
    "/api/v1/chat/settings/identity-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sets a new identity secret (the old one stops working at once) and returns it once. */
        post: operations["rotate_chat_identity_secret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/companies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lists companies, newest first. */
        get: operations["list_companies"];
        put?: never;
        /** Creates a company. */
        post: operations["create_company"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/companies/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One company. */
        get: operations["get_company"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes a company. */
        patch: operations["update_company"];
        trace?: never;
    };
    "/api/v1/contacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lists contacts, newest first. */
        get: operations["list_contacts"];
        put?: never;
        /** Creates a contact. */
        post: operations["create_contact"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One contact (customers: only themselves). */
        get: operations["get_contact"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes a contact. */
        patch: operations["update_contact"];
        trace?: never;
    };
    "/api/v1/contacts/{id}/channel-preferences": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A contact's notification preferences (both on until the customer or an agent turns one off). */
        get: operations["get_contact_preferences"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Sets a contact's notification preferences (per channel). */
        patch: operations["update_contact_preferences"];
        trace?: never;
    };
    "/api/v1/custom-fields": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lists field definitions (customers see only customer-visible ones). */
        get: operations["list_custom_fields"];
        put?: never;
        /** Creates a field definition. */
        post: operations["create_custom_field"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/custom-fields/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes a field definition (key and type are fixed). */
        patch: operations["update_custom_field"];
        trace?: never;
    };
    "/api/v1/deliveries/{id}/raw": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Downloads a channel record's raw message (`.eml`), as received or sent. */
        get: operations["get_raw_message"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-Sent Events: `id` is the seq, `event` the type, `data` an [`EventOut`].
         *     Reconnect with `Last-Event-ID` to receive everything missed.
         */
        get: operations["stream_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/articles/{article_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A published article in the requested locale (or the workspace's, with `fallback`); counts a view. */
        get: operations["help_article"];
        put?: never;
        post?: never;
        delete?: never;
        /** Preflight for articles. */
        options: operations["help_article_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/articles/{article_id}/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Records "Was this helpful?" for a published article. */
        post: operations["help_feedback"];
        delete?: never;
        /** Preflight for feedback. */
        options: operations["help_feedback_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Searches published articles (typo-tolerant, ranked, highlighted). */
        get: operations["help_search"];
        put?: never;
        post?: never;
        delete?: never;
        /** Preflight for the public search. */
        options: operations["help_search_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/suggest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Titles of published articles matching what has been typed so far. */
        get: operations["help_suggest"];
        put?: never;
        post?: never;
        delete?: never;
        /** Preflight for suggestions. */
        options: operations["help_suggest_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/tutorial-images/{image_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A step image: of a published tutorial for anyone, of a draft for its workspace's staff (session). */
        get: operations["get_tutorial_image"];
        put?: never;
        post?: never;
        delete?: never;
        options: operations["get_tutorial_image_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/tutorial-runs/{run_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run: the step to show, the path so far, the outcome. */
        get: operations["get_run"];
        put?: never;
        post?: never;
        delete?: never;
        options: operations["get_run_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/tutorial-runs/{run_id}/choices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Records the choice made at a step; a choice that leads to an outcome finishes the run
         *     ("open a ticket" answers with the prefill).
         */
        post: operations["choose"];
        delete?: never;
        options: operations["choose_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/tutorial-runs/{run_id}/ticket": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Opens the ticket of a run that ended with "open a ticket", prefilled with the path taken. */
        post: operations["open_run_ticket"];
        delete?: never;
        options: operations["open_run_ticket_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/tutorials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The published tutorials, localised (a missing translation falls back to the default language). */
        get: operations["list_public_tutorials"];
        put?: never;
        post?: never;
        delete?: never;
        options: operations["list_public_tutorials_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/tutorials/{tutorial_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One published tutorial, localised, with every step (drafts are 404). */
        get: operations["get_public_tutorial"];
        put?: never;
        post?: never;
        delete?: never;
        options: operations["get_public_tutorial_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/help/tutorials/{tutorial_id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Starts a run of a published tutorial at its first step. */
        post: operations["start_run"];
        delete?: never;
        options: operations["start_run_preflight"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/invitations/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What an invitation link is for (no sign-in needed); 404 when it is unknown, expired or used. */
        get: operations["get_invitation"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/invitations/{token}/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accepts an invitation: sets the password, activates the user and signs them in
         *     (the session cookie, as at sign-in). The link cannot be used again.
         */
        post: operations["accept_invitation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Articles, newest first (or one section's, in order). */
        get: operations["list_articles"];
        put?: never;
        /** Creates an article (a draft unless `status` says otherwise). */
        post: operations["create_article"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles/from-message": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Drafts an article from an agent's public reply (title: the ticket's subject). */
        post: operations["article_from_message"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One article with every translation. */
        get: operations["get_article"];
        put?: never;
        post?: never;
        /** Deletes an article with its translations, versions and files (admins). */
        delete: operations["delete_article"];
        options?: never;
        head?: never;
        /** Changes an article's section, status, tags, position or related articles. */
        patch: operations["update_article"];
        trace?: never;
    };
    "/api/v1/kb/articles/{id}/attachments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An article's files. */
        get: operations["list_files"];
        put?: never;
        /** Uploads a file or image to an article (`multipart/form-data` with `file`). */
        post: operations["upload_file"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles/{id}/attachments/{file_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Removes a file from an article. */
        delete: operations["delete_file"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles/{id}/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An article's "Was this helpful?" votes and comments. */
        get: operations["article_feedback"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles/{id}/publish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Publishes an article (it must be in a section). */
        post: operations["publish_article"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles/{id}/translations/{locale}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Saves a translation: creates it, or stores its next version. */
        put: operations["save_translation"];
        post?: never;
        /** Removes a translation (not the last one). */
        delete: operations["delete_translation"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles/{id}/unpublish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Takes an article out of the help center (back to draft). */
        post: operations["unpublish_article"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles/{id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An article's version history, newest first (the latest 200). */
        get: operations["list_versions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/articles/{id}/versions/{version_id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restores a version: its content becomes the translation's next version. */
        post: operations["restore_version"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/categories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Categories with their sections, in order (the knowledge base's tree). */
        get: operations["list_categories"];
        put?: never;
        /** Creates a category. */
        post: operations["create_category"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/categories/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Deletes an empty category (admins). */
        delete: operations["delete_category"];
        options?: never;
        head?: never;
        /** Renames, re-describes or re-orders a category. */
        patch: operations["update_category"];
        trace?: never;
    };
    "/api/v1/kb/categories/{id}/sections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Creates a section in a category. */
        post: operations["create_section"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Searches every article (drafts and internal ones too), for the composer's "insert article link". */
        get: operations["search_articles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/kb/sections/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Deletes an empty section (admins). */
        delete: operations["delete_section"];
        options?: never;
        head?: never;
        /** Renames, moves or re-orders a section. */
        patch: operations["update_section"];
        trace?: never;
    };
    "/api/v1/kb/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Views per day and per article, and votes, for a period. */
        get: operations["kb_stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/macros": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your macros and the shared ones, by name. */
        get: operations["list_macros"];
        put?: never;
        /** Creates a macro. */
        post: operations["create_macro"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/macros/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One macro. */
        get: operations["get_macro"];
        put?: never;
        post?: never;
        /** Deletes a macro (your own, or a shared one as an admin). */
        delete: operations["delete_macro"];
        options?: never;
        head?: never;
        /** Changes a macro (your own, or a shared one as an admin). */
        patch: operations["update_macro"];
        trace?: never;
    };
    "/api/v1/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your notifications (mentions, assignments), newest first, with the unread count. */
        get: operations["list_notifications"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Marks some or all of your notifications read. */
        post: operations["mark_notifications_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/chat-identity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How the portal shows the chat to you: the widget's workspace and, for a
         *     customer, the proof of your identity (the portal signs you in to the
         *     chat, so its assistant can help with your own orders).
         */
        get: operations["get_chat_identity"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The portal's configuration for the sign-in page. */
        get: operations["portal_config"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/magic-link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * E-mails a sign-in link (it also creates the account on first use, which
         *     verifies the address). Single-use, valid 20 minutes.
         */
        post: operations["request_magic_link"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/magic-link/sign-in": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Signs in with a magic link (creating the account on first use). */
        post: operations["sign_in_with_magic_link"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your profile and notification preferences. */
        get: operations["get_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes your name and (customers) how you are notified about your tickets. */
        patch: operations["update_me"];
        trace?: never;
    };
    "/api/v1/portal/oidc-providers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace's portal sign-in providers. */
        get: operations["list_oidc_providers"];
        put?: never;
        /** Adds a sign-in provider (its issuer's discovery document is fetched and checked). */
        post: operations["create_oidc_provider"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/oidc-providers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One sign-in provider. */
        get: operations["get_oidc_provider"];
        put?: never;
        post?: never;
        /** Removes a sign-in provider and the identities linked through it (the accounts stay). */
        delete: operations["delete_oidc_provider"];
        options?: never;
        head?: never;
        /** Changes a sign-in provider (a new issuer is discovered again). */
        patch: operations["update_oidc_provider"];
        trace?: never;
    };
    "/api/v1/portal/oidc/callback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Finishes an OIDC sign-in: exchanges the code, verifies the ID token,
         *     links or creates the customer (by a verified e-mail) and signs in.
         */
        post: operations["finish_oidc_sign_in"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/oidc/{slug}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Starts signing in with an OIDC provider: the authorisation URL to open. */
        post: operations["start_oidc_sign_in"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your orders from the shop, newest first, with items, shipments and
         *     tracking (matched by your e-mail address). Staff and keys have none.
         */
        get: operations["list_my_orders"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/orders/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One order: a customer's own only (anything else is a 404); staff and
         *     keys with `orders:read` reach every order of the workspace's shop.
         */
        get: operations["get_my_order"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/password-reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * E-mails a password-reset link to the address's customer account, if it
         *     has one. Single-use, valid one hour.
         */
        post: operations["request_password_reset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/password-reset/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sets a new password with a reset link, ends every other session of the
         *     account and signs in.
         */
        post: operations["complete_password_reset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/ratings/{rating_token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The ticket a rating link is for (no sign-in needed: the link is the credential). */
        get: operations["get_rating_page"];
        /**
         * Rates the ticket of a rating link, or changes the rating within 7 days
         *     of first giving it. Only solved or closed tickets (409
         *     `ticket_not_solved`); after 7 days 409 `rating_final`.
         */
        put: operations["rate_ticket"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Signs a customer in with e-mail and password (staff use `POST /api/v1/session`). */
        post: operations["sign_in"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/sign-up": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Creates an account: e-mails a link that verifies the address, creates
         *     the account (linked to the address's contact, so earlier tickets appear)
         *     and signs in. Nothing is created before the link is used. Answers the
         *     same when the address already has an account (its owner is told by e-mail).
         */
        post: operations["sign_up"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/sign-up/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Uses a sign-up's verification link: creates the account and signs in. */
        post: operations["verify_sign_up"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/portal/suggestions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Help-center articles for the signed-in customer, from their orders and requests. */
        get: operations["portal_suggestions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/agents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every agent's figures for the period. */
        get: operations["agent_reports"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/ai": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Suggestions shown to agents and what they did with them. */
        get: operations["ai_report"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/csat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Customer satisfaction (CSAT %: good / (good + bad)) per agent, team, channel and period. */
        get: operations["csat_report"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your own figures for the period. */
        get: operations["my_report"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/team": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The team dashboard for the period: volume by channel and status, backlog age, response and resolution times, per agent. */
        get: operations["team_report"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Full-text search over ticket subjects and message bodies; same filters as the ticket list, `q` required. */
        get: operations["search"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The current session's user and CSRF token. */
        get: operations["get_session"];
        put?: never;
        /** Signs in with a password; sets the session cookie (a new id at every sign-in). */
        post: operations["create_session"];
        /** Signs out (this session, or every session with `?everywhere=true`). */
        delete: operations["delete_session"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/statuses": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every status of the workspace in display order. */
        get: operations["list_statuses"];
        put?: never;
        /** Creates a status at the end of the list. */
        post: operations["create_status"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/statuses/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Renames, reorders or (de)activates a status. */
        patch: operations["update_status"];
        trace?: never;
    };
    "/api/v1/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The ticket tags in use with their counts, most used first. */
        get: operations["list_tags"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tags/{tag}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Removes a tag from every ticket (recorded as `tag.deleted`). */
        delete: operations["delete_tag"];
        options?: never;
        head?: never;
        /** Renames a tag on every ticket carrying it (recorded as `tag.renamed`). */
        patch: operations["rename_tag"];
        trace?: never;
    };
    "/api/v1/tags/{tag}/merge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Merges a tag into another: its tickets carry the other tag instead (recorded as `tag.merged`). */
        post: operations["merge_tag"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ticket-categories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace's ticket categories. */
        get: operations["list_ticket_categories"];
        put?: never;
        /** Adds a category. */
        post: operations["create_ticket_category"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ticket-categories/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Deletes a category; its tickets keep no category. */
        delete: operations["delete_ticket_category"];
        options?: never;
        head?: never;
        /** Renames a category or changes its description. */
        patch: operations["update_ticket_category"];
        trace?: never;
    };
    "/api/v1/tickets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lists tickets, newest activity first, by keyset cursor. */
        get: operations["list_tickets"];
        put?: never;
        /** Creates a ticket with its first message. */
        post: operations["create_ticket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/bulk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Applies one change to many tickets, all or nothing. */
        post: operations["bulk_update_tickets"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/counts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live counts from the counters: `t:cat:<category>`, `t:status:<id>`, `t:asg:<user|none>:<category>`. */
        get: operations["count_tickets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One ticket. */
        get: operations["get_ticket"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes a ticket's properties. */
        patch: operations["update_ticket"];
        trace?: never;
    };
    "/api/v1/tickets/{id}/ai/reply": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Suggests a reply to the ticket's customer: an editable draft made from
         *     the best-matching macro, article and past replies, with its sources.
         */
        post: operations["suggest_reply"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/ai/reply/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * [`suggest_reply`] as Server-Sent Events, so the agent reads the reply
         *     while the model writes it: `delta` events (`{"text": …}`, the whole text
         *     so far, plain text) while an LLM writes, then one `done` event with the
         *     recorded [`SuggestionOut`] (its text is the one to use; after an endpoint
         *     failure it is the built-in engine's), or one `error` event with a problem
         *     object. The built-in engine sends no deltas. Errors found before the
         *     stream starts (an unknown ticket) are ordinary problem responses.
         */
        post: operations["stream_suggest_reply"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/ai/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Summarises the ticket's thread for an agent: the ask, what was done, what is open. */
        post: operations["summarise_ticket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/ai/translate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Translates a draft into the customer's language (needs an LLM endpoint:
         *     `409 llm_not_configured` otherwise).
         */
        post: operations["translate_for_ticket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/attachments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A ticket's attachments. */
        get: operations["list_attachments"];
        put?: never;
        /** Uploads a file to a ticket (`multipart/form-data` with `file` and optional `message_id`). */
        post: operations["upload_attachment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/category": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Sets a ticket's category as an agent: the AI never overrides it, and it
         *     trains the workspace's classifier (retrained shortly after).
         */
        put: operations["set_ticket_category"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/chat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The chat side of a ticket (404 when it did not come from the widget). */
        get: operations["get_ticket_chat"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/chat/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The agent has read the chat up to a message (the visitor sees "Seen"). */
        post: operations["mark_ticket_chat_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/chat/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-Sent Events of one chat's visitor: `typing` and `read` (ephemeral, no id). */
        get: operations["stream_ticket_chat"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/chat/typing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The agent is (or stopped) typing a reply; the visitor sees "Anna is typing". Not stored. */
        post: operations["send_ticket_chat_typing"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The requester's shop customer record, orders (newest first, with items, fulfilments and tracking), subscriptions and the products of those orders. */
        get: operations["ticket_commerce"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/orders/{order_id}/address": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Changes a pending order's shipping address. */
        post: operations["change_address"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/orders/{order_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancels a pending order; the full amount goes back to the original payment method. */
        post: operations["cancel_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/orders/{order_id}/exchange": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Requests the exchange of delivered items for other options of the same products. */
        post: operations["exchange_items"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/orders/{order_id}/items": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Swaps a pending order's items for other options of the same products (once per order). */
        post: operations["change_items"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/orders/{order_id}/payment": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pays a pending order with another saved method; the original is refunded. */
        post: operations["change_payment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/orders/{order_id}/refund": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Refunds order items to the original payment method or a gift card (shipped orders only; pending ones are cancelled instead). */
        post: operations["refund_items"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/orders/{order_id}/return": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Requests the return of delivered items; the refund follows when they arrive. */
        post: operations["return_items"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancels a subscription. */
        post: operations["cancel_subscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/frequency": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Changes how often a subscription delivers. */
        post: operations["change_frequency"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pauses an active subscription. */
        post: operations["pause_subscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resumes a paused subscription (next charge one interval from today). */
        post: operations["resume_subscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/skip": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Skips the next delivery (the charge moves one interval later). */
        post: operations["skip_subscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A ticket's channel records: every message as it crossed a channel, with
         *     addresses, threading headers, authentication results and delivery state.
         */
        get: operations["list_ticket_deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The ticket's audit trail, oldest first, read from the event log. */
        get: operations["list_ticket_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/macros/{macro_id}/apply": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Applies a macro: its ticket changes, its reply (unless `send_reply` is false) and one more use, in one transaction. */
        post: operations["apply_macro"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/macros/{macro_id}/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Renders a macro for a ticket without changing anything (for the editor's `/` menu). */
        get: operations["preview_macro"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/merge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Merges this ticket into another: messages move, this one closes with a link. */
        post: operations["merge_ticket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A ticket's messages (customers: public replies only). */
        get: operations["list_messages"];
        put?: never;
        /** Adds a public reply or an internal note. */
        post: operations["create_message"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/presence": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Tells the other agents watching a ticket that you view or answer it; they
         *     receive a `presence` event (not stored, no seq) on `/api/v1/events`.
         */
        post: operations["announce_presence"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/rating": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A ticket's satisfaction rating; its requester also gets the rating token. */
        get: operations["get_ticket_rating"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tutorials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every tutorial of the workspace, drafts included. */
        get: operations["list_tutorials"];
        put?: never;
        /** Creates a draft tutorial (without steps: one starter question with both outcomes). */
        post: operations["create_tutorial"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tutorials/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One tutorial with its draft steps. */
        get: operations["get_tutorial"];
        put?: never;
        post?: never;
        /** Deletes a tutorial with its versions, runs and images. */
        delete: operations["delete_tutorial"];
        options?: never;
        head?: never;
        /** Saves a change to the draft; the graph is validated as a whole (published versions are untouched). */
        patch: operations["update_tutorial"];
        trace?: never;
    };
    "/api/v1/tutorials/{id}/analytics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Starts, completions, outcomes, tickets and the funnel per step. */
        get: operations["tutorial_analytics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tutorials/{id}/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Uploads an image for the tutorial's steps (`file`: PNG, JPEG, GIF or WebP, up to 5 MiB). */
        post: operations["upload_tutorial_image"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tutorials/{id}/publish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Publishes the draft as a new version (runs under way keep theirs). */
        post: operations["publish_tutorial"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tutorials/{id}/unpublish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Takes a tutorial out of the help center and widget. */
        post: operations["unpublish_tutorial"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tutorials/{id}/validate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Checks a change without saving it: every problem with its JSON pointer (for the editor). */
        post: operations["validate_tutorial"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lists users, oldest first. */
        get: operations["list_users"];
        put?: never;
        /** Creates a user (customers get a contact too). */
        post: operations["create_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/invitations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Invites an agent or admin: creates the user (inactive, no password) and returns their link once. */
        post: operations["create_invitation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One user. */
        get: operations["get_user"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes a user's name, role, active flag or password. */
        patch: operations["update_user"];
        trace?: never;
    };
    "/api/v1/users/{id}/invitation": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sends an invitation anew: a new link (returned once); the previous one stops working. */
        post: operations["resend_invitation"];
        /** Revokes an open invitation: the link stops working and the invited user is removed. */
        delete: operations["revoke_invitation"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/views": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's views: their personal ones and the shared ones. */
        get: operations["list_views"];
        put?: never;
        /** Creates a view. */
        post: operations["create_view"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/views/counts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Counts for every view the caller has, keyed by view id. */
        get: operations["view_counts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/views/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One view. */
        get: operations["get_view"];
        put?: never;
        post?: never;
        /** Deletes a view (your own, or a shared one as an admin). */
        delete: operations["delete_view"];
        options?: never;
        head?: never;
        /** Changes a view (your own, or a shared one as an admin). */
        patch: operations["update_view"];
        trace?: never;
    };
    "/api/v1/views/{id}/tickets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The view's tickets in its sort, by keyset cursor; the first page carries the count. */
        get: operations["view_tickets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lists the workspace's subscriptions. */
        get: operations["list_webhooks"];
        put?: never;
        /** Creates a subscription with a fresh signing secret. */
        post: operations["create_webhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/event-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The event types subscriptions can match. */
        get: operations["list_event_types"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One subscription. */
        get: operations["get_webhook"];
        put?: never;
        post?: never;
        /** Deletes a subscription; pending deliveries stop. */
        delete: operations["delete_webhook"];
        options?: never;
        head?: never;
        /** Changes a subscription. */
        patch: operations["update_webhook"];
        trace?: never;
    };
    "/api/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A subscription's delivery log, newest first. */
        get: operations["list_deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queues the delivery's event again for the subscription. */
        post: operations["redeliver_delivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/attachments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Downloads a file of the visitor's own conversations. */
        get: operations["download_widget_attachment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The widget's look, greeting and whether anyone is online (no visitor is created). */
        get: operations["get_widget_config"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/conversations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The visitor's conversations (an identified visitor's include earlier ones from any device). */
        get: operations["list_widget_conversations"];
        put?: never;
        /**
         * Starts a chat (a ticket of channel `chat`). 409 `agents_offline` when nobody
         *     is online and the workspace takes messages instead; 409 `identity_required`.
         */
        post: operations["start_widget_conversation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/conversations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One conversation with its read state. */
        get: operations["get_widget_conversation"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/conversations/{id}/attachments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Uploads a file to a conversation (`multipart/form-data`, field `file`;
         *     ≤ 10 MiB; images, PDF, text and office documents), then send its id with a message.
         */
        post: operations["upload_widget_attachment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/conversations/{id}/handoff": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Asks for a person (always possible): the chatbot tells the visitor and
         *     hands the conversation to the team; nothing changes when the team
         *     already has it.
         */
        post: operations["request_widget_handoff"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/conversations/{id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A conversation's public messages, oldest first (`after` to catch up). */
        get: operations["list_widget_messages"];
        put?: never;
        /**
         * Writes in a conversation. 201 for a new message, 200 when `client_id`
         *     names one already stored (a retry after a lost response).
         */
        post: operations["post_widget_message"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/conversations/{id}/rating": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The rating of one of the visitor's solved conversations, with its rating
         *     token. 409 `ticket_not_solved` while it is not solved or closed.
         */
        get: operations["get_widget_conversation_rating"];
        /**
         * Rates one of the visitor's solved conversations, or changes the rating
         *     within 7 days of first giving it (the portal's rating rules; this route
         *     exists because the widget runs on other sites, which only the widget's
         *     routes answer with CORS). 409 `ticket_not_solved` or `rating_final`.
         */
        put: operations["rate_widget_conversation"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/conversations/{id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The visitor has read up to a message (agents see "Seen"). */
        post: operations["mark_widget_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/conversations/{id}/typing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The visitor is (or stopped) typing; agents on the ticket see it. Not stored. */
        post: operations["send_widget_typing"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/offline-messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Leaves a message while nobody is online: it becomes an e-mail ticket from
         *     that address, answered by e-mail.
         */
        post: operations["leave_widget_message"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Opens a visitor session (or resumes the one whose token is sent as
         *     `Authorization: Bearer …`), optionally identifying a signed-in shop
         *     customer with `user_hash`. Returns a fresh visitor token.
         */
        post: operations["open_widget_session"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-Sent Events for the visitor: `message` (a [`WidgetMessageOut`]),
         *     `conversation` (a [`ConversationOut`], on status changes) and `rating`
         *     (a [`WidgetRatingOut`], when the conversation is rated) with the seq as
         *     SSE id (resume with `Last-Event-ID`); `typing` and `read` from the agents
         *     and `draft` (a [`DraftOut`]: the chatbot's answer while it is written)
         *     with no id. Only the visitor's own conversations.
         */
        get: operations["stream_widget_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/suggestions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Help-center articles for this visitor: from its orders when the shop
         *     identified it, and from its conversations.
         */
        get: operations["widget_suggestions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/widget/visitor": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Sets the visitor's name and an e-mail address for answers when it has left
         *     (not for identified visitors, whose details come from the shop).
         */
        patch: operations["update_widget_visitor"];
        trace?: never;
    };
    "/api/v1/workspace": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's workspace. */
        get: operations["get_workspace"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes the workspace's name, time zone or locale (recorded as `workspace.updated`). */
        patch: operations["update_workspace"];
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up. */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus text metrics. */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The database answers. */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description The invitee's password. */
        AcceptInvitationIn: {
            /** @description Password (10–200 characters). */
            password: string;
        };
        /** @description A postal address. */
        Address: {
            /** @description Street and number. */
            line1: string;
            /** @description Suite, apartment … */
            line2?: string | null;
            /** @description City. */
            city: string;
            /** @description State or province code. */
            province: string;
            /** @description Postal code. */
            zip: string;
            /** @description ISO 3166-1 alpha-2 country code. */
            country: string;
        };
        /** @description A new shipping address. */
        AddressIn: {
            /** @description The address. */
            address: components["schemas"]["Address"];
        };
        /** @description One agent's figures for the period. */
        AgentReport: {
            /**
             * Format: int64
             * @description The agent.
             */
            user_id: number;
            /** @description Name. */
            name: string;
            /**
             * Format: int64
             * @description Tickets they solved.
             */
            solved: number;
            /**
             * Format: int64
             * @description Public replies written.
             */
            replies: number;
            /**
             * Format: int64
             * @description Internal notes written.
             */
            notes: number;
            /**
             * Format: int64
             * @description Macros applied.
             */
            macro_uses: number;
            /**
             * Format: int64
             * @description Of the tickets they solved, how many were reopened in the period.
             */
            reopened: number;
            /**
             * Format: double
             * @description `reopened / solved` (0 when nothing was solved).
             */
            reopen_rate: number;
            /**
             * Format: int64
             * @description Median seconds to first response on their tickets.
             */
            median_first_response_secs?: number | null;
            /**
             * Format: int64
             * @description Median seconds to resolution on their tickets.
             */
            median_resolution_secs?: number | null;
        };
        /** @description The AI report. */
        AiReport: {
            /**
             * Format: date-time
             * @description Start.
             */
            from: string;
            /**
             * Format: date-time
             * @description End.
             */
            to: string;
            /** @description Suggestions and what agents did with them. */
            suggestions: components["schemas"]["SuggestionStatsOut"][];
            /** @description What the chatbot did. */
            chatbot: components["schemas"]["ChatbotStatsOut"];
        };
        /** @description The workspace's AI settings (the endpoint's key is never shown). */
        AiSettingsOut: {
            /** @description The OpenAI-compatible endpoint (`http://127.0.0.1:11434/v1`); `null`: the built-in engine only. */
            llm_base_url?: string | null;
            /** @description Chat model. */
            llm_model?: string | null;
            /** @description Embedding model. */
            llm_embedding_model?: string | null;
            /** @description Whether a key is stored. */
            llm_api_key_set: boolean;
            /**
             * Format: int64
             * @description Tokens per calendar month (UTC); 0: no limit.
             */
            monthly_token_budget: number;
            /**
             * Format: int64
             * @description Tokens used this month.
             */
            tokens_used: number;
            /** @description The month counted (`2026-11`). */
            budget_period: string;
            /** @description Whether inbound messages are triaged. */
            auto_triage: boolean;
            /** @description Whether the chatbot answers new widget conversations before a person does. */
            chatbot_enabled: boolean;
            /** @description The name the chatbot speaks under. */
            chatbot_name: string;
        };
        /** @description A change to the AI settings; `null` clears an optional value. */
        AiSettingsPatch: {
            /** @description An http(s) URL of an OpenAI-compatible API (ending in `/v1`). */
            llm_base_url?: string | null;
            /** @description Chat model name. */
            llm_model?: string | null;
            /** @description Embedding model name. */
            llm_embedding_model?: string | null;
            /** @description The endpoint's key (write-only). */
            llm_api_key?: string | null;
            /**
             * Format: int64
             * @description Tokens per month; 0: no limit.
             */
            monthly_token_budget?: number | null;
            /** @description Triage on or off. */
            auto_triage?: boolean | null;
            /** @description The chatbot on or off. */
            chatbot_enabled?: boolean | null;
            /** @description The chatbot's name (1–60 characters). */
            chatbot_name?: string | null;
        };
        /** @description A tutorial's numbers. */
        AnalyticsOut: {
            /**
             * Format: int64
             * @description Runs started.
             */
            starts: number;
            /**
             * Format: int64
             * @description Runs that reached an outcome.
             */
            completions: number;
            /**
             * Format: int64
             * @description Tickets opened from runs.
             */
            tickets: number;
            /** @description Runs per outcome (`solved`, `open_ticket`, `article`). */
            outcomes: {
                [key: string]: number;
            };
            /** @description Runs per channel (`help_center`, `widget`, `portal`). */
            channels: {
                [key: string]: number;
            };
            /** @description The funnel in the draft's step order. */
            steps: components["schemas"]["StepStatsOut"][];
            /**
             * Format: int64
             * @description Minutes without activity after which an unfinished run counts as dropped.
             */
            idle_minutes: number;
        };
        /** @description A file attached to an API channel message. */
        ApiAttachmentIn: {
            /** @description File name. */
            filename: string;
            /** @description MIME type. */
            content_type: string;
            /** @description The bytes, standard base64 (at most 20 MiB decoded). */
            data_base64: string;
        };
        /** @description A new API channel with its credentials, shown only now. */
        ApiChannelCreatedOut: components["schemas"]["ApiChannelOut"] & {
            /** @description Bearer token for posting messages (`apc_…`). */
            token: string;
            /** @description The `whsec_` key replies are signed with (Standard Webhooks). */
            secret: string;
        };
        /** @description A new API channel. */
        ApiChannelIn: {
            /** @description Unique name. */
            name: string;
            /** @description Where agents' replies are sent, signed (Standard Webhooks). */
            reply_url: string;
            /**
             * Format: int64
             * @description Seconds of silence after which a message opens a new ticket (60–2592000, default 86400).
             */
            quiet_period_secs?: number | null;
            /** @description Whether it receives and delivers (default true). */
            active?: boolean | null;
        };
        /** @description Every API channel. */
        ApiChannelList: {
            /** @description The channels. */
            data: components["schemas"]["ApiChannelOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description An API channel. Its token and secret are never shown after creation. */
        ApiChannelOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description The id in its message URL. */
            public_id: string;
            /** @description Name. */
            name: string;
            /** @description Where replies are sent. */
            reply_url: string;
            /**
             * Format: int64
             * @description Quiet period, seconds.
             */
            quiet_period_secs: number;
            /** @description Whether it receives and delivers. */
            active: boolean;
            /** @description Where the external system posts messages (with the channel's token). */
            messages_url: string;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last changed.
             */
            updated_at: string;
        };
        /** @description A change to an API channel (its token and secret stay). */
        ApiChannelPatch: {
            /** @description New name. */
            name?: string | null;
            /** @description New reply URL. */
            reply_url?: string | null;
            /**
             * Format: int64
             * @description New quiet period.
             */
            quiet_period_secs?: number | null;
            /** @description Enable or disable. */
            active?: boolean | null;
        };
        /** @description A new key with its secret: the only time the secret is shown. */
        ApiKeyCreated: components["schemas"]["ApiKeyOut"] & {
            /** @description The secret (`acrm_…`); send it as `Authorization: Bearer`. */
            key: string;
        };
        /** @description A new key. */
        ApiKeyIn: {
            /** @description Name (1–100 characters). */
            name: string;
            /** @description At least one scope; `admin` implies all. */
            scopes: components["schemas"]["Scope"][];
            /**
             * Format: date-time
             * @description When it stops working (must be in the future).
             */
            expires_at?: string | null;
        };
        /** @description Every key. */
        ApiKeyList: {
            /** @description Keys, oldest first. */
            data: components["schemas"]["ApiKeyOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description A key, without its secret. */
        ApiKeyOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Name. */
            name: string;
            /** @description The secret's first characters, to recognise it. */
            prefix: string;
            /** @description Scopes. */
            scopes: components["schemas"]["Scope"][];
            /**
             * Format: date-time
             * @description When it stops working.
             */
            expires_at?: string | null;
            /**
             * Format: date-time
             * @description Last use (to the minute).
             */
            last_used_at?: string | null;
            /**
             * Format: date-time
             * @description When it was revoked.
             */
            revoked_at?: string | null;
            /**
             * Format: int64
             * @description Who created it.
             */
            created_by_user_id?: number | null;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
        };
        /** @description A customer's message posted by an API channel. */
        ApiMessageIn: {
            /** @description The external system's id of the message: posting it again is a no-op. */
            external_message_id: string;
            /** @description The external conversation (thread). */
            conversation_id: string;
            /** @description Its author. */
            from: components["schemas"]["ApiSenderIn"];
            /** @description Plain text. */
            text?: string;
            /** @description Files (at most 10). */
            attachments?: components["schemas"]["ApiAttachmentIn"][];
        };
        /** @description Where a posted message landed. */
        ApiMessageOut: {
            /**
             * Format: int64
             * @description The ticket.
             */
            ticket_id?: number | null;
            /**
             * Format: int64
             * @description Its number.
             */
            ticket_number?: number | null;
            /**
             * Format: int64
             * @description The stored message.
             */
            message_id?: number | null;
            /** @description True when this message had been posted before (nothing changed). */
            duplicate: boolean;
        };
        /** @description Who wrote an API channel message. */
        ApiSenderIn: {
            /** @description Display name. */
            name?: string | null;
            /** @description E-mail: the customer is found or created by it. */
            email?: string | null;
            /** @description Phone (E.164), used when there is no e-mail. */
            phone?: string | null;
            /** @description The external system's id for the person. */
            handle: string;
        };
        /** @description How to apply a macro. */
        ApplyIn: {
            /** @description Post the rendered reply (default true); false when the agent edits it first. */
            send_reply?: boolean | null;
        };
        /** @description What applying did. */
        ApplyOut: {
            /** @description The ticket afterwards. */
            ticket: components["schemas"]["TicketOut"];
            /** @description The rendered reply, if any. */
            reply_html?: string | null;
            /**
             * Format: int64
             * @description The message posted, when the reply was sent.
             */
            message_id?: number | null;
        };
        /** @description An attachment's metadata. */
        AttachmentOut: {
            /** @description Opaque id. */
            id: string;
            /** @description File name. */
            filename: string;
            /** @description Declared media type. */
            content_type: string;
            /**
             * Format: int64
             * @description Bytes.
             */
            size: number;
            /** @description SHA-256 of the content. */
            sha256: string;
            /**
             * Format: int64
             * @description Message it belongs to.
             */
            message_id?: number | null;
            /** @description Download URL. */
            url: string;
            /**
             * Format: date-time
             * @description Uploaded.
             */
            created_at: string;
        };
        /** @description Who wrote a message. */
        AuthorOut: {
            /** @description `contact`, `user` or `system`. */
            kind: string;
            /**
             * Format: int64
             * @description Contact or user id.
             */
            id?: number | null;
        };
        /** @description An agent's chat availability. */
        AvailabilityIn: {
            /** @description `true` (online) or `false` (away); omit to keep it (a heartbeat). */
            available?: boolean | null;
        };
        /** @description The agent's availability and the team's. */
        AvailabilityOut: {
            /** @description This agent takes chats. */
            available: boolean;
            /**
             * Format: int64
             * @description Agents online now (available, heartbeat in the last 90 s).
             */
            agents_online: number;
        };
        /** @description A labelled count. */
        Bucket: {
            /** @description Label (channel, status category, age range). */
            key: string;
            /**
             * Format: int64
             * @description Tickets.
             */
            count: number;
        };
        /** @description A bulk update: one patch applied to up to 1,000 tickets in one transaction. */
        BulkIn: {
            /** @description Ticket ids (1–1,000). */
            ids: number[];
            /** @description The change. */
            patch: components["schemas"]["TicketPatch"];
        };
        /** @description The outcome of a bulk update. */
        BulkOut: {
            /** @description Tickets updated. */
            updated: number;
            /** @description Their ids. */
            ids: number[];
        };
        /** @description Cancelling a pending order. */
        CancelOrderIn: {
            /** @description `no_longer_needed` or `ordered_by_mistake` (the only reasons the policy accepts). */
            reason: components["schemas"]["CancelReason"];
        };
        /**
         * @description Why a pending order is cancelled (the only two the policy accepts).
         * @enum {string}
         */
        CancelReason: "no_longer_needed" | "ordered_by_mistake";
        /** @description Why a subscription ends. */
        CancelSubscriptionIn: {
            /** @description The customer's reason (optional, at most 500 characters). */
            reason?: string;
        };
        /** @description Every category. */
        CategoryList: {
            /** @description Categories in display order. */
            data: components["schemas"]["CategoryOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description A new category. */
        CategoryNew: {
            /** @description 1–40 characters of a-z, 0-9, `_` and `-`, starting with a letter; fixed once created. */
            key: string;
            /** @description 1–80 characters. */
            name: string;
            /** @description Up to 500 characters. */
            description?: string;
        };
        /** @description A ticket category. */
        CategoryOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description What the classifier predicts and filters compare (`shipping`). */
            key: string;
            /** @description Shown to agents (`Shipping & delivery`). */
            name: string;
            /** @description What belongs in it. */
            description: string;
            /**
             * Format: int32
             * @description Display position.
             */
            position: number;
        };
        /** @description A change to a category (its key stays). */
        CategoryPatch: {
            /** @description New name. */
            name?: string | null;
            /** @description New description. */
            description?: string | null;
        };
        /**
         * @description Where a ticket came from.
         * @enum {string}
         */
        Channel: "email" | "chat" | "sms" | "web" | "api" | "phone" | "internal";
        /** @description A ticket's channel records. */
        ChannelDeliveryList: {
            /** @description Oldest first. */
            data: components["schemas"]["ChannelDeliveryOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description One message as it crossed a channel. */
        ChannelDeliveryOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description The ticket message it carries (none for rejected mail).
             */
            message_id?: number | null;
            /** @description `email`, `sms` or `api`. */
            channel: string;
            /** @description `in` or `out`. */
            direction: string;
            /** @description `Message-ID` (e-mail) or the provider's id (SMS). */
            external_id?: string | null;
            /** @description Sender address or number. */
            from: string;
            /** @description Recipients. */
            to: string[];
            /** @description Copies. */
            cc: string[];
            /** @description Subject. */
            subject: string;
            /** @description `In-Reply-To`. */
            in_reply_to?: string | null;
            /** @description Quoted history separated from the new text. */
            quoted_text: string;
            /** @description Signature separated from the new text. */
            signature?: string | null;
            /** @description SPF, DKIM and DMARC results (inbound e-mail; `null` otherwise). */
            auth?: Record<string, unknown> | null;
            /** @description Flags (loop markers, skipped attachments, suspicious sender …). */
            flags: Record<string, unknown>;
            /** @description Whether it was an automatic message. */
            automatic: boolean;
            /** @description `received`, `queued`, `sending`, `sent`, `delivered`, `failed`, `bounced`, `suppressed`, `rejected`. */
            status: string;
            /** @description Why it failed, bounced or was held back. */
            status_detail?: string | null;
            /** @description Whether the raw message can be downloaded. */
            has_raw: boolean;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last status change.
             */
            updated_at: string;
        };
        /** @description The workspace's channel settings. */
        ChannelSettingsOut: {
            /** @description Whether new e-mail requests from people get a "we received your request" acknowledgement. */
            auto_reply_enabled: boolean;
            /**
             * Format: int64
             * @description Automatic messages per ticket and per customer per hour (loop protection).
             */
            auto_per_ticket: number;
            /**
             * Format: int64
             * @description Automatic messages per workspace per hour.
             */
            auto_per_workspace: number;
            /**
             * Format: int64
             * @description Largest inbound message accepted, bytes (larger ones are answered with a bounce).
             */
            max_message_bytes: number;
        };
        /** @description A change to the channel settings. */
        ChannelSettingsPatch: {
            /** @description Send acknowledgements. */
            auto_reply_enabled?: boolean | null;
            /**
             * Format: int64
             * @description 0–100.
             */
            auto_per_ticket?: number | null;
            /**
             * Format: int64
             * @description 0–100000.
             */
            auto_per_workspace?: number | null;
            /**
             * Format: int64
             * @description 65536–41943040.
             */
            max_message_bytes?: number | null;
        };
        /** @description An identity the widget can prove. */
        ChatIdentity: {
            /** @description The customer's e-mail address. */
            email: string;
            /** @description `hex(HMAC-SHA256(identity secret, email))`. */
            user_hash: string;
            /** @description The customer's name. */
            name: string;
        };
        /** @description The chat widget as the portal shows it to a signed-in customer. */
        ChatIdentityOut: {
            /** @description The workspace's slug (the widget's `data-workspace`). */
            workspace: string;
            /** @description Whether the chat widget is on. */
            enabled: boolean;
            identity?: null | components["schemas"]["ChatIdentity"];
        };
        /** @description The widget's settings (the identity secret is write-only: only whether it is set). */
        ChatSettingsOut: {
            /** @description Widget on. */
            enabled: boolean;
            /** @description Sites allowed to embed it (`https://shop.example`, `https://*.shop.example`, `http://127.0.0.2:*`). */
            allowed_origins: string[];
            /** @description Launcher and header colour. */
            color: string;
            /** @description Text on it. */
            text_color: string;
            /** @description `right` or `left`. */
            position: string;
            /** @description Greeting per language. */
            greetings: Record<string, unknown>;
            /** @description Language used when the visitor's has no greeting. */
            default_locale: string;
            /** @description `message` or `chat` when nobody is online. */
            offline_mode: string;
            /** @description Only identified visitors may chat. */
            require_identity: boolean;
            /** @description Whether an identity secret is set. */
            identity_secret_set: boolean;
            /** @description Its last four characters. */
            identity_secret_hint?: string | null;
            /** @description The script tag to put on the shop's pages. */
            embed_snippet: string;
            /**
             * Format: int64
             * @description Agents online now.
             */
            agents_online: number;
            /**
             * Format: date-time
             * @description Last change.
             */
            updated_at: string;
        };
        /** @description A change to the widget's settings. */
        ChatSettingsPatch: {
            /** @description Widget on. */
            enabled?: boolean | null;
            /** @description Allowed sites (replaces the list; at most 50). */
            allowed_origins?: string[] | null;
            /** @description `#rrggbb`. */
            color?: string | null;
            /** @description `#rrggbb`. */
            text_color?: string | null;
            /** @description `right` or `left`. */
            position?: string | null;
            /** @description Greeting per language (replaces all). */
            greetings?: {
                [key: string]: string;
            } | null;
            /** @description One of the greeting languages. */
            default_locale?: string | null;
            /** @description `message` or `chat`. */
            offline_mode?: string | null;
            /** @description Only identified visitors may chat. */
            require_identity?: boolean | null;
        };
        /** @description The visitor behind a chat, as agents see it. */
        ChatVisitorOut: {
            /** @description Public id. */
            id: string;
            /** @description Name (given, from the shop, or "Visitor 4821"). */
            name: string;
            /** @description E-mail, if known. */
            email?: string | null;
            /** @description Whether the shop proved who this is. */
            identified: boolean;
            /** @description The page the widget was last opened on. */
            page_url?: string | null;
            /** @description Language. */
            locale?: string | null;
            /**
             * Format: date-time
             * @description Last seen by the widget.
             */
            last_seen_at: string;
        };
        /** @description The chatbot's figures over the period. */
        ChatbotStatsOut: {
            /** @description Bot messages by outcome (`answered`, `clarify`, `confirm`, `acted`, `handoff`). */
            answers: {
                [key: string]: number;
            };
            /**
             * Format: int64
             * @description Conversations the bot took part in.
             */
            conversations: number;
            /**
             * Format: int64
             * @description Of those, handed to the team.
             */
            handed_off: number;
            /** @description Hand-offs by reason (`requested`, `low_confidence`, `upset`, `needs_agent`, `bot_failed`). */
            hand_off_reasons: {
                [key: string]: number;
            };
            /**
             * Format: double
             * @description Conversations the bot took part in that it did not hand off, over all it took part in.
             */
            containment_rate: number;
        };
        /** @description Accepted: look in your inbox. The same answer whether the address has an account or not. */
        CheckEmailOut: {
            /** @description Always `check_email`. */
            status: string;
        };
        /** @description A choice made at a step. */
        ChoiceIn: {
            /** @description The step answered (the current one, or an earlier one to go back). */
            step: string;
            /** @description The choice's key. */
            choice: string;
        };
        /** @description A source a suggestion drew on. */
        CitationOut: {
            /** @description `article`, `tutorial`, `macro` or `ticket`. */
            kind: string;
            /** @description Its id. */
            id: string;
            /** @description Its title (a ticket's subject). */
            title: string;
            /** @description Where to open it, when it has a page. */
            url?: string | null;
            /**
             * Format: float
             * @description Relevance, 0..1.
             */
            score: number;
        };
        /** @description The requester as the shop knows them. */
        CommerceOverview: {
            /** @description The provider (`mock`, `shopify`). */
            provider: string;
            customer?: null | components["schemas"]["Customer"];
            /** @description Their orders, newest first. */
            orders: components["schemas"]["OrderOut"][];
            /** @description Their subscriptions. */
            subscriptions: components["schemas"]["Subscription"][];
            /** @description The products of those orders with every variant (for swaps and exchanges). */
            products: components["schemas"]["Product"][];
        };
        /** @description A new company. */
        CompanyIn: {
            /** @description Name (1–200 characters). */
            name: string;
            /** @description Web domain (`shop.example`). */
            domain?: string | null;
            /** @description Tags. */
            tags?: string[];
            /** @description Custom field values by key. */
            custom_fields?: Record<string, unknown>;
            /** @description Notes. */
            notes?: string | null;
        };
        /** @description A company. */
        CompanyOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Name. */
            name: string;
            /** @description Web domain. */
            domain?: string | null;
            /** @description Tags. */
            tags: string[];
            /** @description Custom field values. */
            custom_fields: Record<string, unknown>;
            /** @description Notes. */
            notes: string;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last changed.
             */
            updated_at: string;
        };
        /** @description A change to a company; absent fields stay, `null` clears the domain. */
        CompanyPatch: {
            /** @description New name. */
            name?: string | null;
            /** @description New domain, or `null`. */
            domain?: string | null;
            /** @description Replace the tags. */
            tags?: string[] | null;
            /** @description Custom field changes (`null` clears a value). */
            custom_fields?: Record<string, unknown> | null;
            /** @description New notes. */
            notes?: string | null;
        };
        /** @description A new contact. */
        ContactIn: {
            /** @description Display name (defaults to the e-mail's local part). */
            name?: string | null;
            /** @description Primary e-mail (unique per workspace). */
            email?: string | null;
            /** @description Further e-mails. */
            emails?: string[];
            /** @description Phone numbers (E.164 preferred). */
            phones?: string[];
            /**
             * Format: int64
             * @description Company.
             */
            company_id?: number | null;
            /** @description Tags. */
            tags?: string[];
            /** @description Custom field values by key. */
            custom_fields?: Record<string, unknown>;
            /** @description Free notes. */
            notes?: string | null;
            /** @description Id in an external system. */
            external_ref?: string | null;
        };
        /** @description A contact. */
        ContactOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Name. */
            name: string;
            /** @description Primary e-mail. */
            email?: string | null;
            /** @description Further e-mails. */
            emails: string[];
            /** @description Phones. */
            phones: string[];
            /**
             * Format: int64
             * @description Company.
             */
            company_id?: number | null;
            /** @description Tags. */
            tags: string[];
            /** @description Custom field values. */
            custom_fields: Record<string, unknown>;
            /** @description Notes. */
            notes: string;
            /** @description External id. */
            external_ref?: string | null;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last changed.
             */
            updated_at: string;
        };
        /** @description A change to a contact; absent fields stay, `null` clears nullable ones. */
        ContactPatch: {
            /** @description New name. */
            name?: string | null;
            /** @description New primary e-mail, or `null`. */
            email?: string | null;
            /** @description Replace the further e-mails. */
            emails?: string[] | null;
            /** @description Replace the phones. */
            phones?: string[] | null;
            /**
             * Format: int64
             * @description New company, or `null`.
             */
            company_id?: number | null;
            /** @description Replace the tags. */
            tags?: string[] | null;
            /** @description Custom field changes (`null` clears a value). */
            custom_fields?: Record<string, unknown> | null;
            /** @description New notes. */
            notes?: string | null;
            /** @description New external id, or `null`. */
            external_ref?: string | null;
        };
        /** @description A new chat. */
        ConversationIn: {
            /** @description The first message (plain text, ≤ 16 KiB). */
            body: string;
            /** @description The client's id for this message (1–64 letters, digits, dashes): a retry with it is stored once. */
            client_id?: string | null;
        };
        /** @description A conversation of the visitor. */
        ConversationOut: {
            /**
             * Format: int64
             * @description Id (the ticket's).
             */
            id: number;
            /**
             * Format: int64
             * @description Ticket number.
             */
            number: number;
            /** @description Subject. */
            subject: string;
            /** @description `chat` or `offline` (a message left while nobody was online). */
            kind: string;
            /** @description Status category: `new`, `open`, `pending`, `on_hold`, `solved`, `closed`. */
            status: string;
            /** @description Who handles it: `human` or `bot`. */
            handler: string;
            /** @description The assigned agent's first name. */
            agent_name?: string | null;
            last_message?: null | components["schemas"]["WidgetMessageOut"];
            /**
             * Format: int64
             * @description Messages from the team not read yet.
             */
            unread: number;
            /**
             * Format: int64
             * @description The last message the visitor read.
             */
            visitor_read_message_id?: number | null;
            /**
             * Format: int64
             * @description The last message an agent read (the visitor's "Seen").
             */
            agent_read_message_id?: number | null;
            /**
             * Format: date-time
             * @description When an agent read it.
             */
            agent_read_at?: string | null;
            /**
             * Format: date-time
             * @description Started.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last activity.
             */
            updated_at: string;
        };
        /** @description Good and bad ratings of one group. */
        CsatBucket: {
            /** @description User or team id, channel, or period label; `none` for unassigned / no team. */
            key: string;
            /** @description What to show. */
            label: string;
            /**
             * Format: int64
             * @description Good ratings.
             */
            good: number;
            /**
             * Format: int64
             * @description Bad ratings.
             */
            bad: number;
            /**
             * Format: double
             * @description `good / (good + bad)` in percent; `null` without ratings.
             */
            csat?: number | null;
        };
        /** @description A rating with a comment. */
        CsatComment: {
            /**
             * Format: int64
             * @description The ticket.
             */
            ticket_id: number;
            /** @description `good` or `bad`. */
            score: string;
            /** @description The comment (plain text). */
            comment: string;
            /**
             * Format: date-time
             * @description When.
             */
            rated_at: string;
        };
        /** @description Customer satisfaction over a period: ratings given or changed in it. */
        CsatReport: {
            /**
             * Format: date-time
             * @description Start.
             */
            from: string;
            /**
             * Format: date-time
             * @description End (exclusive).
             */
            to: string;
            /** @description `day`, `week` or `month`. */
            interval: string;
            /** @description Every rating of the period. */
            total: components["schemas"]["CsatBucket"];
            /** @description Per assignee at the time of rating. */
            by_agent: components["schemas"]["CsatBucket"][];
            /** @description Per team at the time of rating. */
            by_team: components["schemas"]["CsatBucket"][];
            /** @description Per channel. */
            by_channel: components["schemas"]["CsatBucket"][];
            /** @description Per day, week or month. */
            by_period: components["schemas"]["CsatBucket"][];
            /** @description The latest comments, newest first (at most 20). */
            recent_comments: components["schemas"]["CsatComment"][];
        };
        /** @description A new field definition. */
        CustomFieldIn: {
            /** @description `ticket`, `contact` or `company`. */
            entity: string;
            /** @description Storage key (`order_number`); fixed once created. */
            key: string;
            /** @description Label shown in forms. */
            label: string;
            /** @description Value type; fixed once created. */
            type: components["schemas"]["FieldType"];
            /** @description Required on create. */
            required?: boolean;
            /** @description Shown to customers. */
            customer_visible?: boolean;
            /** @description Options for `select` and `multi_select`. */
            options?: string[];
        };
        /** @description Every field definition. */
        CustomFieldList: {
            /** @description Definitions in display order. */
            data: components["schemas"]["CustomFieldOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description A field definition. */
        CustomFieldOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description `ticket`, `contact` or `company`. */
            entity: string;
            /** @description Storage key. */
            key: string;
            /** @description Label. */
            label: string;
            /** @description Value type. */
            type: components["schemas"]["FieldType"];
            /** @description Required on create. */
            required: boolean;
            /** @description Shown to customers. */
            customer_visible: boolean;
            /** @description Options for selects. */
            options: string[];
            /**
             * Format: int32
             * @description Display position.
             */
            position: number;
            /** @description Offered in forms. */
            active: boolean;
        };
        /** @description A change to a field definition. */
        CustomFieldPatch: {
            /** @description New label. */
            label?: string | null;
            /** @description Required on create. */
            required?: boolean | null;
            /** @description Shown to customers. */
            customer_visible?: boolean | null;
            /** @description Replace the options. */
            options?: string[] | null;
            /** @description (De)activate. */
            active?: boolean | null;
        };
        /** @description A shop customer. */
        Customer: {
            /** @description The provider's id. */
            id: string;
            /** @description E-mail address (lower case). */
            email: string;
            /** @description Given name. */
            first_name: string;
            /** @description Family name. */
            last_name: string;
            /** @description Phone in E.164, when known. */
            phone?: string | null;
            /** @description Default address. */
            address: components["schemas"]["Address"];
            /** @description Saved payment methods. */
            payment_methods: components["schemas"]["PaymentMethod"][];
            /** @description Shop-side tags (`vip` …). */
            tags?: string[];
        };
        /** @description One day of volume. */
        Day: {
            /** @description `YYYY-MM-DD` (UTC). */
            date: string;
            /**
             * Format: int64
             * @description Tickets created.
             */
            created: number;
            /**
             * Format: int64
             * @description Tickets solved.
             */
            solved: number;
        };
        /** @description One delivery attempt. */
        DeliveryOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description Event delivered.
             */
            event_seq: number;
            /** @description Its type. */
            event_type: string;
            /** @description `webhook-id` header value. */
            msg_id: string;
            /**
             * Format: int32
             * @description 1-based attempt number.
             */
            attempt: number;
            /**
             * Format: int32
             * @description HTTP status, when a response came.
             */
            status_code?: number | null;
            /** @description 2xx. */
            ok: boolean;
            /** @description Transport or policy error. */
            error?: string | null;
            /** @description First bytes of the response body. */
            response_snippet?: string | null;
            /**
             * Format: int64
             * @description Wall time.
             */
            duration_ms: number;
            /**
             * Format: date-time
             * @description When the next attempt is due.
             */
            next_attempt_at?: string | null;
            /**
             * Format: date-time
             * @description When the attempt was made.
             */
            created_at: string;
        };
        /** @description A request to e-mail a link. */
        EmailLinkIn: {
            /** @description Workspace slug (default: the server's public workspace). */
            workspace?: string | null;
            /** @description The address. */
            email: string;
            /** @description Language of the e-mail (`en`, `de`). */
            locale?: string | null;
        };
        /** @description An event as streamed and listed. */
        EventOut: {
            /**
             * Format: int64
             * @description Position in the workspace's log (the SSE `id`).
             */
            seq: number;
            /** @description `resource.verb`. */
            type: string;
            /** @description Resource kind. */
            subject_type: string;
            /**
             * Format: int64
             * @description Resource id.
             */
            subject_id?: number | null;
            /**
             * Format: int64
             * @description Ticket, when the event belongs to one.
             */
            ticket_id?: number | null;
            /** @description Actor kind. */
            actor_kind: string;
            /**
             * Format: int64
             * @description Actor id.
             */
            actor_id?: number | null;
            /** @description Actor name. */
            actor_name: string;
            /** @description Payload. */
            data: Record<string, unknown>;
            /**
             * Format: date-time
             * @description When.
             */
            at: string;
        };
        /** @description Every event type. */
        EventTypeList: {
            /** @description Event types. */
            data: components["schemas"]["EventTypeOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description An event type a subscription can match. */
        EventTypeOut: {
            /** @description `resource.verb`. */
            type: string;
            /** @description What it means. */
            description: string;
        };
        /** @description One condition on a custom field. */
        FieldCondition: {
            /** @description The field's key. */
            key: string;
            /** @description The comparison. */
            op: components["schemas"]["FieldOp"];
            /** @description The value compared with (absent for `set`/`unset`). */
            value?: unknown;
        };
        /**
         * @description How a custom field is compared.
         * @enum {string}
         */
        FieldOp: "eq" | "ne" | "set" | "unset" | "contains" | "gt" | "lt";
        /**
         * @description The value type of a custom field.
         * @enum {string}
         */
        FieldType: "text" | "number" | "decimal" | "date" | "checkbox" | "select" | "multi_select";
        /** @description The first message of a new ticket. */
        FirstMessageIn: {
            /** @description HTML or plain text; sanitised. */
            body: string;
        };
        /** @description A new delivery frequency. */
        FrequencyIn: {
            /** @description `week` or `month`. */
            interval_unit: components["schemas"]["IntervalUnit"];
            /**
             * Format: int32
             * @description Every 1–12 units.
             */
            interval_count: number;
        };
        /** @description A shipment. */
        Fulfilment: {
            /** @description Carrier name. */
            carrier: string;
            /** @description Tracking number. */
            tracking_number: string;
            /** @description Public tracking page, when the carrier has one. */
            tracking_url?: string | null;
            /** @description The lines in this shipment. */
            line_ids?: string[];
        };
        /** @description A published article. */
        HelpArticleOut: {
            /**
             * Format: int64
             * @description Article.
             */
            id: number;
            /** @description Title (plain text). */
            title: string;
            /** @description Sanitised HTML. */
            body_html: string;
            /** @description The locale shown. */
            locale: string;
            /** @description True when the requested locale has no translation and the workspace's default is shown. */
            fallback: boolean;
            /** @description The article in the help center. */
            url: string;
            /** @description Published related articles. */
            related: components["schemas"]["HelpRelated"][];
        };
        /** @description A visitor's vote. */
        HelpFeedbackIn: {
            /** @description Whether the article helped. */
            helpful: boolean;
            /** @description Optional comment (up to 2000 characters). */
            comment?: string | null;
            /** @description The locale read (default: the workspace's). */
            locale?: string | null;
        };
        /** @description A link to a related article. */
        HelpRelated: {
            /**
             * Format: int64
             * @description Article.
             */
            id: number;
            /** @description Title. */
            title: string;
            /** @description The article in the help center. */
            url: string;
            /** @description Locale of the title. */
            locale: string;
        };
        /** @description A public search result. */
        HelpSearchHit: {
            /**
             * Format: int64
             * @description Article.
             */
            id: number;
            /** @description Title (plain text). */
            title: string;
            /** @description Excerpt with `<mark>`ed matches; escaped, safe to insert as HTML. */
            snippet_html: string;
            /** @description The article in the help center. */
            url: string;
            /** @description The locale of the result (the workspace's default where the requested one is missing). */
            locale: string;
        };
        /** @description A title suggestion. */
        HelpSuggestion: {
            /**
             * Format: int64
             * @description Article.
             */
            id: number;
            /** @description Title (plain text). */
            title: string;
            /** @description The article in the help center. */
            url: string;
            /** @description Locale of the title. */
            locale: string;
        };
        /** @description The shop's proof of who the visitor is. */
        IdentityIn: {
            /** @description The shop's user id (hashed when present). */
            user_id?: string | null;
            /** @description The customer's e-mail (hashed when there is no user id). */
            email?: string | null;
            /** @description Their name. */
            name?: string | null;
            /** @description `hex(HMAC-SHA256(identity secret, user_id or email))`, computed by the shop's backend. */
            user_hash: string;
        };
        /** @description A provider the account signs in with. */
        IdentityOut: {
            /** @description The provider's slug. */
            provider: string;
            /** @description The address it vouched for. */
            email?: string | null;
            /**
             * Format: date-time
             * @description Last sign-in with it.
             */
            last_login_at?: string | null;
        };
        /** @description A new identity secret, shown once. */
        IdentitySecretOut: {
            /** @description The secret: the shop's backend computes `user_hash = hex(HMAC-SHA256(secret, user_id or email))`. */
            secret: string;
        };
        /** @description IMAP settings. The password is write-only: omit it on update to keep the stored one. */
        ImapIn: {
            /** @description Server host. */
            host: string;
            /**
             * Format: int32
             * @description Port (993 for TLS, 143 for STARTTLS).
             */
            port: number;
            /** @description `tls`, `starttls` or `plain`. */
            security?: string;
            /** @description Login. */
            username: string;
            /** @description Password (write-only). */
            password?: string | null;
            /** @description Folder to poll (default `INBOX`). */
            folder?: string;
        };
        /** @description IMAP settings as shown (no password). */
        ImapOut: {
            /** @description Server host. */
            host: string;
            /**
             * Format: int64
             * @description Port.
             */
            port: number;
            /** @description `tls`, `starttls` or `plain`. */
            security: string;
            /** @description Login. */
            username: string;
            /** @description Whether a password is stored (it is never shown). */
            password_set: boolean;
            /** @description Folder polled. */
            folder: string;
        };
        /** @description What became of an inbound message. */
        InboundOut: {
            /** @description `new_ticket`, `appended`, `duplicate`, `bounce` or `rejected`. */
            outcome: string;
            /**
             * Format: int64
             * @description The ticket it landed on.
             */
            ticket_id?: number | null;
            /**
             * Format: int64
             * @description That ticket's number.
             */
            ticket_number?: number | null;
            /**
             * Format: int64
             * @description The stored message.
             */
            message_id?: number | null;
            /** @description Whether it had been received before (nothing changed). */
            duplicate: boolean;
            /** @description Whether the customer was sent an acknowledgement. */
            acknowledged: boolean;
            /** @description Why no automatic answer may go to it (`auto_submitted`, `bulk`, …). */
            no_auto_reply?: string | null;
            /** @description Flags recorded (`dmarc_failed`, `attachments_skipped`, `too_large`). */
            flags: string[];
        };
        /**
         * @description A subscription's billing interval.
         * @enum {string}
         */
        IntervalUnit: "week" | "month";
        /** @description Who to invite. */
        InvitationIn: {
            /** @description Their sign-in address. */
            email: string;
            /** @description Display name (defaults to the e-mail's local part). */
            name?: string;
            /** @description `agent` or `admin`. */
            role: components["schemas"]["Role"];
        };
        /** @description What the invitee sees before choosing a password. */
        InvitationInfo: {
            /** @description Their sign-in address. */
            email: string;
            /** @description Their name. */
            name: string;
            /** @description Their role. */
            role: components["schemas"]["Role"];
            /** @description The workspace. */
            workspace: components["schemas"]["InvitationWorkspace"];
            /**
             * Format: date-time
             * @description When the link stops working.
             */
            expires_at: string;
        };
        /** @description An invitation just issued. The link is shown this once: only its hash is kept. */
        InvitationOut: {
            /** @description The invited user (status `invited`). */
            user: components["schemas"]["UserOut"];
            /** @description The link to pass on: opens the page where the invitee chooses a password. */
            accept_url: string;
            /** @description The same link relative to the app (`/invite/…`). */
            accept_path: string;
            /**
             * Format: date-time
             * @description When the link stops working (7 days).
             */
            expires_at: string;
            /** @description The link was also queued for e-mail to the invitee (a mail server is configured). */
            emailed: boolean;
        };
        /** @description The workspace an invitation is for. */
        InvitationWorkspace: {
            /** @description Slug (used to sign in). */
            slug: string;
            /** @description Display name. */
            name: string;
        };
        /** @description One line to swap for another variant of the same product. */
        ItemSwap: {
            /** @description The order line. */
            line_id: string;
            /** @description The new variant (same product, different options, available). */
            variant_id: string;
        };
        /** @description A search result for agents. */
        KbAgentHitOut: {
            /**
             * Format: int64
             * @description Article.
             */
            id: number;
            /** @description Title. */
            title: string;
            /** @description Excerpt with `<mark>`ed matches (escaped, safe as HTML). */
            snippet_html: string;
            /** @description Status. */
            status: components["schemas"]["KbStatus"];
            /** @description Locale of the matching translation. */
            locale: string;
            /** @description Its public address (what to link customers to). */
            url: string;
        };
        /** @description Agent search results. */
        KbAgentSearchOut: {
            /** @description Results, best first. */
            data: components["schemas"]["KbAgentHitOut"][];
            /** @description The corrected query the results are for, when the query had typos. */
            did_you_mean?: string | null;
        };
        /** @description An article's feedback: totals and the latest votes. */
        KbArticleFeedbackOut: {
            /**
             * Format: int64
             * @description Yes votes.
             */
            yes: number;
            /**
             * Format: int64
             * @description No votes.
             */
            no: number;
            /** @description Per locale. */
            by_locale: components["schemas"]["KbLocaleVotes"][];
            /** @description The latest votes (up to 200), newest first. */
            data: components["schemas"]["KbFeedbackOut"][];
        };
        /** @description A new article with its first translation. */
        KbArticleIn: {
            /** @description Title of the first translation. */
            title: string;
            /** @description Body (HTML, sanitised; or plain text). */
            body_html?: string;
            /** @description Locale of the first translation (default: the workspace's). */
            locale?: string | null;
            /**
             * Format: int64
             * @description Section (required to publish).
             */
            section_id?: number | null;
            status?: null | components["schemas"]["KbStatus"];
            /** @description Tags. */
            tags?: string[] | null;
            /**
             * Format: int32
             * @description Sort order in the section.
             */
            position?: number | null;
            /** @description Related articles, in order. */
            related_ids?: number[] | null;
        };
        /** @description An article with its translations. */
        KbArticleOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description Section (`null`: unfiled).
             */
            section_id?: number | null;
            /** @description Status. */
            status: components["schemas"]["KbStatus"];
            /**
             * Format: int64
             * @description Author.
             */
            author_user_id?: number | null;
            /** @description Author's name. */
            author_name?: string | null;
            /** @description Tags. */
            tags: string[];
            /**
             * Format: int32
             * @description Sort order in the section.
             */
            position: number;
            /**
             * Format: int64
             * @description Ticket it was drafted from.
             */
            source_ticket_id?: number | null;
            /**
             * Format: int64
             * @description Reply it was drafted from.
             */
            source_message_id?: number | null;
            /**
             * Format: int64
             * @description Views.
             */
            view_count: number;
            /**
             * Format: int64
             * @description "Helpful" votes.
             */
            helpful_yes: number;
            /**
             * Format: int64
             * @description "Not helpful" votes.
             */
            helpful_no: number;
            /**
             * Format: date-time
             * @description Last published.
             */
            published_at?: string | null;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last change.
             */
            updated_at: string;
            /** @description Translations, by locale. */
            translations: components["schemas"]["KbTranslationOut"][];
            /** @description Related articles, in order. */
            related: components["schemas"]["KbRelatedOut"][];
            /** @description Files. */
            attachments: components["schemas"]["KbFileOut"][];
        };
        /** @description A change to an article's metadata (absent fields stay). */
        KbArticlePatch: {
            /**
             * Format: int64
             * @description Section, or `null` to unfile (a published article needs one).
             */
            section_id?: number | null;
            status?: null | components["schemas"]["KbStatus"];
            /** @description Tags (replaced). */
            tags?: string[] | null;
            /**
             * Format: int32
             * @description Sort order.
             */
            position?: number | null;
            /** @description Related articles (replaced, in order). */
            related_ids?: number[] | null;
        };
        /** @description One article's numbers. */
        KbArticleStatsOut: {
            /**
             * Format: int64
             * @description Article.
             */
            id: number;
            /** @description Title (workspace locale). */
            title: string;
            /**
             * Format: int64
             * @description Views in the period.
             */
            views: number;
            /**
             * Format: int64
             * @description Views ever.
             */
            views_total: number;
            /**
             * Format: int64
             * @description Yes votes ever.
             */
            helpful_yes: number;
            /**
             * Format: int64
             * @description No votes ever.
             */
            helpful_no: number;
        };
        /** @description An article in a list. */
        KbArticleSummaryOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description Section.
             */
            section_id?: number | null;
            /** @description Status. */
            status: components["schemas"]["KbStatus"];
            /** @description Title in the requested locale (or the workspace's). */
            title: string;
            /** @description The locale of `title`. */
            locale: string;
            /** @description Every locale it is translated into. */
            locales: string[];
            /** @description Tags. */
            tags: string[];
            /**
             * Format: int32
             * @description Sort order.
             */
            position: number;
            /**
             * Format: int64
             * @description Views.
             */
            view_count: number;
            /**
             * Format: int64
             * @description "Helpful" votes.
             */
            helpful_yes: number;
            /**
             * Format: int64
             * @description "Not helpful" votes.
             */
            helpful_no: number;
            /**
             * Format: date-time
             * @description Last change.
             */
            updated_at: string;
        };
        /** @description A new category or a change (absent fields stay). */
        KbCategoryIn: {
            /** @description Names per locale; `null` for a locale removes it (required to create). */
            translations?: {
                [key: string]: components["schemas"]["KbNameIn"];
            } | null;
            /**
             * Format: int32
             * @description Sort order (default: last).
             */
            position?: number | null;
        };
        /** @description A category with its sections. */
        KbCategoryOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int32
             * @description Sort order.
             */
            position: number;
            /** @description Name and description per locale. */
            translations: {
                [key: string]: components["schemas"]["KbNameIn"];
            };
            /** @description Its sections, in order. */
            sections: components["schemas"]["KbSectionOut"][];
        };
        /** @description Views of a day. */
        KbDayViewsOut: {
            /**
             * Format: date
             * @description Day (UTC).
             */
            day: string;
            /**
             * Format: int64
             * @description Views.
             */
            views: number;
        };
        /** @description One vote. */
        KbFeedbackOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Locale read. */
            locale: string;
            /** @description Whether it helped. */
            helpful: boolean;
            /** @description Comment (plain text). */
            comment?: string | null;
            /**
             * Format: date-time
             * @description When.
             */
            created_at: string;
        };
        /** @description A file attached to an article. */
        KbFileOut: {
            /** @description Opaque id. */
            id: string;
            /** @description File name. */
            filename: string;
            /** @description Media type. */
            content_type: string;
            /**
             * Format: int64
             * @description Bytes.
             */
            size: number;
            /** @description An image browsers show inline (use `url` as an `<img src>`). */
            image: boolean;
            /** @description Where it is served (publicly once the article is published; to staff always). */
            url: string;
            /**
             * Format: date-time
             * @description Uploaded.
             */
            created_at: string;
        };
        /** @description Drafting an article from a reply. */
        KbFromMessageIn: {
            /**
             * Format: int64
             * @description An agent's public reply.
             */
            message_id: number;
        };
        /** @description Votes per locale. */
        KbLocaleVotes: {
            /** @description Locale. */
            locale: string;
            /**
             * Format: int64
             * @description Yes votes.
             */
            yes: number;
            /**
             * Format: int64
             * @description No votes.
             */
            no: number;
        };
        /** @description A name and description in one locale (plain text). */
        KbNameIn: {
            /** @description Name (1–120 characters). */
            name: string;
            /** @description Description (up to 500 characters). */
            description?: string;
        };
        /** @description A new section. */
        KbNewSectionIn: {
            /** @description Names per locale (at least one). */
            translations: {
                [key: string]: components["schemas"]["KbNameIn"];
            };
            /**
             * Format: int32
             * @description Sort order (default: last in the category).
             */
            position?: number | null;
        };
        /** @description A related article. */
        KbRelatedOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Title (in the workspace's locale where it has one). */
            title: string;
            /** @description Status. */
            status: components["schemas"]["KbStatus"];
        };
        /** @description A change to a section (absent fields stay). */
        KbSectionIn: {
            /**
             * Format: int64
             * @description Another category to move the section to.
             */
            category_id?: number | null;
            /** @description Names per locale; `null` for a locale removes it. */
            translations?: {
                [key: string]: components["schemas"]["KbNameIn"];
            } | null;
            /**
             * Format: int32
             * @description Sort order in its category.
             */
            position?: number | null;
        };
        /** @description A section. */
        KbSectionOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description Its category.
             */
            category_id: number;
            /**
             * Format: int32
             * @description Sort order inside the category.
             */
            position: number;
            /** @description Name and description per locale. */
            translations: {
                [key: string]: components["schemas"]["KbNameIn"];
            };
            /**
             * Format: int64
             * @description Articles in it (any status).
             */
            article_count: number;
        };
        /** @description Knowledge-base reporting. */
        KbStatsOut: {
            /**
             * Format: date
             * @description First day.
             */
            from: string;
            /**
             * Format: date
             * @description Last day.
             */
            to: string;
            /** @description Views per day with views (all articles, or `article_id`'s). */
            daily: components["schemas"]["KbDayViewsOut"][];
            /** @description Every article, most viewed in the period first. */
            articles: components["schemas"]["KbArticleStatsOut"][];
        };
        /**
         * @description An article's status.
         * @enum {string}
         */
        KbStatus: "draft" | "published" | "internal";
        /** @description A translation's new content. */
        KbTranslationIn: {
            /** @description Title (1–200 characters). */
            title: string;
            /** @description Body (HTML, sanitised). */
            body_html: string;
        };
        /** @description One language version of an article. */
        KbTranslationOut: {
            /** @description BCP 47 tag. */
            locale: string;
            /** @description Title. */
            title: string;
            /** @description Sanitised HTML. */
            body_html: string;
            /**
             * Format: int32
             * @description Current version number.
             */
            version: number;
            /**
             * Format: date-time
             * @description Last saved.
             */
            updated_at: string;
            /** @description Where the public reads it (when published). */
            url: string;
        };
        /** @description A saved version. */
        KbVersionOut: {
            /**
             * Format: int64
             * @description Id (to restore it).
             */
            id: number;
            /** @description Locale. */
            locale: string;
            /**
             * Format: int32
             * @description Number per locale (1, 2, …).
             */
            number: number;
            /** @description Title as saved. */
            title: string;
            /** @description Body as saved. */
            body_html: string;
            /**
             * Format: int64
             * @description Who saved it.
             */
            author_user_id?: number | null;
            /** @description Their name. */
            author_name: string;
            /**
             * Format: int64
             * @description The version it restored, if it was a restore.
             */
            restored_from?: number | null;
            /**
             * Format: date-time
             * @description When.
             */
            created_at: string;
        };
        /** @description One item of an order (one unit; a quantity of two is two lines). */
        LineItem: {
            /** @description The line's id within the order. */
            id: string;
            /** @description Product id. */
            product_id: string;
            /** @description Variant id. */
            variant_id: string;
            /** @description Product name. */
            name: string;
            /** @description The variant's option values. */
            options?: {
                [key: string]: string;
            };
            /**
             * Format: int64
             * @description Price paid in cents.
             */
            price_cents: number;
            /**
             * Format: int64
             * @description Cents refunded for this line (0 when none).
             */
            refunded_cents?: number;
        };
        /** @description A link's token. */
        LinkTokenIn: {
            /** @description The `token` of the link. */
            token: string;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_AgentReport: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description The agent.
                 */
                user_id: number;
                /** @description Name. */
                name: string;
                /**
                 * Format: int64
                 * @description Tickets they solved.
                 */
                solved: number;
                /**
                 * Format: int64
                 * @description Public replies written.
                 */
                replies: number;
                /**
                 * Format: int64
                 * @description Internal notes written.
                 */
                notes: number;
                /**
                 * Format: int64
                 * @description Macros applied.
                 */
                macro_uses: number;
                /**
                 * Format: int64
                 * @description Of the tickets they solved, how many were reopened in the period.
                 */
                reopened: number;
                /**
                 * Format: double
                 * @description `reopened / solved` (0 when nothing was solved).
                 */
                reopen_rate: number;
                /**
                 * Format: int64
                 * @description Median seconds to first response on their tickets.
                 */
                median_first_response_secs?: number | null;
                /**
                 * Format: int64
                 * @description Median seconds to resolution on their tickets.
                 */
                median_resolution_secs?: number | null;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_AttachmentOut: {
            /** @description The rows. */
            data: {
                /** @description Opaque id. */
                id: string;
                /** @description File name. */
                filename: string;
                /** @description Declared media type. */
                content_type: string;
                /**
                 * Format: int64
                 * @description Bytes.
                 */
                size: number;
                /** @description SHA-256 of the content. */
                sha256: string;
                /**
                 * Format: int64
                 * @description Message it belongs to.
                 */
                message_id?: number | null;
                /** @description Download URL. */
                url: string;
                /**
                 * Format: date-time
                 * @description Uploaded.
                 */
                created_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_CompanyOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /** @description Name. */
                name: string;
                /** @description Web domain. */
                domain?: string | null;
                /** @description Tags. */
                tags: string[];
                /** @description Custom field values. */
                custom_fields: Record<string, unknown>;
                /** @description Notes. */
                notes: string;
                /**
                 * Format: date-time
                 * @description Created.
                 */
                created_at: string;
                /**
                 * Format: date-time
                 * @description Last changed.
                 */
                updated_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_ContactOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /** @description Name. */
                name: string;
                /** @description Primary e-mail. */
                email?: string | null;
                /** @description Further e-mails. */
                emails: string[];
                /** @description Phones. */
                phones: string[];
                /**
                 * Format: int64
                 * @description Company.
                 */
                company_id?: number | null;
                /** @description Tags. */
                tags: string[];
                /** @description Custom field values. */
                custom_fields: Record<string, unknown>;
                /** @description Notes. */
                notes: string;
                /** @description External id. */
                external_ref?: string | null;
                /**
                 * Format: date-time
                 * @description Created.
                 */
                created_at: string;
                /**
                 * Format: date-time
                 * @description Last changed.
                 */
                updated_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_ConversationOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id (the ticket's).
                 */
                id: number;
                /**
                 * Format: int64
                 * @description Ticket number.
                 */
                number: number;
                /** @description Subject. */
                subject: string;
                /** @description `chat` or `offline` (a message left while nobody was online). */
                kind: string;
                /** @description Status category: `new`, `open`, `pending`, `on_hold`, `solved`, `closed`. */
                status: string;
                /** @description Who handles it: `human` or `bot`. */
                handler: string;
                /** @description The assigned agent's first name. */
                agent_name?: string | null;
                last_message?: null | components["schemas"]["WidgetMessageOut"];
                /**
                 * Format: int64
                 * @description Messages from the team not read yet.
                 */
                unread: number;
                /**
                 * Format: int64
                 * @description The last message the visitor read.
                 */
                visitor_read_message_id?: number | null;
                /**
                 * Format: int64
                 * @description The last message an agent read (the visitor's "Seen").
                 */
                agent_read_message_id?: number | null;
                /**
                 * Format: date-time
                 * @description When an agent read it.
                 */
                agent_read_at?: string | null;
                /**
                 * Format: date-time
                 * @description Started.
                 */
                created_at: string;
                /**
                 * Format: date-time
                 * @description Last activity.
                 */
                updated_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_DeliveryOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /**
                 * Format: int64
                 * @description Event delivered.
                 */
                event_seq: number;
                /** @description Its type. */
                event_type: string;
                /** @description `webhook-id` header value. */
                msg_id: string;
                /**
                 * Format: int32
                 * @description 1-based attempt number.
                 */
                attempt: number;
                /**
                 * Format: int32
                 * @description HTTP status, when a response came.
                 */
                status_code?: number | null;
                /** @description 2xx. */
                ok: boolean;
                /** @description Transport or policy error. */
                error?: string | null;
                /** @description First bytes of the response body. */
                response_snippet?: string | null;
                /**
                 * Format: int64
                 * @description Wall time.
                 */
                duration_ms: number;
                /**
                 * Format: date-time
                 * @description When the next attempt is due.
                 */
                next_attempt_at?: string | null;
                /**
                 * Format: date-time
                 * @description When the attempt was made.
                 */
                created_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_EventOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Position in the workspace's log (the SSE `id`).
                 */
                seq: number;
                /** @description `resource.verb`. */
                type: string;
                /** @description Resource kind. */
                subject_type: string;
                /**
                 * Format: int64
                 * @description Resource id.
                 */
                subject_id?: number | null;
                /**
                 * Format: int64
                 * @description Ticket, when the event belongs to one.
                 */
                ticket_id?: number | null;
                /** @description Actor kind. */
                actor_kind: string;
                /**
                 * Format: int64
                 * @description Actor id.
                 */
                actor_id?: number | null;
                /** @description Actor name. */
                actor_name: string;
                /** @description Payload. */
                data: Record<string, unknown>;
                /**
                 * Format: date-time
                 * @description When.
                 */
                at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_KbArticleSummaryOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /**
                 * Format: int64
                 * @description Section.
                 */
                section_id?: number | null;
                /** @description Status. */
                status: components["schemas"]["KbStatus"];
                /** @description Title in the requested locale (or the workspace's). */
                title: string;
                /** @description The locale of `title`. */
                locale: string;
                /** @description Every locale it is translated into. */
                locales: string[];
                /** @description Tags. */
                tags: string[];
                /**
                 * Format: int32
                 * @description Sort order.
                 */
                position: number;
                /**
                 * Format: int64
                 * @description Views.
                 */
                view_count: number;
                /**
                 * Format: int64
                 * @description "Helpful" votes.
                 */
                helpful_yes: number;
                /**
                 * Format: int64
                 * @description "Not helpful" votes.
                 */
                helpful_no: number;
                /**
                 * Format: date-time
                 * @description Last change.
                 */
                updated_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_KbCategoryOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /**
                 * Format: int32
                 * @description Sort order.
                 */
                position: number;
                /** @description Name and description per locale. */
                translations: {
                    [key: string]: components["schemas"]["KbNameIn"];
                };
                /** @description Its sections, in order. */
                sections: components["schemas"]["KbSectionOut"][];
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_KbFileOut: {
            /** @description The rows. */
            data: {
                /** @description Opaque id. */
                id: string;
                /** @description File name. */
                filename: string;
                /** @description Media type. */
                content_type: string;
                /**
                 * Format: int64
                 * @description Bytes.
                 */
                size: number;
                /** @description An image browsers show inline (use `url` as an `<img src>`). */
                image: boolean;
                /** @description Where it is served (publicly once the article is published; to staff always). */
                url: string;
                /**
                 * Format: date-time
                 * @description Uploaded.
                 */
                created_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_KbVersionOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id (to restore it).
                 */
                id: number;
                /** @description Locale. */
                locale: string;
                /**
                 * Format: int32
                 * @description Number per locale (1, 2, …).
                 */
                number: number;
                /** @description Title as saved. */
                title: string;
                /** @description Body as saved. */
                body_html: string;
                /**
                 * Format: int64
                 * @description Who saved it.
                 */
                author_user_id?: number | null;
                /** @description Their name. */
                author_name: string;
                /**
                 * Format: int64
                 * @description The version it restored, if it was a restore.
                 */
                restored_from?: number | null;
                /**
                 * Format: date-time
                 * @description When.
                 */
                created_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_MacroOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /** @description Name. */
                name: string;
                /** @description Shared with the team (else personal). */
                shared: boolean;
                /**
                 * Format: int64
                 * @description The owner of a personal macro.
                 */
                owner_user_id?: number | null;
                /** @description Ticket changes. */
                actions: components["schemas"]["MacroActions"];
                /** @description Reply template (minijinja: `{{ requester.first_name }}`, `{{ ticket.number }}`, `{{ order.status }}` …). */
                reply?: string | null;
                /** @description The reply is posted as an internal note. */
                reply_internal: boolean;
                /**
                 * Format: int64
                 * @description Times applied.
                 */
                usage_count: number;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_MessageOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /**
                 * Format: int64
                 * @description Ticket.
                 */
                ticket_id: number;
                /** @description Internal note? */
                internal: boolean;
                /** @description Author. */
                author: components["schemas"]["AuthorOut"];
                /** @description Channel. */
                channel: string;
                /** @description Sanitised HTML. */
                body_html: string;
                /** @description Plain text. */
                body_text: string;
                /**
                 * Format: date-time
                 * @description Written at.
                 */
                created_at: string;
                /**
                 * @description The AI's triage of a customer's message: category, intent, language,
                 *     sentiment, urgency, entities and the engine that produced them
                 *     (staff only; absent for customers).
                 */
                triage?: Record<string, unknown> | null;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_OidcProviderOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /** @description Slug. */
                slug: string;
                /** @description Button label. */
                name: string;
                /** @description Issuer. */
                issuer: string;
                /** @description Client id. */
                client_id: string;
                /** @description Whether a client secret is set (write-only). */
                has_client_secret: boolean;
                /** @description Scopes. */
                scopes: string;
                /** @description Offered on the sign-in page. */
                enabled: boolean;
                /** @description The redirect URI to register with the provider. */
                redirect_uri: string;
                /** @description Discovered authorisation endpoint. */
                authorization_endpoint: string;
                /** @description Discovered token endpoint. */
                token_endpoint: string;
                /** @description Discovered key set. */
                jwks_uri: string;
                /**
                 * Format: date-time
                 * @description Created.
                 */
                created_at: string;
                /**
                 * Format: date-time
                 * @description Changed.
                 */
                updated_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_OrderOut: {
            /** @description The rows. */
            data: (components["schemas"]["Order"] & {
                /**
                 * Format: int64
                 * @description Sum of the items in cents.
                 */
                total_cents: number;
                /**
                 * Format: int64
                 * @description Sum of the refunds in cents.
                 */
                refunded_cents: number;
                /** @description The status as a person reads it ("pending (items modified)"). */
                status_label: string;
            })[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_PublicTutorialSummary: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /**
                 * Format: int64
                 * @description The published version.
                 */
                version: number;
                /** @description Title. */
                title: string;
                /** @description Description. */
                description: string;
                /** @description Tags. */
                tags: string[];
                /** @description The locale the texts are in. */
                locale: string;
                /** @description The requested language was missing: the texts are in the default language. */
                fallback: boolean;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_SuggestedArticleOut: {
            /** @description The rows. */
            data: {
                /** @description `article` or `tutorial`. */
                kind: string;
                /**
                 * Format: int64
                 * @description The article's or tutorial's id.
                 */
                id: number;
                /** @description Title, in the customer's language where there is a translation. */
                title: string;
                /** @description Its help-center page. */
                url?: string | null;
                /** @description The start of its text. */
                excerpt: string;
                /** @description Why it is suggested ("About your order #W102"). */
                reason: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_TrailOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Event seq.
                 */
                seq: number;
                /** @description Event type. */
                type: string;
                /** @description Actor kind (`user`, `api_key`, `system`). */
                actor_kind: string;
                /**
                 * Format: int64
                 * @description Actor id.
                 */
                actor_id?: number | null;
                /** @description Actor name. */
                actor_name: string;
                /** @description A sentence: "Anna changed priority normal → urgent". */
                summary: string;
                /** @description The event payload. */
                data: Record<string, unknown>;
                /**
                 * Format: date-time
                 * @description When.
                 */
                at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_TutorialSummaryOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /** @description Draft or published. */
                status: components["schemas"]["TutorialStatus"];
                /** @description Title in the default locale. */
                title: string;
                /** @description Description in the default locale. */
                description: string;
                /** @description The default locale. */
                default_locale: string;
                /** @description Every locale some text is written in. */
                locales: string[];
                /** @description Tags. */
                tags: string[];
                /** @description Number of steps in the draft. */
                step_count: number;
                /**
                 * Format: int64
                 * @description The latest published version.
                 */
                published_version?: number | null;
                /** @description Published, with unpublished changes. */
                has_unpublished_changes: boolean;
                /**
                 * Format: date-time
                 * @description Last saved.
                 */
                updated_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_UserOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /** @description Sign-in address. */
                email: string;
                /** @description Name. */
                name: string;
                /** @description Role. */
                role: components["schemas"]["Role"];
                /**
                 * Format: int64
                 * @description For customers, their contact.
                 */
                contact_id?: number | null;
                /** @description Whether the user may sign in. */
                active: boolean;
                /** @description Whether a password is set (invited users have none yet). */
                has_password: boolean;
                /** @description Active, inactive or invited. */
                status: components["schemas"]["UserStatus"];
                /**
                 * Format: date-time
                 * @description For an invited user, when their link expires (or expired: send it anew).
                 */
                invitation_expires_at?: string | null;
                /**
                 * Format: date-time
                 * @description Last sign-in.
                 */
                last_login_at?: string | null;
                /**
                 * Format: date-time
                 * @description Created.
                 */
                created_at: string;
                /**
                 * Format: date-time
                 * @description Last changed.
                 */
                updated_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_ViewOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Id.
                 */
                id: number;
                /** @description Name. */
                name: string;
                /** @description Shared with the team (else personal to its owner). */
                shared: boolean;
                /**
                 * Format: int64
                 * @description The owner of a personal view.
                 */
                owner_user_id?: number | null;
                /** @description What the view shows. */
                filters: components["schemas"]["ViewFilter"];
                /** @description Queue columns, in order. */
                columns: string[];
                /** @description `-updated_at`, `updated_at`, `-created_at` or `created_at`. */
                sort: string;
                /**
                 * Format: int32
                 * @description Order among views.
                 */
                position: number;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A list page: `{"data": [...], "next_cursor": ...}`. */
        ListOut_WidgetMessageOut: {
            /** @description The rows. */
            data: {
                /**
                 * Format: int64
                 * @description Message id (ascending: the order of the conversation).
                 */
                id: number;
                /**
                 * Format: int64
                 * @description Its conversation.
                 */
                conversation_id: number;
                /** @description `visitor`, `agent`, `bot` or `system`. */
                participant: string;
                /** @description Who wrote it (agents by first name). */
                author_name: string;
                /** @description The text (render it as text, never as HTML). */
                text: string;
                /** @description Sanitised HTML, for clients that render rich text. */
                html: string;
                /** @description The id the client posted it with, for its own messages. */
                client_id?: string | null;
                /** @description Files. */
                attachments: components["schemas"]["WidgetAttachmentOut"][];
                /**
                 * @description The bot stated a change and waits for the visitor's yes: the widget
                 *     offers Yes / No under it while it is the last message.
                 */
                asks_confirmation: boolean;
                /**
                 * Format: date-time
                 * @description When.
                 */
                created_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description The ticket changes a macro makes; absent parts leave the ticket as it is. */
        MacroActions: {
            /**
             * Format: int64
             * @description New status.
             * @default null
             */
            status_id: number | null;
            /** @default null */
            priority: null | components["schemas"]["Priority"];
            /**
             * @description `me` (whoever applies it), `none`, or a user id.
             * @default null
             */
            assignee: string | null;
            /**
             * @description Tags to add.
             * @default []
             */
            add_tags: string[];
            /**
             * @description Tags to remove.
             * @default []
             */
            remove_tags: string[];
            /** @description Custom field values to set (`null` clears). */
            custom_fields?: Record<string, unknown>;
        };
        /** @description A new macro or a change (absent fields stay). */
        MacroIn: {
            /** @description Name (1–80 characters); required to create. */
            name?: string | null;
            actions?: null | components["schemas"]["MacroActions"];
            /** @description Reply template; `""` removes it. */
            reply?: string | null;
            /** @description Post the reply as an internal note. */
            reply_internal?: boolean | null;
            /** @description Share with the team (admins only). */
            shared?: boolean | null;
        };
        /** @description A macro. */
        MacroOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Name. */
            name: string;
            /** @description Shared with the team (else personal). */
            shared: boolean;
            /**
             * Format: int64
             * @description The owner of a personal macro.
             */
            owner_user_id?: number | null;
            /** @description Ticket changes. */
            actions: components["schemas"]["MacroActions"];
            /** @description Reply template (minijinja: `{{ requester.first_name }}`, `{{ ticket.number }}`, `{{ order.status }}` …). */
            reply?: string | null;
            /** @description The reply is posted as an internal note. */
            reply_internal: boolean;
            /**
             * Format: int64
             * @description Times applied.
             */
            usage_count: number;
        };
        /** @description A rendered reply. */
        MacroPreview: {
            /** @description The reply as HTML (placeholders filled, values escaped), if the macro has one. */
            reply_html?: string | null;
            /** @description Whether it would be posted as an internal note. */
            reply_internal: boolean;
            /** @description The ticket changes it makes. */
            actions: components["schemas"]["MacroActions"];
        };
        /** @description A mailbox with its inbound token: shown once, at creation or rotation. */
        MailboxCreatedOut: components["schemas"]["MailboxOut"] & {
            /** @description Bearer token for `POST /api/v1/channels/email/inbound` (`mbx_…`). */
            inbound_token: string;
        };
        /** @description A new mailbox. */
        MailboxIn: {
            /** @description The address customers write to. */
            address: string;
            /** @description Display name in `From` (default: the workspace's name). */
            name?: string;
            /** @description Other addresses delivered to this mailbox. */
            aliases?: string[];
            imap?: null | components["schemas"]["ImapIn"];
            /**
             * Format: int64
             * @description Seconds between polls (5–86400, default 60).
             */
            poll_interval_secs?: number | null;
            /**
             * @description SMTP server for sending (`smtp://user:pass@host:587`, `smtps://…`); write-only.
             *     Omit to send through the server's `[mail]` settings.
             */
            smtp_url?: string | null;
            /** @description Whether it receives and sends (default true). */
            active?: boolean | null;
        };
        /** @description Every mailbox. */
        MailboxList: {
            /** @description Mailboxes, oldest first. */
            data: components["schemas"]["MailboxOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description A mailbox. Secrets are never shown. */
        MailboxOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Address. */
            address: string;
            /** @description Display name. */
            name: string;
            /** @description Other addresses. */
            aliases: string[];
            imap?: null | components["schemas"]["ImapOut"];
            /**
             * Format: int64
             * @description Seconds between polls.
             */
            poll_interval_secs: number;
            /** @description Whether the mailbox has its own SMTP server (the URL is never shown). */
            smtp_configured: boolean;
            /** @description Whether it receives and sends. */
            active: boolean;
            /**
             * Format: date-time
             * @description Last poll.
             */
            last_polled_at?: string | null;
            /** @description The last poll's error, if it failed. */
            last_error?: string | null;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last changed.
             */
            updated_at: string;
        };
        /** @description A change to a mailbox. */
        MailboxPatch: {
            /** @description New address. */
            address?: string | null;
            /** @description New display name. */
            name?: string | null;
            /** @description Replace the aliases. */
            aliases?: string[] | null;
            imap?: null | components["schemas"]["ImapIn"];
            /**
             * Format: int64
             * @description Seconds between polls.
             */
            poll_interval_secs?: number | null;
            /** @description New SMTP URL; `null` sends through the server's `[mail]`. */
            smtp_url?: string | null;
            /** @description Enable or disable. */
            active?: boolean | null;
        };
        /** @description The result of a connection test. */
        MailboxTestOut: {
            /** @description Whether login and folder selection worked. */
            ok: boolean;
            /** @description What failed. */
            error?: string | null;
        };
        /** @description A new inbound token. */
        MailboxTokenOut: {
            /** @description Bearer token for `POST /api/v1/channels/email/inbound` (`mbx_…`); the old one no longer works. */
            inbound_token: string;
        };
        /** @description Where to merge. */
        MergeIn: {
            /**
             * Format: int64
             * @description The ticket that receives the conversation.
             */
            target_id: number;
        };
        /** @description A reply or internal note. */
        MessageIn: {
            /** @description HTML or plain text; sanitised. */
            body: string;
            /** @description `true` for an internal note (staff only). */
            internal?: boolean;
            /**
             * @description Files uploaded to the ticket beforehand (their ids), sent with the
             *     message on the ticket's channel (e-mail attachments). At most 20.
             */
            attachment_ids?: string[];
        };
        /** @description A message. */
        MessageOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description Ticket.
             */
            ticket_id: number;
            /** @description Internal note? */
            internal: boolean;
            /** @description Author. */
            author: components["schemas"]["AuthorOut"];
            /** @description Channel. */
            channel: string;
            /** @description Sanitised HTML. */
            body_html: string;
            /** @description Plain text. */
            body_text: string;
            /**
             * Format: date-time
             * @description Written at.
             */
            created_at: string;
            /**
             * @description The AI's triage of a customer's message: category, intent, language,
             *     sentiment, urgency, entities and the engine that produced them
             *     (staff only; absent for customers).
             */
            triage?: Record<string, unknown> | null;
        };
        /** @description The workspace's trained classifiers. */
        ModelList: {
            /** @description One per kind that has been trained. */
            data: components["schemas"]["ModelOut"][];
        };
        /** @description A trained classifier. */
        ModelOut: {
            /** @description `category` or `intent`. */
            kind: string;
            /**
             * Format: int32
             * @description Counts retrainings.
             */
            version: number;
            /**
             * Format: int32
             * @description Labelled tickets it learned from.
             */
            examples: number;
            /**
             * Format: int32
             * @description Distinct labels.
             */
            labels: number;
            /**
             * Format: date-time
             * @description When it was trained.
             */
            trained_at: string;
        };
        /**
         * @description Why you were notified.
         * @enum {string}
         */
        NotificationKind: "mention" | "assigned";
        /** @description A page of your notifications with your unread count. */
        NotificationList: {
            /** @description Newest first. */
            data: components["schemas"]["NotificationOut"][];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
            /**
             * Format: int64
             * @description All your unread notifications (not just this page's).
             */
            unread_count: number;
        };
        /** @description One notification. */
        NotificationOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Why. */
            kind: components["schemas"]["NotificationKind"];
            /** @description The ticket. */
            ticket: components["schemas"]["NotificationTicket"];
            /**
             * Format: int64
             * @description The note that mentions you (mentions only).
             */
            message_id?: number | null;
            /** @description Who did it. */
            actor_name: string;
            /** @description The start of the note (mentions only; empty otherwise). */
            excerpt: string;
            /**
             * Format: int64
             * @description The event in the log that caused it.
             */
            event_seq: number;
            /**
             * Format: date-time
             * @description When you read it; `null` while unread.
             */
            read_at?: string | null;
            /**
             * Format: date-time
             * @description When.
             */
            created_at: string;
        };
        /** @description The ticket a notification points to. */
        NotificationTicket: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description Number.
             */
            number: number;
            /** @description `#1042`. */
            display_number: string;
            /** @description Current subject. */
            subject: string;
        };
        /** @description Which notifications to mark read: `ids`, or `all: true`. */
        NotificationsReadIn: {
            /** @description These notifications (ids that are not yours are ignored); at most 500. */
            ids?: number[] | null;
            /** @description Every unread notification of yours. */
            all?: boolean | null;
        };
        /** @description The outcome of marking read. */
        NotificationsReadOut: {
            /**
             * Format: int64
             * @description How many changed from unread to read.
             */
            updated: number;
            /**
             * Format: int64
             * @description Your unread notifications now.
             */
            unread_count: number;
        };
        /** @description "Leave a message" while nobody is online. */
        OfflineMessageIn: {
            /** @description Name. */
            name?: string | null;
            /** @description Where the answer goes. */
            email: string;
            /** @description The message (plain text). */
            body: string;
        };
        /** @description A left message. */
        OfflineMessageOut: {
            /**
             * Format: int64
             * @description The ticket number (for the confirmation).
             */
            number: number;
            /** @description Where the answer will go. */
            email: string;
        };
        /** @description The provider's redirect, as the portal's callback page received it. */
        OidcCallbackIn: {
            /** @description Workspace slug (default: the server's public workspace). */
            workspace?: string | null;
            /** @description `state` from the redirect. */
            state: string;
            /** @description `code` from the redirect. */
            code: string;
            /** @description The `binding` from the start. */
            binding: string;
        };
        /** @description A new sign-in provider. */
        OidcProviderIn: {
            /** @description URL-safe name (`google`). */
            slug: string;
            /** @description Button label. */
            name: string;
            /** @description Issuer URL; its discovery document is fetched and checked. */
            issuer: string;
            /** @description Client id. */
            client_id: string;
            /** @description Client secret (write-only); omit for a public client. */
            client_secret?: string | null;
            /** @description Scopes (default `openid email profile`). */
            scopes?: string | null;
            /** @description Offered on the sign-in page (default true). */
            enabled?: boolean | null;
        };
        /** @description A sign-in provider as admins see it (the client secret is never returned). */
        OidcProviderOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Slug. */
            slug: string;
            /** @description Button label. */
            name: string;
            /** @description Issuer. */
            issuer: string;
            /** @description Client id. */
            client_id: string;
            /** @description Whether a client secret is set (write-only). */
            has_client_secret: boolean;
            /** @description Scopes. */
            scopes: string;
            /** @description Offered on the sign-in page. */
            enabled: boolean;
            /** @description The redirect URI to register with the provider. */
            redirect_uri: string;
            /** @description Discovered authorisation endpoint. */
            authorization_endpoint: string;
            /** @description Discovered token endpoint. */
            token_endpoint: string;
            /** @description Discovered key set. */
            jwks_uri: string;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Changed.
             */
            updated_at: string;
        };
        /** @description A change to a sign-in provider; absent fields stay. */
        OidcProviderPatch: {
            /** @description New slug. */
            slug?: string | null;
            /** @description New label. */
            name?: string | null;
            /** @description New issuer (discovered again). */
            issuer?: string | null;
            /** @description New client id. */
            client_id?: string | null;
            /** @description New client secret, or `null` to remove it. */
            client_secret?: string | null;
            /** @description New scopes. */
            scopes?: string | null;
            /** @description Offered or not. */
            enabled?: boolean | null;
        };
        /** @description Starting an OIDC sign-in. */
        OidcStartIn: {
            /** @description Workspace slug (default: the server's public workspace). */
            workspace?: string | null;
        };
        /** @description Where to send the browser, and what it must keep until it comes back. */
        OidcStartOut: {
            /** @description The provider's authorisation URL (code flow, PKCE S256, state, nonce). */
            authorize_url: string;
            /** @description The `state` the provider will send back (compare before finishing). */
            state: string;
            /**
             * @description Keep in the browser (session storage) and send with the callback:
             *     proves the callback comes back to the browser that started it.
             */
            binding: string;
            /** @description Where the provider redirects to. */
            redirect_uri: string;
        };
        /** @description An order. */
        Order: {
            /** @description The provider's id (used in URLs). */
            id: string;
            /** @description What the customer sees (`#W4316152`). */
            name: string;
            /** @description The customer's id. */
            customer_id: string;
            /** @description Status. */
            status: components["schemas"]["OrderStatus"];
            /**
             * Format: date-time
             * @description When it was placed.
             */
            placed_at: string;
            /** @description ISO 4217 currency. */
            currency: string;
            /** @description Items. */
            items: components["schemas"]["LineItem"][];
            /** @description Shipping address. */
            shipping_address: components["schemas"]["Address"];
            /** @description Shipments. */
            fulfilments?: components["schemas"]["Fulfilment"][];
            /** @description Payments and refunds. */
            transactions?: components["schemas"]["Transaction"][];
            /** @description Why it was cancelled. */
            cancel_reason?: string | null;
            /** @description Returns and exchanges requested. */
            returns?: components["schemas"]["ReturnRequest"][];
        };
        /** @description What an order action did. */
        OrderChangeOut: {
            /** @description The order afterwards. */
            order: components["schemas"]["OrderOut"];
            /** @description What happened, as recorded on the ticket. */
            outcome: components["schemas"]["Outcome"];
        };
        /** @description An order with its totals. */
        OrderOut: components["schemas"]["Order"] & {
            /**
             * Format: int64
             * @description Sum of the items in cents.
             */
            total_cents: number;
            /**
             * Format: int64
             * @description Sum of the refunds in cents.
             */
            refunded_cents: number;
            /** @description The status as a person reads it ("pending (items modified)"). */
            status_label: string;
        };
        /**
         * @description Where an order is in its life.
         * @enum {string}
         */
        OrderStatus: "pending" | "pending_items_modified" | "processed" | "delivered" | "cancelled" | "return_requested" | "exchange_requested";
        /** @description What an action did, for the audit trail and the agent's confirmation. */
        Outcome: {
            /** @description One sentence. */
            summary: string;
            /**
             * Format: int64
             * @description Money moved: positive = refunded to the customer, negative = charged.
             */
            amount_cents: number;
        };
        /** @description What an agent did with a suggestion. */
        OutcomeIn: {
            /** @description `accepted` (sent as suggested), `edited` (sent changed) or `rejected`. */
            outcome: string;
            /** @description The text actually sent (for `edited`: how much survived is measured). */
            final_text?: string | null;
            /**
             * Format: int64
             * @description The message it became, on the same ticket.
             */
            message_id?: number | null;
        };
        /** @description A step answered on a run's path. */
        PathStepOut: {
            /** @description Step key. */
            step: string;
            /** @description Choice key. */
            choice: string;
            /** @description The question, in the run's locale. */
            question: string;
            /** @description The answer, in the run's locale. */
            answer: string;
        };
        /** @description Another of the customer's saved payment methods. */
        PaymentIn: {
            /** @description The payment method's id (from the customer's `payment_methods`). */
            payment_method_id: string;
        };
        /**
         * @description How a customer pays.
         * @enum {string}
         */
        PaymentKind: "credit_card" | "paypal" | "gift_card";
        /** @description A customer's saved payment method. */
        PaymentMethod: {
            /** @description The provider's id. */
            id: string;
            /** @description The kind. */
            kind: components["schemas"]["PaymentKind"];
            /** @description What a person reads ("Visa ending 4242", "`PayPal`", "Gift card"). */
            label: string;
            /**
             * Format: int64
             * @description Gift cards: the balance in cents.
             */
            balance_cents?: number | null;
        };
        /** @description A person as tickets show them. */
        PersonRef: {
            /**
             * Format: int64
             * @description Id (contact id for requesters, user id for assignees).
             */
            id: number;
            /** @description Name. */
            name: string;
            /** @description E-mail, where known. */
            email?: string | null;
        };
        /** @description What the portal's sign-in page needs. */
        PortalConfigOut: {
            /** @description The workspace. */
            workspace: components["schemas"]["PortalWorkspace"];
            /** @description Languages the portal offers. */
            locales: string[];
            /** @description Whether the server can send e-mail (sign-up, magic links and resets need it). */
            email_delivery: boolean;
            /** @description The sign-in methods on offer. */
            methods: components["schemas"]["SignInMethods"];
            /** @description OIDC providers. */
            oidc_providers: components["schemas"]["ProviderButton"][];
            /** @description The help center. */
            help_center_url: string;
        };
        /** @description Portal sign-in with a password. */
        PortalSessionIn: {
            /** @description Workspace slug (default: the server's public workspace). */
            workspace?: string | null;
            /** @description E-mail. */
            email: string;
            /** @description Password. */
            password: string;
        };
        /** @description The workspace as the portal shows it. */
        PortalWorkspace: {
            /** @description Slug (send it back as `workspace`). */
            slug: string;
            /** @description Name. */
            name: string;
            /** @description Default language (BCP 47). */
            locale: string;
        };
        /** @description A contact's notification preferences. */
        PreferencesIn: {
            /** @description Automatic e-mail (acknowledgements, solved notices). */
            email_notifications?: boolean | null;
            /** @description Automatic text messages. */
            sms_notifications?: boolean | null;
        };
        /** @description A contact's notification preferences. */
        PreferencesOut: {
            /**
             * Format: int64
             * @description The contact.
             */
            contact_id: number;
            /** @description Automatic e-mail. */
            email_notifications: boolean;
            /** @description Automatic text messages. */
            sms_notifications: boolean;
        };
        /** @description What an "open a ticket" outcome prefills. */
        PrefillOut: {
            /** @description The ticket's subject. */
            subject: string;
            /** @description A category tag for routing. */
            category?: string | null;
            /** @description The description: each question with the answer chosen. */
            text: string;
            /** @description The portal's new-ticket form with the subject and description filled in. */
            portal_url: string;
        };
        /** @description An agent's presence on a ticket. */
        PresenceIn: {
            /** @description `viewing`, `replying` or `left`; send again every ~20 s while it holds. */
            state: string;
        };
        /**
         * @description How urgent a ticket is.
         * @enum {string}
         */
        Priority: "low" | "normal" | "high" | "urgent";
        /** @description A problem document. */
        Problem: {
            /** @description A URI naming the problem type. */
            type: string;
            /** @description Short summary. */
            title: string;
            /**
             * Format: int32
             * @description HTTP status.
             */
            status: number;
            /** @description Human-readable explanation of this occurrence. */
            detail?: string | null;
            /** @description Stable machine-readable code. */
            code: string;
            /** @description Per-field problems with JSON pointers. */
            errors?: components["schemas"]["ProblemField"][];
        };
        /** @description One field's problem. */
        ProblemField: {
            /** @description JSON pointer into the request (`/custom_fields/qty`, `/limit`). */
            pointer: string;
            /** @description What is wrong. */
            detail: string;
        };
        /** @description A product with its variants. */
        Product: {
            /** @description The provider's id. */
            id: string;
            /** @description Name. */
            name: string;
            /** @description Shop category. */
            category?: string;
            /** @description Variants. */
            variants: components["schemas"]["Variant"][];
        };
        /** @description The signed-in user's profile and (customers) notification preferences. */
        ProfileOut: {
            /**
             * Format: int64
             * @description User id.
             */
            user_id: number;
            /** @description Name. */
            name: string;
            /** @description E-mail. */
            email: string;
            /** @description Role. */
            role: components["schemas"]["Role"];
            /**
             * Format: int64
             * @description The contact a customer is.
             */
            contact_id?: number | null;
            /** @description Whether the account has a password (else: magic links or a provider). */
            has_password: boolean;
            /** @description E-mail notifications about their tickets (customers). */
            email_notifications?: boolean | null;
            /** @description SMS notifications about their tickets (customers). */
            sms_notifications?: boolean | null;
            /** @description Sign-in providers linked to the account. */
            identities: components["schemas"]["IdentityOut"][];
        };
        /** @description A change to the signed-in user's profile; absent fields stay. */
        ProfilePatch: {
            /** @description Name (1–200 characters). */
            name?: string | null;
            /** @description E-mail notifications (customers only). */
            email_notifications?: boolean | null;
            /** @description SMS notifications (customers only). */
            sms_notifications?: boolean | null;
        };
        /** @description Where a suggestion's text came from. */
        ProvenanceOut: {
            /** @description `builtin` or `llm`. */
            engine: string;
            /** @description The model. */
            model: string;
            /** @description The prompt template and version (`suggest_reply@1`), for LLM output. */
            prompt_version?: string | null;
        };
        /** @description An OIDC provider's sign-in button. */
        ProviderButton: {
            /** @description Slug for `POST /api/v1/portal/oidc/{slug}/start`. */
            slug: string;
            /** @description Label. */
            name: string;
        };
        /** @description One choice as a customer sees it. */
        PublicChoice: {
            /** @description Key (send it back to choose). */
            key: string;
            /** @description Label. */
            label: string;
            /** @description The step it leads to, if any. */
            next_step?: string | null;
            outcome?: null | components["schemas"]["TutorialOutcome"];
        };
        /** @description One step as a customer sees it. */
        PublicStep: {
            /** @description Key. */
            key: string;
            /** @description Heading or question. */
            title: string;
            /** @description Sanitised HTML. */
            content_html: string;
            /** @description The step's image. */
            image_url?: string | null;
            /** @description The answers. */
            choices: components["schemas"]["PublicChoice"][];
        };
        /** @description A published tutorial, localised. */
        PublicTutorialOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description The published version.
             */
            version: number;
            /** @description Title. */
            title: string;
            /** @description Description. */
            description: string;
            /** @description The locale the texts are in. */
            locale: string;
            /** @description Some texts were missing in the requested language and are in the default one. */
            fallback: boolean;
            /** @description Every language the tutorial is written in. */
            locales: string[];
            /** @description The first step's key. */
            start: string;
            /** @description Every step. */
            steps: components["schemas"]["PublicStep"][];
        };
        /** @description A published tutorial in a list. */
        PublicTutorialSummary: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description The published version.
             */
            version: number;
            /** @description Title. */
            title: string;
            /** @description Description. */
            description: string;
            /** @description Tags. */
            tags: string[];
            /** @description The locale the texts are in. */
            locale: string;
            /** @description The requested language was missing: the texts are in the default language. */
            fallback: boolean;
        };
        /** @description A rating. */
        RatingIn: {
            /** @description good or bad. */
            score: components["schemas"]["RatingScore"];
            /** @description Optional comment (plain text, at most 2,000 characters). */
            comment?: string | null;
        };
        /** @description A ticket's satisfaction rating. */
        RatingOut: {
            /** @description The verdict. */
            score: components["schemas"]["RatingScore"];
            /** @description The customer's comment (plain text). */
            comment?: string | null;
            /**
             * Format: date-time
             * @description When it was first given.
             */
            first_rated_at: string;
            /**
             * Format: date-time
             * @description When it was last given or changed.
             */
            rated_at: string;
            /**
             * Format: date-time
             * @description Until when it can be changed.
             */
            editable_until: string;
        };
        /** @description What the rating page shows. */
        RatingPageOut: {
            /** @description The workspace's name. */
            workspace_name: string;
            /**
             * Format: int64
             * @description The ticket.
             */
            ticket_id: number;
            /** @description `#1042`. */
            display_number: string;
            /** @description Subject. */
            subject: string;
            /** @description Whether it is solved or closed. */
            solved: boolean;
            rating?: null | components["schemas"]["RatingOut"];
            /** @description Whether it can be rated or re-rated now. */
            can_rate: boolean;
        };
        /**
         * @description good or bad.
         * @enum {string}
         */
        RatingScore: "good" | "bad";
        /** @description Read up to a message. */
        ReadIn: {
            /**
             * Format: int64
             * @description The last message read.
             */
            message_id: number;
        };
        /** @description A queued redelivery. */
        RedeliveryOut: {
            /**
             * Format: int64
             * @description The subscription.
             */
            webhook_id: number;
            /**
             * Format: int64
             * @description The event queued again.
             */
            event_seq: number;
        };
        /** @description Items to refund. */
        RefundIn: {
            /** @description The order lines (each is refunded in full, at most once). */
            line_ids: string[];
            /** @description The original payment method or one of the customer's gift cards. */
            refund_to: string;
            /** @description Why (kept on the refund and in the ticket's audit trail). */
            reason: string;
        };
        /** @description The requester of a new ticket: an existing contact id, or an e-mail (found or created). */
        RequesterIn: {
            /**
             * Format: int64
             * @description Existing contact.
             */
            id?: number | null;
            /** @description E-mail address. */
            email?: string | null;
            /** @description Name for a new contact. */
            name?: string | null;
        };
        /** @description A new password with a reset link's token. */
        ResetPasswordIn: {
            /** @description The `token` of the link. */
            token: string;
            /** @description New password (10–200 characters). */
            password: string;
        };
        /** @description Items to return. */
        ReturnIn: {
            /** @description The order lines. */
            line_ids: string[];
            /** @description Where the refund goes: the original payment method or one of the customer's gift cards. */
            refund_to: string;
        };
        /** @description A requested return or exchange. */
        ReturnRequest: {
            /** @description `return` or `exchange`. */
            kind: string;
            /** @description The lines sent back. */
            line_ids: string[];
            /** @description Exchanges: line id → the new variant id. */
            new_variants?: {
                [key: string]: string;
            };
            /** @description Where the refund (or price difference) goes. */
            payment_method_id: string;
            /**
             * Format: int64
             * @description Returns: the refund due; exchanges: the price difference (positive = customer pays).
             */
            amount_cents: number;
            /**
             * Format: date-time
             * @description When it was requested.
             */
            at: string;
        };
        /**
         * @description A user's role inside one workspace.
         * @enum {string}
         */
        Role: "admin" | "agent" | "customer";
        /** @description A run. */
        RunOut: {
            /** @description The run's id (its credential: keep it private). */
            run_id: string;
            /**
             * Format: int64
             * @description The tutorial.
             */
            tutorial_id: number;
            /**
             * Format: int64
             * @description The version it walks.
             */
            version: number;
            /** @description The tutorial's title. */
            title: string;
            /** @description Its locale. */
            locale: string;
            /** @description Where it runs. */
            channel: components["schemas"]["TutorialRunChannel"];
            step?: null | components["schemas"]["PublicStep"];
            /** @description Each step answered so far. */
            path: components["schemas"]["PathStepOut"][];
            outcome?: null | components["schemas"]["RunOutcomeOut"];
            /**
             * Format: date-time
             * @description When it started.
             */
            started_at: string;
            /**
             * Format: date-time
             * @description When it reached its outcome.
             */
            finished_at?: string | null;
        };
        /** @description How a run ended. */
        RunOutcomeOut: {
            /** @description The outcome. */
            kind: components["schemas"]["TutorialOutcome"];
            /** @description The closing message (solved). */
            message?: string | null;
            /** @description The article to read (article). */
            url?: string | null;
            prefill?: null | components["schemas"]["PrefillOut"];
            /** @description What the ticket form needs: `none` (the caller is known), `name_and_email`. */
            requester?: string | null;
            ticket?: null | components["schemas"]["RunTicketOut"];
        };
        /** @description The ticket form of an "open a ticket" outcome. */
        RunTicketIn: {
            /** @description Your name (when not signed in). */
            name?: string | null;
            /** @description Your e-mail address (required when not signed in). */
            email?: string | null;
            /** @description Anything to add, in your words. */
            details?: string | null;
        };
        /** @description The ticket a run opened. */
        RunTicketOut: {
            /**
             * Format: int64
             * @description Ticket number.
             */
            number: number;
            /**
             * Format: int64
             * @description Its id, for the signed-in requester (to open it in the portal).
             */
            id?: number | null;
        };
        /**
         * @description An API-key scope.
         * @enum {string}
         */
        Scope: "tickets:read" | "tickets:write" | "contacts:read" | "contacts:write" | "orders:read" | "orders:write" | "admin";
        /** @description Credentials. */
        SessionIn: {
            /** @description Workspace slug (`demo`). */
            workspace: string;
            /** @description Sign-in e-mail. */
            email: string;
            /** @description Password. */
            password: string;
        };
        /** @description The signed-in user and the CSRF token to send on writes. */
        SessionOut: {
            /**
             * Format: int64
             * @description User id.
             */
            user_id: number;
            /** @description Name. */
            name: string;
            /** @description Role. */
            role: components["schemas"]["Role"];
            /**
             * Format: int64
             * @description Workspace id.
             */
            workspace_id: number;
            /**
             * Format: int64
             * @description The contact a customer is.
             */
            contact_id?: number | null;
            /** @description Echo as `X-CSRF-Token` on every cookie-authenticated write. */
            csrf_token: string;
        };
        /** @description How customers may sign in. */
        SignInMethods: {
            /** @description E-mail and password. */
            password: boolean;
            /** @description Creating an account (needs e-mail delivery: the address is verified by a link). */
            sign_up: boolean;
            /** @description A sign-in link by e-mail. */
            magic_link: boolean;
            /** @description Resetting a forgotten password by e-mail. */
            password_reset: boolean;
        };
        /** @description A sign-up. */
        SignUpIn: {
            /** @description Workspace slug (default: the server's public workspace). */
            workspace?: string | null;
            /** @description Your name. */
            name: string;
            /** @description Your e-mail address. */
            email: string;
            /** @description Password (10–200 characters). */
            password: string;
            /** @description Language of the e-mail (`en`, `de`). */
            locale?: string | null;
        };
        /** @description A new SMS number (a Twilio phone number of the shop's account). */
        SmsNumberIn: {
            /** @description The number, E.164 (`+14155550100`). */
            phone: string;
            /** @description A label for agents. */
            name?: string;
            /** @description Twilio's API origin (default `https://api.twilio.com`). */
            base_url?: string | null;
            /** @description The account SID (`AC…`). */
            account_sid: string;
            /** @description The auth token (write-only): authenticates sends and signs Twilio's webhooks. */
            auth_token: string;
            /**
             * Format: int64
             * @description Seconds of silence after which a customer's text opens a new ticket (60–2592000, default 86400).
             */
            quiet_period_secs?: number | null;
            /** @description Whether it receives and sends (default true). */
            active?: boolean | null;
        };
        /** @description Every SMS number. */
        SmsNumberList: {
            /** @description The numbers. */
            data: components["schemas"]["SmsNumberOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description An SMS number. The auth token is never shown. */
        SmsNumberOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description The id in its webhook URLs. */
            public_id: string;
            /** @description The number. */
            phone: string;
            /** @description Label. */
            name: string;
            /** @description Twilio's API origin. */
            base_url: string;
            /** @description The account SID. */
            account_sid: string;
            /** @description Whether an auth token is stored (always true; it is never shown). */
            auth_token_set: boolean;
            /**
             * Format: int64
             * @description Quiet period, seconds.
             */
            quiet_period_secs: number;
            /** @description Whether it receives and sends. */
            active: boolean;
            /** @description Set this as the number's "A message comes in" webhook in Twilio. */
            inbound_url: string;
            /** @description Where Twilio reports delivery (sent with every message). */
            status_callback_url: string;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last changed.
             */
            updated_at: string;
        };
        /** @description A change to an SMS number. */
        SmsNumberPatch: {
            /** @description New number. */
            phone?: string | null;
            /** @description New label. */
            name?: string | null;
            /** @description New API origin. */
            base_url?: string | null;
            /** @description New account SID. */
            account_sid?: string | null;
            /** @description New auth token (write-only). */
            auth_token?: string | null;
            /**
             * Format: int64
             * @description New quiet period.
             */
            quiet_period_secs?: number | null;
            /** @description Enable or disable. */
            active?: boolean | null;
        };
        /** @description How to start a run. */
        StartRunIn: {
            channel?: null | components["schemas"]["TutorialRunChannel"];
            /** @description Preferred locale (default: `?locale=`, `Accept-Language`, the tutorial's default). */
            locale?: string | null;
            /** @description An anonymous visitor id the client keeps (1–64 of `A-Z a-z 0-9 _ -`). */
            visitor_id?: string | null;
        };
        /**
         * @description The fixed lifecycle category every admin-defined status belongs to.
         * @enum {string}
         */
        StatusCategory: "new" | "open" | "pending" | "on_hold" | "solved" | "closed";
        /** @description A new status. */
        StatusIn: {
            /** @description Name (1–60 characters). */
            name: string;
            /** @description Its fixed category. */
            category: components["schemas"]["StatusCategory"];
        };
        /** @description Every status. */
        StatusList: {
            /** @description Statuses in display order. */
            data: components["schemas"]["StatusOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description A status. */
        StatusOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Name. */
            name: string;
            /** @description Fixed category. */
            category: components["schemas"]["StatusCategory"];
            /**
             * Format: int32
             * @description Display position.
             */
            position: number;
            /** @description The default of its category. */
            is_default: boolean;
            /** @description Offered for new changes. */
            active: boolean;
        };
        /** @description A change to a status. */
        StatusPatch: {
            /** @description New name. */
            name?: string | null;
            /**
             * Format: int32
             * @description New display position.
             */
            position?: number | null;
            /** @description (De)activate; a category's default cannot be deactivated. */
            active?: boolean | null;
        };
        /** @description A status as tickets show it. */
        StatusRef: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Name. */
            name: string;
            /** @description Fixed category. */
            category: components["schemas"]["StatusCategory"];
        };
        /** @description One step's funnel numbers. */
        StepStatsOut: {
            /** @description The step's key. */
            step: string;
            /** @description Its title in the default locale (empty for steps only older versions had). */
            title: string;
            /**
             * Format: int64
             * @description Runs that reached it.
             */
            reached: number;
            /**
             * Format: int64
             * @description Runs that reached their outcome here.
             */
            finished: number;
            /**
             * Format: int64
             * @description Runs that stopped here without an outcome.
             */
            dropped: number;
            /**
             * Format: int64
             * @description Runs that are here now and active.
             */
            in_progress: number;
            /** @description How often each choice was made here (by choice key). */
            choices: {
                [key: string]: number;
            };
        };
        /** @description A recurring order of one product. */
        Subscription: {
            /** @description The provider's id. */
            id: string;
            /** @description The customer's id. */
            customer_id: string;
            /** @description Product id. */
            product_id: string;
            /** @description Variant id. */
            variant_id: string;
            /** @description What is delivered ("Water Bottle (1000ml, glass, blue)"). */
            name: string;
            /**
             * Format: int64
             * @description Units per delivery.
             */
            quantity: number;
            /**
             * Format: int64
             * @description Price per delivery in cents.
             */
            price_cents: number;
            /** @description ISO 4217 currency. */
            currency: string;
            /** @description Every `interval_count` `interval_unit`s. */
            interval_unit: components["schemas"]["IntervalUnit"];
            /**
             * Format: int32
             * @description How many units between deliveries (1–12).
             */
            interval_count: number;
            /** @description Status. */
            status: components["schemas"]["SubscriptionStatus"];
            /**
             * Format: date
             * @description First delivery.
             */
            started_on: string;
            /**
             * Format: date
             * @description Next charge (none when paused or cancelled).
             */
            next_charge_date?: string | null;
            /** @description Charges skipped. */
            skipped_dates?: string[];
            /**
             * Format: date
             * @description When it was cancelled.
             */
            cancelled_on?: string | null;
            /** @description Why it was cancelled. */
            cancel_reason?: string | null;
        };
        /** @description What a subscription action did. */
        SubscriptionChangeOut: {
            /** @description The subscription afterwards. */
            subscription: components["schemas"]["Subscription"];
            /** @description What happened, as recorded on the ticket. */
            outcome: components["schemas"]["Outcome"];
        };
        /**
         * @description Where a subscription is.
         * @enum {string}
         */
        SubscriptionStatus: "active" | "paused" | "cancelled";
        /** @description An article suggested to a customer. */
        SuggestedArticleOut: {
            /** @description `article` or `tutorial`. */
            kind: string;
            /**
             * Format: int64
             * @description The article's or tutorial's id.
             */
            id: number;
            /** @description Title, in the customer's language where there is a translation. */
            title: string;
            /** @description Its help-center page. */
            url?: string | null;
            /** @description The start of its text. */
            excerpt: string;
            /** @description Why it is suggested ("About your order #W102"). */
            reason: string;
        };
        /** @description A suggestion shown to an agent. */
        SuggestionOut: {
            /**
             * Format: int64
             * @description Id (report what happened to it with `PUT /api/v1/ai/suggestions/{id}/outcome`).
             */
            id: number;
            /** @description `reply`, `summary` or `translation`. */
            kind: string;
            /** @description The text (plain text; a summary's key points follow as `bullets`). */
            text: string;
            /** @description A summary's key points. */
            bullets: string[];
            /** @description The sources it drew on, best first. */
            citations: components["schemas"]["CitationOut"][];
            /**
             * Format: float
             * @description How well the sources matched, 0..1.
             */
            confidence?: number | null;
            /** @description The engine and model. */
            provenance: components["schemas"]["ProvenanceOut"];
            /** @description `shown`, `accepted`, `edited` or `rejected`. */
            outcome: string;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
        };
        /** @description Suggestions of one kind by one engine. */
        SuggestionStatsOut: {
            /** @description `reply`, `summary` or `translation`. */
            kind: string;
            /** @description `builtin` or `llm`. */
            engine: string;
            /**
             * Format: int64
             * @description Shown to agents.
             */
            shown: number;
            /**
             * Format: int64
             * @description Sent as suggested.
             */
            accepted: number;
            /**
             * Format: int64
             * @description Sent after editing.
             */
            edited: number;
            /**
             * Format: int64
             * @description Dismissed.
             */
            rejected: number;
            /**
             * Format: double
             * @description (accepted + edited) / shown.
             */
            use_rate: number;
            /**
             * Format: double
             * @description How much of a used suggestion survived, 0..1 (word overlap).
             */
            mean_similarity?: number | null;
        };
        /** @description Items to swap for other options of the same products. */
        SwapIn: {
            /** @description Each line and its new variant. */
            items: components["schemas"]["ItemSwap"][];
            /** @description Pays or receives the price difference. */
            payment_method_id: string;
        };
        /** @description What a rename, merge or delete did. */
        TagChangeOut: {
            /** @description The tag renamed, merged or deleted. */
            tag: string;
            /** @description Its new name, or the tag it was merged into; `null` after a delete. */
            to?: string | null;
            /**
             * Format: int64
             * @description How many tickets changed (each has a `ticket.updated` event).
             */
            tickets: number;
        };
        /** @description Tags in use. */
        TagList: {
            /** @description Most used first (ties by name), at most `limit`. */
            data: components["schemas"]["TagOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description The tag to merge into. */
        TagMerge: {
            /** @description A tag in use that replaces the merged one on its tickets. */
            into: string;
        };
        /** @description A tag and how many tickets carry it. */
        TagOut: {
            /** @description The tag. */
            tag: string;
            /**
             * Format: int64
             * @description Tickets carrying it.
             */
            count: number;
        };
        /** @description A new name for a tag. */
        TagRename: {
            /** @description The new name (normalised like every tag: lower case, spaces as `-`); must not be in use. */
            name: string;
        };
        /** @description The team's figures for the period. */
        TeamReport: {
            /**
             * Format: date-time
             * @description Start.
             */
            from: string;
            /**
             * Format: date-time
             * @description End (exclusive).
             */
            to: string;
            /** @description Tickets created, by channel. */
            created_by_channel: components["schemas"]["Bucket"][];
            /** @description Tickets now in each status category. */
            by_status: components["schemas"]["Bucket"][];
            /** @description Unsolved tickets by age. */
            backlog_age: components["schemas"]["Bucket"][];
            /** @description Per day: created and solved. */
            daily: components["schemas"]["Day"][];
            /**
             * Format: int64
             * @description Median seconds to first response.
             */
            median_first_response_secs?: number | null;
            /**
             * Format: int64
             * @description Median seconds to resolution.
             */
            median_resolution_secs?: number | null;
            /** @description Per agent. */
            agents: components["schemas"]["AgentReport"][];
        };
        /** @description A template set to save. */
        TemplateIn: {
            /** @description Subject (minijinja). */
            subject: string;
            /** @description Plain-text body (minijinja). */
            text: string;
            /** @description HTML body (minijinja; values are escaped). */
            html: string;
        };
        /** @description Every template. */
        TemplateList: {
            /** @description Every notice in every locale. */
            data: components["schemas"]["TemplateOut"][];
            /** @description The variables templates can use. */
            variables: string;
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description One notification template set. */
        TemplateOut: {
            /** @description `ticket_received`, `agent_replied`, `ticket_solved`, `assigned` or `mentioned`. */
            notice: string;
            /** @description `en`, `de` or `fr`. */
            locale: string;
            /** @description Whether the workspace saved its own (else the built-in one is shown). */
            customized: boolean;
            /** @description Subject template. */
            subject: string;
            /** @description Plain-text template. */
            text: string;
            /** @description HTML template (values are escaped). */
            html: string;
        };
        /**
         * @description What the AI made of a ticket: the newest inbound message decides language,
         *     sentiment and urgency; the category is the AI's until an agent sets one.
         */
        TicketAiOut: {
            /** @description A key of the workspace's categories (`/api/v1/ticket-categories`). */
            category?: string | null;
            /** @description `ai` or `agent`: who chose the category (the AI never overrides an agent). */
            category_source?: string | null;
            /**
             * Format: float
             * @description The classifier's confidence in an AI category, 0..1.
             */
            category_confidence?: number | null;
            /** @description A finer label than the category, when the workspace trains intents. */
            intent?: string | null;
            /** @description The customer's language (ISO 639-1). */
            language?: string | null;
            /** @description `negative`, `neutral` or `positive`. */
            sentiment?: string | null;
            /**
             * Format: float
             * @description -1 (very negative) .. 1 (very positive).
             */
            sentiment_score?: number | null;
            /** @description `low`, `normal`, `high` or `urgent`: a hint, not the ticket's priority. */
            urgency?: string | null;
        };
        /** @description An agent's category for a ticket. */
        TicketCategoryIn: {
            /** @description A category key, or `null` to clear it. */
            category?: string | null;
            /** @description A finer label (up to 80 characters), optional. */
            intent?: string | null;
        };
        /** @description The chat side of a ticket. */
        TicketChatOut: {
            /** @description `chat` or `offline`. */
            kind: string;
            /** @description `human` or `bot`. */
            handler: string;
            visitor?: null | components["schemas"]["ChatVisitorOut"];
            /** @description Whether its widget is connected now. */
            visitor_online: boolean;
            /**
             * Format: int64
             * @description The last message the visitor read.
             */
            visitor_read_message_id?: number | null;
            /**
             * Format: date-time
             * @description When.
             */
            visitor_read_at?: string | null;
            /**
             * Format: int64
             * @description The last message agents read.
             */
            agent_read_message_id?: number | null;
            /**
             * Format: int64
             * @description The latest public message (what an agent on the page has read).
             */
            last_message_id?: number | null;
            /**
             * Format: int64
             * @description The latest public message by the team ("Seen" once the visitor read it).
             */
            last_team_message_id?: number | null;
        };
        /** @description A new ticket. */
        TicketIn: {
            /** @description Subject (1–250 characters). */
            subject: string;
            requester?: null | components["schemas"]["RequesterIn"];
            message?: null | components["schemas"]["FirstMessageIn"];
            priority?: null | components["schemas"]["Priority"];
            channel?: null | components["schemas"]["Channel"];
            /**
             * Format: int64
             * @description Initial status (staff only).
             */
            status_id?: number | null;
            /**
             * Format: int64
             * @description Assignee (staff only).
             */
            assignee_id?: number | null;
            /**
             * Format: int64
             * @description Team (staff only).
             */
            team_id?: number | null;
            /** @description Tags. */
            tags?: string[];
            /** @description Custom field values by key. */
            custom_fields?: Record<string, unknown>;
        };
        /** @description A page of tickets. */
        TicketList: {
            /** @description Rows. */
            data: components["schemas"]["TicketOut"][];
            /** @description Next page's cursor. */
            next_cursor?: string | null;
            /**
             * Format: int64
             * @description Total matching, when known without a scan (filters on status and assignee).
             */
            count?: number | null;
        };
        /** @description A ticket. */
        TicketOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /**
             * Format: int64
             * @description Human number per workspace.
             */
            number: number;
            /** @description `#1042`. */
            display_number: string;
            /** @description Subject. */
            subject: string;
            /** @description Status. */
            status: components["schemas"]["StatusRef"];
            /** @description Priority. */
            priority: components["schemas"]["Priority"];
            /** @description Channel it came from. */
            channel: string;
            /** @description Who asked. */
            requester: components["schemas"]["PersonRef"];
            assignee?: null | components["schemas"]["PersonRef"];
            /**
             * Format: int64
             * @description Team.
             */
            team_id?: number | null;
            /** @description Tags (staff only; empty for customers). */
            tags: string[];
            /** @description Custom field values (customers see only customer-visible fields). */
            custom_fields: Record<string, unknown>;
            /**
             * Format: int64
             * @description When merged, the ticket it went into.
             */
            merged_into_id?: number | null;
            /**
             * Format: int32
             * @description Messages on it (for customers, including internal notes is avoided: public only count is not tracked).
             */
            message_count: number;
            /**
             * Format: date-time
             * @description First public reply by staff.
             */
            first_response_at?: string | null;
            /**
             * Format: date-time
             * @description When it was last solved.
             */
            solved_at?: string | null;
            /**
             * Format: date-time
             * @description When it was closed.
             */
            closed_at?: string | null;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last changed.
             */
            updated_at: string;
            rating?: null | components["schemas"]["RatingOut"];
            ai?: null | components["schemas"]["TicketAiOut"];
        };
        /** @description A change to a ticket; absent fields stay, `null` clears nullable ones. */
        TicketPatch: {
            /** @description New subject. */
            subject?: string | null;
            /**
             * Format: int64
             * @description New status.
             */
            status_id?: number | null;
            priority?: null | components["schemas"]["Priority"];
            /**
             * Format: int64
             * @description New assignee, or `null` to unassign.
             */
            assignee_id?: number | null;
            /**
             * Format: int64
             * @description New team, or `null`.
             */
            team_id?: number | null;
            /** @description Replace the tags. */
            tags?: string[] | null;
            /** @description Add tags. */
            add_tags?: string[];
            /** @description Remove tags. */
            remove_tags?: string[];
            /** @description Custom field changes (`null` clears a value). */
            custom_fields?: Record<string, unknown> | null;
        };
        /** @description A ticket's rating and whether (and with which token) it can be rated now. */
        TicketRatingOut: {
            /**
             * Format: int64
             * @description The ticket.
             */
            ticket_id: number;
            rating?: null | components["schemas"]["RatingOut"];
            /** @description Solved or closed, and not rated or still changeable. */
            can_rate: boolean;
            /** @description For the ticket's requester only: the token for `PUT /api/v1/portal/ratings/{rating_token}`. */
            token?: string | null;
        };
        /** @description One line of a ticket's audit trail. */
        TrailOut: {
            /**
             * Format: int64
             * @description Event seq.
             */
            seq: number;
            /** @description Event type. */
            type: string;
            /** @description Actor kind (`user`, `api_key`, `system`). */
            actor_kind: string;
            /**
             * Format: int64
             * @description Actor id.
             */
            actor_id?: number | null;
            /** @description Actor name. */
            actor_name: string;
            /** @description A sentence: "Anna changed priority normal → urgent". */
            summary: string;
            /** @description The event payload. */
            data: Record<string, unknown>;
            /**
             * Format: date-time
             * @description When.
             */
            at: string;
        };
        /** @description A money movement on an order. */
        Transaction: {
            /** @description Payment or refund. */
            kind: components["schemas"]["TransactionKind"];
            /**
             * Format: int64
             * @description Cents (positive).
             */
            amount_cents: number;
            /** @description The payment method used. */
            payment_method_id: string;
            /**
             * Format: date-time
             * @description When (absent for imported history).
             */
            at?: string | null;
            /** @description Why (refund reason, price difference …). */
            note?: string | null;
        };
        /**
         * @description Payment or refund.
         * @enum {string}
         */
        TransactionKind: "payment" | "refund";
        /** @description Text to translate for a ticket's customer. */
        TranslateIn: {
            /** @description The text (a draft reply), up to 20,000 characters. */
            text: string;
            /** @description The target language (ISO 639-1); default: the customer's language. */
            target?: string | null;
        };
        /** @description One answer to a step. */
        TutorialChoice: {
            /** @description Stable key within the step: 1–40 of `a-z 0-9 _ -`. */
            key: string;
            /** @description The button's label, per locale. */
            label: {
                [key: string]: string;
            };
            /** @description Where it leads. */
            target: components["schemas"]["TutorialTarget"];
        };
        /** @description An uploaded step image. */
        TutorialImageOut: {
            /** @description What a step's `image` refers to. */
            id: string;
            /** @description File name. */
            filename: string;
            /** @description `image/png` … */
            content_type: string;
            /**
             * Format: int64
             * @description Bytes.
             */
            size: number;
            /** @description Where it is served. */
            url: string;
        };
        /** @description A new tutorial or a change to the draft (absent fields stay). */
        TutorialIn: {
            /** @description Title per locale; the default locale's is required. */
            title?: {
                [key: string]: string;
            } | null;
            /** @description Description per locale. */
            description?: {
                [key: string]: string;
            } | null;
            /** @description Tags. */
            tags?: string[] | null;
            /** @description The language every text needs (default: the workspace's). */
            default_locale?: string | null;
            /** @description The start step's key. */
            start?: string | null;
            /** @description Every step, replacing the draft's (a new tutorial without steps gets a starter question). */
            steps?: components["schemas"]["TutorialStep"][] | null;
            /**
             * Format: int64
             * @description The revision this change is based on; a newer one on the server is a 409.
             */
            revision?: number | null;
        };
        /** @description A tutorial as its authors see it. */
        TutorialOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Draft or published. */
            status: components["schemas"]["TutorialStatus"];
            /** @description The language every text needs; others fall back to it. */
            default_locale: string;
            /** @description Title per locale. */
            title: {
                [key: string]: string;
            };
            /** @description Description per locale. */
            description: {
                [key: string]: string;
            };
            /** @description Tags. */
            tags: string[];
            /** @description The start step's key. */
            start: string;
            /** @description The draft's steps. */
            steps: components["schemas"]["TutorialStep"][];
            /** @description Every locale some text is written in. */
            locales: string[];
            /**
             * Format: int64
             * @description Grows by one per saved change; send it back with a change.
             */
            revision: number;
            /**
             * Format: int64
             * @description The latest published version.
             */
            published_version?: number | null;
            /** @description Published, but the draft has changes customers do not see yet. */
            has_unpublished_changes: boolean;
            /** @description Uploaded step images. */
            images: components["schemas"]["TutorialImageOut"][];
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last saved.
             */
            updated_at: string;
        };
        /**
         * @description How a run ended.
         * @enum {string}
         */
        TutorialOutcome: "solved" | "open_ticket" | "article";
        /**
         * @description Where a run goes through a tutorial.
         * @enum {string}
         */
        TutorialRunChannel: "help_center" | "widget" | "portal";
        /**
         * @description Draft or published.
         * @enum {string}
         */
        TutorialStatus: "draft" | "published";
        /** @description One step: a heading, content, an optional image and the choices. */
        TutorialStep: {
            /** @description Stable key within the tutorial (`delivered`, `s2`): 1–40 of `a-z 0-9 _ -`. */
            key: string;
            /** @description The step's heading or question, per locale. */
            title: {
                [key: string]: string;
            };
            /** @description Rich text (HTML, sanitised on save), per locale. */
            content?: {
                [key: string]: string;
            };
            /** @description Public id of an image uploaded to this tutorial. */
            image?: string | null;
            /** @description What the customer can answer. */
            choices?: components["schemas"]["TutorialChoice"][];
        };
        /** @description A tutorial in the authors' list. */
        TutorialSummaryOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Draft or published. */
            status: components["schemas"]["TutorialStatus"];
            /** @description Title in the default locale. */
            title: string;
            /** @description Description in the default locale. */
            description: string;
            /** @description The default locale. */
            default_locale: string;
            /** @description Every locale some text is written in. */
            locales: string[];
            /** @description Tags. */
            tags: string[];
            /** @description Number of steps in the draft. */
            step_count: number;
            /**
             * Format: int64
             * @description The latest published version.
             */
            published_version?: number | null;
            /** @description Published, with unpublished changes. */
            has_unpublished_changes: boolean;
            /**
             * Format: date-time
             * @description Last saved.
             */
            updated_at: string;
        };
        /** @description Where a choice leads. */
        TutorialTarget: {
            /** @description The step's key. */
            step: string;
            /** @enum {string} */
            type: "step";
        } | {
            /** @description An optional closing message, per locale. */
            message?: {
                [key: string]: string;
            };
            /** @enum {string} */
            type: "solved";
        } | {
            /** @description The ticket's subject, per locale (default: the tutorial's title). */
            subject?: {
                [key: string]: string;
            };
            /** @description A category for routing, put on the ticket as a tag (`returns`). */
            category?: string | null;
            /** @enum {string} */
            type: "open_ticket";
        } | {
            /** @description Where it lives: a path on this site (`/help/articles/12`) or an `http(s)` URL. */
            url: string;
            /**
             * Format: int64
             * @description The knowledge-base article's id, when it is one.
             */
            article_id?: number | null;
            /** @enum {string} */
            type: "article";
        };
        /** @description Typing or not. */
        TypingIn: {
            /** @description `true` while typing (send again every few seconds), `false` when stopped. */
            typing: boolean;
        };
        /** @description A new user. */
        UserIn: {
            /** @description Sign-in address. */
            email: string;
            /** @description Display name (defaults to the e-mail's local part). */
            name?: string;
            /** @description Role. */
            role: components["schemas"]["Role"];
            /** @description Password (10–200 characters); absent for an invited user. */
            password?: string | null;
        };
        /** @description A user. */
        UserOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Sign-in address. */
            email: string;
            /** @description Name. */
            name: string;
            /** @description Role. */
            role: components["schemas"]["Role"];
            /**
             * Format: int64
             * @description For customers, their contact.
             */
            contact_id?: number | null;
            /** @description Whether the user may sign in. */
            active: boolean;
            /** @description Whether a password is set (invited users have none yet). */
            has_password: boolean;
            /** @description Active, inactive or invited. */
            status: components["schemas"]["UserStatus"];
            /**
             * Format: date-time
             * @description For an invited user, when their link expires (or expired: send it anew).
             */
            invitation_expires_at?: string | null;
            /**
             * Format: date-time
             * @description Last sign-in.
             */
            last_login_at?: string | null;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last changed.
             */
            updated_at: string;
        };
        /** @description A change to a user. */
        UserPatch: {
            /** @description New name. */
            name?: string | null;
            role?: null | components["schemas"]["Role"];
            /** @description Deactivate (ends the user's sessions) or reactivate. */
            active?: boolean | null;
            /** @description New password (ends the user's sessions). */
            password?: string | null;
        };
        /**
         * @description Where a user stands.
         * @enum {string}
         */
        UserStatus: "active" | "inactive" | "invited";
        /** @description The problems a draft would have. */
        ValidationOut: {
            /** @description Whether it may be saved as is. */
            valid: boolean;
            /** @description Every problem with a JSON pointer into the body. */
            problems: components["schemas"]["ProblemField"][];
        };
        /** @description A product variant in the catalogue. */
        Variant: {
            /** @description The provider's id. */
            id: string;
            /** @description Option values (`color` → `blue` …). */
            options: {
                [key: string]: string;
            };
            /**
             * Format: int64
             * @description Price in cents.
             */
            price_cents: number;
            /** @description Whether it can be ordered now. */
            available: boolean;
        };
        /** @description A view's count. */
        ViewCount: {
            /**
             * Format: int64
             * @description Matching tickets (at most 10,000).
             */
            count: number;
            /** @description More than 10,000 match. */
            capped: boolean;
        };
        /** @description What a view shows: every part is optional and all parts must match. */
        ViewFilter: {
            /**
             * @description Status categories (any of).
             * @default []
             */
            categories: components["schemas"]["StatusCategory"][];
            /**
             * @description Status ids (any of).
             * @default []
             */
            status_ids: number[];
            /**
             * @description Priorities (any of).
             * @default []
             */
            priorities: components["schemas"]["Priority"][];
            /**
             * @description `me`, `none` or a user id.
             * @default null
             */
            assignee: string | null;
            /**
             * Format: int64
             * @description A team id.
             * @default null
             */
            team_id: number | null;
            /**
             * @description Channels (any of).
             * @default []
             */
            channels: components["schemas"]["Channel"][];
            /**
             * @description Tags the ticket must all carry.
             * @default []
             */
            tags: string[];
            /**
             * @description Tags the ticket must not carry.
             * @default []
             */
            exclude_tags: string[];
            /**
             * @description Conditions on custom fields (all must hold).
             * @default []
             */
            fields: components["schemas"]["FieldCondition"][];
            /**
             * @description Full-text words.
             * @default null
             */
            q: string | null;
            /**
             * @description Ticket categories by key (any of), as the AI or an agent set them.
             * @default []
             */
            ticket_categories: string[];
            /**
             * @description Sentiment of the newest customer message (any of): `negative`, `neutral`, `positive`.
             * @default []
             */
            sentiments: string[];
            /**
             * @description The AI's urgency hint (any of): `low`, `normal`, `high`, `urgent`.
             * @default []
             */
            urgencies: string[];
            /**
             * @description The customer's language (any of), ISO 639-1 (`en`, `de`).
             * @default []
             */
            languages: string[];
        };
        /** @description A new view, or a change to one (absent fields stay). */
        ViewIn: {
            /** @description Name (1–80 characters); required to create. */
            name?: string | null;
            filters?: null | components["schemas"]["ViewFilter"];
            /** @description Columns (default: number, subject, requester, status, priority, assignee, updated). */
            columns?: string[] | null;
            /** @description Sort (default `-updated_at`). */
            sort?: string | null;
            /** @description Share with the team (admins only); default personal for users, shared for keys. */
            shared?: boolean | null;
            /**
             * Format: int32
             * @description Order among views.
             */
            position?: number | null;
        };
        /** @description A saved view. */
        ViewOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Name. */
            name: string;
            /** @description Shared with the team (else personal to its owner). */
            shared: boolean;
            /**
             * Format: int64
             * @description The owner of a personal view.
             */
            owner_user_id?: number | null;
            /** @description What the view shows. */
            filters: components["schemas"]["ViewFilter"];
            /** @description Queue columns, in order. */
            columns: string[];
            /** @description `-updated_at`, `updated_at`, `-created_at` or `created_at`. */
            sort: string;
            /**
             * Format: int32
             * @description Order among views.
             */
            position: number;
        };
        /** @description The visitor as the widget knows it. */
        VisitorOut: {
            /** @description Public id. */
            id: string;
            /** @description Name (given or from the shop). */
            name?: string | null;
            /** @description E-mail (given or from the shop). */
            email?: string | null;
            /** @description Whether the shop proved who this is. */
            identified: boolean;
        };
        /** @description The visitor's own details. */
        VisitorPatch: {
            /** @description Name. */
            name?: string | null;
            /** @description E-mail for answers when the visitor has left. */
            email?: string | null;
        };
        /** @description A visitor signal as agents receive it. */
        VisitorSignalOut: {
            /**
             * Format: int64
             * @description The ticket.
             */
            ticket_id: number;
            /** @description The visitor's name. */
            name: string;
            /** @description For `typing`: started or stopped. */
            typing: boolean;
            /**
             * Format: int64
             * @description For `read`: the last message read.
             */
            message_id?: number | null;
            /** @description When. */
            at: string;
        };
        /** @description A new subscription. */
        WebhookIn: {
            /** @description Public http(s) destination. */
            url: string;
            /** @description Event types or patterns (`ticket.*`, `*`), 1–50. */
            events: string[];
            /** @description Free description. */
            description?: string;
        };
        /** @description Every subscription. */
        WebhookList: {
            /** @description Subscriptions, oldest first. */
            data: components["schemas"]["WebhookOut"][];
            /** @description Always `null`: the whole list is one page. */
            next_cursor?: string | null;
        };
        /** @description A subscription, with its signing secret. */
        WebhookOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description Destination. */
            url: string;
            /** @description Description. */
            description: string;
            /** @description Event patterns. */
            events: string[];
            /** @description Signing secret (`whsec_…`). */
            secret: string;
            /** @description Whether deliveries are sent. */
            enabled: boolean;
            /** @description Why it was disabled automatically. */
            disabled_reason?: string | null;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last changed.
             */
            updated_at: string;
        };
        /** @description A change to a subscription. */
        WebhookPatch: {
            /** @description New destination. */
            url?: string | null;
            /** @description Replace the event patterns. */
            events?: string[] | null;
            /** @description New description. */
            description?: string | null;
            /** @description Enable (clears the disabled reason) or disable. */
            enabled?: boolean | null;
        };
        /** @description A file on a chat message. */
        WidgetAttachmentOut: {
            /** @description Opaque id. */
            id: string;
            /** @description File name. */
            filename: string;
            /** @description Media type. */
            content_type: string;
            /**
             * Format: int64
             * @description Bytes.
             */
            size: number;
            /** @description Download URL (send the visitor token). */
            url: string;
        };
        /** @description How the widget looks and behaves on a site. */
        WidgetConfigOut: {
            /** @description The workspace's slug. */
            workspace: string;
            /** @description The shop's name (the widget's title). */
            name: string;
            /** @description Launcher and header colour. */
            color: string;
            /** @description Text colour on it. */
            text_color: string;
            /** @description `right` or `left`. */
            position: string;
            /** @description The language picked for the visitor. */
            locale: string;
            /** @description Languages with a greeting. */
            locales: string[];
            /** @description The greeting in that language. */
            greeting: string;
            /** @description Whether an agent is online now. */
            agents_online: boolean;
            /** @description `message` (leave a message when nobody is online) or `chat` (chat anyway). */
            offline_mode: string;
            /** @description Whether only identified visitors may chat. */
            require_identity: boolean;
            /** @description Largest file a visitor may attach, bytes. */
            max_file_bytes: number;
            /** @description Media types a visitor may attach. */
            file_types: string[];
            /** @description The sites allowed to embed the widget (the widget accepts `postMessage` commands from these only). */
            allowed_origins: string[];
            /**
             * @description The chatbot's name when the chatbot answers new conversations (chat is
             *     then open even when no agent is online); `null` when it is off.
             */
            bot_name?: string | null;
        };
        /** @description A visitor's message. */
        WidgetMessageIn: {
            /** @description Plain text (may be empty when files are attached). */
            body?: string;
            /** @description The client's id for this message: a retry with it is stored once. */
            client_id?: string | null;
            /** @description Files uploaded to the conversation beforehand. */
            attachment_ids?: string[];
        };
        /** @description A public message of a conversation. */
        WidgetMessageOut: {
            /**
             * Format: int64
             * @description Message id (ascending: the order of the conversation).
             */
            id: number;
            /**
             * Format: int64
             * @description Its conversation.
             */
            conversation_id: number;
            /** @description `visitor`, `agent`, `bot` or `system`. */
            participant: string;
            /** @description Who wrote it (agents by first name). */
            author_name: string;
            /** @description The text (render it as text, never as HTML). */
            text: string;
            /** @description Sanitised HTML, for clients that render rich text. */
            html: string;
            /** @description The id the client posted it with, for its own messages. */
            client_id?: string | null;
            /** @description Files. */
            attachments: components["schemas"]["WidgetAttachmentOut"][];
            /**
             * @description The bot stated a change and waits for the visitor's yes: the widget
             *     offers Yes / No under it while it is the last message.
             */
            asks_confirmation: boolean;
            /**
             * Format: date-time
             * @description When.
             */
            created_at: string;
        };
        /** @description A solved conversation's rating as the widget's footer shows it. */
        WidgetRatingOut: {
            /**
             * Format: int64
             * @description The conversation.
             */
            conversation_id: number;
            /** @description The conversation's rating token (`PUT /api/v1/portal/ratings/{rating_token}` takes it too). */
            token: string;
            rating?: null | components["schemas"]["RatingOut"];
            /** @description Not rated yet, or still inside the change window. */
            can_rate: boolean;
            /**
             * Format: date-time
             * @description Until when the rating can be changed (once given).
             */
            changeable_until?: string | null;
        };
        /** @description Opening a widget session; send a visitor token you hold as `Authorization: Bearer …` to resume it. */
        WidgetSessionIn: {
            /** @description The workspace's slug (the script tag's `data-workspace`). */
            workspace: string;
            /** @description The visitor's language (BCP 47). */
            locale?: string | null;
            /** @description The page the widget is on. */
            page_url?: string | null;
            identity?: null | components["schemas"]["IdentityIn"];
        };
        /** @description A widget session. */
        WidgetSessionOut: {
            /** @description The visitor token: send it as `Authorization: Bearer …` to the visitor routes. */
            token: string;
            /**
             * Format: date-time
             * @description When it expires (open a session again to renew it).
             */
            expires_at: string;
            /** @description The visitor. */
            visitor: components["schemas"]["VisitorOut"];
            /** @description The widget's settings. */
            config: components["schemas"]["WidgetConfigOut"];
        };
        /** @description The workspace and its settings. */
        WorkspaceOut: {
            /**
             * Format: int64
             * @description Id.
             */
            id: number;
            /** @description The slug used to sign in (fixed). */
            slug: string;
            /** @description Display name. */
            name: string;
            /** @description IANA time zone (`Europe/Berlin`). */
            time_zone: string;
            /** @description BCP 47 language tag (`en-US`). */
            locale: string;
            /**
             * Format: date-time
             * @description Created.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last changed.
             */
            updated_at: string;
        };
        /** @description A change to the workspace settings; absent fields stay as they are. */
        WorkspacePatch: {
            /** @description Display name (1–100 characters). */
            name?: string | null;
            /** @description IANA time zone such as `Europe/Berlin`, `America/New_York` or `UTC`. */
            time_zone?: string | null;
            /** @description BCP 47 language tag such as `en`, `en-US` or `de` (stored in canonical case). */
            locale?: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    list_models: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelList"];
                };
            };
        };
    };
    retrain_models: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelList"];
                };
            };
        };
    };
    get_ai_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AiSettingsOut"];
                };
            };
        };
    };
    update_ai_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AiSettingsPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AiSettingsOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    set_suggestion_outcome: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OutcomeIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuggestionOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_api_keys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
        };
    };
    create_api_key: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiKeyIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyCreated"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revoke_api_key: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    download_attachment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": unknown;
                };
            };
        };
    };
    list_audit_log: {
        parameters: {
            query?: {
                /** @description Event type (`ticket.updated`) or resource (`ticket.*`). */
                type?: string;
                /** @description Actor kind: `user`, `api_key`, `system`. */
                actor_kind?: string;
                /** @description Actor id. */
                actor_id?: number;
                /** @description Page size 1–200 (default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_EventOut"];
                };
            };
        };
    };
    list_api_channels: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiChannelList"];
                };
            };
        };
    };
    create_api_channel: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiChannelIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiChannelCreatedOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_api_channel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiChannelOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_api_channel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_api_channel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiChannelPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiChannelOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_api_message: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                public_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiMessageIn"];
            };
        };
        responses: {
            /** @description Already posted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiMessageOut"];
                };
            };
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiMessageOut"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inbound_email: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The raw message */
        requestBody: {
            content: {
                "message/rfc822": string;
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboundOut"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    unsubscribe_page: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
    unsubscribe: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_mailboxes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MailboxList"];
                };
            };
        };
    };
    create_mailbox: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MailboxIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MailboxCreatedOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_mailbox: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MailboxOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_mailbox: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_mailbox: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MailboxPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MailboxOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rotate_mailbox_token: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MailboxTokenOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    test_mailbox: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MailboxTestOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_channel_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChannelSettingsOut"];
                };
            };
        };
    };
    update_channel_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChannelSettingsPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChannelSettingsOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_sms_numbers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SmsNumberList"];
                };
            };
        };
    };
    create_sms_number: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SmsNumberIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SmsNumberOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_sms_number: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SmsNumberOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_sms_number: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_sms_number: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SmsNumberPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SmsNumberOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    receive_twilio_message: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                public_id: string;
            };
            cookie?: never;
        };
        /** @description Twilio's message webhook form */
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": string;
            };
        };
        responses: {
            /** @description Empty TwiML */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/xml": string;
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    receive_twilio_status: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                public_id: string;
            };
            cookie?: never;
        };
        /** @description Twilio's status callback form */
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": string;
            };
        };
        responses: {
            /** @description Recorded (or ignored: unknown or out-of-order) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_templates: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TemplateList"];
                };
            };
        };
    };
    save_template: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                notice: string;
                locale: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TemplateIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TemplateOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    reset_template: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                notice: string;
                locale: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TemplateOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_chat_availability: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AvailabilityIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AvailabilityOut"];
                };
            };
        };
    };
    get_chat_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatSettingsOut"];
                };
            };
        };
    };
    update_chat_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChatSettingsPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatSettingsOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rotate_chat_identity_secret: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentitySecretOut"];
                };
            };
        };
    };
    list_companies: {
        parameters: {
            query?: {
                /** @description Page size (1–100, default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_CompanyOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_company: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CompanyIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CompanyOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_company: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CompanyOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_company: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CompanyPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CompanyOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_contacts: {
        parameters: {
            query?: {
                /** @description Name or e-mail prefix. */
                q?: string;
                /** @description Only contacts of this company. */
                company_id?: number;
                /** @description Page size 1–100 (default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_ContactOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_contact: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ContactIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContactOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_contact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContactOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_contact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ContactPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContactOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_contact_preferences: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PreferencesOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_contact_preferences: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PreferencesIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PreferencesOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_custom_fields: {
        parameters: {
            query?: {
                /** @description Only fields of `ticket`, `contact` or `company`. */
                entity?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomFieldList"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_custom_field: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CustomFieldIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomFieldOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_custom_field: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CustomFieldPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomFieldOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_raw_message: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "message/rfc822": string;
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    stream_events: {
        parameters: {
            query?: {
                /** @description Comma-separated topics: `queue`, `ticket:<id>`, `all` (default: everything you may see). */
                topics?: string;
                /** @description Resume after this seq (same as the `Last-Event-ID` header, which wins). */
                last_event_id?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream of EventOut */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["EventOut"];
                };
            };
        };
    };
    help_article: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
                /** @description Preferred locale (default: `Accept-Language`, then the workspace's). */
                locale?: string;
            };
            header?: never;
            path: {
                article_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HelpArticleOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    help_article_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                article_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    help_feedback: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
                /** @description Preferred locale (default: `Accept-Language`, then the workspace's). */
                locale?: string;
            };
            header?: never;
            path: {
                article_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HelpFeedbackIn"];
            };
        };
        responses: {
            /** @description Recorded */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    help_feedback_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                article_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    help_search: {
        parameters: {
            query: {
                /** @description Words (typos are corrected when nothing matches). */
                q: string;
                /** @description Preferred locale. */
                locale?: string;
                /** @description Workspace slug. */
                workspace?: string;
                /** @description Most results (1–50, default 10). */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HelpSearchHit"][];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    help_search_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    help_suggest: {
        parameters: {
            query: {
                /** @description Words (typos are corrected when nothing matches). */
                q: string;
                /** @description Preferred locale. */
                locale?: string;
                /** @description Workspace slug. */
                workspace?: string;
                /** @description Most results (1–50, default 10). */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HelpSuggestion"][];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    help_suggest_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    get_tutorial_image: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
                /** @description Preferred locale (default: `Accept-Language`, then the tutorial's default). */
                locale?: string;
            };
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": unknown;
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_tutorial_image_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    get_run: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
                /** @description Preferred locale (default: `Accept-Language`, then the tutorial's default). */
                locale?: string;
            };
            header?: never;
            path: {
                run_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_run_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    choose: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
                /** @description Preferred locale (default: `Accept-Language`, then the tutorial's default). */
                locale?: string;
            };
            header?: never;
            path: {
                run_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChoiceIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description The run already ended (`tutorial_run_finished`) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    choose_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    open_run_ticket: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
                /** @description Preferred locale (default: `Accept-Language`, then the tutorial's default). */
                locale?: string;
            };
            header?: never;
            path: {
                run_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RunTicketIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an "open a ticket" run, or its ticket exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Name and e-mail missing for an anonymous customer */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many tickets from this client or address */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    open_run_ticket_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    list_public_tutorials: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
                /** @description Preferred locale (default: `Accept-Language`, then the tutorial's default). */
                locale?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_PublicTutorialSummary"];
                };
            };
            /** @description Unknown workspace */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_public_tutorials_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    get_public_tutorial: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
                /** @description Preferred locale (default: `Accept-Language`, then the tutorial's default). */
                locale?: string;
            };
            header?: never;
            path: {
                tutorial_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PublicTutorialOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_public_tutorial_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tutorial_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    start_run: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
                /** @description Preferred locale (default: `Accept-Language`, then the tutorial's default). */
                locale?: string;
            };
            header?: never;
            path: {
                tutorial_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StartRunIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    start_run_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tutorial_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CORS preflight */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    get_invitation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvitationInfo"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    accept_invitation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AcceptInvitationIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionOut"];
                };
            };
            /** @description Unknown, expired or used */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_articles: {
        parameters: {
            query?: {
                /** @description Only this status. */
                status?: components["schemas"]["KbStatus"];
                /** @description Only this section (in its order, one page). */
                section_id?: number;
                /** @description Only articles in no section (one page). */
                unfiled?: boolean;
                /** @description Titles in this locale (default: the workspace's). */
                locale?: string;
                /** @description Page size 1–500 (default 100). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_KbArticleSummaryOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_article: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KbArticleIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbArticleOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    article_from_message: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KbFromMessageIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbArticleOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_article: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbArticleOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_article: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_article: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KbArticlePatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbArticleOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_files: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_KbFileOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    upload_file: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        /** @description `file` (≤ 20 MiB) */
        requestBody?: {
            content: {
                "multipart/form-data": unknown;
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbFileOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_file: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                file_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    article_feedback: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbArticleFeedbackOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    publish_article: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbArticleOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    save_translation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                /** @description BCP 47 tag */
                locale: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KbTranslationIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbTranslationOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_translation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                locale: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    unpublish_article: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbArticleOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_versions: {
        parameters: {
            query?: {
                /** @description Only this locale's. */
                locale?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_KbVersionOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    restore_version: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                version_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbTranslationOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_categories: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_KbCategoryOut"];
                };
            };
        };
    };
    create_category: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KbCategoryIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbCategoryOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_category: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_category: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KbCategoryIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbCategoryOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_section: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KbNewSectionIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbSectionOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    search_articles: {
        parameters: {
            query: {
                /** @description Words (the last may be unfinished). */
                q: string;
                /** @description Only this locale (with the workspace's locale standing in); default: every locale. */
                locale?: string;
                /** @description Only articles of this status. */
                status?: components["schemas"]["KbStatus"];
                /** @description Most results (1–50, default 20). */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbAgentSearchOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_section: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_section: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KbSectionIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbSectionOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    kb_stats: {
        parameters: {
            query?: {
                /** @description First day (UTC, `YYYY-MM-DD`; default 29 days before `to`). */
                from?: string;
                /** @description Last day (default today). */
                to?: string;
                /** @description Only this article's daily views. */
                article_id?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KbStatsOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_macros: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_MacroOut"];
                };
            };
        };
    };
    create_macro: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MacroIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MacroOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_macro: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MacroOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_macro: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_macro: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MacroIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MacroOut"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_notifications: {
        parameters: {
            query?: {
                /** @description Only unread notifications. */
                unread?: boolean;
                /** @description Page size 1–100 (default 20). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationList"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    mark_notifications_read: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NotificationsReadIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationsReadOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_chat_identity: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatIdentityOut"];
                };
            };
        };
    };
    portal_config: {
        parameters: {
            query?: {
                /** @description Workspace slug (default: the server's public workspace). */
                workspace?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PortalConfigOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    request_magic_link: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EmailLinkIn"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckEmailOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    sign_in_with_magic_link: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LinkTokenIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionOut"];
                };
            };
            /** @description Invalid, expired or used link */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileOut"];
                };
            };
        };
    };
    update_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProfilePatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_oidc_providers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_OidcProviderOut"];
                };
            };
        };
    };
    create_oidc_provider: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OidcProviderIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OidcProviderOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_oidc_provider: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OidcProviderOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_oidc_provider: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_oidc_provider: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OidcProviderPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OidcProviderOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    finish_oidc_sign_in: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OidcCallbackIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionOut"];
                };
            };
            /** @description The id_token failed verification */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown, expired or used state */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Unverified e-mail or a staff address */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description The provider failed */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    start_oidc_sign_in: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OidcStartIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OidcStartOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_my_orders: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_OrderOut"];
                };
            };
        };
    };
    get_my_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    request_password_reset: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EmailLinkIn"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckEmailOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    complete_password_reset: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ResetPasswordIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionOut"];
                };
            };
            /** @description Invalid, expired or used link */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_rating_page: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                rating_token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RatingPageOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rate_ticket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                rating_token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RatingIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RatingOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not solved, or the rating is final */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    sign_in: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PortalSessionIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionOut"];
                };
            };
            /** @description Wrong credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    sign_up: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SignUpIn"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckEmailOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    verify_sign_up: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LinkTokenIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionOut"];
                };
            };
            /** @description Invalid, expired or used link */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    portal_suggestions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_SuggestedArticleOut"];
                };
            };
        };
    };
    agent_reports: {
        parameters: {
            query?: {
                /** @description Start (RFC 3339). */
                from?: string;
                /** @description End (RFC 3339, exclusive). */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_AgentReport"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    ai_report: {
        parameters: {
            query?: {
                /** @description Start (inclusive); default 30 days ago. */
                from?: string;
                /** @description End (exclusive); default now. */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AiReport"];
                };
            };
        };
    };
    csat_report: {
        parameters: {
            query?: {
                /** @description Start (RFC 3339; default 30 days before `to`). */
                from?: string;
                /** @description End (RFC 3339, exclusive; default now). */
                to?: string;
                /** @description `day` (default), `week` (ISO) or `month`. */
                interval?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CsatReport"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    my_report: {
        parameters: {
            query?: {
                /** @description Start (RFC 3339). */
                from?: string;
                /** @description End (RFC 3339, exclusive). */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentReport"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    team_report: {
        parameters: {
            query?: {
                /** @description Start (RFC 3339). */
                from?: string;
                /** @description End (RFC 3339, exclusive). */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeamReport"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    search: {
        parameters: {
            query?: {
                /** @description Comma-separated status categories (`open,pending`) and/or status ids. */
                status?: string;
                /** @description Comma-separated priorities. */
                priority?: string;
                /** @description A user id, `me` or `none`. */
                assignee?: string;
                /** @description Requester contact id. */
                requester?: number;
                /** @description Team id. */
                team?: number;
                /** @description Channel. */
                channel?: string;
                /** @description Carries this tag. */
                tag?: string;
                /** @description Full-text query over subjects and messages. */
                q?: string;
                /** @description `-updated_at` (default), `updated_at`, `-created_at`, `created_at`. */
                sort?: string;
                /** @description Page size 1–100 (default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketList"];
                };
            };
        };
    };
    get_session: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionOut"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_session: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SessionIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionOut"];
                };
            };
            /** @description Wrong credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_session: {
        parameters: {
            query?: {
                /** @description `true` ends every session of the user ("log out everywhere"). */
                everywhere?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    list_statuses: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatusList"];
                };
            };
        };
    };
    create_status: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StatusIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatusOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_status: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StatusPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatusOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_tags: {
        parameters: {
            query?: {
                /** @description Only tags containing this text. */
                q?: string;
                /** @description How many (1–1000, default 200). */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TagList"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_tag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tag: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TagChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rename_tag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tag: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TagRename"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TagChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description The new name is in use: merge instead */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    merge_tag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tag: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TagMerge"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TagChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_ticket_categories: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CategoryList"];
                };
            };
        };
    };
    create_ticket_category: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CategoryNew"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CategoryOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_ticket_category: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_ticket_category: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CategoryPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CategoryOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_tickets: {
        parameters: {
            query?: {
                /** @description Comma-separated status categories (`open,pending`) and/or status ids. */
                status?: string;
                /** @description Comma-separated priorities. */
                priority?: string;
                /** @description A user id, `me` or `none`. */
                assignee?: string;
                /** @description Requester contact id. */
                requester?: number;
                /** @description Team id. */
                team?: number;
                /** @description Channel. */
                channel?: string;
                /** @description Carries this tag. */
                tag?: string;
                /** @description Full-text query over subjects and messages. */
                q?: string;
                /** @description `-updated_at` (default), `updated_at`, `-created_at`, `created_at`. */
                sort?: string;
                /** @description Page size 1–100 (default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketList"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_ticket: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TicketIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    bulk_update_tickets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BulkIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BulkOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    count_tickets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: number;
                    };
                };
            };
        };
    };
    get_ticket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_ticket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TicketPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    suggest_reply: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuggestionOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    stream_suggest_reply: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream: `delta`, then `done` (a SuggestionOut) or `error` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["SuggestionOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    summarise_ticket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuggestionOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    translate_for_ticket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TranslateIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuggestionOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_attachments: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_AttachmentOut"];
                };
            };
        };
    };
    upload_attachment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        /** @description `file` (≤ 20 MiB), optional `message_id` */
        requestBody?: {
            content: {
                "multipart/form-data": unknown;
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AttachmentOut"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    set_ticket_category: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TicketCategoryIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_ticket_chat: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketChatOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    mark_ticket_chat_read: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReadIn"];
            };
        };
        responses: {
            /** @description Recorded */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    stream_ticket_chat: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["VisitorSignalOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    send_ticket_chat_typing: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TypingIn"];
            };
        };
        responses: {
            /** @description Sent */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    ticket_commerce: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CommerceOverview"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    change_address: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                order_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AddressIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    cancel_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                order_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CancelOrderIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    exchange_items: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                order_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SwapIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    change_items: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                order_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SwapIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    change_payment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                order_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PaymentIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    refund_items: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                order_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RefundIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    return_items: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                order_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReturnIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    cancel_subscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                subscription_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CancelSubscriptionIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubscriptionChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    change_frequency: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                subscription_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FrequencyIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubscriptionChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    pause_subscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                subscription_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubscriptionChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    resume_subscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                subscription_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubscriptionChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    skip_subscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                subscription_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubscriptionChangeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_ticket_deliveries: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChannelDeliveryList"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_ticket_events: {
        parameters: {
            query?: {
                /** @description Page size (1–100, default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_TrailOut"];
                };
            };
        };
    };
    apply_macro: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                macro_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApplyIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApplyOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    preview_macro: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                macro_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MacroPreview"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    merge_ticket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MergeIn"];
            };
        };
        responses: {
            /** @description The target ticket */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_messages: {
        parameters: {
            query?: {
                /** @description Page size 1–100 (default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
                /** @description `asc` (oldest first, default) or `desc` (latest first). */
                order?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_MessageOut"];
                };
            };
        };
    };
    create_message: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MessageIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MessageOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    announce_presence: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PresenceIn"];
            };
        };
        responses: {
            /** @description Announced */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_ticket_rating: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketRatingOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_tutorials: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_TutorialSummaryOut"];
                };
            };
        };
    };
    create_tutorial: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TutorialIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TutorialOut"];
                };
            };
            /** @description Invalid texts or graph, with a pointer per problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_tutorial: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TutorialOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_tutorial: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_tutorial: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TutorialIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TutorialOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Changed meanwhile (`tutorial_changed`) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid texts or graph, with a pointer per problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    tutorial_analytics: {
        parameters: {
            query?: {
                /** @description Runs started at or after (RFC 3339). */
                from?: string;
                /** @description Runs started before (RFC 3339). */
                to?: string;
                /** @description Runs of this published version only. */
                version?: number;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AnalyticsOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    upload_tutorial_image: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        /** @description `file` */
        requestBody?: {
            content: {
                "multipart/form-data": unknown;
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TutorialImageOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    publish_tutorial: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TutorialOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    unpublish_tutorial: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TutorialOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    validate_tutorial: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TutorialIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_users: {
        parameters: {
            query?: {
                /** @description Only users with this role. */
                role?: components["schemas"]["Role"];
                /** @description Page size 1–100 (default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_UserOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_user: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_invitation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InvitationIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvitationOut"];
                };
            };
            /** @description The e-mail is taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    resend_invitation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvitationOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description The user has a password already */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revoke_invitation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description No open invitation, or tickets are assigned to the user */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_views: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_ViewOut"];
                };
            };
        };
    };
    create_view: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ViewIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ViewOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    view_counts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: components["schemas"]["ViewCount"];
                    };
                };
            };
        };
    };
    get_view: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ViewOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_view: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_view: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ViewIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ViewOut"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    view_tickets: {
        parameters: {
            query?: {
                /** @description Page size 1–100 (default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketList"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_webhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookList"];
                };
            };
        };
    };
    create_webhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_event_types: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventTypeList"];
                };
            };
        };
    };
    get_webhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_webhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_webhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_deliveries: {
        parameters: {
            query?: {
                /** @description Page size (1–100, default 50). */
                limit?: number;
                /** @description The previous page's `next_cursor`. */
                cursor?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_DeliveryOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    redeliver_delivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
                delivery_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RedeliveryOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    download_widget_attachment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": unknown;
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_widget_config: {
        parameters: {
            query: {
                /** @description The workspace's slug. */
                workspace: string;
                /** @description The visitor's language (BCP 47). */
                locale?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WidgetConfigOut"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_widget_conversations: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_ConversationOut"];
                };
            };
        };
    };
    start_widget_conversation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ConversationIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_widget_conversation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    upload_widget_attachment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        /** @description `file` */
        requestBody?: {
            content: {
                "multipart/form-data": unknown;
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WidgetAttachmentOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    request_widget_handoff: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_widget_messages: {
        parameters: {
            query?: {
                /** @description Only messages after this id (to catch up after a reconnect). */
                after?: number;
                /** @description 1–200 (default 100). */
                limit?: number;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_WidgetMessageOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    post_widget_message: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WidgetMessageIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WidgetMessageOut"];
                };
            };
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WidgetMessageOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_widget_conversation_rating: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WidgetRatingOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rate_widget_conversation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RatingIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WidgetRatingOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    mark_widget_read: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReadIn"];
            };
        };
        responses: {
            /** @description Recorded */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    send_widget_typing: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TypingIn"];
            };
        };
        responses: {
            /** @description Sent */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    leave_widget_message: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OfflineMessageIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OfflineMessageOut"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    open_widget_session: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WidgetSessionIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WidgetSessionOut"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    stream_widget_events: {
        parameters: {
            query?: {
                /** @description Resume after this seq (the `Last-Event-ID` header wins). */
                last_event_id?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["WidgetMessageOut"];
                };
            };
        };
    };
    widget_suggestions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListOut_SuggestedArticleOut"];
                };
            };
        };
    };
    update_widget_visitor: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["VisitorPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VisitorOut"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_workspace: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkspaceOut"];
                };
            };
        };
    };
    update_workspace: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WorkspacePatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkspaceOut"];
                };
            };
            /** @description A field is invalid; nothing changed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Database unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
}
