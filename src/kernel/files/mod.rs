//! Uploaded files: photos of activities, evidence for the Members' Homes,
//! receipts, spreadsheets to import.
//!
//! Every upload goes through [`FileStore::put`]: its size is checked, its type
//! is told by its content (never by its name), photos are decoded and encoded
//! afresh so that no EXIF (GPS position, device, time) survives, and the bytes
//! are written once under their SHA-256. The `files` table holds one row per
//! upload (who, which committee, the name it came with); many rows may share
//! one stored file.

pub mod check;
mod disk;
mod http;
pub(crate) mod reencode;
pub mod routes;
mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use serde::Serialize;
use tokio::sync::Semaphore;

pub use check::Kind;
pub use http::{attachment, download, read_multipart};
pub use reencode::{MAX_PIXELS, MAX_SIDE};
pub use store::{FileRow, find_row, insert_public_row, insert_row};

use crate::kernel::error::{AppError, AppResult};

/// The largest file we take, before re-encoding.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// One file from a form, as sent.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field it came in (`photos`, `receipt`, …).
    pub field: String,
    /// The name on the sender's computer: shown and offered on download, never
    /// used as a path.
    pub file_name: String,
    pub bytes: Bytes,
}

impl Upload {
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Upload {
        Upload { field: "file".into(), file_name: file_name.into(), bytes: bytes.into() }
    }
}

/// What a form takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// JPEG and PNG photos.
    Images,
    /// Photos, PDF, Word (.docx) and Excel (.xlsx).
    ImagesAndDocuments,
    /// Excel (.xlsx) only: imports.
    Spreadsheet,
}

/// A file as stored: what a `files` row records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stored {
    pub sha256: String,
    pub content_type: String,
    /// Bytes stored (after re-encoding).
    pub size: i64,
    pub original_name: String,
}

/// The content-addressed directory `<data_dir>/files/ab/cdef…`. Cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    root: PathBuf,
    /// Decoding a 40-megapixel photo takes a few hundred MB and a core for a
    /// moment: at most one per core at a time, the rest wait their turn.
    busy: Arc<Semaphore>,
}

impl FileStore {
    pub fn new(data_dir: impl AsRef<Path>) -> FileStore {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        FileStore { root: data_dir.as_ref().join("files"), busy: Arc::new(Semaphore::new(cores)) }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Checks, cleans and stores one upload; storing the same content twice
    /// writes it once. Add the row with [`insert_row`] afterwards.
    pub async fn put(&self, upload: Upload, accept: Accept) -> AppResult<Stored> {
        let bytes = upload.bytes;
        if bytes.len() > MAX_FILE_BYTES {
            return Err(AppError::BadRequest("file.too_large"));
        }
        if bytes.is_empty() {
            return Err(AppError::BadRequest("file.empty"));
        }
        let kind = check::check(&bytes, accept)?;
        let original_name = check::clean_name(&upload.file_name, kind);
        let _permit =
            self.busy.acquire().await.map_err(|e| AppError::Internal(anyhow::anyhow!("file store closed: {e}")))?;
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let data = if kind.is_image() { reencode::reencode(&bytes, kind)? } else { bytes.to_vec() };
            let sha256 = disk::sha256_hex(&data);
            disk::write(&root, &sha256, &data)?;
            Ok(Stored {
                sha256,
                content_type: kind.content_type().to_string(),
                size: i64::try_from(data.len()).unwrap_or(i64::MAX),
                original_name,
            })
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("storing a file failed: {e}")))?
    }

    /// The bytes stored under `sha256`. A malformed hash (`../…`) is "not
    /// found", like a missing file.
    /// The download response for a stored file row (see `download`).
    pub async fn respond(&self, row: &FileRow) -> AppResult<axum::response::Response> {
        Ok(download(row, self.read(&row.sha256).await?))
    }

    pub async fn read(&self, sha256: &str) -> AppResult<Vec<u8>> {
        let path = disk::path_of(&self.root, sha256).ok_or(AppError::NotFound)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AppError::NotFound),
            Err(e) => Err(AppError::Internal(anyhow::anyhow!("reading {}: {e}", path.display()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(3, 2, image::Rgb([200, 10, 10]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
            .expect("encode");
        out
    }

    #[tokio::test]
    async fn put_checks_content_not_names() {
        let dir = tempfile::tempdir().expect("tmp");
        let fs = FileStore::new(dir.path());
        // A PNG named .pdf is a PNG.
        let s = fs.put(Upload::new("报告.pdf", png()), Accept::ImagesAndDocuments).await.expect("put");
        assert_eq!((s.content_type.as_str(), s.original_name.as_str()), ("image/png", "报告.png"));
        assert_eq!(fs.read(&s.sha256).await.expect("read").len() as i64, s.size);
        // Text named photo.jpg is refused.
        let e = fs.put(Upload::new("photo.jpg", &b"just some text"[..]), Accept::Images).await;
        assert_eq!(e.err().map(|e| e.message_key()), Some("file.only_images"));
        let e = fs.put(Upload::new("a.png", vec![0x89; MAX_FILE_BYTES + 1]), Accept::Images).await;
        assert_eq!(e.err().map(|e| e.message_key()), Some("file.too_large"));
        let e = fs.put(Upload::new("a.png", Vec::new()), Accept::Images).await;
        assert_eq!(e.err().map(|e| e.message_key()), Some("file.empty"));
    }

    #[tokio::test]
    async fn same_content_is_stored_once_under_its_hash() {
        let dir = tempfile::tempdir().expect("tmp");
        let fs = FileStore::new(dir.path());
        let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
        let a = fs.put(Upload::new("a.pdf", pdf.clone()), Accept::ImagesAndDocuments).await.expect("a");
        let b = fs.put(Upload::new("b.pdf", pdf.clone()), Accept::ImagesAndDocuments).await.expect("b");
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(a.sha256, disk::sha256_hex(&pdf));
        let path = dir.path().join("files").join(&a.sha256[..2]).join(&a.sha256[2..]);
        assert_eq!(std::fs::read(path).expect("on disk"), pdf);
        let entries = std::fs::read_dir(dir.path().join("files").join(&a.sha256[..2])).expect("dir").count();
        assert_eq!(entries, 1, "one file, no temporaries left");
    }

    #[tokio::test]
    async fn traversal_like_hashes_are_not_found() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("secret"), b"x").expect("write");
        let fs = FileStore::new(dir.path().join("d"));
        for bad in ["../secret", "../../etc/passwd", "", "ab", &"g".repeat(64), &format!("{}/", "a".repeat(63))] {
            assert!(matches!(fs.read(bad).await, Err(AppError::NotFound)), "{bad}");
        }
        assert!(matches!(fs.read(&"a".repeat(64)).await, Err(AppError::NotFound)));
    }
}
