//! The customer portal: customer accounts (sign-up with a verified address,
//! magic links, password resets), OIDC sign-in, and satisfaction
//! ratings.
//!
//! Invariants:
//! - A customer user exists only once their address is proven: a sign-up
//!   creates nothing but an e-mailed link, which creates (or completes) the
//!   account when used; a magic link and an OIDC provider's verified e-mail
//!   prove it too. So an account never reaches an existing contact's tickets
//!   before its owner proved the address, and nobody can pre-register
//!   someone else's address with a password of their own.
//! - Every e-mailed link is stored as a SHA-256 hash, expires, and is used
//!   up by the statement that checks it (of two concurrent uses, one wins).
//! - Requests that send e-mail answer the same whether the address has an
//!   account or not; they are rate limited per IP (refused) and per address
//!   (silently not sent), counted in the database so limits hold on every node.

pub mod accounts;
pub mod oidc;
pub mod ratings;
