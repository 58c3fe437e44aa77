//! AutoCRM's domain: the types and rules of every feature, with no IO.
//!
//! Values are parsed once at the edge (`EmailAddress::parse`, `Scope::parse`,
//! `Priority::parse` …) and trusted afterwards. Nothing here touches a
//! database, a socket or the clock: time is always a parameter.

pub mod auth;
pub mod chat;
pub mod commerce;
pub mod custom_fields;
pub mod events;
pub mod html;
pub mod macros;
pub mod mentions;
pub mod people;
pub mod ssrf;
pub mod tickets;
pub mod tutorials;
pub mod views;
pub mod webhooks;
pub mod workspaces;

pub use auth::{Principal, Role, Scope, ScopeSet};
pub use people::EmailAddress;
pub use tickets::{Channel, Priority, StatusCategory};
