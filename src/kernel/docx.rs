//! Word documents in the conventions of official documents (公文, GB/T 9704)
//! that every .docx the app writes shares: A4 with the standard margins,
//! 方正小标宋 titles, 仿宋 text, 黑体 labels and headings, sizes by their
//! Chinese names, dates as 2026年11月28日, and the two-column record table
//! (label | content) of record sheets and reports.
//!
//! Fonts are named with a fallback each in the document's font table
//! (`w:altName`): a machine without 仿宋_GB2312 or 方正小标宋简体 (most
//! computers outside government offices) sets the text in 仿宋 or 宋体,
//! which Windows ships, instead of a Latin default.

use chrono::{Datelike, NaiveDate};
use docx_rs::{
    AlignmentType, Docx, HeightRule, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts, Shading,
    SpecialIndentType, Tab, TabValueType, Table, TableCell, TableRow, VAlignType, WidthType,
};

use crate::kernel::error::{AppError, AppResult};

/// Body text: 仿宋_GB2312.
pub const BODY_FONT: &str = "仿宋_GB2312";
/// Titles: 方正小标宋简体.
pub const TITLE_FONT: &str = "方正小标宋简体";
/// Headings and table labels: 黑体.
pub const HEADING_FONT: &str = "黑体";

/// Each font the documents name, with what Word and LibreOffice use where it
/// is missing, its GB2312 character set ("86") and family.
const FONTS: [(&str, &str, &str); 3] =
    [(BODY_FONT, "仿宋", "modern"), (TITLE_FONT, "宋体", "roman"), (HEADING_FONT, "SimHei", "modern")];

/// Sizes in half-points, by their Chinese names.
pub mod size {
    /// 初号, 42 pt: a masthead.
    pub const CHUHAO: usize = 84;
    /// 二号, 22 pt: titles.
    pub const ERHAO: usize = 44;
    /// 三号, 16 pt: body text.
    pub const SANHAO: usize = 32;
    /// 四号, 14 pt: text in tables.
    pub const SIHAO: usize = 28;
}

/// The red of mastheads and their rule.
pub const RED: &str = "FF0000";
/// Twips: the width of the text on A4 between the standard margins.
pub const TEXT_WIDTH: usize = 8844;
/// Twips: the label column of a record table.
pub const LABEL_WIDTH: usize = 2000;
const LABEL_SHADE: &str = "F2F2F2";
/// Twips: a fixed 28 pt line, as body text in 三号 is set.
const LINE_EXACT: i32 = 560;

/// 2026年11月28日, as dates are written on printed documents.
pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The same font for Chinese and Latin text (the Chinese fonts carry both).
pub fn fonts(name: &str) -> RunFonts {
    RunFonts::new().east_asia(name).ascii(name).hi_ansi(name)
}

pub fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

/// Twips of a first-line indent of two characters at `size` (half-points).
fn two_chars(size: usize) -> i32 {
    (size * 20) as i32
}

/// A4, the GB/T 9704 margins, `size` the default.
pub fn a4(size: usize) -> Docx {
    Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(2098).bottom(1985).left(1588).right(1474))
        .default_fonts(fonts(BODY_FONT))
        .default_size(size)
}

/// A centred title in 二号 方正小标宋, `after` twips of space below.
pub fn title(text: &str, after: u32) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, TITLE_FONT, size::ERHAO))
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().after(after))
}

/// A centred line under the title in 三号 仿宋 (the issuing office).
pub fn subtitle(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_FONT, size::SANHAO))
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().after(240))
}

fn exact_lines() -> LineSpacing {
    LineSpacing::new().line(LINE_EXACT).line_rule(LineSpacingType::Exact)
}

/// A heading in 三号 黑体 (一、基本情况), indented as body text.
pub fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, HEADING_FONT, size::SANHAO))
        .indent(None, Some(SpecialIndentType::FirstLine(two_chars(size::SANHAO))), None, None)
        .line_spacing(exact_lines())
}

/// Body paragraphs in 三号 仿宋: one per line of the text, blank lines dropped.
pub fn body(text: &str) -> Vec<Paragraph> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            Paragraph::new()
                .add_run(run(l, BODY_FONT, size::SANHAO))
                .indent(None, Some(SpecialIndentType::FirstLine(two_chars(size::SANHAO))), None, None)
                .line_spacing(exact_lines())
        })
        .collect()
}

/// A line with `left` at the margin and `right` against the right margin
/// (committee and date on a byline, 填表人 and 填表日期 under a table).
pub fn left_right(left: &str, right: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH))
        .add_run(run(left, BODY_FONT, size))
        .add_run(Run::new().add_tab())
        .add_run(run(right, BODY_FONT, size))
}

/// One row of a record table: a label and its lines of content.
pub struct Row {
    pub label: String,
    pub lines: Vec<String>,
    /// Long text: each line indented as a paragraph.
    pub indent: bool,
    /// Room on the printed sheet even when short (minutes), in twips.
    pub min_height: Option<u32>,
}

impl Row {
    /// A row of short values; an empty content reads 无.
    pub fn new(label: &str, lines: Vec<String>) -> Row {
        Row { label: label.to_string(), lines: or_none(lines), indent: false, min_height: None }
    }

    /// A row of long text, one paragraph per line; empty reads 无.
    pub fn text(label: &str, text: &str) -> Row {
        Row { indent: true, ..Row::new(label, text.lines().map(str::to_string).collect()) }
    }

    pub fn min_height(mut self, twips: u32) -> Row {
        self.min_height = Some(twips);
        self
    }
}

/// Lines trimmed, blank ones dropped; 无 when nothing is left.
pub fn or_none(lines: Vec<String>) -> Vec<String> {
    let lines: Vec<String> = lines.into_iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() { vec!["无".into()] } else { lines }
}

/// The record table: shaded labels in 黑体 on the left, content in 四号 仿宋.
pub fn record_table(rows: Vec<Row>) -> Table {
    let rows: Vec<TableRow> = rows
        .into_iter()
        .map(|r| {
            let label = TableCell::new()
                .add_paragraph(
                    Paragraph::new().add_run(run(&r.label, HEADING_FONT, size::SIHAO)).align(AlignmentType::Center),
                )
                .width(LABEL_WIDTH, WidthType::Dxa)
                .vertical_align(VAlignType::Center)
                .shading(Shading::new().fill(LABEL_SHADE));
            let mut content = TableCell::new().width(TEXT_WIDTH - LABEL_WIDTH, WidthType::Dxa);
            for l in &r.lines {
                let mut p = Paragraph::new().add_run(run(l, BODY_FONT, size::SIHAO));
                if r.indent {
                    p = p.indent(None, Some(SpecialIndentType::FirstLine(two_chars(size::SIHAO))), None, None);
                }
                content = content.add_paragraph(p);
            }
            let row = TableRow::new(vec![label, content]).cant_split();
            match r.min_height {
                Some(h) => row.row_height(h as f32).height_rule(HeightRule::AtLeast),
                None => row,
            }
        })
        .collect();
    Table::new(rows).set_grid(vec![LABEL_WIDTH, TEXT_WIDTH - LABEL_WIDTH]).width(TEXT_WIDTH, WidthType::Dxa)
}

/// The document's bytes, with the font table that names each font's fallback.
/// `what` names the document in an error.
pub fn pack(doc: Docx, what: &str) -> AppResult<Vec<u8>> {
    let mut xml = doc.build();
    xml.font_table = font_table().into_bytes();
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| AppError::Internal(anyhow::anyhow!("writing the {what} docx: {e}")))?;
    Ok(out.into_inner())
}

/// `word/fontTable.xml`: the Latin fonts docx-rs declares, and ours with
/// their fallbacks.
fn font_table() -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
    );
    for (name, charset, family) in
        [("Times New Roman", "00", "roman"), ("Symbol", "02", "roman"), ("Arial", "00", "swiss")]
    {
        x.push_str(&format!(
            r#"<w:font w:name="{name}"><w:charset w:val="{charset}" /><w:family w:val="{family}" /><w:pitch w:val="variable" /></w:font>"#
        ));
    }
    for (name, alt, family) in FONTS {
        x.push_str(&format!(
            r#"<w:font w:name="{name}"><w:altName w:val="{alt}" /><w:charset w:val="86" /><w:family w:val="{family}" /><w:pitch w:val="fixed" /></w:font>"#
        ));
    }
    x.push_str("</w:fonts>");
    x
}

/// A file name from a title: no characters Windows refuses, at most 40 of
/// the title's.
pub fn file_name(prefix: &str, title: &str) -> String {
    let title: String = title.chars().filter(|c| !"/\\:*?\"<>|".contains(*c) && !c.is_control()).take(40).collect();
    format!("{prefix}{title}.docx")
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn printed_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        assert_eq!(chinese_date(d), "2026年11月28日");
        assert_eq!(chinese_date(NaiveDate::from_ymd_opt(2027, 1, 5).expect("date")), "2027年1月5日");
    }

    #[test]
    fn empty_content_reads_none() {
        assert_eq!(or_none(vec![" ".into(), String::new()]), vec!["无".to_string()]);
        assert_eq!(or_none(vec![" 甲 ".into(), String::new(), "乙".into()]), vec!["甲".to_string(), "乙".into()]);
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("协商议事_", "关于/路灯:的\"建议\"?"), "协商议事_关于路灯的建议.docx");
        assert_eq!(file_name("x_", &"长".repeat(50)).chars().count(), 2 + 40 + 5);
    }

    #[test]
    fn every_font_has_its_fallback() {
        let doc =
            a4(size::SANHAO).add_paragraph(title("标题", 0)).add_table(record_table(vec![Row::new("议题", vec![])]));
        let bytes = pack(doc, "test").expect("pack");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut table = String::new();
        zip.by_name("word/fontTable.xml").expect("font table").read_to_string(&mut table).expect("utf-8");
        for (name, alt, _) in FONTS {
            assert!(table.contains(&format!(r#"<w:font w:name="{name}"><w:altName w:val="{alt}" />"#)), "{name}");
        }
        let mut document = String::new();
        zip.by_name("word/document.xml").expect("document").read_to_string(&mut document).expect("utf-8");
        assert!(document.contains("标题") && document.contains("无"));
    }
}
