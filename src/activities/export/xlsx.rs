//! The activity list as xlsx, in the shared look of the app's spreadsheets
//! (`kernel::xlsx`): a title, a note, bold headers with a filter, the time
//! of day with the date, counts as numbers, printed one page wide.

use chrono::NaiveDate;
use rust_xlsxwriter::{Workbook, XlsxError};

use super::{ListLine, Period, zh};
use crate::kernel::error::AppResult;
use crate::kernel::xlsx::{self as sheet, Formats, Print, Sheet};

/// The row of the headers; the title and the note are above it.
const HEADER_ROW: u32 = 3;

/// The activity list of `scope` (an office, or 全区) for a period.
pub fn activity_list(scope: &str, period: Period, lines: &[ListLine], printed: NaiveDate) -> AppResult<Vec<u8>> {
    list_book(scope, period, lines, printed).map_err(sheet::error)
}

fn list_book(scope: &str, period: Period, lines: &[ListLine], printed: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let mut ws = Sheet::new(book.add_worksheet(), zh::LIST_SHEET)?;
    let title = zh::list_title(scope, &period.chinese());
    ws.title(0, &title);
    ws.note(1, &zh::list_note(lines.len(), &printed.to_string()));
    ws.headers(HEADER_ROW, &zh::LIST_COLUMNS, &f.header)?;
    for (i, l) in lines.iter().enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        ws.datetime(r, 0, &l.at, &f.datetime)?;
        ws.text(r, 1, &l.kind, &f.text)?;
        ws.text(r, 2, &l.title, &f.text)?;
        ws.text(r, 3, &l.office, &f.text)?;
        ws.text(r, 4, &l.place, &f.text)?;
        ws.text(r, 5, &l.status, &f.text)?;
        ws.number(r, 6, l.invited as f64, &f.number)?;
        ws.number(r, 7, l.present as f64, &f.number)?;
        ws.text(r, 8, &l.present_names, &f.text)?;
        ws.number(r, 9, f64::from(l.residents), &f.number)?;
        ws.text(r, 10, &l.minutes, &f.text)?;
        ws.text(r, 11, &l.outcomes, &f.text)?;
    }
    let last = HEADER_ROW + lines.len() as u32;
    let w = ws.worksheet();
    w.autofilter(HEADER_ROW, 0, last, (zh::LIST_COLUMNS.len() - 1) as u16)?;
    w.set_freeze_panes(HEADER_ROW + 1, 0)?;
    ws.finish(&Print { title: &title, printed, header_rows: (HEADER_ROW, HEADER_ROW) })?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::activities::model::Quarter;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
    }

    fn cells(bytes: Vec<u8>) -> Vec<Vec<Data>> {
        let mut x: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an xlsx");
        let name = x.sheet_names().first().cloned().expect("a sheet");
        let range = x.worksheet_range(&name).expect("sheet");
        range.rows().map(<[Data]>::to_vec).collect()
    }

    #[test]
    fn the_list_has_its_title_headers_and_rows() {
        let line = ListLine {
            at: day("2026-11-21").and_hms_opt(9, 30, 0).expect("time"),
            kind: "联系活动".into(),
            title: "五原路社区听民声".into(),
            office: "高庙乡".into(),
            place: "五原路社区".into(),
            status: "已开展".into(),
            invited: 3,
            present: 2,
            present_names: "张丽华、李明".into(),
            residents: 25,
            minutes: "路灯".into(),
            outcomes: "报修".into(),
        };
        let q = Period::Quarter(Quarter { year: 2026, q: 4 });
        let rows = cells(activity_list("高庙乡", q, &[line], day("2026-11-28")).expect("xlsx"));
        assert_eq!(rows[0][0], Data::String("高庙乡2026年第四季度委员活动一览".into()));
        let headers: Vec<String> = rows[3].iter().map(ToString::to_string).collect();
        assert_eq!(headers, zh::LIST_COLUMNS.map(String::from).to_vec());
        assert_eq!(rows[4][2], Data::String("五原路社区听民声".into()));
        assert_eq!(rows[4][7], Data::Float(2.0));
        assert_eq!(rows[4][8], Data::String("张丽华、李明".into()));
        match &rows[4][0] {
            Data::DateTime(t) => assert_eq!(t.as_datetime().map(|t| t.to_string()), Some("2026-11-21 09:30:00".into())),
            other => panic!("a real date and time: {other:?}"),
        }
        // An empty period is a file with headers only.
        let empty = cells(activity_list("全区", Period::Year(2026), &[], day("2026-11-28")).expect("xlsx"));
        assert_eq!(empty.len(), 4);
    }
}
