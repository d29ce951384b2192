//! Uploaded files: copied one by one, each hashed as it is read, so the
//! manifest records what the backup holds rather than what the name claims.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::manifest::Entry;

/// SHA-256 and size of one file.
pub fn hash_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    hash_copy(f, None).with_context(|| format!("reading {}", path.display()))
}

/// Reads `r` block by block into the hash and into `to`: the database and a
/// year's archive bundle can be gigabytes, never read into memory whole.
fn hash_copy(mut r: impl Read, mut to: Option<&mut std::fs::File>) -> std::io::Result<(String, u64)> {
    let (mut hash, mut buf, mut size) = (Sha256::new(), vec![0u8; 1 << 16], 0u64);
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        if let Some(f) = to.as_mut() {
            f.write_all(&buf[..n])?;
        }
        size += n as u64;
    }
    Ok((hash.finalize().iter().map(|b| format!("{b:02x}")).collect(), size))
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
    copy_if_present(from, to, rel)?.with_context(|| format!("{} is missing", join(from, rel).display()))
}

/// `copy`, or `None` when `rel` is gone from `from`: the server deletes a
/// replaced archive bundle while a backup may be listing the files, and
/// that must not cost the night's backup.
pub fn copy_if_present(from: &Path, to: &Path, rel: &str) -> anyhow::Result<Option<Entry>> {
    let src = join(from, rel);
    let input = match std::fs::File::open(&src) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", src.display())),
    };
    let dst = join(to, rel);
    if let Some(dir) = dst.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut f = std::fs::File::create(&dst).with_context(|| format!("writing {}", dst.display()))?;
    let (sha256, size) = hash_copy(input, Some(&mut f)).with_context(|| format!("copying {}", src.display()))?;
    f.sync_all()?;
    Ok(Some(Entry { path: rel.to_string(), sha256, size }))
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
        // Deleted since it was listed (a replaced bundle): left out by the
        // backup, an error for a restore.
        assert!(copy_if_present(a.path(), b.path(), "ba/gone").expect("no error").is_none());
        assert!(copy(a.path(), b.path(), "ba/gone").is_err());
        // Larger than one block: the hash and size of the whole.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(a.path().join("ba/big"), &big).expect("write");
        let e = copy(a.path(), b.path(), "ba/big").expect("copy");
        assert_eq!((e.size, std::fs::read(b.path().join("ba/big")).expect("read")), (200_000, big.clone()));
        let whole: String = Sha256::digest(&big).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(e.sha256, whole);
        assert_eq!(hash_file(&a.path().join("ba/big")).expect("hash"), (whole, 200_000));
    }
}
