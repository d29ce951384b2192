//! The directory: `root/ab/cdef…`, named by the SHA-256 of the content. Two
//! hex characters of fan-out keep any one directory to a few thousand entries.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::kernel::error::{AppError, AppResult};

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// The path for a hash, or `None` unless it is exactly 64 lowercase hex digits:
/// whatever reaches here never names anything outside the root.
pub fn path_of(root: &Path, sha256: &str) -> Option<PathBuf> {
    let ok = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ok.then(|| root.join(&sha256[..2]).join(&sha256[2..]))
}

/// Writes `data` under its hash unless it is there already. The bytes go to a
/// temporary file that is synced and then renamed into place, so a reader never
/// sees half a file and a crash leaves at worst a stray temporary.
pub fn write(root: &Path, sha256: &str, data: &[u8]) -> AppResult<()> {
    place(root, sha256, |f| f.write_all(data))
}

/// Like [`write`], for content that is in a file (a spooled upload): copied,
/// never read into memory whole.
pub fn copy(root: &Path, sha256: &str, from: &Path) -> AppResult<()> {
    place(root, sha256, |f| std::io::copy(&mut std::fs::File::open(from)?, f).map(drop))
}

/// The SHA-256 of a file's content, read in blocks.
pub fn sha256_file(path: &Path) -> AppResult<String> {
    let mut hasher = Sha256::new();
    let read = (|| {
        let mut f = std::fs::File::open(path)?;
        let mut block = vec![0u8; 64 * 1024];
        loop {
            match f.read(&mut block)? {
                0 => return Ok(()),
                n => hasher.update(&block[..n]),
            }
        }
    })();
    read.map_err(|e: std::io::Error| AppError::Internal(anyhow::anyhow!("reading {}: {e}", path.display())))?;
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn place(root: &Path, sha256: &str, fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> AppResult<()> {
    let path = path_of(root, sha256).ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad hash {sha256}")))?;
    if path.exists() {
        return Ok(());
    }
    let io = |what: &str, e: std::io::Error| AppError::Internal(anyhow::anyhow!("{what} {}: {e}", path.display()));
    let dir = path.parent().ok_or_else(|| io("no parent for", std::io::ErrorKind::NotFound.into()))?;
    std::fs::create_dir_all(dir).map_err(|e| io("creating the folder of", e))?;
    let tmp = dir.join(format!(".{}.{:016x}.tmp", &sha256[2..], rand::random::<u64>()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        fill(&mut f)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("writing", e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_two_level_by_hash() {
        let h = sha256_hex(b"abc");
        assert_eq!(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let p = path_of(Path::new("/data/files"), &h).expect("valid");
        assert_eq!(p, Path::new("/data/files/ba/7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    #[test]
    fn files_hash_and_copy_like_bytes() {
        let dir = tempfile::tempdir().expect("tmp");
        let src = dir.path().join("upload.part");
        std::fs::write(&src, b"abc").expect("write");
        let h = sha256_file(&src).expect("hash");
        assert_eq!(h, sha256_hex(b"abc"));
        copy(&dir.path().join("files"), &h, &src).expect("copy");
        let stored = path_of(&dir.path().join("files"), &h).expect("path");
        assert_eq!(std::fs::read(stored).expect("stored"), b"abc");
    }

    #[test]
    fn only_hashes_make_paths() {
        let root = Path::new("/r");
        assert!(path_of(root, &"0".repeat(64)).is_some());
        for bad in ["..", "../etc/passwd", "", &"A".repeat(64), &"0".repeat(63), &"0".repeat(65)] {
            assert_eq!(path_of(root, bad), None, "{bad}");
        }
        let dotted = format!("..{}", "0".repeat(62));
        assert_eq!(path_of(root, &dotted), None);
        let slashed = format!("ab/{}", "0".repeat(61));
        assert_eq!(path_of(root, &slashed), None);
    }
}
