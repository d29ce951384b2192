//! Uploads on their way in: every file part of a form is written to a
//! temporary file under `<data_dir>/tmp` as it arrives, so memory holds one
//! chunk at a time whatever size a client sends. A [`Spooled`] file is removed
//! when it is dropped: after it was stored, when it was refused, and when the
//! client went away half-way (the handler's future is dropped).

use std::path::{Path, PathBuf};

use crate::kernel::error::{AppError, AppResult};

/// The temporary folder for uploads of one data directory. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

/// One temporary file, deleted on drop.
#[derive(Debug)]
pub struct Spooled {
    path: PathBuf,
}

impl Spooled {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        // Already gone is fine; anything else is left for the startup sweep.
        let _ = std::fs::remove_file(&self.path);
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what} {}: {e}", path.display()))
}

impl Spool {
    pub fn new(data_dir: impl AsRef<Path>) -> Spool {
        Spool { dir: data_dir.as_ref().join("tmp") }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new empty temporary file, open for writing. Its name starts with this
    /// process's id, so that the sweep of another instance sharing the data
    /// directory leaves it alone.
    pub async fn create(&self) -> AppResult<(Spooled, tokio::fs::File)> {
        tokio::fs::create_dir_all(&self.dir).await.map_err(|e| io("creating", &self.dir, e))?;
        let path = self.dir.join(format!("{}-{:016x}.part", std::process::id(), rand::random::<u64>()));
        let file = tokio::fs::File::create(&path).await.map_err(|e| io("creating", &path, e))?;
        Ok((Spooled { path }, file))
    }

    /// Removes what a process that is no longer running left behind (killed
    /// while a form was arriving). Run at startup; returns how many went.
    pub fn sweep(&self) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return 0 };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let owner = name.to_str().and_then(|n| n.split_once('-')).and_then(|(pid, _)| pid.parse::<u32>().ok());
            if owner.is_some_and(process_running) {
                continue;
            }
            if std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

/// Whether a process with this id runs (Linux's `/proc`; elsewhere only this
/// process counts as running).
fn process_running(pid: u32) -> bool {
    pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dropped_files_are_gone_and_the_sweep_spares_live_processes() {
        let dir = tempfile::tempdir().expect("tmp");
        let spool = Spool::new(dir.path());
        let (f, _) = spool.create().await.expect("create");
        let kept = f.path().to_path_buf();
        assert!(kept.is_file());
        // Left by a process that no longer runs (no pid is this large), and a stray.
        std::fs::write(spool.dir().join("4294967295-00.part"), b"x").expect("write");
        std::fs::write(spool.dir().join("junk"), b"x").expect("write");
        assert_eq!(spool.sweep(), 2);
        assert!(kept.is_file(), "ours is in use");
        drop(f);
        assert!(!kept.exists());
        assert_eq!(std::fs::read_dir(spool.dir()).expect("dir").count(), 0);
    }
}
