//! The key ring: every personal-data key with its id, oldest first.
//!
//! `<data_dir>/personal.key` holds one key a line, `<id> <base64 of 32 bytes>`;
//! a line of a key alone is the key file of before rotation and has id `1`.
//! `personal_data_key` in configuration is a ring of that one key.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use crate::config::Config;

pub const KEY_FILE: &str = "personal.key";

/// The keys, oldest first; never empty.
#[derive(Clone)]
pub struct Ring {
    keys: Vec<(String, [u8; 32])>,
}

impl Ring {
    pub fn single(key: [u8; 32]) -> Ring {
        Ring { keys: vec![("1".into(), key)] }
    }

    /// The first key: it keys the blind indexes and the derived purposes.
    pub fn root(&self) -> &[u8; 32] {
        &self.keys[0].1
    }

    pub fn keys(&self) -> impl Iterator<Item = (&str, &[u8; 32])> {
        self.keys.iter().map(|(id, k)| (id.as_str(), k))
    }

    pub fn newest_id(&self) -> &str {
        self.keys.last().map(|(id, _)| id.as_str()).unwrap_or("1")
    }

    /// Reads a key file's text; ids are short letters and digits, each once.
    pub fn parse(text: &str) -> anyhow::Result<Ring> {
        let mut keys: Vec<(String, [u8; 32])> = Vec::new();
        for (n, line) in text.lines().enumerate().map(|(n, l)| (n + 1, l.trim())) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, key) = match line.split_once(char::is_whitespace) {
                Some((id, key)) => (id.to_string(), key),
                None if keys.is_empty() => ("1".to_string(), line),
                None => anyhow::bail!("line {n}: a key without its id"),
            };
            if id.is_empty() || id.len() > 16 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                anyhow::bail!("line {n}: the key id {id:?} is not 1 to 16 letters or digits");
            }
            if keys.iter().any(|(k, _)| *k == id) {
                anyhow::bail!("line {n}: the key id {id} appears twice");
            }
            keys.push((id, parse_key(key).with_context(|| format!("line {n}"))?));
        }
        anyhow::ensure!(!keys.is_empty(), "no key");
        Ok(Ring { keys })
    }

    /// The key file's text: one `<id> <key>` line each.
    pub fn render(&self) -> String {
        self.keys.iter().map(|(id, k)| format!("{id} {}\n", STANDARD.encode(k))).collect()
    }

    /// The ring with a new random key at the end (the next number as its id).
    pub fn with_new_key(&self) -> Ring {
        let next = self.keys.iter().filter_map(|(id, _)| id.parse::<u64>().ok()).max().unwrap_or(0) + 1;
        let mut keys = self.keys.clone();
        keys.push((next.to_string(), rand::random()));
        Ring { keys }
    }

    /// The ring without key `id`; the first key stays (it keys the blind indexes).
    pub fn without(&self, id: &str) -> anyhow::Result<Ring> {
        anyhow::ensure!(self.keys.iter().any(|(k, _)| k == id), "there is no key {id}");
        anyhow::ensure!(self.keys[0].0 != id, "key {id} is the first of the ring: it keys the blind indexes and stays");
        anyhow::ensure!(self.newest_id() != id, "key {id} is the newest: it encrypts new values");
        Ok(Ring { keys: self.keys.iter().filter(|(k, _)| k != id).cloned().collect() })
    }
}

/// Where the key comes from, to name it in messages.
pub enum Source {
    Config,
    File(PathBuf),
}

impl Source {
    pub fn of(config: &Config) -> Source {
        match config.personal_data_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(_) => Source::Config,
            None => Source::File(config.data_dir.join(KEY_FILE)),
        }
    }

    pub fn exists(&self) -> bool {
        match self {
            Source::Config => true,
            Source::File(p) => p.exists(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Source::Config => "personal_data_key（配置 / configuration）".into(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// The configured key, or else the key file, created with a new random key
/// when there is none. A key file that exists but cannot be read is an error,
/// never replaced: a new key would make every stored value unreadable.
pub fn load_or_create(config: &Config) -> anyhow::Result<Ring> {
    match config.personal_data_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => Ok(Ring::single(parse_key(k).context("personal_data_key")?)),
        None => {
            let path = config.data_dir.join(KEY_FILE);
            if !path.exists() {
                create_key_file(&config.data_dir, &path)?;
            }
            read(&path)
        }
    }
}

pub fn read(path: &Path) -> anyhow::Result<Ring> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ring::parse(&text).with_context(|| format!("the key in {}", path.display()))
}

/// Replaces the key file with `ring`: written to a private temporary file,
/// synced, then renamed over it, so a crash leaves the old file or the new one.
pub fn write(path: &Path, ring: &Ring) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = private_temp(dir, ring.render().as_bytes())?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// A key as base64 of exactly 32 bytes (`openssl rand -base64 32`); the URL-safe
/// alphabet and missing padding are accepted too.
pub fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let text = text.trim();
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or_else(|| anyhow::anyhow!("the key is not base64"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("the key must be 32 bytes (base64 of 32 random bytes), not {}", bytes.len()))
}

/// `text` in a new file readable by the owner alone, synced.
fn private_temp(dir: &Path, text: &[u8]) -> anyhow::Result<PathBuf> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(".{KEY_FILE}.{:016x}.tmp", rand::random::<u64>()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(text)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", tmp.display()));
    }
    Ok(tmp)
}

/// Writes a new key to a private temporary file and links it into place: the
/// link fails if the file appeared meanwhile (another instance starting on the
/// same folder), and then that instance's key is the one read — never half a file.
fn create_key_file(dir: &Path, path: &Path) -> anyhow::Result<()> {
    let key: [u8; 32] = rand::random();
    let tmp = private_temp(dir, Ring::single(key).render().as_bytes())?;
    let linked = match std::fs::hard_link(&tmp, path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    };
    let _ = std::fs::remove_file(&tmp);
    linked.with_context(|| format!("creating {}", path.display()))?;
    tracing::info!(path = %path.display(), "created a new key for personal data; back it up with the database");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_old_and_new() {
        let k = STANDARD.encode([7u8; 32]);
        let old = Ring::parse(&format!("{k}\n")).expect("a key alone");
        assert_eq!(old.newest_id(), "1");
        assert_eq!(old.root(), &[7; 32]);
        let ring = old.with_new_key().with_new_key();
        assert_eq!(ring.keys().map(|(id, _)| id).collect::<Vec<_>>(), ["1", "2", "3"]);
        let again = Ring::parse(&ring.render()).expect("round trip");
        assert_eq!(again.render(), ring.render());
        assert_eq!(again.root(), &[7; 32]);
        assert!(Ring::parse("").is_err());
        assert!(Ring::parse(&format!("1 {k}\n1 {k}\n")).is_err(), "an id twice");
        assert!(Ring::parse(&format!("1 {k}\n{k}\n")).is_err(), "a second key without id");
        assert!(Ring::parse(&format!("a:b {k}\n")).is_err(), "id");
        assert!(ring.without("1").is_err(), "the first key stays");
        assert!(ring.without("3").is_err(), "the newest key stays");
        assert_eq!(ring.without("2").expect("retire 2").render().lines().count(), 2);
    }

    #[test]
    fn keys_from_configuration() {
        let key = STANDARD.encode([7u8; 32]);
        assert_eq!(parse_key(&format!(" {key}\n")).expect("standard"), [7; 32]);
        assert_eq!(parse_key(key.trim_end_matches('=')).expect("no padding"), [7; 32]);
        assert!(parse_key(&STANDARD.encode([7u8; 16])).is_err(), "16 bytes");
        assert!(parse_key("not a key!").is_err());
    }
}
