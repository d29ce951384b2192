//! `xieshang backup DIR` and `xieshang restore DIR`: a consistent copy of the
//! database and the uploaded files, taken while the server runs, with a
//! manifest (row counts, file hashes, schema version) that the restore is
//! checked against.
//!
//! The folder: `manifest.json`, `database.sqlite` or `database.pgdump`,
//! `files/…` (the store's own layout), and `personal.key` only with
//! `--with-key`. The manifest is written last: a folder without one is an
//! unfinished backup.

pub mod files;
pub mod manifest;
mod postgres;
mod sqlite;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::config::Config;
use crate::kernel::db::Backend;
use crate::kernel::web::i18n::Lang;
use manifest::{Entry, Manifest, Mismatch};

const KEY_FILE: &str = "personal.key";

/// A message in zh-CN and English, for the terminal.
pub fn say(key: &str) -> String {
    format!("{} / {}", Lang::Zh.t(key), Lang::En.t(key))
}

/// Where the personal-data key lives for this configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPlace {
    /// `personal_data_key` in the configuration (or `XIESHANG_PERSONAL_DATA_KEY`).
    Config,
    File(PathBuf),
}

impl KeyPlace {
    pub fn of(config: &Config) -> KeyPlace {
        match config.personal_data_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(_) => KeyPlace::Config,
            // Absolute: the operator reads it later, from another directory.
            None => {
                let path = config.data_dir.join(KEY_FILE);
                KeyPlace::File(std::path::absolute(&path).unwrap_or(path))
            }
        }
    }
}

impl std::fmt::Display for KeyPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyPlace::Config => write!(f, "personal_data_key (xieshang.toml / XIESHANG_PERSONAL_DATA_KEY)"),
            KeyPlace::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// What a backup did.
pub struct Made {
    pub manifest: Manifest,
    pub key: KeyPlace,
    /// `--verify`: what re-reading the folder found (empty: all as recorded).
    pub verified: Option<Vec<Mismatch>>,
}

/// Copies the database, the files and (with `with_key`) the key into `dir`,
/// which must be new or empty.
pub fn backup(config: &Config, dir: &Path, with_key: bool, verify_after: bool) -> anyhow::Result<Made> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{}: {}", say("backup.target_not_empty"), dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let backend = Backend::of_url(&config.database_url);
    // The database first, then the files: a row is written only after its
    // file, so every file the copied rows name is on disk by then — except a
    // replaced archive bundle's zip, deleted meanwhile, which is left out.
    let (db_name, tables, schema_version) = match backend {
        Backend::Sqlite => {
            let dest = dir.join("database.sqlite");
            sqlite::snapshot(sqlite::path_of(&config.database_url), &dest)?;
            let (t, v) = sqlite::counts(&dest)?;
            ("database.sqlite", t, v)
        }
        Backend::Postgres => {
            let (t, v) = postgres::dump(&config.database_url, &dir.join("database.pgdump"))?;
            ("database.pgdump", t, v)
        }
    };
    let (db_hash, db_size) = files::hash_file(&dir.join(db_name))?;
    let src = config.data_dir.join("files");
    let copied: Vec<Entry> = files::list(&src)?
        .iter()
        .map(|rel| files::copy_if_present(&src, &dir.join("files"), rel))
        .filter_map(Result::transpose)
        .collect::<anyhow::Result<_>>()?;
    let key = KeyPlace::of(config);
    if with_key {
        copy_key(config, &key, &dir.join(KEY_FILE))?;
    }
    let manifest = Manifest {
        format: manifest::FORMAT,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        backend: backend_name(backend).to_string(),
        schema_version,
        database: Entry { path: db_name.to_string(), sha256: db_hash, size: db_size },
        tables,
        files: copied,
        key_included: with_key,
    };
    write_synced(&dir.join(manifest::FILE), serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    let verified = if verify_after { Some(verify(dir)?.1) } else { None };
    Ok(Made { manifest, key, verified })
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn copy_key(config: &Config, place: &KeyPlace, dest: &Path) -> anyhow::Result<()> {
    let text = match place {
        KeyPlace::Config => format!("{}\n", config.personal_data_key.as_deref().unwrap_or_default().trim()),
        KeyPlace::File(p) => std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(dest).with_context(|| format!("writing {}", dest.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

fn write_synced(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

pub fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(manifest::FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|_| anyhow::anyhow!("{}: {}", say("backup.no_manifest"), dir.display()))?;
    let m: Manifest = serde_json::from_str(&text).with_context(|| say("backup.bad_manifest"))?;
    if m.format != manifest::FORMAT {
        bail!("{} ({})", say("backup.bad_manifest"), m.format);
    }
    Ok(m)
}

/// Re-reads a backup folder: the database copy's hash (and, for SQLite, its
/// row counts; for PostgreSQL that `pg_restore` reads the dump) and every file.
pub fn verify(dir: &Path) -> anyhow::Result<(Manifest, Vec<Mismatch>)> {
    let m = read_manifest(dir)?;
    let db = dir.join(&m.database.path);
    let mut out = compare_db_file(&m, &db);
    if out.is_empty() {
        match m.backend.as_str() {
            "sqlite" => {
                let (tables, _) = sqlite::counts(&db)?;
                out.extend(manifest::compare(&Manifest { files: vec![], ..m.clone() }, &tables, &BTreeMap::new()));
            }
            _ => postgres::readable(&db)?,
        }
    }
    let found = files::hashes(&dir.join("files"), &m.files);
    out.extend(manifest::compare(&Manifest { tables: BTreeMap::new(), ..m.clone() }, &BTreeMap::new(), &found));
    Ok((m, out))
}

fn compare_db_file(m: &Manifest, db: &Path) -> Vec<Mismatch> {
    let found = files::hash_file(db).ok().map(|(h, _)| h);
    let files = BTreeMap::from([(m.database.path.clone(), found)]);
    let only_db = Manifest { tables: BTreeMap::new(), files: vec![m.database.clone()], ..m.clone() };
    manifest::compare(&only_db, &BTreeMap::new(), &files)
}

/// What a restore found when it checked the result against the manifest.
pub struct Restored {
    pub manifest: Manifest,
    pub mismatches: Vec<Mismatch>,
    /// Where the key must be before `serve` starts (when the backup had none).
    pub key: KeyPlace,
}

/// Restores the backup in `dir` into the configured database and data folder,
/// both of which must be empty, then checks every row count and file hash.
pub fn restore(config: &Config, dir: &Path) -> anyhow::Result<Restored> {
    let m = read_manifest(dir)?;
    let backend = Backend::of_url(&config.database_url);
    if m.backend != backend_name(backend) {
        bail!("{} ({} → {})", say("backup.backend_mismatch"), m.backend, backend_name(backend));
    }
    let empty = match backend {
        Backend::Sqlite => sqlite::is_empty(sqlite::path_of(&config.database_url))?,
        Backend::Postgres => postgres::is_empty(&config.database_url)?,
    };
    if !empty {
        bail!("{}", say("backup.database_not_empty"));
    }
    let files_root = config.data_dir.join("files");
    if files::has_entries(&files_root)? {
        bail!("{}: {}", say("backup.data_dir_not_empty"), files_root.display());
    }
    let key = KeyPlace::of(config);
    let key_copy = dir.join(KEY_FILE);
    let restore_key = match (&key, m.key_included) {
        (KeyPlace::File(p), true) if p.exists() => {
            if std::fs::read_to_string(p)?.trim() != std::fs::read_to_string(&key_copy)?.trim() {
                bail!("{}: {}", say("backup.key_differs"), p.display());
            }
            None
        }
        (KeyPlace::File(p), true) => Some(p.clone()),
        _ => None,
    };
    // The data first checked, now written: the database, the files, the key.
    let db = dir.join(&m.database.path);
    let broken = compare_db_file(&m, &db);
    if !broken.is_empty() {
        return Ok(Restored { manifest: m, mismatches: broken, key });
    }
    let tables = match backend {
        Backend::Sqlite => {
            let dest = sqlite::path_of(&config.database_url);
            sqlite::restore(&db, dest)?;
            sqlite::counts(dest)?.0
        }
        Backend::Postgres => {
            postgres::restore(&db, &config.database_url)?;
            postgres::counts(&config.database_url)?.0
        }
    };
    for e in &m.files {
        files::copy(&dir.join("files"), &files_root, &e.path)?;
    }
    if let Some(p) = restore_key {
        std::fs::create_dir_all(&config.data_dir)?;
        copy_key(config, &KeyPlace::File(key_copy), &p)?;
    }
    let found = files::hashes(&files_root, &m.files);
    let mismatches = manifest::compare(&m, &tables, &found);
    Ok(Restored { manifest: m, mismatches, key })
}
