//! Residents' personal data (names, phones, ID numbers): encrypted at rest,
//! findable by a blind index, masked in lists.
//!
//! One 32-byte master key (from configuration, or `<data_dir>/personal.key`)
//! yields every subkey by HKDF-SHA256, so an operator keeps one secret and no two
//! purposes ever share a key.

mod mask;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use mask::{mask_name, mask_phone};

use crate::config::Config;
use crate::kernel::error::{AppError, AppResult};

/// Prefix of the stored form; a later format (another cipher, a rotated key)
/// gets another prefix and old values stay readable.
const V1: &str = "v1:";
const NONCE_LEN: usize = 12;
const KEY_FILE: &str = "personal.key";

/// Encrypts and indexes personal data. Cheap to clone; the keys never show in
/// `Debug` output.
#[derive(Clone)]
pub struct Vault {
    keys: Arc<Keys>,
}

struct Keys {
    kdf: Hkdf<Sha256>,
    cipher: Aes256Gcm,
    index_key: [u8; 32],
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vault(..)")
    }
}

impl Vault {
    pub fn new(master: [u8; 32]) -> Vault {
        let kdf = Hkdf::<Sha256>::new(None, &master);
        let enc = expand(&kdf, b"xieshang/kernel/personal.encrypt");
        let index_key = expand(&kdf, b"xieshang/kernel/personal.blind_index");
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(enc));
        Vault { keys: Arc::new(Keys { kdf, cipher, index_key }) }
    }

    /// The key from `personal_data_key`, or else from `<data_dir>/personal.key`,
    /// which is created with a new random key on first start. A key file that
    /// exists but cannot be read is an error, never replaced: a new key would
    /// make every stored value unreadable.
    pub fn from_config(config: &Config) -> anyhow::Result<Vault> {
        match config.personal_data_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => Ok(Vault::new(parse_key(k).context("personal_data_key")?)),
            None => Ok(Vault::new(key_file(&config.data_dir)?)),
        }
    }

    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag), a fresh random nonce each time:
    /// the same phone encrypts differently in every row (equality goes through
    /// `blind_index`).
    pub fn encrypt(&self, plain: &str) -> String {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = Nonce::from(nonce_bytes);
        // AES-GCM refuses only plaintexts over 64 GiB, which no &str here can be.
        let sealed = self.keys.cipher.encrypt(&nonce, plain.as_bytes()).expect("AES-GCM accepts any text under 64 GiB");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        format!("{V1}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// The plain text of a value `encrypt` made. A wrong key, a damaged or
    /// foreign value is an internal error (logged, never shown) rather than a
    /// panic; the message never contains the value.
    pub fn decrypt(&self, stored: &str) -> AppResult<String> {
        let fail = |why: &str| AppError::Internal(anyhow::anyhow!("personal data could not be decrypted: {why}"));
        let body = stored.strip_prefix(V1).ok_or_else(|| fail("unknown format"))?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| fail("not base64"))?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(fail("too short"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| fail("bad nonce"))?;
        let plain = self.keys.cipher.decrypt(&nonce, sealed).map_err(|_| fail("wrong key or damaged value"))?;
        String::from_utf8(plain).map_err(|_| fail("not UTF-8"))
    }

    /// HMAC-SHA256 of an already normalised value (a phone's 11 digits, an ID
    /// number in upper case), 64 hex digits: the same input always gives the same
    /// index under one key, so "every submission from this phone" is one indexed
    /// lookup, while the index alone reveals nothing without the key.
    pub fn blind_index(&self, normalized: &str) -> String {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.keys.index_key)
            .expect("HMAC takes a key of any length");
        mac.update(normalized.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// A 32-byte key for another purpose (say `guard.challenge`), independent of
    /// the encryption and index keys and of every other purpose.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        expand(&self.keys.kdf, format!("xieshang/purpose/{purpose}").as_bytes())
    }
}

fn expand(kdf: &Hkdf<Sha256>, info: &[u8]) -> [u8; 32] {
    let mut okm = [0u8; 32];
    // HKDF-SHA256 gives up to 8160 bytes; 32 always fit.
    kdf.expand(info, &mut okm).expect("32 bytes are a valid HKDF-SHA256 length");
    okm
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A key as base64 of exactly 32 bytes (`openssl rand -base64 32`); the URL-safe
/// alphabet and missing padding are accepted too.
fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let text = text.trim();
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or_else(|| anyhow::anyhow!("the key is not base64"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("the key must be 32 bytes (base64 of 32 random bytes), not {}", bytes.len()))
}

/// Reads `<dir>/personal.key`, creating it first if there is none.
fn key_file(dir: &Path) -> anyhow::Result<[u8; 32]> {
    let path = dir.join(KEY_FILE);
    if !path.exists() {
        create_key_file(dir, &path)?;
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    parse_key(&text).with_context(|| format!("the key in {}", path.display()))
}

/// Writes a new key to a private temporary file and links it into place: the
/// link fails if the file appeared meanwhile (another instance starting on the
/// same folder), and then that instance's key is the one read — never half a file.
fn create_key_file(dir: &Path, path: &Path) -> anyhow::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key: [u8; 32] = rand::random();
    let tmp = dir.join(format!(".{KEY_FILE}.{:016x}.tmp", rand::random::<u64>()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = (|| {
        let mut f = options.open(&tmp)?;
        writeln!(f, "{}", STANDARD.encode(key))?;
        f.sync_all()?;
        match std::fs::hard_link(&tmp, path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    written.with_context(|| format!("creating {}", path.display()))?;
    tracing::info!(path = %path.display(), "created a new key for personal data; back it up with the database");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(seed: u8) -> Vault {
        Vault::new([seed; 32])
    }

    #[test]
    fn round_trip() {
        let v = vault(1);
        for plain in ["13839805678", "张三丰", "", "410203199001011234", "a b\nc"] {
            let stored = v.encrypt(plain);
            assert!(stored.starts_with("v1:"), "{stored}");
            assert!(!stored.contains(plain) || plain.is_empty());
            assert_eq!(v.decrypt(&stored).expect("decrypts"), plain);
        }
    }

    #[test]
    fn same_value_encrypts_differently() {
        let v = vault(1);
        assert_ne!(v.encrypt("13839805678"), v.encrypt("13839805678"));
    }

    #[test]
    fn tampered_or_foreign_values_fail_cleanly() {
        let v = vault(1);
        let stored = v.encrypt("13839805678");
        // Flip one bit of every byte position in turn: the tag catches each.
        let bytes = URL_SAFE_NO_PAD.decode(&stored[3..]).expect("base64");
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 1;
            assert!(v.decrypt(&format!("v1:{}", URL_SAFE_NO_PAD.encode(&b))).is_err(), "byte {i}");
        }
        assert!(vault(2).decrypt(&stored).is_err(), "wrong key");
        for junk in ["", "v1:", "v1:!!!", "v1:AAAA", "v2:abc", "13839805678", &stored[..stored.len() - 2]] {
            assert!(v.decrypt(junk).is_err(), "{junk:?}");
        }
        // The error says what failed, not what the value was.
        let msg = format!("{:#}", vault(2).decrypt(&stored).expect_err("wrong key"));
        assert!(!msg.contains("1383980"), "{msg}");
    }

    #[test]
    fn blind_index_is_stable_and_keyed() {
        let (a, b) = (vault(1), vault(2));
        let i = a.blind_index("13839805678");
        assert_eq!(i, a.blind_index("13839805678"));
        assert_eq!(i.len(), 64);
        assert!(i.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(i, a.blind_index("13839805679"));
        assert_ne!(i, b.blind_index("13839805678"));
    }

    #[test]
    fn derived_keys_are_separate() {
        let v = vault(1);
        assert_eq!(v.derive("guard.challenge"), v.derive("guard.challenge"));
        assert_ne!(v.derive("guard.challenge"), v.derive("other"));
        assert_ne!(v.derive("guard.challenge"), vault(2).derive("guard.challenge"));
        assert_ne!(&v.derive("personal.blind_index"), &v.keys.index_key);
    }

    #[test]
    fn keys_from_configuration() {
        let key = STANDARD.encode([7u8; 32]);
        assert_eq!(parse_key(&format!(" {key}\n")).expect("standard"), [7; 32]);
        assert_eq!(parse_key(key.trim_end_matches('=')).expect("no padding"), [7; 32]);
        assert!(parse_key(&STANDARD.encode([7u8; 16])).is_err(), "16 bytes");
        assert!(parse_key("not a key!").is_err());

        let dir = tempfile::tempdir().expect("dir");
        let config = |k: Option<&str>| Config {
            personal_data_key: k.map(String::from),
            data_dir: dir.path().join("d"),
            ..Config::default()
        };
        let configured = Vault::from_config(&config(Some(&key))).expect("configured key");
        assert_eq!(configured.blind_index("x"), vault(7).blind_index("x"));
        assert!(!dir.path().join("d").exists(), "a configured key writes no file");
        assert!(Vault::from_config(&config(Some("short"))).is_err());
    }

    #[test]
    fn key_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().expect("dir");
        let config = Config { data_dir: dir.path().join("data"), ..Config::default() };
        let first = Vault::from_config(&config).expect("creates the key");
        let stored = first.encrypt("张三丰");
        let again = Vault::from_config(&config).expect("reads the key");
        assert_eq!(again.decrypt(&stored).expect("same key"), "张三丰");
        let path = dir.path().join("data").join(KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("key file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Only the key file is left behind.
        let names: Vec<_> =
            std::fs::read_dir(dir.path().join("data")).expect("dir").flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, [KEY_FILE]);
        // A damaged key file stops the start instead of being replaced.
        std::fs::write(&path, "garbage").expect("write");
        assert!(Vault::from_config(&config).is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "garbage");
    }

    #[test]
    fn debug_shows_no_key() {
        assert_eq!(format!("{:?}", vault(1)), "Vault(..)");
    }
}
