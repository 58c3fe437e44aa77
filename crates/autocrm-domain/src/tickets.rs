//! Tickets: priorities, channels, status categories and the default statuses.

use serde::{Deserialize, Serialize};

use crate::auth::UnknownValue;

macro_rules! closed_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored and serialised name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Parses a stored or user-supplied name.
            pub fn parse(s: &str) -> Result<Self, UnknownValue> {
                match s { $($text => Ok(Self::$variant),)+ _ => Err(UnknownValue::new($kind, s)) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

closed_enum!(
    /// How urgent a ticket is.
    Priority, "priority", {
        /// Can wait.
        Low => "low",
        /// The default.
        Normal => "normal",
        /// Needs attention today.
        High => "high",
        /// Drop everything.
        Urgent => "urgent",
    }
);

closed_enum!(
    /// The fixed lifecycle category every admin-defined status belongs to.
    StatusCategory, "status category", {
        /// Not yet looked at.
        New => "new",
        /// Being worked on.
        Open => "open",
        /// Waiting for the customer.
        Pending => "pending",
        /// Waiting for a third party.
        OnHold => "on_hold",
        /// Answered; reopens on a customer reply.
        Solved => "solved",
        /// Final; a reply opens a follow-up.
        Closed => "closed",
    }
);

impl StatusCategory {
    /// Whether tickets in this category still need work (they count in the queue).
    pub fn is_unresolved(self) -> bool {
        matches!(self, Self::New | Self::Open | Self::Pending | Self::OnHold)
    }
}

closed_enum!(
    /// Where a ticket came from.
    Channel, "channel", {
        /// Inbound e-mail.
        Email => "email",
        /// Live chat widget.
        Chat => "chat",
        /// Text message.
        Sms => "sms",
        /// The customer portal or a web form.
        Web => "web",
        /// Created through the REST API.
        Api => "api",
        /// Phone call logged by an agent.
        Phone => "phone",
        /// Opened by an agent on a customer's behalf.
        Internal => "internal",
    }
);

/// A default status: name, category, whether it is the category's default.
pub const DEFAULT_STATUSES: &[(&str, StatusCategory)] = &[
    ("New", StatusCategory::New),
    ("Open", StatusCategory::Open),
    ("Waiting on customer", StatusCategory::Pending),
    ("Waiting on warehouse", StatusCategory::OnHold),
    ("Solved", StatusCategory::Solved),
    ("Closed", StatusCategory::Closed),
];

/// The longest subject accepted, in characters.
pub const MAX_SUBJECT_CHARS: usize = 250;

/// Validates and trims a subject.
pub fn parse_subject(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("must not be empty");
    }
    if s.chars().count() > MAX_SUBJECT_CHARS {
        return Err("must be at most 250 characters");
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn closed_sets_round_trip_through_their_names() {
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()).unwrap(), *p);
        }
        for c in StatusCategory::ALL {
            assert_eq!(StatusCategory::parse(c.as_str()).unwrap(), *c);
        }
        assert!(Channel::parse("pigeon").is_err());
    }

    #[test]
    fn subjects_are_trimmed_and_bounded() {
        assert_eq!(parse_subject("  Where is my order? ").unwrap(), "Where is my order?");
        assert!(parse_subject("   ").is_err());
        assert!(parse_subject(&"x".repeat(251)).is_err());
    }
}
