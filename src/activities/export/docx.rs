//! One activity's record sheet (委员活动记录表) as a Word file in the 公文
//! layout (`kernel::docx`): the title, the office under it, then the record
//! table — what, where, when, who came and who sent apologies, the minutes,
//! outcomes, findings, speakers' points, opinions heard and photos — and
//! 填表人 / 填表日期 under the table.

use super::{RecordSheet, zh};
use crate::kernel::docx::{self, Row, chinese_date, size};
use crate::kernel::error::AppResult;

/// The minutes get room on the printed sheet even when short (twips).
const MINUTES_MIN_HEIGHT: u32 = 3600;

/// A short value on one line (无 when empty, by `Row::new`).
fn value(text: &str) -> Vec<String> {
    vec![text.to_string()]
}

/// Names joined with 、 and counted: `张丽华、李明（2人）`.
fn names(list: &[String]) -> Vec<String> {
    if list.is_empty() {
        return vec![];
    }
    vec![format!("{}（{}）", list.join(zh::SEP), zh::people(list.len()))]
}

/// The .docx bytes of a record sheet.
pub fn render(r: &RecordSheet) -> AppResult<Vec<u8>> {
    let apologies: Vec<String> =
        r.apologies.iter().map(|(n, why)| if why.is_empty() { n.clone() } else { format!("{n}（{why}）") }).collect();
    let heard = if r.heard.is_empty() { vec![] } else { vec![zh::heard(r.heard.len(), &r.heard.join(zh::SEP))] };
    let mut rows = vec![
        Row::new(zh::L_TITLE, value(&r.title)),
        Row::new(zh::L_KIND, value(&r.kind)),
        Row::new(zh::L_OFFICE, value(&r.office)),
        Row::new(zh::L_PLACE, value(&r.place)),
        Row::new(zh::L_TIME, value(&r.time)),
        Row::new(zh::L_TOPIC, value(&r.topic)),
        Row::new(zh::L_INVITED, names(&r.invited)),
        Row::new(zh::L_PRESENT, names(&r.present)),
        Row::new(zh::L_APOLOGIES, if apologies.is_empty() { vec![] } else { vec![apologies.join(zh::SEP)] }),
        Row::new(zh::L_OTHERS, value(&r.others)),
        Row::new(zh::L_RESIDENTS, vec![zh::people(usize::try_from(r.residents).unwrap_or(0))]),
        Row::text(zh::L_MINUTES, &r.minutes).min_height(MINUTES_MIN_HEIGHT),
        Row::text(zh::L_OUTCOMES, &r.outcomes),
    ];
    if let Some(f) = &r.findings {
        rows.push(Row::text(zh::L_FINDINGS, f));
    }
    if !r.speakers.is_empty() {
        rows.push(Row::new(zh::L_SPEAKERS, r.speakers.clone()));
    }
    rows.push(Row::new(zh::L_HEARD, heard));
    rows.push(Row::new(zh::L_PHOTOS, vec![zh::files(r.photos, r.other_files)]));
    // 填表人 on the left (signed by hand), 填表日期 on the right.
    let signed =
        docx::left_right(zh::FILLED_BY, &format!("{}{}", zh::PRINTED_ON, chinese_date(r.printed)), size::SIHAO)
            .line_spacing(docx_rs::LineSpacing::new().before(240));
    let doc = docx::a4(size::SIHAO)
        .add_paragraph(docx::title(zh::RECORD_TITLE, 120))
        .add_paragraph(docx::subtitle(&format!("{}{}", r.office, zh::OFFICE_SUFFIX)))
        .add_table(docx::record_table(rows))
        .add_paragraph(signed);
    docx::pack(doc, "record")
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
            speakers: vec!["村民代表：希望修好村道。".into()],
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
        assert!(at(zh::L_SPEAKERS) < at("村民代表：希望修好村道。") && at("希望修好村道") < at(zh::L_HEARD));
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
