//! The Twilio protocol: inbound webhooks with `X-Twilio-Signature`, the
//! Messages REST API, status callbacks and STOP/START keywords.
