//! Generated documents read back as an office would: converted to PDF by
//! LibreOffice (headless) and counted by pdfinfo. Needs Debian's
//! libreoffice-writer, libreoffice-calc and poppler-utils (.ci/run installs
//! them); XIESHANG_SKIP_OFFICE=1 skips these checks on a machine without them.

use std::path::Path;
use std::process::Command;

/// The number of pages LibreOffice prints `bytes` (a file ending in `ext`,
/// "docx" or "xlsx") on, or `None` when skipped. Panics when the conversion
/// fails: a file an office cannot print is a failed test.
pub fn pdf_pages(bytes: &[u8], ext: &str) -> Option<u32> {
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
