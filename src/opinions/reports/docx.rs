//! The report as a Word file in the usual 社情民意信息 layout: the red masthead
//! 「社情民意信息」 with its number and the committee, a red rule, the title,
//! 基本情况 / 原因分析 / 意见建议, then 反映人 and the date. Page margins and
//! sizes follow the official-document standard (GB/T 9704: A4, 三号 仿宋 body).
//! Fonts are only named: Word falls back where one is missing.

use chrono::NaiveDate;
use docx_rs::{
    AlignmentType, BorderType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, ParagraphBorder,
    ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, SpecialIndentType, Tab, TabValueType,
};

use super::model::{chinese_date, issue_label};
use crate::kernel::error::{AppError, AppResult};

/// What the printed report shows.
#[derive(Debug, Clone)]
pub struct Printed {
    pub committee: String,
    /// Its number in the committee's series for the year.
    pub number: i64,
    pub title: String,
    pub situation: String,
    pub analysis: String,
    pub suggestion: String,
    pub reporter: String,
    pub date: NaiveDate,
}

const BODY_FONT: &str = "仿宋_GB2312";
const TITLE_FONT: &str = "方正小标宋简体";
const HEADING_FONT: &str = "黑体";
const RED: &str = "FF0000";
/// Sizes in half-points: 初号 42 pt, 二号 22 pt, 三号 16 pt.
const MASTHEAD_SIZE: usize = 84;
const TITLE_SIZE: usize = 44;
const BODY_SIZE: usize = 32;
/// Twips: two characters of 三号 for the first-line indent; a fixed 28 pt line.
const INDENT_TWO_CHARS: i32 = 640;
const LINE_EXACT: i32 = 560;
/// A4 less the margins below: where the right-aligned date sits on its line.
const TEXT_WIDTH: usize = 8844;

fn fonts(name: &str) -> RunFonts {
    RunFonts::new().east_asia(name).ascii(name).hi_ansi(name)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

fn exact_lines() -> LineSpacing {
    LineSpacing::new().line(LINE_EXACT).line_rule(LineSpacingType::Exact)
}

/// Body paragraphs: one per line of the text, blank lines dropped.
fn body(text: &str) -> Vec<Paragraph> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            Paragraph::new()
                .add_run(run(l, BODY_FONT, BODY_SIZE))
                .indent(None, Some(SpecialIndentType::FirstLine(INDENT_TWO_CHARS)), None, None)
                .line_spacing(exact_lines())
        })
        .collect()
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, HEADING_FONT, BODY_SIZE))
        .indent(None, Some(SpecialIndentType::FirstLine(INDENT_TWO_CHARS)), None, None)
        .line_spacing(exact_lines())
}

/// The .docx bytes of a report.
pub fn render(p: &Printed) -> AppResult<Vec<u8>> {
    let date = chinese_date(p.date);
    let masthead = Paragraph::new()
        .add_run(run("社情民意信息", TITLE_FONT, MASTHEAD_SIZE).color(RED))
        .align(AlignmentType::Center);
    let number =
        Paragraph::new().add_run(run(&issue_label(p.number), BODY_FONT, BODY_SIZE)).align(AlignmentType::Center);
    // Committee on the left, date on the right, over a red rule.
    let mut byline = Paragraph::new()
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH))
        .add_run(run(&p.committee, BODY_FONT, BODY_SIZE))
        .add_run(Run::new().add_tab())
        .add_run(run(&date, BODY_FONT, BODY_SIZE));
    // Only the bottom: docx-rs's default border set draws a box.
    byline.property = byline.property.set_borders(ParagraphBorders::with_empty().set(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom).val(BorderType::Single).size(18).space(1).color(RED),
    ));
    let title = Paragraph::new()
        .add_run(run(&p.title, TITLE_FONT, TITLE_SIZE).bold())
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().before(480).after(240));
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(2098).bottom(1985).left(1588).right(1474))
        .default_fonts(fonts(BODY_FONT))
        .default_size(BODY_SIZE)
        .add_paragraph(masthead)
        .add_paragraph(number)
        .add_paragraph(byline)
        .add_paragraph(title);
    for (head, text) in [("一、基本情况", &p.situation), ("二、原因分析", &p.analysis), ("三、意见建议", &p.suggestion)]
    {
        doc = doc.add_paragraph(heading(head));
        for para in body(text) {
            doc = doc.add_paragraph(para);
        }
    }
    let reporter = Paragraph::new()
        .add_run(run(&format!("反映人：{}", p.reporter), BODY_FONT, BODY_SIZE))
        .line_spacing(LineSpacing::new().before(480));
    let signed = Paragraph::new().add_run(run(&date, BODY_FONT, BODY_SIZE)).align(AlignmentType::Right);
    let doc = doc.add_paragraph(reporter).add_paragraph(signed);
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| AppError::Internal(anyhow::anyhow!("writing the report docx: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Printed {
        Printed {
            committee: "三门峡市湖滨区政协".into(),
            number: 3,
            title: "关于加强老旧小区路灯维护的建议".into(),
            situation: "金河湾小区3号楼前路灯坏了三个月。\n\n老人晚上出门不便。".into(),
            analysis: "路灯维护责任不清。".into(),
            suggestion: "明确维护单位，建立巡查制度。".into(),
            reporter: "张三".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
        }
    }

    /// The text of every paragraph, read back with docx-rs's own reader.
    fn paragraphs(bytes: &[u8]) -> Vec<String> {
        let doc = docx_rs::read_docx(bytes).expect("a docx docx-rs reads");
        doc.document
            .children
            .iter()
            .filter_map(|c| match c {
                docx_rs::DocumentChild::Paragraph(p) => Some(p.raw_text()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_usual_layout_in_order() {
        let bytes = render(&sample()).expect("render");
        assert!(bytes.starts_with(b"PK"), "a zip");
        let text = paragraphs(&bytes);
        let at = |s: &str| text.iter().position(|p| p.contains(s)).unwrap_or_else(|| panic!("{s} in {text:?}"));
        assert!(at("社情民意信息") < at("第3期"));
        assert!(at("三门峡市湖滨区政协") < at("关于加强老旧小区路灯维护的建议"));
        assert!(at("关于加强") < at("基本情况"));
        assert!(at("基本情况") < at("金河湾小区") && at("金河湾小区") < at("老人晚上出门不便"));
        assert!(at("老人晚上") < at("原因分析") && at("原因分析") < at("意见建议"));
        assert!(at("意见建议") < at("反映人：张三"));
        assert_eq!(text.iter().filter(|p| p.contains("2026年11月28日")).count(), 2, "on the byline and at the end");
    }

    #[test]
    fn fonts_are_named() {
        let bytes = render(&sample()).expect("render");
        let doc = docx_rs::read_docx(&bytes).expect("read");
        let json = doc.json();
        for f in [BODY_FONT, TITLE_FONT, HEADING_FONT] {
            assert!(json.contains(f), "{f}");
        }
    }
}
