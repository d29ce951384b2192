//! One activity's record sheet (委员活动记录表) as a Word file in the 公文
//! layout (`kernel::docx`): the title, the office under it, then the record
//! table — what, where, when, who came and who sent apologies, the minutes,
//! outcomes, findings, speakers' points, opinions heard and photos — and
//! 填表人 / 填表日期 under the table. A planned activity's sheet is the same
//! form with room to write by hand on the day.

use super::{RecordSheet, zh};
use crate::kernel::docx::{self, Props, Row, chinese_date, size};
use crate::kernel::error::AppResult;

/// The minutes get room on the printed sheet even when short (twips).
const MINUTES_MIN_HEIGHT: u32 = 3600;
/// Room to write by hand on a planned activity's blank sheet (twips; a line
/// of handwriting takes about 400), all of it on one page.
const BLANK_NAMES: u32 = 900;
const BLANK_SHORT: u32 = 560;
const BLANK_MINUTES: u32 = 2800;
const BLANK_TEXT: u32 = 1400;

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

fn apologies(r: &RecordSheet) -> Vec<String> {
    let list: Vec<String> =
        r.apologies.iter().map(|(n, why)| if why.is_empty() { n.clone() } else { format!("{n}（{why}）") }).collect();
    if list.is_empty() { vec![] } else { vec![list.join(zh::SEP)] }
}

/// What the activity was: the rows a planned and a held sheet share.
fn plan_rows(r: &RecordSheet) -> Vec<Row> {
    vec![
        Row::new(zh::L_TITLE, value(&r.title)),
        Row::new(zh::L_KIND, value(&r.kind)),
        Row::new(zh::L_OFFICE, value(&r.office)),
        Row::new(zh::L_PLACE, value(&r.place)),
        Row::new(zh::L_TIME, value(&r.time)),
    ]
}

/// The rows of a held (or cancelled) activity, from its record.
fn record_rows(r: &RecordSheet) -> Vec<Row> {
    let heard = if r.heard.is_empty() { vec![] } else { vec![zh::heard(r.heard.len(), &r.heard.join(zh::SEP))] };
    let mut rows = plan_rows(r);
    rows.extend([
        Row::new(zh::L_TOPIC, value(&r.topic)),
        Row::new(zh::L_INVITED, names(&r.invited)),
        Row::new(zh::L_PRESENT, names(&r.present)),
        Row::new(zh::L_APOLOGIES, apologies(r)),
        Row::new(zh::L_OTHERS, value(&r.others)),
        Row::new(zh::L_RESIDENTS, vec![zh::people(usize::try_from(r.residents).unwrap_or(0))]),
        Row::text(zh::L_MINUTES, &r.minutes).min_height(MINUTES_MIN_HEIGHT),
        Row::text(zh::L_OUTCOMES, &r.outcomes),
    ]);
    if let Some(f) = &r.findings {
        rows.push(Row::text(zh::L_FINDINGS, f));
    }
    if !r.speakers.is_empty() {
        rows.push(Row::new(zh::L_SPEAKERS, r.speakers.clone()));
    }
    rows.push(Row::new(zh::L_HEARD, heard));
    rows.push(Row::new(zh::L_PHOTOS, vec![zh::files(r.photos, r.other_files)]));
    rows
}

/// The rows of a planned activity: what is known, and room to write the
/// rest by hand on the day — no 无 and no 0人.
fn blank_rows(r: &RecordSheet) -> Vec<Row> {
    let known_or_blank = |label: &str, lines: Vec<String>, room: u32| {
        if lines.iter().all(|l| l.trim().is_empty()) { Row::blank(label, room) } else { Row::new(label, lines) }
    };
    let mut rows = plan_rows(r);
    rows.extend([
        known_or_blank(zh::L_TOPIC, value(&r.topic), BLANK_SHORT),
        known_or_blank(zh::L_INVITED, names(&r.invited), BLANK_SHORT),
        Row::blank(zh::L_PRESENT, BLANK_NAMES),
        known_or_blank(zh::L_APOLOGIES, apologies(r), BLANK_SHORT),
        Row::blank(zh::L_OTHERS, BLANK_SHORT),
        Row::new(zh::L_RESIDENTS, vec![zh::BLANK_PEOPLE.to_string()]).min_height(BLANK_SHORT),
        Row::blank(zh::L_MINUTES, BLANK_MINUTES),
        Row::blank(zh::L_OUTCOMES, BLANK_TEXT),
    ]);
    if r.findings.is_some() {
        rows.push(Row::blank(zh::L_FINDINGS, BLANK_TEXT));
    }
    rows.push(Row::blank(zh::L_HEARD, BLANK_SHORT));
    rows
}

/// The .docx bytes of a record sheet: filled from the record once held, a
/// form to fill by hand while planned.
pub fn render(r: &RecordSheet) -> AppResult<Vec<u8>> {
    let rows = if r.planned { blank_rows(r) } else { record_rows(r) };
    // 填表人 on the left (signed by hand), 填表日期 on the right — blank on a
    // form to fill.
    let printed = if r.planned { zh::BLANK_DATE.to_string() } else { chinese_date(r.printed) };
    let signed = docx::left_right(zh::FILLED_BY, &format!("{}{printed}", zh::PRINTED_ON), size::SIHAO)
        .line_spacing(docx_rs::LineSpacing::new().before(240));
    let author = format!("{}{}", r.office, zh::OFFICE_SUFFIX);
    let doc = docx::a4(size::SIHAO)
        .add_paragraph(docx::title(zh::RECORD_TITLE, 120))
        .add_paragraph(docx::subtitle(&author))
        .add_table(docx::record_table(rows))
        .add_paragraph(signed);
    docx::pack(doc, &Props::new(&author, &format!("{}：{}", zh::RECORD_TITLE, r.title), r.created), "record")
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
            planned: false,
            created: day.and_hms_opt(1, 0, 0).expect("time"),
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
    fn a_planned_activity_is_a_form_to_fill() {
        let mut r = sample();
        r.planned = true;
        (r.present, r.apologies, r.others, r.residents, r.minutes, r.outcomes) =
            (vec![], vec![], String::new(), 0, String::new(), String::new());
        (r.speakers, r.heard, r.photos, r.other_files) = (vec![], vec![], 0, 0);
        let t = text(&render(&r).expect("render"));
        for s in [zh::L_PRESENT, zh::L_MINUTES, zh::L_OUTCOMES, zh::L_HEARD, "张丽华、李明、王芳（3人）", "五原路社区"]
        {
            assert!(t.contains(s), "{s}");
        }
        for s in [zh::NONE, "0人", "照片0张", "2026年11月28日"] {
            assert!(!t.contains(s), "no {s} on a blank form");
        }
        assert!(t.contains(zh::BLANK_PEOPLE.trim_start_matches('\u{3000}')));
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
