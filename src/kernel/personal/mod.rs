//! Residents' personal data (names, phones, ID numbers): encrypted at rest,
//! findable by a blind index, masked in lists.
//!
//! Keys come from a key ring (`keyring`): `<data_dir>/personal.key`, one key
//! per line with its id, or the single key in configuration. The newest key
//! encrypts, every key decrypts, and `xieshang keys rotate` adds a key and
//! re-encrypts the stored values (`stored`). The first key of the ring also
//! yields, by HKDF-SHA256, the blind-index key and every derived purpose key:
//! those stay when the encryption key rotates, so indexes and signed tokens
//! keep working (docs/decisions.md).

pub mod keyring;
mod mask;
pub mod stored;

use std::fmt;
use std::sync::Arc;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, AesGcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use keyring::Ring;
pub use mask::{mask_name, mask_phone};

use crate::config::{Config, Crypto};
use crate::kernel::db::Db;
use crate::kernel::error::{AppError, AppResult};

/// SM4 in GCM mode: aes-gcm's GCM over the SM4 block cipher (GB/T 32907).
type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// The first stored form: AES-256-GCM under the one key there was, no key id.
const V1: &str = "v1:";
/// `v2:<cipher>:<key id>:` + base64(nonce ‖ ciphertext ‖ tag).
const V2: &str = "v2:";
const NONCE_LEN: usize = 12;

/// The ciphers a value may be stored under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    Aes256Gcm,
    Sm4Gcm,
}

impl Cipher {
    pub fn of(crypto: Crypto) -> Cipher {
        match crypto {
            Crypto::International => Cipher::Aes256Gcm,
            Crypto::National => Cipher::Sm4Gcm,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Cipher::Aes256Gcm => "aes",
            Cipher::Sm4Gcm => "sm4",
        }
    }

    fn parse(code: &str) -> Option<Cipher> {
        match code {
            "aes" => Some(Cipher::Aes256Gcm),
            "sm4" => Some(Cipher::Sm4Gcm),
            _ => None,
        }
    }
}

/// Encrypts and indexes personal data. Cheap to clone; the keys never show in
/// `Debug` output.
#[derive(Clone)]
pub struct Vault {
    keys: Arc<Keys>,
}

struct Keys {
    kdf: Hkdf<Sha256>,
    index_key: [u8; 32],
    /// Every key of the ring, oldest first; the last one encrypts.
    ciphers: Vec<KeyCiphers>,
    cipher: Cipher,
}

/// One key of the ring, as each cipher's key (derived, so one secret serves both).
struct KeyCiphers {
    id: String,
    aes: Aes256Gcm,
    sm4: Sm4Gcm,
}

impl KeyCiphers {
    fn new(id: &str, master: &[u8; 32]) -> KeyCiphers {
        let kdf = Hkdf::<Sha256>::new(None, master);
        // The AES key is the one `v1:` values were made with.
        let aes = Aes256Gcm::new(&Key::<Aes256Gcm>::from(expand(&kdf, b"xieshang/kernel/personal.encrypt")));
        let sm4_key: [u8; 32] = expand(&kdf, b"xieshang/kernel/personal.encrypt.sm4");
        let mut k16 = [0u8; 16];
        k16.copy_from_slice(&sm4_key[..16]);
        let sm4 = Sm4Gcm::new(&Key::<Sm4Gcm>::from(k16));
        KeyCiphers { id: id.to_string(), aes, sm4 }
    }

    fn seal(&self, cipher: Cipher, nonce: &[u8; NONCE_LEN], plain: &[u8]) -> Vec<u8> {
        let nonce = Nonce::from(*nonce);
        // GCM refuses only plaintexts over 64 GiB, which no &str here can be.
        match cipher {
            Cipher::Aes256Gcm => self.aes.encrypt(&nonce, plain),
            Cipher::Sm4Gcm => self.sm4.encrypt(&nonce, plain),
        }
        .expect("GCM accepts any text under 64 GiB")
    }

    fn open(&self, cipher: Cipher, nonce: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        let nonce = Nonce::try_from(nonce).ok()?;
        match cipher {
            Cipher::Aes256Gcm => self.aes.decrypt(&nonce, sealed).ok(),
            Cipher::Sm4Gcm => self.sm4.decrypt(&nonce, sealed).ok(),
        }
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vault(..)")
    }
}

/// Why a stored value did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Not a form this version writes.
    Format,
    /// Made under a key id the ring does not have (a retired or lost key).
    UnknownKey,
    /// The key did not open it: a wrong key, or a damaged value.
    WrongKeyOrDamaged,
}

impl Vault {
    /// A vault of one key (id `1`) encrypting with AES-256-GCM.
    pub fn new(master: [u8; 32]) -> Vault {
        Vault::from_ring(&Ring::single(master), Cipher::Aes256Gcm)
    }

    pub fn from_ring(ring: &Ring, cipher: Cipher) -> Vault {
        let kdf = Hkdf::<Sha256>::new(None, ring.root());
        let index_key = expand(&kdf, b"xieshang/kernel/personal.blind_index");
        let ciphers = ring.keys().map(|(id, k)| KeyCiphers::new(id, k)).collect();
        Vault { keys: Arc::new(Keys { kdf, index_key, ciphers, cipher }) }
    }

    /// The ring from configuration or the key file, created only when there is
    /// none: no check against stored data (see `open`). For a fresh database
    /// (`xieshang gen`) and the tests.
    pub fn from_config(config: &Config) -> anyhow::Result<Vault> {
        let ring = keyring::load_or_create(config)?;
        Ok(Vault::from_ring(&ring, Cipher::of(config.crypto()?)))
    }

    /// The vault for serving: refuses to start when the database holds
    /// encrypted values and the key is missing or does not open them (a
    /// restore without its key), instead of making a new key and answering
    /// every page with personal data with an error.
    pub fn open(config: &Config, db: &Db) -> anyhow::Result<Vault> {
        let samples = db.read_blocking(stored::samples).map_err(anyhow::Error::from)?;
        let source = keyring::Source::of(config);
        if !source.exists() && !samples.is_empty() {
            anyhow::bail!(
                "找不到个人信息密钥 {src}，而数据库中已有加密的个人信息：请从备份恢复该密钥后再启动，\
                 不要生成新密钥 / the personal-data key {src} is missing but the database holds encrypted \
                 personal data: restore the key from the backup before starting; a new key would not open it",
                src = source.describe()
            );
        }
        let vault = Vault::from_config(config)?;
        let unknown = samples.iter().filter(|s| vault.check(s) == Err(Unreadable::UnknownKey)).count();
        let opened = samples.iter().filter(|s| vault.check(s).is_ok()).count();
        if unknown > 0 || (opened == 0 && !samples.is_empty()) {
            anyhow::bail!(
                "个人信息密钥 {src} 打不开数据库中的加密个人信息（抽查 {n} 条，{ok} 条可解密）：\
                 这多半是恢复了数据库却没有恢复它的密钥，请换回原来的密钥文件 / the personal-data key {src} \
                 does not open the encrypted personal data in the database ({ok} of {n} sampled values open): \
                 most likely the database was restored without its key; put the original key back",
                src = source.describe(),
                n = samples.len(),
                ok = opened,
            );
        }
        Ok(vault)
    }

    /// `v2:<cipher>:<key id>:` + base64(nonce ‖ ciphertext ‖ tag) under the
    /// newest key, a fresh random nonce each time: the same phone encrypts
    /// differently in every row (equality goes through `blind_index`).
    pub fn encrypt(&self, plain: &str) -> String {
        let key = self.keys.ciphers.last().expect("a ring has at least one key");
        let nonce: [u8; NONCE_LEN] = rand::random();
        let sealed = key.seal(self.keys.cipher, &nonce, plain.as_bytes());
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{V2}{}:{}:{}", self.keys.cipher.code(), key.id, URL_SAFE_NO_PAD.encode(out))
    }

    /// The stored prefix of values under the newest key and cipher.
    pub fn current_prefix(&self) -> String {
        let key = self.keys.ciphers.last().expect("a ring has at least one key");
        format!("{V2}{}:{}:", self.keys.cipher.code(), key.id)
    }

    /// The plain text of a value `encrypt` made (any key of the ring, `v1:`
    /// values too). A value that does not open is a 409 with the words
    /// 「个人信息无法解密」 in place of the page, never a 500; the log says why,
    /// never what the value was.
    pub fn decrypt(&self, stored: &str) -> AppResult<String> {
        self.check(stored).map_err(|why| {
            tracing::warn!(?why, "personal data could not be decrypted");
            AppError::Conflict("personal.undecryptable")
        })
    }

    fn check(&self, stored: &str) -> Result<String, Unreadable> {
        let (keys, cipher, body): (Vec<&KeyCiphers>, Cipher, &str) = if let Some(body) = stored.strip_prefix(V1) {
            (self.keys.ciphers.iter().collect(), Cipher::Aes256Gcm, body)
        } else if let Some(rest) = stored.strip_prefix(V2) {
            let mut parts = rest.splitn(3, ':');
            let (Some(c), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(Unreadable::Format);
            };
            let cipher = Cipher::parse(c).ok_or(Unreadable::Format)?;
            let key = self.keys.ciphers.iter().find(|k| k.id == id).ok_or(Unreadable::UnknownKey)?;
            (vec![key], cipher, body)
        } else {
            return Err(Unreadable::Format);
        };
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| Unreadable::Format)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(Unreadable::Format);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = keys.iter().find_map(|k| k.open(cipher, nonce, sealed)).ok_or(Unreadable::WrongKeyOrDamaged)?;
        String::from_utf8(plain).map_err(|_| Unreadable::Format)
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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn vault(seed: u8) -> Vault {
        Vault::new([seed; 32])
    }

    fn ring_vault(ring: &Ring, cipher: Cipher) -> Vault {
        Vault::from_ring(ring, cipher)
    }

    /// A `v1:` value as the version before key ids made it: AES-256-GCM under
    /// the HKDF "personal.encrypt" key of the master key.
    fn v1(master: [u8; 32], plain: &str) -> String {
        let k = KeyCiphers::new("1", &master);
        let nonce = [9u8; NONCE_LEN];
        let mut out = nonce.to_vec();
        out.extend(k.seal(Cipher::Aes256Gcm, &nonce, plain.as_bytes()));
        format!("v1:{}", URL_SAFE_NO_PAD.encode(out))
    }

    #[test]
    fn round_trip_both_ciphers() {
        for cipher in [Cipher::Aes256Gcm, Cipher::Sm4Gcm] {
            let v = ring_vault(&Ring::single([1; 32]), cipher);
            for plain in ["13839805678", "张三丰", "", "410203199001011234", "a b\nc"] {
                let stored = v.encrypt(plain);
                assert!(stored.starts_with(&format!("v2:{}:1:", cipher.code())), "{stored}");
                assert!(!stored.contains(plain) || plain.is_empty());
                assert_eq!(v.decrypt(&stored).expect("decrypts"), plain);
            }
        }
    }

    #[test]
    fn sm4_known_answer() {
        // GB/T 32907 appendix A: one block under the standard key.
        use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
        let key = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10];
        let c = sm4::Sm4::new(&key.into());
        let mut block = key.into();
        c.encrypt_block(&mut block);
        assert_eq!(
            block.as_slice(),
            [0x68, 0x1e, 0xdf, 0x34, 0xd2, 0x06, 0x96, 0x5e, 0x86, 0xb3, 0xe9, 0x4f, 0x53, 0x6e, 0x42, 0x46]
        );
    }

    #[test]
    fn old_values_and_old_keys_stay_readable() {
        let old = v1([1; 32], "13839805678");
        let one = Ring::single([1; 32]);
        assert_eq!(vault(1).decrypt(&old).expect("v1"), "13839805678");
        let rotated = one.with_new_key();
        let v = ring_vault(&rotated, Cipher::Sm4Gcm);
        assert_eq!(v.decrypt(&old).expect("v1 under a rotated ring"), "13839805678");
        let under_1 = ring_vault(&one, Cipher::Aes256Gcm).encrypt("张三丰");
        assert_eq!(v.decrypt(&under_1).expect("the old key decrypts"), "张三丰");
        let new = v.encrypt("张三丰");
        assert!(new.starts_with("v2:sm4:2:"), "{new}");
        assert_eq!(v.current_prefix(), "v2:sm4:2:");
        // The blind index and derived keys stay with the first key.
        assert_eq!(v.blind_index("13839805678"), vault(1).blind_index("13839805678"));
        assert_eq!(v.derive("guard.challenge"), vault(1).derive("guard.challenge"));
        // Without key 2, its values are under an unknown key.
        assert_eq!(vault(1).check(&new), Err(Unreadable::UnknownKey));
    }

    #[test]
    fn tampered_or_foreign_values_fail_cleanly() {
        for cipher in [Cipher::Aes256Gcm, Cipher::Sm4Gcm] {
            let v = ring_vault(&Ring::single([1; 32]), cipher);
            let stored = v.encrypt("13839805678");
            let prefix = v.current_prefix();
            // Flip one bit of every byte position in turn: the tag catches each.
            let bytes = URL_SAFE_NO_PAD.decode(&stored[prefix.len()..]).expect("base64");
            for i in 0..bytes.len() {
                let mut b = bytes.clone();
                b[i] ^= 1;
                assert!(v.decrypt(&format!("{prefix}{}", URL_SAFE_NO_PAD.encode(&b))).is_err(), "byte {i}");
            }
            assert_eq!(vault(2).check(&stored), Err(Unreadable::WrongKeyOrDamaged), "wrong key");
            let other = stored.replacen(cipher.code(), if cipher == Cipher::Sm4Gcm { "aes" } else { "sm4" }, 1);
            assert!(v.decrypt(&other).is_err(), "the other cipher");
            for junk in
                ["", "v1:", "v1:!!!", "v1:AAAA", "v2:abc", "v2:des:1:AAAA", "13839805678", &stored[..stored.len() - 2]]
            {
                assert!(v.decrypt(junk).is_err(), "{junk:?}");
            }
            // The error is the words for the page, never the value.
            let e = vault(2).decrypt(&stored).expect_err("wrong key");
            assert_eq!(e.message_key(), "personal.undecryptable");
            assert_eq!(e.status(), axum::http::StatusCode::CONFLICT);
        }
    }

    #[test]
    fn same_value_encrypts_differently() {
        let v = vault(1);
        assert_ne!(v.encrypt("13839805678"), v.encrypt("13839805678"));
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
        let path = dir.path().join("data").join(keyring::KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("key file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Only the key file is left behind.
        let names: Vec<_> =
            std::fs::read_dir(dir.path().join("data")).expect("dir").flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, [keyring::KEY_FILE]);
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
