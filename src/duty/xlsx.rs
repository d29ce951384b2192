//! A member's duty record as xlsx (`kernel::xlsx`): the title, the member's
//! office and sector, every count in one line, then the dated list.

use chrono::NaiveDate;
use rust_xlsxwriter::{Workbook, XlsxError};

use super::{Record, zh};
use crate::kernel::error::AppResult;
use crate::kernel::xlsx::{self as sheet, Formats, Print, Sheet};

/// The row of the headers, under the title, the note and the summary.
const HEADER_ROW: u32 = 4;

pub fn duty_record(r: &Record, printed: NaiveDate) -> AppResult<Vec<u8>> {
    book(r, printed).map_err(sheet::error)
}

fn book(r: &Record, printed: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let mut ws = Sheet::new(book.add_worksheet(), zh::SHEET)?;
    let title = zh::title(&r.name, r.year);
    ws.title(0, &title);
    ws.note(1, &zh::note(&r.office, &r.sector, &printed.to_string()));
    ws.note(2, &zh::summary(&r.counts));
    ws.headers(HEADER_ROW, &zh::COLUMNS, &f.header)?;
    for (i, l) in r.lines.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        ws.number(row, 0, (i + 1) as f64, &f.number)?;
        ws.datetime(row, 1, &l.at, &f.datetime)?;
        ws.text(row, 2, l.kind.zh(), &f.text)?;
        ws.text(row, 3, &l.title, &f.text)?;
        ws.text(row, 4, &l.office, &f.text)?;
        ws.text(row, 5, &l.detail, &f.text)?;
        ws.text(row, 6, &l.state, &f.text)?;
    }
    ws.worksheet().set_freeze_panes(HEADER_ROW + 1, 0)?;
    ws.finish(&Print { title: &title, printed, header_rows: (HEADER_ROW, HEADER_ROW) })?;
    score_sheet(&mut book, r, printed, &f)?;
    book.save_to_buffer()
}

/// The year's points, one line per scored record, and the total.
fn score_sheet(book: &mut Workbook, r: &Record, printed: NaiveDate, f: &Formats) -> Result<(), XlsxError> {
    const HEADER: u32 = 3;
    let bold = Formats::bold();
    let mut ws = Sheet::new(book.add_worksheet(), zh::SCORE_SHEET)?;
    let title = zh::score_title(&r.name, r.year);
    ws.title(0, &title);
    ws.note(1, &zh::days(&crate::duty::time::days_text(r.half_days), r.expected_days));
    ws.headers(HEADER, &zh::SCORE_COLUMNS, &f.header)?;
    let mut row = HEADER + 1;
    for (i, l) in r.score.iter().enumerate() {
        ws.number(row, 0, (i + 1) as f64, &f.number)?;
        ws.date(row, 1, &l.record.at.date(), &f.date)?;
        ws.text(row, 2, &crate::kernel::web::i18n::Lang::Zh.t(&l.record.item.label_key()), &f.text)?;
        ws.text(row, 3, &l.record.title, &f.text)?;
        ws.number(row, 4, f64::from(l.points), &f.number)?;
        row += 1;
    }
    ws.text(row, 0, zh::TOTAL, &bold.text)?;
    ws.number(row, 4, f64::from(r.score_total), &bold.number)?;
    ws.worksheet().set_freeze_panes(HEADER + 1, 0)?;
    ws.finish(&Print { title: &title, printed, header_rows: (HEADER, HEADER) })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::duty::{Kind, Line};
    use crate::org::duty::DutyCounts;

    #[test]
    fn the_record_lists_and_counts() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 2).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("time");
        let r = Record {
            name: "张丽华".into(),
            office: "高庙乡".into(),
            sector: "教育界".into(),
            year: 2026,
            lines: vec![Line {
                at,
                kind: Kind::Consultation,
                title: "老旧小区加装电梯协商".into(),
                office: "高庙乡".into(),
                detail: "委员之家".into(),
                state: zh::PRESENT.into(),
            }],
            counts: DutyCounts { year: 2026, consultations: 1, ..DutyCounts::default() },
            score: vec![crate::duty::score::ScoreLine {
                record: crate::duty::score::Scored {
                    item: crate::duty::score::ScoreItem::Consultation,
                    at,
                    title: "老旧小区加装电梯协商".into(),
                    href: "/consultations/1".into(),
                },
                points: 3,
            }],
            score_total: 3,
            half_days: 1,
            expected_days: 12,
        };
        let bytes = duty_record(&r, NaiveDate::from_ymd_opt(2026, 11, 28).expect("day")).expect("xlsx");
        let mut x: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an xlsx");
        let range = x.worksheet_range(zh::SHEET).expect("the sheet");
        let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        assert_eq!(rows[0][0], Data::String("张丽华 2026年度履职档案".into()));
        assert!(rows[2][0].to_string().contains("参加协商议事1次"));
        assert_eq!(rows[5][0], Data::Float(1.0));
        assert_eq!(rows[5][2], Data::String("参加协商".into()));
        assert_eq!(rows[5][3], Data::String("老旧小区加装电梯协商".into()));
        let scores: Vec<Vec<Data>> =
            x.worksheet_range(zh::SCORE_SHEET).expect("scores").rows().map(<[Data]>::to_vec).collect();
        assert!(scores[1][0].to_string().contains("履职天数：0.5天（履职规定每年12天）"));
        assert_eq!(scores[4][2], Data::String("参加协商议事".into()));
        assert_eq!(
            (scores[4][4].clone(), scores[5][0].clone(), scores[5][4].clone()),
            (Data::Float(3.0), Data::String("合计".into()), Data::Float(3.0))
        );
    }
}
