//! Generated documents read back as an office would: converted to PDF by
//! LibreOffice (headless) and counted by pdfinfo, their text per page read by
//! pdftotext. Needs Debian's libreoffice-writer, libreoffice-calc and
//! poppler-utils (.ci/run installs them); XIESHANG_SKIP_OFFICE=1 skips these
//! checks on a machine without them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `bytes` (a file ending in `ext`, "docx" or "xlsx") converted to PDF in a
/// temporary folder, or `None` when skipped. Panics when the conversion
/// fails: a file an office cannot print is a failed test.
fn to_pdf(bytes: &[u8], ext: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if !Path::new("/usr/bin/soffice").exists() {
        if std::env::var("XIESHANG_SKIP_OFFICE").as_deref() == Ok("1") {
            eprintln!("skipped: LibreOffice not installed and XIESHANG_SKIP_OFFICE=1");
            return None;
        }
        panic!(
            "LibreOffice is not installed (apt-get install libreoffice-writer libreoffice-calc poppler-utils), \
             or set XIESHANG_SKIP_OFFICE=1 to skip the print checks on this machine."
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join(format!("doc.{ext}"));
    std::fs::write(&input, bytes).expect("write the document");
    // A profile per conversion: tests run in parallel, and two LibreOffice
    // processes on one profile wait for each other's lock.
    let profile = format!("-env:UserInstallation=file://{}", dir.path().join("profile").display());
    let out = Command::new("/usr/bin/soffice")
        .args([profile.as_str(), "--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&input)
        .output()
        .expect("run soffice");
    let pdf = dir.path().join("doc.pdf");
    assert!(
        out.status.success() && pdf.exists(),
        "LibreOffice could not convert the {ext}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((dir, pdf))
}

/// The number of pages LibreOffice prints `bytes` on, or `None` when skipped.
pub fn pdf_pages(bytes: &[u8], ext: &str) -> Option<u32> {
    let (_dir, pdf) = to_pdf(bytes, ext)?;
    let info = Command::new("pdfinfo").arg(&pdf).output().expect("run pdfinfo");
    assert!(info.status.success(), "pdfinfo: {}", String::from_utf8_lossy(&info.stderr));
    let text = String::from_utf8_lossy(&info.stdout);
    let pages = text
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo's answer: {text}"));
    Some(pages)
}

/// The text of each page LibreOffice prints `bytes` on, without spaces
/// (pdftotext spaces digits off from Chinese), or `None` when skipped.
pub fn pdf_page_texts(bytes: &[u8], ext: &str) -> Option<Vec<String>> {
    let (_dir, pdf) = to_pdf(bytes, ext)?;
    let out = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("run pdftotext");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    // Pages end with a form feed.
    let text = String::from_utf8_lossy(&out.stdout);
    let mut pages: Vec<String> = text.split('\u{c}').map(|p| p.split_whitespace().collect()).collect();
    if pages.last().is_some_and(String::is_empty) {
        pages.pop();
    }
    Some(pages)
}

/// One part of a docx or xlsx (`word/document.xml`, `docProps/core.xml`, …) as text.
pub fn part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut s = String::new();
    zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the file")).read_to_string(&mut s).expect("utf-8");
    s
}
