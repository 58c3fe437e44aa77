//! tutorials API tests (issue #5).
