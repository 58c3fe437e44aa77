//! Webhook signing per Standard Webhooks, and the retry schedule.
//!
//! Signed content is `{msg_id}.{timestamp}.{payload}`; the key is the
//! base64-decoded part of the `whsec_` secret; the header value is
//! `v1,<base64 HMAC-SHA256>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;

/// Creates a new `whsec_` secret with 24 random bytes.
pub fn generate_secret() -> String {
    let mut key = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// Computes the `webhook-signature` header value.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, payload: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// Delay before each retry after a failed attempt (attempt 1 is immediate).
/// Sums to about three days.
pub const RETRY_DELAYS_SECS: &[i64] =
    &[5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 20 * 3600];

/// The delay before attempt `attempts + 1`, or `None` when retries are exhausted.
pub fn next_retry_delay(attempts_made: u32) -> Option<i64> {
    RETRY_DELAYS_SECS.get(attempts_made.checked_sub(1)? as usize).copied()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_reference_vector() {
        // Test vector from the Standard Webhooks specification's reference libraries.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn retries_span_about_three_days_then_stop() {
        let total: i64 = RETRY_DELAYS_SECS.iter().sum();
        assert!((60 * 3600..=80 * 3600).contains(&total), "{total}");
        assert_eq!(next_retry_delay(1), Some(5));
        assert_eq!(next_retry_delay(RETRY_DELAYS_SECS.len() as u32 + 1), None);
        assert!(generate_secret().starts_with("whsec_"));
    }
}
