//! The record table of record sheets and reports: shaded labels in 黑体 on
//! the left, content in 四号 仿宋 on the right. The label column is as wide
//! as the longest label, so no label wraps a character onto a line of its
//! own; rows never split across pages, and the last two rows stay together
//! with the line under the table, so no row is left alone on a last page.

use docx_rs::{
    AlignmentType, HeightRule, Paragraph, Shading, SpecialIndentType, Table, TableCell, TableCellMargins, TableRow,
    VAlignType, WidthType,
};

use super::{BODY_FONT, HEADING_FONT, TEXT_WIDTH, char_twips, half_widths, run, size, two_chars};

const LABEL_SHADE: &str = "F2F2F2";
/// Twips of a cell's left and right margins (Word's default).
const CELL_MARGIN: usize = 108;
/// Twips to spare in a label cell: borders and the fonts' rounding.
const LABEL_SLACK: usize = 72;
/// The label column is never narrower than four characters' worth…
const LABEL_MIN_CHARS: usize = 4;
/// …nor wider than this share of the text width (a longer label wraps).
const LABEL_MAX: usize = TEXT_WIDTH * 2 / 5;
/// Rows at the end of the table kept on one page.
const KEEP_LAST_ROWS: usize = 2;

/// One row of a record table: a label and its lines of content.
pub struct Row {
    pub label: String,
    pub lines: Vec<String>,
    /// Long text: each line indented as a paragraph.
    pub indent: bool,
    /// Room on the printed sheet even when short (minutes), in twips.
    pub min_height: Option<u32>,
    /// Long content may run on to the next page; short rows stay whole.
    pub split: bool,
}

impl Row {
    /// A row of short values; an empty content reads 无.
    pub fn new(label: &str, lines: Vec<String>) -> Row {
        Row { label: label.to_string(), lines: or_none(lines), indent: false, min_height: None, split: false }
    }

    /// A row of long text, one indented paragraph per line; empty reads 无.
    pub fn text(label: &str, text: &str) -> Row {
        Row { indent: true, split: true, ..Row::new(label, text.lines().map(str::to_string).collect()) }
    }

    /// A row of possibly many lines (speakers' points, agreed items) that
    /// may run on to the next page; empty reads 无.
    pub fn list(label: &str, lines: Vec<String>) -> Row {
        Row { split: true, ..Row::new(label, lines) }
    }

    /// An empty row `twips` high, to be filled in by hand.
    pub fn blank(label: &str, twips: u32) -> Row {
        Row { label: label.to_string(), lines: vec![], indent: false, min_height: Some(twips), split: false }
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

/// Twips of a label column that holds the longest of `labels` in 四号 on one
/// line, with the cell's margins.
pub fn label_width<'a>(labels: impl IntoIterator<Item = &'a str>) -> usize {
    let chars = labels.into_iter().map(|l| half_widths(l).div_ceil(2)).max().unwrap_or(0).max(LABEL_MIN_CHARS);
    (chars * char_twips(size::SIHAO) + 2 * CELL_MARGIN + LABEL_SLACK).min(LABEL_MAX)
}

/// The record table.
pub fn record_table(rows: Vec<Row>) -> Table {
    let label_w = label_width(rows.iter().map(|r| r.label.as_str()));
    let content_w = TEXT_WIDTH - label_w;
    let keep_from = rows.len().saturating_sub(KEEP_LAST_ROWS);
    let rows: Vec<TableRow> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            // Keep-with-next on every paragraph of the last rows: they move
            // to the next page together, and with the line under the table.
            let keep = i >= keep_from;
            let label = TableCell::new()
                .add_paragraph(
                    Paragraph::new()
                        .add_run(run(&r.label, HEADING_FONT, size::SIHAO))
                        .align(AlignmentType::Center)
                        .keep_next(keep),
                )
                .width(label_w, WidthType::Dxa)
                .vertical_align(VAlignType::Center)
                .shading(Shading::new().fill(LABEL_SHADE));
            let mut content = TableCell::new().width(content_w, WidthType::Dxa);
            for l in &r.lines {
                let mut p = Paragraph::new().add_run(run(l, BODY_FONT, size::SIHAO)).keep_next(keep);
                if r.indent {
                    p = p.indent(None, Some(SpecialIndentType::FirstLine(two_chars(size::SIHAO))), None, None);
                }
                content = content.add_paragraph(p);
            }
            if r.lines.is_empty() {
                content = content.add_paragraph(Paragraph::new().keep_next(keep));
            }
            let row = TableRow::new(vec![label, content]);
            let row = if r.split { row } else { row.cant_split() };
            match r.min_height {
                Some(h) => row.row_height(h as f32).height_rule(HeightRule::AtLeast),
                None => row,
            }
        })
        .collect();
    Table::new(rows).set_grid(vec![label_w, content_w]).width(TEXT_WIDTH, WidthType::Dxa).margins(
        TableCellMargins::new().margin_left(CELL_MARGIN, WidthType::Dxa).margin_right(CELL_MARGIN, WidthType::Dxa),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_content_reads_none() {
        assert_eq!(or_none(vec![" ".into(), String::new()]), vec!["无".to_string()]);
        assert_eq!(or_none(vec![" 甲 ".into(), String::new(), "乙".into()]), vec!["甲".to_string(), "乙".into()]);
    }

    #[test]
    fn labels_fit_on_one_line() {
        // 请假委员及事由: 7 characters of 280 twips, and the margins.
        let w = label_width(["议题", "请假委员及事由", "时间"]);
        assert!(w >= 7 * 280 + 2 * CELL_MARGIN, "{w}");
        assert!(w < 8 * 280 + 2 * CELL_MARGIN, "not much wider: {w}");
        // Short labels get a sensible minimum; Latin counts half.
        assert_eq!(label_width(["议题"]), label_width(["四个字符"]));
        assert_eq!(label_width(["ABCD议题议题"]), label_width(["六个字的标签"]));
        assert!(label_width([&*"很长的标签".repeat(10)]) <= LABEL_MAX);
    }

    #[test]
    fn blank_rows_have_room_and_no_none() {
        let r = Row::blank("出席委员", 1200);
        assert!(r.lines.is_empty() && r.min_height == Some(1200));
        let xml = String::from_utf8(docx_rs::BuildXML::build(&record_table(vec![r]))).expect("utf-8");
        assert!(!xml.contains('无') && xml.contains("<w:p"), "an empty paragraph to write in: {xml}");
    }

    #[test]
    fn the_last_rows_keep_together() {
        let rows = (1..=4).map(|i| Row::new(&format!("第{i}行"), vec!["内容".into()])).collect();
        let xml = String::from_utf8(docx_rs::BuildXML::build(&record_table(rows))).expect("utf-8");
        let rows: Vec<&str> = xml.split("<w:tr>").skip(1).collect();
        assert_eq!(rows.len(), 4);
        assert!(rows[..2].iter().all(|r| !r.contains("<w:keepNext />")), "{xml}");
        assert!(rows[2..].iter().all(|r| r.contains("<w:keepNext />")), "{xml}");
        assert_eq!(xml.matches("<w:cantSplit />").count(), 4);
        let xml =
            String::from_utf8(docx_rs::BuildXML::build(&record_table(vec![Row::text("纪要", "很长")]))).expect("utf-8");
        assert!(!xml.contains("<w:cantSplit />"), "long text may run on");
    }
}
