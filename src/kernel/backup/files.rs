//! Uploaded files: copied one by one, each hashed as it is read, so the
//! manifest records what the backup holds rather than what the name claims.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::manifest::Entry;

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 and size of one file.
pub fn hash_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok((sha256_hex(&data), data.len() as u64))
}

/// Every stored file under `root`, as paths relative to it with `/`. Names
/// starting with a dot are the store's temporaries (a write in progress).
pub fn list(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    if root.exists() {
        walk(root, "", &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> anyhow::Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let rel = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        if e.file_type()?.is_dir() {
            walk(&e.path(), &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

/// Copies `rel` from `from` to `to` (synced), returning its entry.
pub fn copy(from: &Path, to: &Path, rel: &str) -> anyhow::Result<Entry> {
    let src = join(from, rel);
    let data = std::fs::read(&src).with_context(|| format!("reading {}", src.display()))?;
    let dst = join(to, rel);
    if let Some(dir) = dst.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut f = std::fs::File::create(&dst).with_context(|| format!("writing {}", dst.display()))?;
    f.write_all(&data)?;
    f.sync_all()?;
    Ok(Entry { path: rel.to_string(), sha256: sha256_hex(&data), size: data.len() as u64 })
}

/// The SHA-256 of each manifest path found under `root` (`None`: missing).
pub fn hashes(root: &Path, entries: &[Entry]) -> BTreeMap<String, Option<String>> {
    entries.iter().map(|e| (e.path.clone(), hash_file(&join(root, &e.path)).ok().map(|(h, _)| h))).collect()
}

/// `root` joined with a manifest path, refusing anything that would leave
/// `root` (a hand-edited manifest must not write outside the data folder).
pub fn join(root: &Path, rel: &str) -> PathBuf {
    let mut p = root.to_path_buf();
    for part in rel.split('/').filter(|s| !s.is_empty() && *s != "." && *s != "..") {
        p.push(part);
    }
    p
}

/// Whether a folder holds anything but dot-files (temporaries).
pub fn has_entries(root: &Path) -> anyhow::Result<bool> {
    Ok(!list(root)?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        assert_eq!(join(Path::new("/d"), "ab/cd"), Path::new("/d/ab/cd"));
        assert_eq!(join(Path::new("/d"), "../../etc/passwd"), Path::new("/d/etc/passwd"));
        assert_eq!(join(Path::new("/d"), "/abs"), Path::new("/d/abs"));
    }

    #[test]
    fn copies_and_hashes_skipping_temporaries() {
        let a = tempfile::tempdir().expect("dir");
        let b = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(a.path().join("ba")).expect("mkdir");
        std::fs::write(a.path().join("ba/7816"), b"abc").expect("write");
        std::fs::write(a.path().join("ba/.7816.tmp"), b"half").expect("write");
        let names = list(a.path()).expect("list");
        assert_eq!(names, ["ba/7816"]);
        let e = copy(a.path(), b.path(), &names[0]).expect("copy");
        assert_eq!(e.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(e.size, 3);
        assert_eq!(hashes(b.path(), std::slice::from_ref(&e)).get("ba/7816"), Some(&Some(e.sha256)));
        assert!(!has_entries(&b.path().join("none")).expect("absent is empty"));
    }
}
