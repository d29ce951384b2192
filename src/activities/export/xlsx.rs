//! The activity list and a member's duty record as xlsx (rust_xlsxwriter), in
//! the look of the roster export: a title, a note, bold shaded headers with a
//! filter, dates as real Excel dates, counts as numbers.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{Duty, ListLine, Period, zh};
use crate::kernel::error::{AppError, AppResult};

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing the activities xlsx: {e}"))
}

struct Formats {
    title: Format,
    header: Format,
    date: Format,
    text: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_background_color(0xDDEBF7)
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center),
            date: Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Top),
            text: Format::new().set_align(FormatAlign::Top),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// Title, note and headers; the data starts on the row returned.
fn head(ws: &mut Worksheet, f: &Formats, title: &str, note: &str, columns: &[(&str, f64)]) -> Result<u32, XlsxError> {
    ws.write_string_with_format(0, 0, title, &f.title)?;
    ws.write_string(1, 0, note)?;
    for (i, (name, width)) in columns.iter().enumerate() {
        ws.write_string_with_format(3, i as u16, *name, &f.header)?;
        ws.set_column_width(i as u16, *width)?;
    }
    ws.set_freeze_panes(4, 0)?;
    Ok(4)
}

/// The activity list of `scope` (an office, or 全区) for a period.
pub fn activity_list(scope: &str, period: Period, lines: &[ListLine], printed: NaiveDate) -> AppResult<Vec<u8>> {
    list_book(scope, period, lines, printed).map_err(xlsx_error)
}

fn list_book(scope: &str, period: Period, lines: &[ListLine], printed: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    const WIDTHS: [f64; 12] = [11.0, 16.0, 28.0, 12.0, 22.0, 8.0, 9.0, 9.0, 24.0, 9.0, 48.0, 36.0];
    let f = Formats::new();
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(zh::LIST_SHEET)?;
    let columns: Vec<(&str, f64)> = zh::LIST_COLUMNS.iter().copied().zip(WIDTHS).collect();
    let title = zh::list_title(scope, &period.chinese());
    let first = head(ws, &f, &title, &zh::list_note(lines.len(), &printed.to_string()), &columns)?;
    for (i, l) in lines.iter().enumerate() {
        let r = first + i as u32;
        ws.write_with_format(r, 0, &l.date, &f.date)?;
        ws.write_string_with_format(r, 1, &l.kind, &f.wrap)?;
        ws.write_string_with_format(r, 2, &l.title, &f.wrap)?;
        ws.write_string_with_format(r, 3, &l.office, &f.text)?;
        ws.write_string_with_format(r, 4, &l.place, &f.wrap)?;
        ws.write_string_with_format(r, 5, &l.status, &f.text)?;
        ws.write_number_with_format(r, 6, l.invited as f64, &f.text)?;
        ws.write_number_with_format(r, 7, l.present as f64, &f.text)?;
        ws.write_string_with_format(r, 8, &l.present_names, &f.wrap)?;
        ws.write_number_with_format(r, 9, f64::from(l.residents), &f.text)?;
        ws.write_string_with_format(r, 10, &l.minutes, &f.wrap)?;
        ws.write_string_with_format(r, 11, &l.outcomes, &f.wrap)?;
    }
    let last = first - 1 + lines.len() as u32;
    ws.autofilter(first - 1, 0, last, (zh::LIST_COLUMNS.len() - 1) as u16)?;
    book.save_to_buffer()
}

/// A member's attended activities in a year, numbered.
pub fn duty_record(d: &Duty, printed: NaiveDate) -> AppResult<Vec<u8>> {
    duty_book(d, printed).map_err(xlsx_error)
}

fn duty_book(d: &Duty, printed: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    const WIDTHS: [f64; 6] = [6.0, 11.0, 16.0, 32.0, 12.0, 26.0];
    let f = Formats::new();
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(zh::DUTY_SHEET)?;
    let columns: Vec<(&str, f64)> = zh::DUTY_COLUMNS.iter().copied().zip(WIDTHS).collect();
    let note = zh::duty_note(&d.office, d.lines.len(), &printed.to_string());
    let first = head(ws, &f, &zh::duty_title(&d.name, d.year), &note, &columns)?;
    for (i, l) in d.lines.iter().enumerate() {
        let r = first + i as u32;
        ws.write_number_with_format(r, 0, (i + 1) as f64, &f.text)?;
        ws.write_with_format(r, 1, &l.date, &f.date)?;
        ws.write_string_with_format(r, 2, &l.kind, &f.wrap)?;
        ws.write_string_with_format(r, 3, &l.title, &f.wrap)?;
        ws.write_string_with_format(r, 4, &l.office, &f.text)?;
        ws.write_string_with_format(r, 5, &l.place, &f.wrap)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::activities::export::DutyLine;
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
            date: day("2026-11-21"),
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
        assert!(matches!(rows[4][0], Data::DateTime(_)), "a real date: {:?}", rows[4][0]);
        // An empty period is a file with headers only.
        let empty = cells(activity_list("全区", Period::Year(2026), &[], day("2026-11-28")).expect("xlsx"));
        assert_eq!(empty.len(), 4);
    }

    #[test]
    fn the_duty_record_numbers_the_activities() {
        let d = Duty {
            name: "张丽华".into(),
            office: "高庙乡".into(),
            year: 2026,
            lines: vec![DutyLine {
                date: day("2026-03-02"),
                kind: "学习".into(),
                title: "集中学习".into(),
                office: "高庙乡".into(),
                place: "委员之家".into(),
            }],
        };
        let rows = cells(duty_record(&d, day("2026-11-28")).expect("xlsx"));
        assert_eq!(rows[0][0], Data::String("张丽华 2026年度参加活动记录".into()));
        assert_eq!(rows[4][0], Data::Float(1.0));
        assert_eq!(rows[4][3], Data::String("集中学习".into()));
    }
}
