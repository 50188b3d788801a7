//! Payloads sealed with AES-256-GCM before they are published and opened on delivery: a
//! payload changed in transit or at rest fails authentication and is rejected, never processed.
//!
//! The sealed form is the 12-byte nonce (random per message), then the ciphertext and its
//! 16-byte tag. The message's id (its AMQP `message-id`) is the associated data, so a payload
//! moved onto another message fails too.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::Rng;

use crate::AmqpError;

const NONCE: usize = 12;

/// A 256-bit key, read from a file. Its bytes never appear in output or errors (its `Debug`
/// prints a placeholder).
#[derive(Clone)]
pub struct SealKey(Key<Aes256Gcm>);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(<secret>)")
    }
}

impl SealKey {
    /// Reads the key in `file`: 32 raw bytes, or 64 hexadecimal digits (surrounding
    /// whitespace ignored). Errors name the file and what is wrong, never its content.
    pub fn load(file: &Path) -> Result<Self, AmqpError> {
        let bad = |why: String| AmqpError::Key {
            file: file.to_path_buf(),
            why,
        };
        let bytes = std::fs::read(file).map_err(|e| bad(e.to_string()))?;
        if bytes.len() == 32 {
            return Ok(SealKey(*Key::<Aes256Gcm>::from_slice(&bytes)));
        }
        let text = std::str::from_utf8(&bytes)
            .map(str::trim)
            .map_err(|_| bad("expected 32 raw bytes or 64 hexadecimal digits".into()))?;
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!(
                "expected 32 raw bytes or 64 hexadecimal digits, found {} bytes",
                bytes.len()
            )));
        }
        let mut key = [0u8; 32];
        for (i, k) in key.iter_mut().enumerate() {
            *k = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("checked hex digits");
        }
        Ok(SealKey(key.into()))
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SealKey(bytes.into())
    }
}

/// Seals and opens payloads with one key.
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    /// A sealer with `key`.
    pub fn new(key: &SealKey) -> Self {
        Sealer {
            cipher: Aes256Gcm::new(&key.0),
        }
    }

    /// `plain` sealed, bound to the message id `aad`: nonce, ciphertext, tag.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .expect("AES-GCM encrypts any payload under 64 GiB");
        let mut out = Vec::with_capacity(NONCE + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plain payload of `sealed` bound to `aad`, or None when it fails authentication
    /// (changed, truncated, sealed with another key or for another message).
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let sealer = Sealer::new(&SealKey::from_bytes([7; 32]));
        let sealed = sealer.seal(b"42", b"payload");
        assert_eq!(
            sealer.open(b"42", &sealed).as_deref(),
            Some(&b"payload"[..])
        );
        // Any flipped bit, another message's id, or another key fails.
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 1;
            assert_eq!(sealer.open(b"42", &t), None, "flipped byte {i}");
        }
        assert_eq!(sealer.open(b"43", &sealed), None);
        let other = Sealer::new(&SealKey::from_bytes([8; 32]));
        assert_eq!(other.open(b"42", &sealed), None);
        assert_eq!(sealer.open(b"42", &sealed[..5]), None);
    }

    #[test]
    fn a_known_answer_from_the_gcm_specification() {
        // McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test case 13:
        // K = 0^256, IV = 0^96, P empty: T = 530f8afbc74536b9a963b4f1c4cb738b.
        let cipher = Aes256Gcm::new(&[0u8; 32].into());
        let tag = cipher
            .encrypt(Nonce::from_slice(&[0u8; 12]), &b""[..])
            .unwrap();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "530f8afbc74536b9a963b4f1c4cb738b");
    }

    #[test]
    fn keys_load_raw_or_hex_and_errors_keep_them_secret() {
        let dir = std::env::temp_dir().join(format!("kendall-seal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let raw = dir.join("raw.key");
        std::fs::write(&raw, [9u8; 32]).unwrap();
        let hex = dir.join("hex.key");
        std::fs::write(&hex, format!("{}\n", "09".repeat(32))).unwrap();
        let sealed = Sealer::new(&SealKey::load(&raw).unwrap()).seal(b"1", b"x");
        let opened = Sealer::new(&SealKey::load(&hex).unwrap()).open(b"1", &sealed);
        assert_eq!(opened.as_deref(), Some(&b"x"[..]));
        let bad = dir.join("bad.key");
        std::fs::write(&bad, "s3cr3t-but-short").unwrap();
        let e = SealKey::load(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.key") && !e.contains("s3cr3t"), "{e}");
        assert_eq!(
            format!("{:?}", SealKey::load(&raw).unwrap()),
            "SealKey(<secret>)"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
