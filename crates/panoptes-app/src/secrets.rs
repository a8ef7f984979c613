//! Secrets kept in the operational store (OpenID client secrets, PKCE verifiers of sign-ins in
//! progress) are sealed with ChaCha20-Poly1305 under the instance's key, so a copy of the
//! database (a backup, a PostgreSQL dump) does not give them away. The key lives apart from
//! the database: `panoptes serve` reads it from `<data>/secret.key` or `PANOPTES_SECRET_KEY`.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::{AppError, Result};

const PREFIX: &str = "sealed:v1:";

/// The instance's sealing key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox")
    }
}

impl SecretBox {
    /// A box over a 32-byte key.
    pub fn new(key: [u8; 32]) -> SecretBox {
        SecretBox { cipher: ChaCha20Poly1305::new(Key::from_slice(&key)) }
    }

    /// A box over a key given as 64 hex digits.
    pub fn from_hex(text: &str) -> Result<SecretBox> {
        let bytes = hex::decode(text.trim())
            .ok()
            .filter(|b| b.len() == 32)
            .ok_or_else(|| AppError::BadRequest("the secret key must be 64 hex digits (32 bytes)".into()))?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        Ok(SecretBox::new(key))
    }

    /// A new random key as 64 hex digits, for a new instance.
    pub fn generate_hex() -> Result<String> {
        crate::random_secret()
    }

    /// A box with a random key: sealed values live only as long as the process (tests).
    pub fn ephemeral() -> SecretBox {
        let mut key = [0u8; 32];
        // A failing system random source leaves a zero key only in this test helper's box.
        let _ = getrandom::fill(&mut key);
        SecretBox::new(key)
    }

    /// Seals a secret for storage.
    pub fn seal(&self, plaintext: &str) -> Result<String> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| AppError::Internal(format!("random source: {e}")))?;
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| AppError::Internal("sealing a secret failed".into()))?;
        Ok(format!("{PREFIX}{}{}", hex::encode(nonce), hex::encode(sealed)))
    }

    /// Opens a stored secret. Values stored before sealing existed are read as they are.
    pub fn open(&self, stored: &str) -> Result<String> {
        let Some(body) = stored.strip_prefix(PREFIX) else { return Ok(stored.to_string()) };
        let broken = || {
            AppError::Internal(
                "a stored secret does not open with this instance's key: is `secret.key` (or PANOPTES_SECRET_KEY) the one it was sealed with?"
                    .into(),
            )
        };
        let bytes = hex::decode(body).map_err(|_| broken())?;
        if bytes.len() < 12 {
            return Err(broken());
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), sealed).map_err(|_| broken())?;
        String::from_utf8(plain).map_err(|_| broken())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let one = SecretBox::new([7; 32]);
        let sealed = one.seal("client-secret-123").unwrap();
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("client-secret-123"));
        assert_ne!(sealed, one.seal("client-secret-123").unwrap(), "a fresh nonce each time");
        assert_eq!(one.open(&sealed).unwrap(), "client-secret-123");
        assert!(SecretBox::new([8; 32]).open(&sealed).is_err());
        assert_eq!(one.open("legacy-plaintext").unwrap(), "legacy-plaintext");
        let key = SecretBox::generate_hex().unwrap();
        assert!(SecretBox::from_hex(&key).is_ok() && SecretBox::from_hex("abc").is_err());
    }
}
