//! The report as a Word file in the usual 社情民意信息 layout: the red masthead
//! 「社情民意信息」 with the issue (2026年第3期, and 总第N期 where the committee
//! numbers so) and the committee, a red rule, the title (方正小标宋, not
//! bold), 基本情况 / 原因分析 / 意见建议, 反映人 with their status and unit,
//! the date, and the 版记 (报, 送, 抄送, 印发). Page layout, fonts, page
//! numbers and the file's properties follow the official-document
//! conventions of `kernel::docx`.

use chrono::{NaiveDate, NaiveDateTime};
use docx_rs::{
    AlignmentType, BorderType, LineSpacing, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders,
};

use crate::kernel::docx::{self, BODY_FONT, Imprint, Props, RED, TITLE_FONT, chinese_date, run, size};
use crate::kernel::error::AppResult;

/// What the printed report shows.
#[derive(Debug, Clone)]
pub struct Printed {
    pub committee: String,
    /// Its number in the committee's series for the year.
    pub number: i64,
    /// As printed under the masthead: 2026年第3期（总第128期）.
    pub issue: String,
    pub title: String,
    pub situation: String,
    pub analysis: String,
    pub suggestion: String,
    pub reporter: String,
    /// After the name: 委员, the sector, the workplace and post.
    pub reporter_status: Vec<String>,
    pub date: NaiveDate,
    pub imprint: Imprint,
    /// When the file is made (UTC), for its properties.
    pub created: NaiveDateTime,
}

/// 反映人：张三（委员，经济界，湖滨区某公司总经理）
fn reporter_line(p: &Printed) -> String {
    if p.reporter_status.is_empty() {
        format!("反映人：{}", p.reporter)
    } else {
        format!("反映人：{}（{}）", p.reporter, p.reporter_status.join("，"))
    }
}

/// The .docx bytes of a report.
pub fn render(p: &Printed) -> AppResult<Vec<u8>> {
    let date = chinese_date(p.date);
    let masthead =
        Paragraph::new().add_run(run("社情民意信息", TITLE_FONT, size::CHUHAO).color(RED)).align(AlignmentType::Center);
    let number = Paragraph::new().add_run(run(&p.issue, BODY_FONT, size::SANHAO)).align(AlignmentType::Center);
    // Committee on the left, date on the right, over a red rule.
    let mut byline = docx::left_right(&p.committee, &date, size::SANHAO);
    // Only the bottom: docx-rs's default border set draws a box.
    byline.property = byline.property.set_borders(ParagraphBorders::with_empty().set(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom).val(BorderType::Single).size(18).space(1).color(RED),
    ));
    let title = docx::title(&p.title, 240).line_spacing(LineSpacing::new().before(480).after(240));
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
        .add_run(run(&reporter_line(p), BODY_FONT, size::SANHAO))
        .line_spacing(LineSpacing::new().before(480));
    let signed = Paragraph::new().add_run(run(&date, BODY_FONT, size::SANHAO)).align(AlignmentType::Right);
    doc = doc.add_paragraph(reporter).add_paragraph(signed);
    for para in docx::imprint(&p.imprint) {
        doc = doc.add_paragraph(para);
    }
    let props = Props::new(&p.imprint.issuer, &p.title, p.created);
    docx::pack(doc, &props, "report")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Printed {
        Printed {
            committee: "三门峡市湖滨区政协".into(),
            number: 3,
            issue: "2026年第3期（总第130期）".into(),
            title: "关于加强老旧小区路灯维护的建议".into(),
            situation: "金河湾小区3号楼前路灯坏了三个月。\n\n老人晚上出门不便。".into(),
            analysis: "路灯维护责任不清。".into(),
            suggestion: "明确维护单位，建立巡查制度。".into(),
            reporter: "张三".into(),
            reporter_status: vec!["委员".into(), "经济界".into(), "湖滨区某公司总经理".into()],
            date: NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
            imprint: Imprint {
                report_to: "市政协办公室".into(),
                deliver_to: "区委、区政府领导".into(),
                copy_to: "区委办、区政府办".into(),
                issuer: "湖滨区政协办公室".into(),
                date: "2026年11月28日".into(),
            },
            created: NaiveDate::from_ymd_opt(2026, 11, 28).and_then(|d| d.and_hms_opt(2, 0, 0)).expect("time"),
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
        assert!(at("社情民意信息") < at("2026年第3期（总第130期）"));
        assert!(at("三门峡市湖滨区政协") < at("关于加强老旧小区路灯维护的建议"));
        assert!(at("关于加强") < at("基本情况"));
        assert!(at("基本情况") < at("金河湾小区") && at("金河湾小区") < at("老人晚上出门不便"));
        assert!(at("老人晚上") < at("原因分析") && at("原因分析") < at("意见建议"));
        assert!(at("意见建议") < at("反映人：张三（委员，经济界，湖滨区某公司总经理）"));
        assert!(at("反映人") < at("报：市政协办公室") && at("报：市政协") < at("送：区委、区政府领导"));
        assert!(
            at("送：区委") < at("抄送：区委办、区政府办") && at("抄送") < at("湖滨区政协办公室\t2026年11月28日印发")
        );
        assert_eq!(text.iter().filter(|p| p.contains("2026年11月28日")).count(), 3, "byline, end, 印发");
    }

    #[test]
    fn the_title_is_not_bold() {
        let bytes = render(&sample()).expect("render");
        let xml = crate::kernel::docx::test_support::part(&bytes, "word/document.xml");
        let title = xml.find("关于加强老旧小区路灯维护的建议").expect("title");
        let para = &xml[xml[..title].rfind("<w:p ").expect("its paragraph")..title];
        assert!(!para.contains("<w:b />"), "{para}");
        assert!(para.contains("方正小标宋简体"));
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
