//! widget API tests (issue #5).
