//! A member's duty record (履职档案) as a Word file in the 公文 layout
//! (`kernel::docx`): the title, a table of who the member is and the year's
//! days and score, then what they did by kind and their score line by line,
//! as the committee files it in the member's folder. Same `Record` as the
//! page and the xlsx, so every figure is the one shown elsewhere.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use docx_rs::Paragraph;

use super::{Kind, Record, time::days_text, zh};
use crate::kernel::docx::{self, Props, Row, chinese_date, record_table, size};
use crate::kernel::error::AppResult;
use crate::kernel::web::i18n::Lang;

pub fn duty_record(r: &Record, printed: NaiveDate, created: NaiveDateTime) -> AppResult<Vec<u8>> {
    let title = zh::title(&r.name, r.year);
    let mut doc = docx::a4(size::SANHAO).add_paragraph(docx::title(&title, 240));
    doc = doc.add_paragraph(docx::heading(zh::docx::ABOUT)).add_table(record_table(about(r)));
    doc = doc.add_paragraph(spaced(docx::heading(zh::docx::DONE)));
    for p in docx::body(&zh::summary(&r.counts)) {
        doc = doc.add_paragraph(p);
    }
    doc = doc.add_table(record_table(done(r)));
    doc = doc.add_paragraph(spaced(docx::heading(zh::docx::SCORE)));
    for p in docx::body(zh::docx::SCORED_BY) {
        doc = doc.add_paragraph(p);
    }
    doc = doc.add_table(record_table(scores(r)));
    doc = doc.add_paragraph(spaced(docx::left_right(
        &format!("{}{}", zh::docx::OFFICE, r.office),
        &format!("{}{}", zh::docx::PRINTED, chinese_date(printed)),
        size::SIHAO,
    )));
    docx::pack(doc, &Props::new(&r.office, &title, created), "duty record")
}

/// Room above a heading that follows a table.
fn spaced(p: Paragraph) -> Paragraph {
    p.line_spacing(docx_rs::LineSpacing::new().before(240))
}

fn about(r: &Record) -> Vec<Row> {
    vec![
        Row::new("姓名", vec![r.name.clone()]),
        Row::new("界别", vec![r.sector.clone()]),
        Row::new("工作办公室", vec![r.office.clone()]),
        Row::new("年度", vec![format!("{}年", r.year)]),
        Row::new("履职天数", vec![zh::docx::days(&days_text(r.half_days), r.expected_days)]),
        Row::new("履职积分", vec![format!("{}分", r.score_total)]),
    ]
}

/// One row per kind the member did anything of, in the list's order, each
/// record on its line: 3月2日　事项（地点或说明，状态）.
fn done(r: &Record) -> Vec<Row> {
    let kinds = [Kind::Activity, Kind::Consultation, Kind::Heard, Kind::Entered, Kind::Report];
    let rows: Vec<Row> = kinds
        .into_iter()
        .filter_map(|k| {
            let lines: Vec<String> = r
                .lines
                .iter()
                .filter(|l| l.kind == k)
                .map(|l| format!("{}　{}（{}，{}）", month_day(l.at.date()), l.title, l.detail, l.state))
                .collect();
            (!lines.is_empty()).then(|| Row::list(k.zh(), lines))
        })
        .collect();
    if rows.is_empty() { vec![Row::new(zh::docx::RECORDS, vec![])] } else { rows }
}

/// One row per item scored, each record with its points, and the total.
fn scores(r: &Record) -> Vec<Row> {
    // Items in the order they first score, each once.
    let mut items = Vec::new();
    for l in &r.score {
        if !items.contains(&l.record.item) {
            items.push(l.record.item);
        }
    }
    let mut rows: Vec<Row> = Vec::new();
    for item in items {
        let lines = r
            .score
            .iter()
            .filter(|l| l.record.item == item)
            .map(|l| format!("{}　{}　{}", month_day(l.record.at.date()), l.record.title, points(l.points)))
            .collect();
        rows.push(Row::list(&Lang::Zh.t(&item.label_key()), lines));
    }
    rows.push(Row::new(zh::TOTAL, vec![format!("{}分", r.score_total)]));
    rows
}

fn points(p: i32) -> String {
    if p > 0 { format!("+{p}分") } else { format!("{p}分") }
}

fn month_day(d: NaiveDate) -> String {
    format!("{}月{}日", d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duty::Line;
    use crate::duty::score::{ScoreItem, ScoreLine, Scored};
    use crate::org::duty::DutyCounts;

    fn at(m: u32, d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, m, d).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("time")
    }

    fn scored(item: ScoreItem, m: u32, d: u32, title: &str, points: i32) -> ScoreLine {
        ScoreLine { record: Scored { item, at: at(m, d), title: title.into(), href: String::new() }, points }
    }

    #[test]
    fn the_record_lists_by_kind_and_totals_the_score() {
        let line = |kind, m, d, title: &str| Line {
            at: at(m, d),
            kind,
            title: title.into(),
            office: "高庙乡".into(),
            detail: "委员之家".into(),
            state: zh::PRESENT.into(),
        };
        let r = Record {
            name: "张丽华".into(),
            office: "高庙乡".into(),
            sector: "教育界".into(),
            year: 2026,
            lines: vec![
                line(Kind::Activity, 3, 2, "三月委员接待日"),
                line(Kind::Consultation, 4, 9, "老旧小区加装电梯协商"),
                line(Kind::Activity, 6, 1, "六月委员接待日"),
            ],
            counts: DutyCounts { year: 2026, activities: 2, consultations: 1, ..DutyCounts::default() },
            score: vec![
                scored(ScoreItem::Activity, 3, 2, "三月委员接待日", 2),
                scored(ScoreItem::Consultation, 4, 9, "老旧小区加装电梯协商", 3),
                scored(ScoreItem::Activity, 6, 1, "六月委员接待日", 2),
                scored(ScoreItem::Absence, 7, 1, "七月协商", -2),
            ],
            score_total: 5,
            half_days: 5,
            expected_days: 12,
        };
        let bytes = duty_record(&r, NaiveDate::from_ymd_opt(2026, 12, 4).expect("day"), at(12, 4)).expect("docx");
        let text = docx_rs::read_docx(&bytes).expect("a docx docx-rs reads").json();
        for want in [
            "张丽华 2026年度履职档案",
            "教育界",
            "2.5天（履职规定每年12天）",
            "参加委员活动2次，参加协商议事1次",
            "3月2日　三月委员接待日（委员之家，出席）",
            "6月1日　六月委员接待日（委员之家，出席）",
            "4月9日　老旧小区加装电梯协商　+3分",
            "7月1日　七月协商　-2分",
            "导出日期：2026年12月4日",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
        // Activities are one row, before consultations, whatever the dates.
        assert!(text.find("六月委员接待日（").expect("june") < text.find("老旧小区加装电梯协商（").expect("april"));
        assert!(text.contains("5分"), "the total: {text}");
    }
}
