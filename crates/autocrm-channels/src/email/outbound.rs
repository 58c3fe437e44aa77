//! Building outbound messages (multipart text + HTML + attachments) with our own Message-IDs.
