//! One activity's record sheet (委员活动记录表) as a Word file, in the page
//! layout of the 社情民意信息 report (`opinions::reports::docx`: A4 with the
//! GB/T 9704 margins, 方正小标宋 title, 仿宋 text): the title, the office under
//! it, then a two-column table of label and content — what, where, when, who
//! came and who sent apologies, the minutes, outcomes, findings, opinions
//! heard and photos — and 填表人 / 填表日期 under the table. Fonts are only
//! named: Word falls back where one is missing.

use docx_rs::{
    AlignmentType, Docx, HeightRule, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Shading, SpecialIndentType,
    Tab, TabValueType, Table, TableCell, TableRow, VAlignType, WidthType,
};

use super::{RecordSheet, zh};
use crate::kernel::error::{AppError, AppResult};
use crate::opinions::reports::model::chinese_date;

const BODY_FONT: &str = "仿宋_GB2312";
const TITLE_FONT: &str = "方正小标宋简体";
const LABEL_FONT: &str = "黑体";
/// Sizes in half-points: 二号 22 pt for the title, 三号 16 pt under it, 四号
/// 14 pt in the table.
const TITLE_SIZE: usize = 44;
const SUBTITLE_SIZE: usize = 32;
const CELL_SIZE: usize = 28;
/// Twips: A4 less the margins; the label column; two characters of 四号.
const TEXT_WIDTH: usize = 8844;
const LABEL_WIDTH: usize = 2000;
const INDENT_TWO_CHARS: i32 = 560;
/// The minutes get room on the printed sheet even when short.
const MINUTES_MIN_HEIGHT: u32 = 3600;
const LABEL_SHADE: &str = "F2F2F2";

fn fonts(name: &str) -> RunFonts {
    RunFonts::new().east_asia(name).ascii(name).hi_ansi(name)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

/// A short value on one line, or 无.
fn value(text: &str) -> Vec<String> {
    let t = text.trim();
    vec![if t.is_empty() { zh::NONE.to_string() } else { t.to_string() }]
}

/// A long text: one paragraph per line, blank lines dropped; or 无.
fn long(text: &str) -> Vec<String> {
    let lines: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    if lines.is_empty() { value("") } else { lines }
}

/// Names joined with 、 and counted: `张丽华、李明（2人）`.
fn names(list: &[String]) -> Vec<String> {
    if list.is_empty() {
        return value("");
    }
    vec![format!("{}（{}）", list.join(zh::SEP), zh::people(list.len()))]
}

fn row(label: &str, lines: Vec<String>, indent: bool) -> TableRow {
    let label_cell = TableCell::new()
        .add_paragraph(Paragraph::new().add_run(run(label, LABEL_FONT, CELL_SIZE)).align(AlignmentType::Center))
        .width(LABEL_WIDTH, WidthType::Dxa)
        .vertical_align(VAlignType::Center)
        .shading(Shading::new().fill(LABEL_SHADE));
    let mut content = TableCell::new().width(TEXT_WIDTH - LABEL_WIDTH, WidthType::Dxa);
    for l in lines {
        let mut p = Paragraph::new().add_run(run(&l, BODY_FONT, CELL_SIZE));
        if indent {
            p = p.indent(None, Some(SpecialIndentType::FirstLine(INDENT_TWO_CHARS)), None, None);
        }
        content = content.add_paragraph(p);
    }
    TableRow::new(vec![label_cell, content]).cant_split()
}

/// The .docx bytes of a record sheet.
pub fn render(r: &RecordSheet) -> AppResult<Vec<u8>> {
    let title = Paragraph::new()
        .add_run(run(zh::RECORD_TITLE, TITLE_FONT, TITLE_SIZE))
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().after(120));
    let office = Paragraph::new()
        .add_run(run(&format!("{}{}", r.office, zh::OFFICE_SUFFIX), BODY_FONT, SUBTITLE_SIZE))
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().after(240));
    let apologies: Vec<String> =
        r.apologies.iter().map(|(n, why)| if why.is_empty() { n.clone() } else { format!("{n}（{why}）") }).collect();
    let heard = if r.heard.is_empty() { value("") } else { vec![zh::heard(r.heard.len(), &r.heard.join(zh::SEP))] };
    let mut rows = vec![
        row(zh::L_TITLE, value(&r.title), false),
        row(zh::L_KIND, value(&r.kind), false),
        row(zh::L_OFFICE, value(&r.office), false),
        row(zh::L_PLACE, value(&r.place), false),
        row(zh::L_TIME, value(&r.time), false),
        row(zh::L_TOPIC, value(&r.topic), false),
        row(zh::L_INVITED, names(&r.invited), false),
        row(zh::L_PRESENT, names(&r.present), false),
        row(zh::L_APOLOGIES, if apologies.is_empty() { value("") } else { vec![apologies.join(zh::SEP)] }, false),
        row(zh::L_OTHERS, value(&r.others), false),
        row(zh::L_RESIDENTS, vec![zh::people(usize::try_from(r.residents).unwrap_or(0))], false),
        row(zh::L_MINUTES, long(&r.minutes), true)
            .row_height(MINUTES_MIN_HEIGHT as f32)
            .height_rule(HeightRule::AtLeast),
        row(zh::L_OUTCOMES, long(&r.outcomes), true),
    ];
    if let Some(f) = &r.findings {
        rows.push(row(zh::L_FINDINGS, long(f), true));
    }
    rows.push(row(zh::L_HEARD, heard, false));
    rows.push(row(zh::L_PHOTOS, vec![zh::files(r.photos, r.other_files)], false));
    let table =
        Table::new(rows).set_grid(vec![LABEL_WIDTH, TEXT_WIDTH - LABEL_WIDTH]).width(TEXT_WIDTH, WidthType::Dxa);
    // 填表人 on the left (signed by hand), 填表日期 on the right.
    let signed = Paragraph::new()
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH))
        .add_run(run(zh::FILLED_BY, BODY_FONT, CELL_SIZE))
        .add_run(Run::new().add_tab())
        .add_run(run(&format!("{}{}", zh::PRINTED_ON, chinese_date(r.printed)), BODY_FONT, CELL_SIZE))
        .line_spacing(LineSpacing::new().before(240));
    let doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(2098).bottom(1985).left(1588).right(1474))
        .default_fonts(fonts(BODY_FONT))
        .default_size(CELL_SIZE)
        .add_paragraph(title)
        .add_paragraph(office)
        .add_table(table)
        .add_paragraph(signed);
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| AppError::Internal(anyhow::anyhow!("writing the record docx: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn sample() -> RecordSheet {
        let day = NaiveDate::from_ymd_opt(2026, 11, 21).expect("day");
        RecordSheet {
            office: "高庙乡".into(),
            title: "五原路社区听民声".into(),
            kind: "联系活动".into(),
            place: "五原路社区".into(),
            time: "2026年11月21日 09:00".into(),
            topic: String::new(),
            invited: vec!["张丽华".into(), "李明".into(), "王芳".into()],
            present: vec!["张丽华".into(), "李明".into()],
            apologies: vec![("王芳".into(), "出差".into())],
            others: "社区干部2人".into(),
            residents: 25,
            minutes: "居民反映路灯坏了。\n\n委员现场查看。".into(),
            outcomes: "已报修。".into(),
            findings: None,
            heard: vec!["AB12CD34".into()],
            photos: 3,
            other_files: 1,
            printed: NaiveDate::from_ymd_opt(2026, 11, 28).expect("day"),
            date: day,
        }
    }

    /// Every text of the body, tables included, read back with docx-rs.
    fn text(bytes: &[u8]) -> String {
        let doc = docx_rs::read_docx(bytes).expect("a docx docx-rs reads");
        doc.json()
    }

    #[test]
    fn the_sheet_in_order() {
        let bytes = render(&sample()).expect("render");
        assert!(bytes.starts_with(b"PK"), "a zip");
        let t = text(&bytes);
        let at = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} in the sheet"));
        assert!(at(zh::RECORD_TITLE) < at("高庙乡政协工作办公室"));
        assert!(at(zh::L_TITLE) < at("五原路社区听民声"));
        assert!(at(zh::L_PRESENT) < at("张丽华、李明（2人）"));
        assert!(at(zh::L_APOLOGIES) < at("王芳（出差）"));
        assert!(at(zh::L_MINUTES) < at("居民反映路灯坏了。") && at("居民反映路灯坏了。") < at("委员现场查看。"));
        assert!(at("委员现场查看。") < at(zh::L_OUTCOMES));
        assert!(at("25人") > at(zh::L_RESIDENTS));
        assert!(at("AB12CD34") > at(zh::L_HEARD));
        assert!(t.contains("照片3张"));
        assert!(t.contains("2026年11月28日"));
        assert!(!t.contains(zh::L_FINDINGS), "no findings row for a visit");
        assert!(t.contains(zh::L_TOPIC) && t.contains(zh::NONE), "an empty topic reads 无");
    }

    #[test]
    fn research_has_its_findings() {
        let mut r = sample();
        r.findings = Some("村里缺少养老服务。".into());
        let t = text(&render(&r).expect("render"));
        let at = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} in the sheet"));
        assert!(at(zh::L_FINDINGS) < at("村里缺少养老服务。"));
    }
}
