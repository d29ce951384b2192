//! The report as a Word file in the usual 社情民意信息 layout: the red masthead
//! 「社情民意信息」 with its number and the committee, a red rule, the title,
//! 基本情况 / 原因分析 / 意见建议, then 反映人 and the date. Page margins and
//! sizes follow the official-document standard (GB/T 9704: A4, 三号 仿宋 body).
//! Fonts are only named: Word falls back where one is missing.

use chrono::NaiveDate;
use docx_rs::{
    AlignmentType, BorderType, LineSpacing, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders,
};

use super::model::issue_label;
use crate::kernel::docx::{self, BODY_FONT, RED, TITLE_FONT, chinese_date, run, size};
use crate::kernel::error::AppResult;

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

/// The .docx bytes of a report.
pub fn render(p: &Printed) -> AppResult<Vec<u8>> {
    let date = chinese_date(p.date);
    let masthead =
        Paragraph::new().add_run(run("社情民意信息", TITLE_FONT, size::CHUHAO).color(RED)).align(AlignmentType::Center);
    let number =
        Paragraph::new().add_run(run(&issue_label(p.number), BODY_FONT, size::SANHAO)).align(AlignmentType::Center);
    // Committee on the left, date on the right, over a red rule.
    let mut byline = docx::left_right(&p.committee, &date, size::SANHAO);
    // Only the bottom: docx-rs's default border set draws a box.
    byline.property = byline.property.set_borders(ParagraphBorders::with_empty().set(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom).val(BorderType::Single).size(18).space(1).color(RED),
    ));
    let title = Paragraph::new()
        .add_run(run(&p.title, TITLE_FONT, size::ERHAO).bold())
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().before(480).after(240));
    let mut doc =
        docx::a4(size::SANHAO).add_paragraph(masthead).add_paragraph(number).add_paragraph(byline).add_paragraph(title);
    for (head, text) in [("一、基本情况", &p.situation), ("二、原因分析", &p.analysis), ("三、意见建议", &p.suggestion)]
    {
        doc = doc.add_paragraph(docx::heading(head));
        for para in docx::body(text) {
            doc = doc.add_paragraph(para);
        }
    }
    let reporter = Paragraph::new()
        .add_run(run(&format!("反映人：{}", p.reporter), BODY_FONT, size::SANHAO))
        .line_spacing(LineSpacing::new().before(480));
    let signed = Paragraph::new().add_run(run(&date, BODY_FONT, size::SANHAO)).align(AlignmentType::Right);
    docx::pack(doc.add_paragraph(reporter).add_paragraph(signed), "report")
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
        for f in [BODY_FONT, TITLE_FONT, docx::HEADING_FONT] {
            assert!(json.contains(f), "{f}");
        }
    }
}
