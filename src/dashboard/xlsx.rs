//! The dashboard's figures as a workbook: the headline numbers on the first
//! sheet, then one sheet per figure with its table as on the page, numbers
//! as numbers (rates as percentages, money in yuan), printed like every
//! export (`kernel::xlsx`).

use chrono::NaiveDate;
use rust_xlsxwriter::{Workbook, XlsxError};

use super::svg::Unit;
use super::tables::{Figure, Headline};
use crate::kernel::xlsx::{Formats, Print, Sheet};

/// The header row of every sheet, under the title and the note.
const HEADER_ROW: u32 = 2;

/// Excel refuses `[]:*?/\` in a sheet's name and more than 31 characters.
fn sheet_name(n: usize, title: &str) -> String {
    let clean: String = title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(27).collect();
    format!("{n:02} {}", clean.trim())
}

pub fn workbook(
    title: &str,
    overview: (&str, &str, &str),
    headlines: &[Headline],
    figures: &[Figure],
    printed: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    let (overview_name, what, value) = overview;
    let f = Formats::new();
    let mut wb = Workbook::new();
    {
        let mut ws = Sheet::new(wb.add_worksheet(), &sheet_name(0, overview_name))?;
        ws.title(0, title);
        ws.headers(HEADER_ROW, &[what, value], &f.header)?;
        for (i, (_, label, v)) in headlines.iter().enumerate() {
            let row = HEADER_ROW + 1 + i as u32;
            ws.text(row, 0, label, &f.text)?;
            ws.text(row, 1, v, &f.text)?;
        }
        ws.finish(&Print { title, printed, header_rows: (HEADER_ROW, HEADER_ROW) })?;
    }
    for (i, fig) in figures.iter().enumerate() {
        let mut ws = Sheet::new(wb.add_worksheet(), &sheet_name(i + 1, &fig.title))?;
        ws.title(0, &format!("{title} · {}", fig.title));
        if let Some(note) = &fig.note {
            ws.note(1, note);
        }
        let mut headers = vec![fig.head.as_str()];
        headers.extend(fig.columns.iter().map(|c| c.name.as_str()));
        ws.headers(HEADER_ROW, &headers, &f.header)?;
        for (r, (label, values)) in fig.rows.iter().enumerate() {
            let row = HEADER_ROW + 1 + r as u32;
            ws.text(row, 0, label, &f.text)?;
            for (c, (v, col)) in values.iter().zip(&fig.columns).enumerate() {
                let format = match col.unit {
                    Unit::Count => &f.number,
                    Unit::Rate => &f.percent,
                    Unit::Decimal => &f.decimal,
                    Unit::Yuan => &f.money,
                };
                match (col.unit, v) {
                    // Sized as Excel shows money (1,234,567.00), not by its bare digits.
                    (Unit::Yuan, Some(yuan)) => ws.money(row, c as u16 + 1, (yuan * 100.0).round() as i64, format)?,
                    _ => ws.optional(row, c as u16 + 1, *v, format)?,
                }
            }
        }
        ws.worksheet().set_freeze_panes(HEADER_ROW + 1, 1)?;
        ws.finish(&Print { title: &fig.title, printed, header_rows: (HEADER_ROW, HEADER_ROW) })?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_ones_excel_takes() {
        assert_eq!(sheet_name(3, "社情民意: 按月 [2026/11]"), "03 社情民意 按月 202611");
        assert!(sheet_name(12, &"x".repeat(60)).chars().count() <= 31);
    }
}
