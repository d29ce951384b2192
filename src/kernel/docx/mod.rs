//! Word documents in the conventions of official documents (公文, GB/T 9704)
//! that every .docx the app writes shares: A4 with the standard margins,
//! page numbers as 「— 1 —」 (page.rs), 方正小标宋 titles that never leave one
//! character alone on their last line (title.rs), 仿宋 text, 黑体 labels and
//! headings, sizes by their Chinese names, dates as 2026年11月28日, the
//! two-column record table (label | content) of record sheets and reports
//! with labels that never wrap (table.rs), the 版记 block of 报/送/抄送 and
//! 印发 (imprint.rs), and the file's author and creation date (pack.rs).
//!
//! Fonts are named with fallbacks in the document's font table (fonts.rs): a
//! machine without 仿宋_GB2312 or 方正小标宋简体 (most computers outside
//! government offices) sets the text in 仿宋 or 华文中宋/宋体 instead of a
//! Latin default.

mod fonts;
mod grid;
mod imprint;
mod pack;
mod page;
mod table;
mod title;

use chrono::{Datelike, NaiveDate};
use docx_rs::{
    Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType, Tab, TabValueType,
};

pub use fonts::{BODY_FONT, HEADING_FONT, NUMBER_FONT, TITLE_FONT};
pub use grid::grid;
pub use imprint::{Imprint, imprint};
pub use pack::{Props, pack};
pub use table::{Row, label_width, or_none, record_table};
pub use title::{title, title_lines};

/// Sizes in half-points, by their Chinese names.
pub mod size {
    /// 初号, 42 pt: a masthead.
    pub const CHUHAO: usize = 84;
    /// 二号, 22 pt: titles.
    pub const ERHAO: usize = 44;
    /// 三号, 16 pt: body text.
    pub const SANHAO: usize = 32;
    /// 四号, 14 pt: text in tables, page numbers, the 版记.
    pub const SIHAO: usize = 28;
}

/// The red of mastheads and their rule.
pub const RED: &str = "FF0000";
/// Twips: the width of the text on A4 between the standard margins.
pub const TEXT_WIDTH: usize = 8844;
/// Twips: a fixed 28 pt line, as body text in 三号 is set.
const LINE_EXACT: i32 = 560;

/// Twips one Chinese character takes at `size` (half-points): a character is
/// as wide as its point size.
pub const fn char_twips(size: usize) -> usize {
    size * 10
}

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
    (char_twips(size) * 2) as i32
}

/// A4, the GB/T 9704 margins, `size` the default, page numbers in the footer.
pub fn a4(size: usize) -> Docx {
    let doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(2098).bottom(1985).left(1588).right(1474).footer(1247))
        .default_fonts(fonts(BODY_FONT))
        .default_size(size);
    page::numbered(doc)
}

/// A centred line under the title in 三号 仿宋 (the issuing office).
pub fn subtitle(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_FONT, size::SANHAO))
        .align(docx_rs::AlignmentType::Center)
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
    spread(left, right, size, 0)
}

/// `left_right` with `right` ending `inset` twips before the right margin.
fn spread(left: &str, right: &str, size: usize, inset: usize) -> Paragraph {
    Paragraph::new()
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH - inset))
        .add_run(run(left, BODY_FONT, size))
        .add_run(Run::new().add_tab())
        .add_run(run(right, BODY_FONT, size))
}

/// A file name from a title: no characters Windows refuses, at most 40 of
/// the title's.
pub fn file_name(prefix: &str, title: &str) -> String {
    let title: String = title.chars().filter(|c| !"/\\:*?\"<>|".contains(*c) && !c.is_control()).take(40).collect();
    format!("{prefix}{title}.docx")
}

/// Width in halves of a Chinese character: 2 for Chinese and full-width
/// characters, 1 for Latin letters, digits and half-width punctuation.
pub(crate) fn half_widths(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width_cjk(s)
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::io::Read;

    /// One part of a generated docx, as text.
    pub fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut s = String::new();
        zip.by_name(name).unwrap_or_else(|_| panic!("{name}")).read_to_string(&mut s).expect("utf-8");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        assert_eq!(chinese_date(d), "2026年11月28日");
        assert_eq!(chinese_date(NaiveDate::from_ymd_opt(2027, 1, 5).expect("date")), "2027年1月5日");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("协商议事_", "关于/路灯:的\"建议\"?"), "协商议事_关于路灯的建议.docx");
        assert_eq!(file_name("x_", &"长".repeat(50)).chars().count(), 2 + 40 + 5);
    }

    #[test]
    fn widths_count_latin_as_half() {
        assert_eq!(half_widths("议题"), 4);
        assert_eq!(half_widths("3号楼"), 5);
        assert_eq!(half_widths("（）"), 4);
    }
}
