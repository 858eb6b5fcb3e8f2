//! Random tokens and their hashes: session cookies, one-time links, storage keys, request ids.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random generator is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Tokens are stored only as their SHA-256, so a copy of the database lets nobody in.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The token of a one-time link, from its row's nonce: HMAC(secret, nonce). Only the nonce and
/// the token's SHA-256 are stored, so the database alone cannot produce a working link.
pub fn derive_token(secret: &[u8], nonce: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"one-time-link\0");
    mac.update(nonce.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// A value signed for one purpose: HMAC(secret, purpose, value), URL-safe. Links that must
/// work without a session (one-click unsubscribe) carry it instead of a stored token.
pub fn sign(secret: &[u8], purpose: &str, value: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(value.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` is [`sign`]'s for this purpose and value (compared in constant time).
pub fn verify_signed(secret: &[u8], purpose: &str, value: &str, signature: &str) -> bool {
    use hmac::{Hmac, Mac};
    let Ok(given) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(value.as_bytes());
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_values_verify_only_for_their_purpose() {
        let s = sign(b"secret", "unsubscribe", "17");
        assert!(verify_signed(b"secret", "unsubscribe", "17", &s));
        assert!(!verify_signed(b"secret", "unsubscribe", "18", &s));
        assert!(!verify_signed(b"secret", "other", "17", &s));
        assert!(!verify_signed(b"other", "unsubscribe", "17", &s));
        assert!(!verify_signed(b"secret", "unsubscribe", "17", "0"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn derived_tokens_depend_on_secret_and_nonce() {
        let a = derive_token(b"secret-one-secret-one-secret-one", "n1");
        assert_eq!(a.len(), 43, "256 bits");
        assert_eq!(a, derive_token(b"secret-one-secret-one-secret-one", "n1"));
        assert_ne!(a, derive_token(b"secret-one-secret-one-secret-one", "n2"));
        assert_ne!(a, derive_token(b"secret-two-secret-two-secret-two", "n1"));
    }
}
