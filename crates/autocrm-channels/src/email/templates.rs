//! Notification templates (minijinja, text + HTML) per workspace and locale.
