//! Randomness for ids and secrets, from the runtime's CSPRNG (crypto.getRandomValues).

use crate::core::access::credentials;

pub fn fill(buf: &mut [u8]) {
    // getrandom only fails when the platform has no CSPRNG; a Worker always has one.
    getrandom::fill(buf).expect("crypto.getRandomValues is available in Workers");
}

/// A random u16 (spreading timers, not secrets).
pub fn draw() -> u16 {
    let mut bytes = [0u8; 2];
    fill(&mut bytes);
    u16::from_le_bytes(bytes)
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `n` v4 UUIDs from one call to the CSPRNG: a batch of events gets its ids at once.
pub fn uuids(n: usize) -> Vec<String> {
    let mut bytes = vec![0u8; 16 * n];
    fill(&mut bytes);
    bytes
        .chunks_exact(16)
        .map(|chunk| {
            let mut random = [0u8; 16];
            random.copy_from_slice(chunk);
            uuid::Builder::from_random_bytes(random).into_uuid().to_string()
        })
        .collect()
}

pub fn ping_token() -> String {
    credentials::new_ping_token(&mut fill)
}

pub fn ping_key() -> String {
    credentials::new_ping_key(&mut fill)
}

/// A monitor's stable, non-secret name.
pub fn unique_key() -> String {
    credentials::new_unique_key(&mut fill)
}

pub fn badge_key() -> String {
    credentials::new_badge_key(&mut fill)
}

/// A webhook signing secret.
pub fn webhook_secret() -> String {
    format!("whsec_{}", credentials::random_base62(32, &mut fill))
}

pub fn api_key() -> credentials::NewApiKey {
    credentials::new_api_key(&mut fill)
}
