//! Uploaded files: photos of activities, evidence for the Members' Homes,
//! receipts, spreadsheets to import.
//!
//! Every upload goes through [`FileStore::put`]: its size is checked, its type
//! is told by its content (never by its name), photos are decoded and encoded
//! afresh so that no EXIF (GPS position, device, time) survives, and the bytes
//! are written once under their SHA-256. The `files` table holds one row per
//! upload (who, which committee, the name it came with); many rows may share
//! one stored file.

mod budget;
pub mod check;
mod disk;
mod http;
pub(crate) mod reencode;
pub mod routes;
mod spool;
mod store;

use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use serde::Serialize;
use tokio::sync::Semaphore;

pub use budget::DecodeBudget;
pub use check::Kind;
pub use http::{Audience, ReadForm, attachment, download, made_download};
pub use reencode::{MAX_PIXELS, MAX_PUBLIC_PIXELS, MAX_SIDE};
pub use spool::{Spool, Spooled};
pub use store::{FileRow, find_row, insert_public_row, insert_row};

use crate::kernel::error::{AppError, AppResult};

/// The largest file we take, before re-encoding.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// What is read of a file to tell its kind (except a zip: see `check::needs_whole`).
const HEAD_BYTES: u64 = 8 * 1024;

/// One file from a form, as sent: in memory (built by code) or in a temporary
/// file (from a form, see `read_multipart`), removed when this is dropped.
#[derive(Debug)]
pub struct Upload {
    /// The form field it came in (`photos`, `receipt`, …).
    pub field: String,
    /// The name on the sender's computer: shown and offered on download, never
    /// used as a path.
    pub file_name: String,
    content: Content,
}

#[derive(Debug)]
enum Content {
    Memory(Bytes),
    Spooled { file: Spooled, len: u64 },
}

/// Where blocking work reads an upload from.
#[derive(Clone)]
enum Source {
    Memory(Bytes),
    File(PathBuf),
}

/// A reader over either source, for the image decoder.
enum Reader {
    Memory(Cursor<Bytes>),
    File(BufReader<std::fs::File>),
}

impl Source {
    fn open(&self) -> AppResult<Reader> {
        match self {
            Source::Memory(b) => Ok(Reader::Memory(Cursor::new(b.clone()))),
            Source::File(p) => std::fs::File::open(p)
                .map(|f| Reader::File(BufReader::new(f)))
                .map_err(|e| AppError::Internal(anyhow::anyhow!("opening {}: {e}", p.display()))),
        }
    }
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Reader::Memory(r) => r.read(buf),
            Reader::File(r) => r.read(buf),
        }
    }
}

impl BufRead for Reader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        match self {
            Reader::Memory(r) => r.fill_buf(),
            Reader::File(r) => r.fill_buf(),
        }
    }

    fn consume(&mut self, n: usize) {
        match self {
            Reader::Memory(r) => r.consume(n),
            Reader::File(r) => r.consume(n),
        }
    }
}

impl Seek for Reader {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Reader::Memory(r) => r.seek(pos),
            Reader::File(r) => r.seek(pos),
        }
    }
}

impl Upload {
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Upload {
        Upload { field: "file".into(), file_name: file_name.into(), content: Content::Memory(bytes.into()) }
    }

    fn spooled(field: String, file_name: String, file: Spooled, len: u64) -> Upload {
        Upload { field, file_name, content: Content::Spooled { file, len } }
    }

    pub fn len(&self) -> u64 {
        match &self.content {
            Content::Memory(b) => b.len() as u64,
            Content::Spooled { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole content (at most `MAX_FILE_BYTES`: the reading stopped there).
    pub async fn bytes(&self) -> AppResult<Bytes> {
        self.read_up_to(u64::MAX).await
    }

    async fn read_up_to(&self, n: u64) -> AppResult<Bytes> {
        match &self.content {
            Content::Memory(b) => Ok(b.slice(..b.len().min(usize::try_from(n).unwrap_or(usize::MAX)))),
            Content::Spooled { file, .. } => {
                use tokio::io::AsyncReadExt;
                let io = |e: std::io::Error| AppError::Internal(anyhow::anyhow!("reading an upload: {e}"));
                let mut out = Vec::new();
                let f = tokio::fs::File::open(file.path()).await.map_err(io)?;
                f.take(n).read_to_end(&mut out).await.map_err(io)?;
                Ok(Bytes::from(out))
            }
        }
    }

    fn source(&self) -> Source {
        match &self.content {
            Content::Memory(b) => Source::Memory(b.clone()),
            Content::Spooled { file, .. } => Source::File(file.path().to_path_buf()),
        }
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

/// The content-addressed directory `<data_dir>/files/ab/cdef…`, with the
/// temporary folder uploads arrive in. Cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    root: PathBuf,
    spool: Spool,
    /// Memory for decoding photos, shared by all requests (see `budget`).
    budget: DecodeBudget,
    /// Decoding a photo takes a core for a moment: at most one per core at a
    /// time, the rest wait their turn.
    busy: Arc<Semaphore>,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("storing a file failed: {e}")))?
}

impl FileStore {
    /// A store with the default decode budget (96 MB, 15 s).
    pub fn new(data_dir: impl AsRef<Path>) -> FileStore {
        FileStore::with_budget(data_dir, DecodeBudget::new(96, std::time::Duration::from_secs(15)))
    }

    pub fn with_budget(data_dir: impl AsRef<Path>, budget: DecodeBudget) -> FileStore {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        FileStore {
            root: data_dir.as_ref().join("files"),
            spool: Spool::new(data_dir),
            budget,
            busy: Arc::new(Semaphore::new(cores)),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn spool(&self) -> &Spool {
        &self.spool
    }

    pub fn budget(&self) -> &DecodeBudget {
        &self.budget
    }

    /// Checks, cleans and stores one upload from staff; storing the same
    /// content twice writes it once. Add the row with [`insert_row`] afterwards.
    pub async fn put(&self, upload: Upload, accept: Accept) -> AppResult<Stored> {
        self.store(upload, accept, MAX_PIXELS).await
    }

    /// Like [`FileStore::put`] for a photo anyone may send (the public box):
    /// at most `MAX_PUBLIC_PIXELS`.
    pub async fn put_public(&self, upload: Upload) -> AppResult<Stored> {
        self.store(upload, Accept::Images, MAX_PUBLIC_PIXELS).await
    }

    async fn store(&self, upload: Upload, accept: Accept, max_pixels: u64) -> AppResult<Stored> {
        if upload.len() > MAX_FILE_BYTES as u64 {
            return Err(AppError::BadRequest("file.too_large"));
        }
        if upload.is_empty() {
            return Err(AppError::BadRequest("file.empty"));
        }
        let head = upload.read_up_to(HEAD_BYTES).await?;
        let kind = if check::needs_whole(&head, accept) {
            check::check(&upload.bytes().await?, accept)?
        } else {
            check::check(&head, accept)?
        };
        let original_name = check::clean_name(&upload.file_name, kind);
        let source = upload.source();
        let root = self.root.clone();
        let (sha256, size) = if kind.is_image() {
            // The header first: a photo over the cap is refused without
            // waiting, and the decode's weight is known before it starts.
            let s = source.clone();
            let header = blocking(move || reencode::probe(s.open()?, kind, max_pixels)).await?;
            let weight = budget::weight(header.width, header.height, header.bytes_per_pixel, MAX_SIDE);
            let _room = self.budget.acquire(weight).await?;
            let _core =
                self.busy.acquire().await.map_err(|e| AppError::Internal(anyhow::anyhow!("file store closed: {e}")))?;
            blocking(move || {
                let data = reencode::reencode(source.open()?, kind, max_pixels)?;
                let sha256 = disk::sha256_hex(&data);
                disk::write(&root, &sha256, &data)?;
                Ok((sha256, data.len()))
            })
            .await?
        } else {
            let size = usize::try_from(upload.len()).unwrap_or(usize::MAX);
            let sha256 = blocking(move || match &source {
                Source::Memory(b) => {
                    let sha256 = disk::sha256_hex(b);
                    disk::write(&root, &sha256, b).map(|()| sha256)
                }
                Source::File(p) => {
                    let sha256 = disk::sha256_file(p)?;
                    disk::copy(&root, &sha256, p).map(|()| sha256)
                }
            })
            .await?;
            (sha256, size)
        };
        // The temporary file stays until the work above is done.
        drop(upload);
        Ok(Stored {
            sha256,
            content_type: kind.content_type().to_string(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
            original_name,
        })
    }

    /// The download response for a stored file row (see `download`).
    pub async fn respond(&self, row: &FileRow, audience: Audience) -> AppResult<axum::response::Response> {
        Ok(download(row, self.read(&row.sha256).await?, audience))
    }

    /// Keeps a file the app made itself (an archive bundle): no check of its
    /// kind, it is copied in by its hash, never read into memory whole.
    /// Blocking: call it from a blocking task. Returns the hash and size.
    pub fn put_made(&self, from: &Path) -> AppResult<(String, i64)> {
        let sha256 = disk::sha256_file(from)?;
        disk::copy(&self.root, &sha256, from)?;
        let size = std::fs::metadata(from)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("reading {}: {e}", from.display())))?
            .len();
        Ok((sha256, i64::try_from(size).unwrap_or(i64::MAX)))
    }

    /// Deletes a made file no row holds any more (a replaced bundle). A
    /// failure leaves the file for the operator and is logged: the rows are
    /// already right, and nothing links to it.
    pub async fn remove_made(&self, sha256: &str) {
        let Some(path) = disk::path_of(&self.root, sha256) else { return };
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "could not delete a replaced file"),
        }
    }

    /// Where the bytes under `sha256` are on disk, to read them block by
    /// block (a bundle's attachments, its download); `None` for a malformed hash.
    pub fn local_path(&self, sha256: &str) -> Option<PathBuf> {
        disk::path_of(&self.root, sha256)
    }

    /// The bytes stored under `sha256`. A malformed hash (`../…`) is "not
    /// found", like a missing file.
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
