//! kb API tests (issue #5).
