//! The document's bytes: docx-rs's parts with our font table (the fonts'
//! fallbacks) and our core properties (`docProps/core.xml`: the author — the
//! committee or office — the title, and when it was made), which docx-rs
//! leaves as "unknown" and 1970.

use chrono::NaiveDateTime;
use docx_rs::Docx;

use super::fonts::font_table;
use crate::kernel::error::{AppError, AppResult};

/// The file's properties, as Word's 属性 shows them.
#[derive(Debug, Clone)]
pub struct Props {
    /// The committee or office the document is from.
    pub author: String,
    pub title: String,
    /// When it was made, UTC.
    pub created: NaiveDateTime,
}

impl Props {
    pub fn new(author: &str, title: &str, created: NaiveDateTime) -> Props {
        Props { author: author.to_string(), title: title.to_string(), created }
    }
}

/// The document's bytes. `what` names the document in an error.
pub fn pack(doc: Docx, props: &Props, what: &str) -> AppResult<Vec<u8>> {
    let mut xml = doc.build();
    xml.font_table = font_table().into_bytes();
    xml.doc_props.core = core_xml(props).into_bytes();
    // Typed text reaches these parts as it was stored.
    for part in [&mut xml.document, &mut xml.doc_props.core, &mut xml.footnotes, &mut xml.comments]
        .into_iter()
        .chain(xml.headers.iter_mut())
        .chain(xml.footers.iter_mut())
    {
        strip_controls(part);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| AppError::Internal(anyhow::anyhow!("writing the {what} docx: {e}")))?;
    Ok(out.into_inner())
}

/// Drops the control characters XML 1.0 cannot hold (all below U+0020 but
/// tab, newline and return), which Word refuses to open a file over: a
/// vertical tab pasted from another program, a bell typed by accident. They
/// are single bytes that never occur inside a multi-byte UTF-8 character.
fn strip_controls(xml: &mut Vec<u8>) {
    xml.retain(|b| *b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r'));
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `docProps/core.xml`.
fn core_xml(p: &Props) -> String {
    let (author, title) = (escape(&p.author), escape(&p.title));
    let at = p.created.format("%Y-%m-%dT%H:%M:%SZ");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy><cp:revision>1</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">{at}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{at}</dcterms:modified></cp:coreProperties>"#
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::test_support::part;
    use super::super::{Row, a4, record_table, size, title};
    use super::*;

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 3).and_then(|d| d.and_hms_opt(5, 30, 0)).expect("time")
    }

    #[test]
    fn author_title_and_date_in_the_core_properties() {
        let doc = a4(size::SANHAO)
            .add_paragraph(title("标题\u{0b}\u{07}", 0))
            .add_table(record_table(vec![Row::new("议题", vec![])]));
        let bytes = pack(doc, &Props::new("湖滨区政协<办公室>", "标题\u{0b}", at()), "test").expect("pack");
        let core = part(&bytes, "docProps/core.xml");
        assert!(core.contains("<dc:creator>湖滨区政协&lt;办公室&gt;</dc:creator>"), "{core}");
        assert!(core.contains("<dc:title>标题</dc:title>"));
        assert!(core.contains(r#"<dcterms:created xsi:type="dcterms:W3CDTF">2026-12-03T05:30:00Z</dcterms:created>"#));
        let fonts = part(&bytes, "word/fontTable.xml");
        assert!(fonts.contains(r#"<w:altName w:val="仿宋,FangSong" />"#), "{fonts}");
        let document = part(&bytes, "word/document.xml");
        assert!(document.contains("标题") && document.contains("无"));
        assert!(document.contains("<w:footerReference"), "page numbers in the footer");
        let footer = part(&bytes, "word/footer1.xml");
        assert!(!document.bytes().any(|b| b < 0x20 && !b"\t\n\r".contains(&b)));
        assert!(footer.contains("<w:instrText>PAGE</w:instrText>"), "{footer}");
    }
}
