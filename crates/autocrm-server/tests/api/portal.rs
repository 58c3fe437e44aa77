//! portal API tests (issue #5).
