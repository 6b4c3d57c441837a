//! Randomness for ids and secrets, from the runtime's CSPRNG (crypto.getRandomValues).

use crate::core::credentials;

pub fn fill(buf: &mut [u8]) {
    // getrandom only fails when the platform has no CSPRNG; a Worker always has one.
    getrandom::fill(buf).expect("crypto.getRandomValues is available in Workers");
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn ping_token() -> String {
    credentials::new_ping_token(&mut fill)
}

pub fn ping_key() -> String {
    credentials::new_ping_key(&mut fill)
}

/// A webhook signing secret.
pub fn webhook_secret() -> String {
    format!("whsec_{}", credentials::random_base62(32, &mut fill))
}

pub fn api_key() -> credentials::NewApiKey {
    credentials::new_api_key(&mut fill)
}
