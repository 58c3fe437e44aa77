//! Integration tests of the job workers and webhook delivery: a real store
//! (`SQLite`, and `PostgreSQL` when `AUTOCRM_TEST_POSTGRES_URL` is set) and real
//! HTTP receivers on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod delivery;
mod helpers;
mod receiver;
mod responses;
mod retries;
mod ssrf;
mod worker;
