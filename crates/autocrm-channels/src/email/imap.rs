//! IMAP polling: fetch new messages by UID, resuming where the last poll stopped.
