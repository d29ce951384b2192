//! What a file is, told by its first bytes (and for Office files by the names
//! inside the zip), never by its name: a name is whatever the sender chose.
//! No I/O here.

use crate::kernel::error::AppError;

use super::Accept;

/// The kinds of file we keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Pdf,
    Docx,
    Xlsx,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// File-name extensions that fit this kind; the first is the one we add.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Jpeg => &["jpg", "jpeg"],
            Kind::Png => &["png"],
            Kind::Pdf => &["pdf"],
            Kind::Docx => &["docx"],
            Kind::Xlsx => &["xlsx"],
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png)
    }
}

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Known(Kind),
    /// An OLE compound file: the old `.doc` / `.xls` formats. Refused, but with
    /// a message that tells how to convert it.
    OldOffice,
    Unknown,
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = b"\xff\xd8\xff";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(JPEG_MAGIC) {
        Sniffed::Known(Kind::Jpeg)
    } else if bytes.starts_with(PNG_MAGIC) {
        Sniffed::Known(Kind::Png)
    } else if contains(&bytes[..bytes.len().min(1024)], b"%PDF-") {
        // Readers accept the header anywhere in the first 1024 bytes; so do we.
        Sniffed::Known(Kind::Pdf)
    } else if bytes.starts_with(ZIP_MAGIC) {
        // Entry names are stored uncompressed (in the local headers and the
        // central directory), so the main part of an Office file can be found
        // without unzipping. A zip with neither is not a document we take.
        if contains(bytes, b"word/document.xml") {
            Sniffed::Known(Kind::Docx)
        } else if contains(bytes, b"xl/workbook.xml") {
            Sniffed::Known(Kind::Xlsx)
        } else {
            Sniffed::Unknown
        }
    } else if bytes.starts_with(OLE_MAGIC) {
        Sniffed::OldOffice
    } else {
        Sniffed::Unknown
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl Accept {
    fn allows(self, kind: Kind) -> bool {
        match self {
            Accept::Images => kind.is_image(),
            Accept::ImagesAndDocuments => true,
            Accept::Spreadsheet => kind == Kind::Xlsx,
        }
    }

    fn wrong_type(self) -> AppError {
        AppError::BadRequest(match self {
            Accept::Images => "file.only_images",
            Accept::ImagesAndDocuments => "file.only_documents",
            Accept::Spreadsheet => "file.only_xlsx",
        })
    }
}

/// Whether telling the kind takes the whole file rather than its first
/// bytes: only a zip (is it Word or Excel?) where documents are taken.
pub fn needs_whole(head: &[u8], accept: Accept) -> bool {
    head.starts_with(ZIP_MAGIC) && accept != Accept::Images
}

/// The kind of these bytes if `accept` takes it, else the message to show.
pub fn check(bytes: &[u8], accept: Accept) -> Result<Kind, AppError> {
    match sniff(bytes) {
        Sniffed::Known(kind) if accept.allows(kind) => Ok(kind),
        Sniffed::OldOffice if accept == Accept::Spreadsheet => Err(AppError::BadRequest("file.old_excel")),
        Sniffed::OldOffice if accept == Accept::ImagesAndDocuments => Err(AppError::BadRequest("file.old_office")),
        _ => Err(accept.wrong_type()),
    }
}

/// Extensions we replace when the content says otherwise (anything else after a
/// dot, as in "2026.11.28 活动", is part of the name and kept).
const FILE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "png", "gif", "webp", "heic", "heif", "bmp", "tif", "tiff", "pdf", "doc", "docx", "xls",
    "xlsx", "wps", "et", "txt", "zip", "rar", "exe",
];

const MAX_NAME_CHARS: usize = 120;

/// The name to show and to offer on download: no folders (old browsers send
/// `C:\…\photo.jpg`), no control characters, not overly long, and ending in an
/// extension that matches the content (a PNG sent as `scan.pdf` is `scan.png`).
pub fn clean_name(raw: &str, kind: Kind) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let base: String = base.chars().filter(|c| !c.is_control()).collect();
    let base = base.trim().trim_start_matches('.');
    let (stem, ext) = match base.rsplit_once('.') {
        Some((stem, ext)) if FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => (stem, Some(ext)),
        _ => (base, None),
    };
    let stem: String = stem.trim().chars().take(MAX_NAME_CHARS).collect();
    let stem = if stem.is_empty() { "file".to_string() } else { stem };
    match ext {
        Some(e) if kind.extensions().contains(&e.to_ascii_lowercase().as_str()) => format!("{stem}.{e}"),
        _ => format!("{stem}.{}", kind.extensions()[0]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn zip_with(name: &str) -> Vec<u8> {
        let mut z = b"PK\x03\x04\x14\0\0\0\x08\0".to_vec();
        z.extend_from_slice(b"[Content_Types].xml....");
        z.extend_from_slice(name.as_bytes());
        z
    }

    #[test]
    fn kinds_come_from_the_content() {
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), Sniffed::Known(Kind::Jpeg));
        assert_eq!(sniff(PNG), Sniffed::Known(Kind::Png));
        assert_eq!(sniff(b"%PDF-1.7\n"), Sniffed::Known(Kind::Pdf));
        assert_eq!(sniff(&zip_with("word/document.xml")), Sniffed::Known(Kind::Docx));
        assert_eq!(sniff(&zip_with("xl/workbook.xml")), Sniffed::Known(Kind::Xlsx));
        assert_eq!(sniff(&zip_with("secret.txt")), Sniffed::Unknown);
        assert_eq!(sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0"), Sniffed::OldOffice);
        assert_eq!(sniff(b"hello, I am text"), Sniffed::Unknown);
        assert_eq!(sniff(b""), Sniffed::Unknown);
    }

    #[test]
    fn only_zips_for_documents_are_read_whole() {
        assert!(needs_whole(&zip_with("x"), Accept::Spreadsheet));
        assert!(needs_whole(&zip_with("x"), Accept::ImagesAndDocuments));
        assert!(!needs_whole(&zip_with("x"), Accept::Images), "refused from the first bytes");
        assert!(!needs_whole(PNG, Accept::ImagesAndDocuments));
    }

    #[test]
    fn accept_decides_what_is_taken() {
        assert_eq!(check(PNG, Accept::Images).ok(), Some(Kind::Png));
        assert_eq!(check(b"%PDF-1.4", Accept::Images).err().map(|e| e.message_key()), Some("file.only_images"));
        assert_eq!(check(b"%PDF-1.4", Accept::ImagesAndDocuments).ok(), Some(Kind::Pdf));
        assert_eq!(check(&zip_with("xl/workbook.xml"), Accept::Spreadsheet).ok(), Some(Kind::Xlsx));
        let docx = zip_with("word/document.xml");
        assert_eq!(check(&docx, Accept::Spreadsheet).err().map(|e| e.message_key()), Some("file.only_xlsx"));
        let ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
        assert_eq!(check(ole, Accept::Spreadsheet).err().map(|e| e.message_key()), Some("file.old_excel"));
        assert_eq!(check(ole, Accept::ImagesAndDocuments).err().map(|e| e.message_key()), Some("file.old_office"));
        assert_eq!(check(ole, Accept::Images).err().map(|e| e.message_key()), Some("file.only_images"));
    }

    #[test]
    fn names_are_cleaned_and_match_the_content() {
        assert_eq!(clean_name("活动照片.JPG", Kind::Jpeg), "活动照片.JPG");
        assert_eq!(clean_name("scan.pdf", Kind::Png), "scan.png");
        assert_eq!(clean_name("C:\\Users\\老王\\桌面\\收据.jpeg", Kind::Jpeg), "收据.jpeg");
        assert_eq!(clean_name("../../etc/passwd", Kind::Pdf), "passwd.pdf");
        assert_eq!(clean_name("2026.11.28 活动", Kind::Jpeg), "2026.11.28 活动.jpg");
        assert_eq!(clean_name("", Kind::Xlsx), "file.xlsx");
        assert_eq!(clean_name(".png", Kind::Png), "png.png");
        assert_eq!(clean_name("a\r\nb.png", Kind::Png), "ab.png");
        let long = "长".repeat(500) + ".pdf";
        assert_eq!(clean_name(&long, Kind::Pdf).chars().count(), MAX_NAME_CHARS + 4);
    }
}
