//! Delivery status notifications (RFC 3464) and common non-standard bounces.
