//! Roles, API-key scopes and the principal a request acts as.
//!
//! Invariant: a `Principal` always carries its workspace; it is built by the
//! server's one authentication layer from a session or an API key and never
//! from a request body.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A user's role inside one workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything inside the workspace.
    Admin,
    /// Every ticket of the workspace, no settings.
    Agent,
    /// Only their own tickets and only public messages.
    Customer,
}

impl Role {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Agent => "agent",
            Self::Customer => "customer",
        }
    }

    /// Parses a stored or user-supplied role name.
    pub fn parse(s: &str) -> Result<Self, UnknownValue> {
        match s {
            "admin" => Ok(Self::Admin),
            "agent" => Ok(Self::Agent),
            "customer" => Ok(Self::Customer),
            _ => Err(UnknownValue::new("role", s)),
        }
    }

    /// Admins and agents are staff; customers are not.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Admin | Self::Agent)
    }
}

/// A value outside a closed set (role, scope, priority …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownValue {
    /// What kind of value was expected.
    pub kind: &'static str,
    /// What was given.
    pub value: String,
}

impl UnknownValue {
    /// Builds the error for `kind` and the offending `value`.
    pub fn new(kind: &'static str, value: &str) -> Self {
        Self { kind, value: value.chars().take(64).collect() }
    }
}

/// An API-key scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Scope {
    /// Read tickets, messages, attachments, events and search.
    #[serde(rename = "tickets:read")]
    TicketsRead,
    /// Create and change tickets and messages.
    #[serde(rename = "tickets:write")]
    TicketsWrite,
    /// Read contacts and companies.
    #[serde(rename = "contacts:read")]
    ContactsRead,
    /// Create and change contacts and companies.
    #[serde(rename = "contacts:write")]
    ContactsWrite,
    /// Read the shop's customers, orders and subscriptions.
    #[serde(rename = "orders:read")]
    OrdersRead,
    /// Act on orders and subscriptions (cancel, change, return, exchange, refund).
    #[serde(rename = "orders:write")]
    OrdersWrite,
    /// Settings: users, statuses, custom fields, API keys, webhooks, audit log.
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope, in display order.
    pub const ALL: [Scope; 7] = [
        Self::TicketsRead,
        Self::TicketsWrite,
        Self::ContactsRead,
        Self::ContactsWrite,
        Self::OrdersRead,
        Self::OrdersWrite,
        Self::Admin,
    ];

    /// The wire name (`tickets:read` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TicketsRead => "tickets:read",
            Self::TicketsWrite => "tickets:write",
            Self::ContactsRead => "contacts:read",
            Self::ContactsWrite => "contacts:write",
            Self::OrdersRead => "orders:read",
            Self::OrdersWrite => "orders:write",
            Self::Admin => "admin",
        }
    }

    /// Parses one wire name.
    pub fn parse(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == s).ok_or_else(|| UnknownValue::new("scope", s))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes; `admin` implies every other scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Parses a list separated by commas and/or spaces; rejects unknown names and an empty list.
    pub fn parse(s: &str) -> Result<Self, UnknownValue> {
        let set = s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(Scope::parse)
            .collect::<Result<BTreeSet<_>, _>>()?;
        if set.is_empty() {
            return Err(UnknownValue::new("scope", ""));
        }
        Ok(Self(set))
    }

    /// Builds a set from parsed scopes.
    pub fn from_scopes(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Self(scopes.into_iter().collect())
    }

    /// Whether the set grants `scope` (directly or through `admin`).
    pub fn allows(&self, scope: Scope) -> bool {
        self.0.contains(&scope) || self.0.contains(&Scope::Admin)
    }

    /// The scopes as wire names.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|s| s.as_str().to_owned()).collect()
    }

    /// The stored form: names joined by spaces.
    pub fn to_stored(&self) -> String {
        self.names().join(" ")
    }
}

/// Who is acting, in which workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The workspace every read and write is confined to.
    pub workspace_id: i64,
    /// The acting user or key.
    pub kind: PrincipalKind,
}

/// The flavours of principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    /// A signed-in user.
    User {
        /// The user's id.
        user_id: i64,
        /// Their role.
        role: Role,
        /// For customers: the contact they are (their tickets are the ones they requested).
        contact_id: Option<i64>,
        /// Display name for audit lines.
        name: String,
    },
    /// An API key acting with its scopes.
    ApiKey {
        /// The key's id.
        key_id: i64,
        /// What the key may do.
        scopes: ScopeSet,
        /// The key's name for audit lines.
        name: String,
    },
    /// The system itself (jobs, migrations, demo seeding).
    System,
    /// A chat-widget visitor holding a signed visitor token: confined like a
    /// customer to the tickets of its contact (none until it starts a chat).
    Visitor {
        /// The visitor's row id.
        visitor_id: i64,
        /// The contact it chats as, once it has one.
        contact_id: Option<i64>,
        /// Display name for audit lines ("Visitor 4821", or the name given).
        name: String,
    },
}

impl Principal {
    /// The system principal of a workspace.
    pub fn system(workspace_id: i64) -> Self {
        Self { workspace_id, kind: PrincipalKind::System }
    }

    /// Whether this principal sees every ticket of the workspace (staff, keys, system).
    pub fn sees_all_tickets(&self) -> bool {
        match &self.kind {
            PrincipalKind::User { role, .. } => role.is_staff(),
            PrincipalKind::ApiKey { .. } | PrincipalKind::System => true,
            PrincipalKind::Visitor { .. } => false,
        }
    }

    /// The contact whose tickets a customer (or widget visitor) is confined
    /// to; `None` for everyone else. Without a contact: `-1`, which matches nothing.
    pub fn customer_contact(&self) -> Option<i64> {
        match &self.kind {
            PrincipalKind::User { role: Role::Customer, contact_id, .. }
            | PrincipalKind::Visitor { contact_id, .. } => Some(contact_id.unwrap_or(-1)),
            _ => None,
        }
    }

    /// The widget visitor's row id, when a visitor acts.
    pub fn visitor_id(&self) -> Option<i64> {
        match &self.kind {
            PrincipalKind::Visitor { visitor_id, .. } => Some(*visitor_id),
            _ => None,
        }
    }

    /// The user id, when a user acts.
    pub fn user_id(&self) -> Option<i64> {
        match &self.kind {
            PrincipalKind::User { user_id, .. } => Some(*user_id),
            _ => None,
        }
    }

    /// The role for users; `None` for keys and the system.
    pub fn role(&self) -> Option<Role> {
        match &self.kind {
            PrincipalKind::User { role, .. } => Some(*role),
            _ => None,
        }
    }

    /// `(kind, id, name)` as recorded in the event log's actor columns.
    pub fn actor(&self) -> (&'static str, Option<i64>, String) {
        match &self.kind {
            PrincipalKind::User { user_id, name, .. } => ("user", Some(*user_id), name.clone()),
            PrincipalKind::ApiKey { key_id, name, .. } => ("api_key", Some(*key_id), name.clone()),
            PrincipalKind::System => ("system", None, "AutoCRM".to_owned()),
            PrincipalKind::Visitor { visitor_id, name, .. } => ("visitor", Some(*visitor_id), name.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn scope_lists_parse_with_commas_or_spaces_and_admin_implies_all() {
        let set = ScopeSet::parse("tickets:read, contacts:write").unwrap();
        assert!(set.allows(Scope::TicketsRead));
        assert!(!set.allows(Scope::TicketsWrite));
        assert!(ScopeSet::parse("admin").unwrap().allows(Scope::ContactsRead));
        assert!(ScopeSet::parse("tickets:read nope").is_err());
        assert!(ScopeSet::parse(" ,").is_err());
    }

    #[test]
    fn a_visitor_is_confined_like_a_customer_and_acts_as_a_visitor() {
        let anonymous = Principal {
            workspace_id: 1,
            kind: PrincipalKind::Visitor { visitor_id: 9, contact_id: None, name: "Visitor 4821".into() },
        };
        assert_eq!(anonymous.customer_contact(), Some(-1));
        assert!(!anonymous.sees_all_tickets());
        assert_eq!(anonymous.user_id(), None);
        assert_eq!(anonymous.role(), None);
        assert_eq!(anonymous.visitor_id(), Some(9));
        assert_eq!(anonymous.actor(), ("visitor", Some(9), "Visitor 4821".to_owned()));
        let chatting = Principal {
            workspace_id: 1,
            kind: PrincipalKind::Visitor { visitor_id: 9, contact_id: Some(5), name: "Ida".into() },
        };
        assert_eq!(chatting.customer_contact(), Some(5));
    }
}
