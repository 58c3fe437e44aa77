//! SMS channels. Twilio's protocol is the de-facto standard that other
//! providers (and our fake in tests) speak.

pub mod twilio;
