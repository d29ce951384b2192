//! What every spreadsheet the app writes shares, so an office prints it
//! straight from Excel: A4 landscape, one page wide (as many pages
//! long as it takes), the header row repeated on every page, the title in
//! the page header, the date and "第 1 页，共 N 页" in the footer; each column
//! as wide as its header and the widest value written into it, long text
//! wrapped beyond a maximum; a number that has nothing to count left blank.
//!
//! A writer goes through [`Sheet`]: it measures every cell it writes, and
//! [`Sheet::finish`] sets the widths, the title rows and the print settings.

use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

use crate::kernel::error::AppError;

/// The widest a column gets, in Excel's width units (one per narrow
/// character; some sixteen Chinese characters); longer text wraps within it,
/// so a wide table still prints legibly one page across.
pub const MAX_WIDTH: usize = 36;
/// The narrowest.
pub const MIN_WIDTH: usize = 6;
/// Room left around the text (and for the filter button of a header).
const PADDING: usize = 2;
/// A rate as shown, `75.0%`, or a decimal, `123.4`.
const DECIMAL_WIDTH: usize = 6;
/// Points per printed line of 11 pt text.
const LINE_HEIGHT: f64 = 15.0;
/// The title above a table.
const TITLE_POINTS: f64 = 16.0;
/// Excel refuses a header or footer longer than this (UTF-16 units).
const HEADER_LIMIT: usize = 255;

/// A writing error as the app's error: a bug, never the user's input.
pub fn error(e: XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing an xlsx: {e}"))
}

/// The printed width of text: its longest line, in narrow columns.
pub fn display_width(s: &str) -> usize {
    // East Asian width with the ambiguous characters wide (— ‘ ’ “ ” …), as
    // Chinese fonts set them.
    s.lines().map(UnicodeWidthStr::width_cjk).max().unwrap_or(0)
}

/// The room text of display width `w` takes in a column: a tenth more than
/// counted, since Chinese glyphs print a little wider than two digits, and
/// the padding.
fn room_for(w: usize) -> usize {
    w + w.div_ceil(10) + PADDING
}

/// The widest text that fits on one line of a column `width` wide.
fn fits_in(width: usize) -> usize {
    let mut w = width.saturating_sub(PADDING) * 10 / 11;
    while room_for(w + 1) <= width {
        w += 1;
    }
    w.max(1)
}

/// The column width for the widest text in it: with room to spare, at
/// least [`MIN_WIDTH`], at most [`MAX_WIDTH`].
pub fn column_width(widest: usize) -> usize {
    room_for(widest).clamp(MIN_WIDTH, MAX_WIDTH)
}

/// The width of a column whose longest text wraps: as narrow as still takes
/// the same number of lines as at [`MAX_WIDTH`], so the lines come out even
/// rather than a character or two left alone on the last.
pub fn balanced_width(longest: usize) -> usize {
    let lines = longest.div_ceil(fits_in(MAX_WIDTH)).max(1);
    column_width(longest.div_ceil(lines))
}

/// Whether text needs wrapping in a column of [`MAX_WIDTH`]: too long for
/// one line, or several lines.
pub fn wraps(s: &str) -> bool {
    display_width(s) > fits_in(MAX_WIDTH) || s.contains('\n')
}

/// The lines text of these line widths takes in a column `width` wide.
pub fn wrapped_lines(line_widths: &[usize], width: usize) -> usize {
    let room = fits_in(width);
    line_widths.iter().map(|w| w.div_ceil(room).max(1)).sum::<usize>().max(1)
}

/// How a sheet is printed: the title in the page header, the date in the
/// footer, the rows repeated at the top of every page.
#[derive(Debug, Clone)]
pub struct Print<'a> {
    pub title: &'a str,
    pub printed: NaiveDate,
    /// First and last row of the table's header.
    pub header_rows: (u32, u32),
}

/// The formats the tables share.
pub struct Formats {
    pub header: Format,
    pub text: Format,
    pub number: Format,
    pub date: Format,
    pub datetime: Format,
    pub percent: Format,
    pub decimal: Format,
    /// Yuan with two decimals and thousands separators: 1,234.50.
    pub money: Format,
}

impl Formats {
    pub fn new() -> Formats {
        let top = Format::new().set_align(FormatAlign::Top);
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(0xDDEBF7)
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            number: top.clone(),
            date: top.clone().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Center),
            datetime: top.clone().set_num_format("yyyy-mm-dd hh:mm").set_align(FormatAlign::Center),
            percent: top.clone().set_num_format("0.0%"),
            decimal: top.clone().set_num_format("0.0"),
            money: top.clone().set_num_format("#,##0.00"),
            text: top,
        }
    }
}

impl Formats {
    /// The same formats in bold, for a table's total row.
    pub fn bold() -> Formats {
        let f = Formats::new();
        Formats {
            header: f.header,
            text: f.text.set_bold(),
            number: f.number.set_bold(),
            date: f.date.set_bold(),
            datetime: f.datetime.set_bold(),
            percent: f.percent.set_bold(),
            decimal: f.decimal.set_bold(),
            money: f.money.set_bold(),
        }
    }
}

impl Default for Formats {
    fn default() -> Formats {
        Formats::new()
    }
}

/// A worksheet being written: every value goes through here so its column is
/// measured, and `finish` sizes the columns and sets up the printing.
pub struct Sheet<'a> {
    ws: &'a mut Worksheet,
    widths: Vec<usize>,
    /// Title and note rows spanning the table, written by `finish` once the
    /// table's width is known: row, text, is a title.
    banners: Vec<(u32, String, bool)>,
    /// Wrapped cells: row, column and the width of each of the text's lines.
    /// Neither Excel nor LibreOffice reliably grows a row for wrapped text
    /// on opening a file, so `finish` sets those rows' heights.
    wrapped: Vec<(u32, u16, Vec<usize>)>,
}

impl<'a> Sheet<'a> {
    pub fn new(ws: &'a mut Worksheet, name: &str) -> Result<Sheet<'a>, XlsxError> {
        ws.set_name(name)?;
        Ok(Sheet { ws, widths: vec![], banners: vec![], wrapped: vec![] })
    }

    /// The worksheet itself, for what the sheet does not wrap (freeze panes,
    /// filters, drop-downs, column formats).
    pub fn worksheet(&mut self) -> &mut Worksheet {
        self.ws
    }

    /// Counts `width` for column `col`.
    pub fn measure(&mut self, col: u16, width: usize) {
        let i = usize::from(col);
        if self.widths.len() <= i {
            self.widths.resize(i + 1, 0);
        }
        self.widths[i] = self.widths[i].max(width);
    }

    /// The sheet's title above the table: merged over the table's columns.
    pub fn title(&mut self, row: u32, text: &str) {
        self.banners.push((row, text.to_string(), true));
    }

    /// A note above the table (what it counts, when it was exported): merged
    /// over the table's columns, as tall as its wrapped lines.
    pub fn note(&mut self, row: u32, text: &str) {
        self.banners.push((row, text.to_string(), false));
    }

    /// The table's header row.
    pub fn headers<S: AsRef<str>>(&mut self, row: u32, names: &[S], format: &Format) -> Result<(), XlsxError> {
        for (i, name) in names.iter().enumerate() {
            let col = i as u16;
            self.text(row, col, name.as_ref(), format)?;
        }
        Ok(())
    }

    /// Text; wrapped when longer than the widest column.
    pub fn text(&mut self, row: u32, col: u16, s: &str, format: &Format) -> Result<(), XlsxError> {
        if wraps(s) {
            // Measured apart: `finish` balances the column's lines.
            self.measure(col, 0);
            self.wrapped.push((row, col, s.lines().map(display_width).collect()));
            self.ws.write_string_with_format(row, col, s, &format.clone().set_text_wrap())?;
        } else {
            self.measure(col, display_width(s));
            self.ws.write_string_with_format(row, col, s, format)?;
        }
        Ok(())
    }

    /// A number; whole numbers are measured by their digits, others as a
    /// rate or a one-decimal figure.
    pub fn number(&mut self, row: u32, col: u16, n: f64, format: &Format) -> Result<(), XlsxError> {
        let width = if n.fract() == 0.0 && n.abs() < 1e15 { format!("{n:.0}").len() } else { DECIMAL_WIDTH };
        self.measure(col, width);
        self.ws.write_number_with_format(row, col, n, format)?;
        Ok(())
    }

    /// An amount of money held as whole fen, written in yuan for the
    /// `money` format; measured as it prints, separators and all. Amounts
    /// are at most 10^13 fen, which a double holds to the fen.
    pub fn money(&mut self, row: u32, col: u16, fen: i64, format: &Format) -> Result<(), XlsxError> {
        let digits = fen.unsigned_abs().checked_div(100).unwrap_or(0).to_string().len();
        self.measure(col, digits + (digits - 1) / 3 + 3 + usize::from(fen < 0));
        self.ws.write_number_with_format(row, col, fen as f64 / 100.0, format)?;
        Ok(())
    }

    /// A number that may have nothing to count (a rate over no cases): blank
    /// then, so Excel neither sorts nor sums a dash.
    pub fn optional(&mut self, row: u32, col: u16, n: Option<f64>, format: &Format) -> Result<(), XlsxError> {
        match n {
            Some(n) => self.number(row, col, n, format),
            None => {
                self.ws.write_blank(row, col, format)?;
                Ok(())
            }
        }
    }

    pub fn date(&mut self, row: u32, col: u16, d: &NaiveDate, format: &Format) -> Result<(), XlsxError> {
        self.measure(col, "2026-01-01".len());
        self.ws.write_with_format(row, col, d, format)?;
        Ok(())
    }

    /// A date and time of day (`yyyy-mm-dd hh:mm`).
    pub fn datetime(&mut self, row: u32, col: u16, t: &NaiveDateTime, format: &Format) -> Result<(), XlsxError> {
        self.measure(col, "2026-01-01 09:00".len());
        self.ws.write_with_format(row, col, t, format)?;
        Ok(())
    }

    /// Sizes the columns, writes the banners and sets up printing.
    pub fn finish(self, print: &Print<'_>) -> Result<(), XlsxError> {
        let Sheet { ws, widths, banners, wrapped } = self;
        let mut widths: Vec<usize> = widths.into_iter().map(column_width).collect();
        for (_, col, line_widths) in &wrapped {
            let i = usize::from(*col);
            let longest = line_widths.iter().copied().max().unwrap_or(0);
            widths[i] = widths[i].max(balanced_width(longest));
        }
        for (i, w) in widths.iter().enumerate() {
            ws.set_column_width(i as u16, *w as f64)?;
        }
        let mut lines: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
        for (row, col, line_widths) in wrapped {
            let room = widths.get(usize::from(col)).copied().unwrap_or(MAX_WIDTH);
            let n = wrapped_lines(&line_widths, room);
            let at = lines.entry(row).or_default();
            *at = (*at).max(n);
        }
        for (row, n) in lines {
            ws.set_row_height(row, LINE_HEIGHT * n as f64 + 2.0)?;
        }
        let last = widths.len().saturating_sub(1) as u16;
        let across: usize = widths.iter().sum::<usize>().max(1);
        for (row, text, is_title) in banners {
            let (format, points) = if is_title {
                (Format::new().set_bold().set_font_size(TITLE_POINTS).set_align(FormatAlign::Center), TITLE_POINTS)
            } else {
                (Format::new().set_align(FormatAlign::Left), 11.0)
            };
            let format = format.set_align(FormatAlign::VerticalCenter).set_text_wrap();
            if last == 0 {
                ws.write_string_with_format(row, 0, &text, &format)?;
            } else {
                ws.merge_range(row, 0, row, last, &text, &format)?;
            }
            // A title's characters are wider: count them at its size.
            let chars = display_width(&text) as f64 * points / 11.0;
            let lines = (chars / across as f64).ceil().max(1.0);
            ws.set_row_height(row, LINE_HEIGHT * points / 11.0 * lines + 4.0)?;
        }
        print_setup(ws, print)
    }
}

/// The print settings alone, for a sheet written without [`Sheet`] (the
/// roster's guide).
pub fn print_setup(ws: &mut Worksheet, print: &Print<'_>) -> Result<(), XlsxError> {
    ws.set_paper_size(9); // A4
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    // Inches: 1.8 cm at the sides, 2 cm top and bottom, the header and footer
    // 0.8 cm from the edge.
    ws.set_margins(0.7, 0.7, 0.8, 0.8, 0.3, 0.3);
    ws.set_repeat_rows(print.header_rows.0, print.header_rows.1)?;
    ws.set_header(page_header(print.title));
    ws.set_footer(page_footer(print.printed));
    Ok(())
}

/// `&C` + the title in 黑体; `&` doubled (Excel's escape), cut to Excel's limit.
pub fn page_header(title: &str) -> String {
    let head = "&C&\"黑体,Regular\"&14";
    let room = HEADER_LIMIT - head.encode_utf16().count();
    let mut out = head.to_string();
    let mut used = 0;
    for c in title.chars().filter(|c| !c.is_control()) {
        let piece = if c == '&' { "&&".to_string() } else { c.to_string() };
        used += piece.encode_utf16().count();
        if used > room {
            break;
        }
        out.push_str(&piece);
    }
    out
}

/// The date exported on the left, 第 1 页，共 N 页 on the right.
pub fn page_footer(printed: NaiveDate) -> String {
    format!("&L导出日期：{}&R第 &P 页，共 &N 页", printed.format("%Y-%m-%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_full_width_count_two() {
        assert_eq!(display_width("abc 123"), 7);
        assert_eq!(display_width("委员"), 4);
        assert_eq!(display_width("高庙乡（街道）"), 14);
        assert_eq!(display_width("ＡＢ１"), 6, "full-width letters and digits");
        assert_eq!(display_width("第　一"), 6, "a full-width space");
        assert_eq!(display_width("“路灯”…"), 10, "Chinese quotes and the ellipsis");
        assert_eq!(display_width("2026-11-21 09:00"), 16);
        assert_eq!(display_width("第一行\n第二行很长"), 10, "the longest line");
        assert_eq!(display_width(""), 0);
        assert_eq!(display_width("𠀀"), 2, "extension B");
    }

    #[test]
    fn columns_fit_their_widest_text_within_bounds() {
        assert_eq!(column_width(0), MIN_WIDTH);
        assert_eq!(column_width(2), MIN_WIDTH);
        assert_eq!(column_width(10), 13, "a tenth to spare and the padding");
        assert_eq!(column_width(16), 20, "a date and time");
        assert_eq!(column_width(33), MAX_WIDTH);
        assert_eq!(column_width(400), MAX_WIDTH);
        assert_eq!(fits_in(MAX_WIDTH), 30, "fifteen Chinese characters to a line");
        for w in [6, 13, 20, 26, 36] {
            assert!(room_for(fits_in(w)) <= w && room_for(fits_in(w) + 1) > w, "{w}");
        }
        assert!(!wraps("五原路社区听民声察民情"));
        assert!(wraps(&"路灯".repeat(8)), "32 columns is beyond the maximum");
        assert!(wraps("一\n二"), "several lines");
        // 80 columns of text, 30 to a line: three lines; a second line of its
        // own adds one.
        assert_eq!(wrapped_lines(&[80], MAX_WIDTH), 3);
        assert_eq!(wrapped_lines(&[80, 4], MAX_WIDTH), 4);
        assert_eq!(wrapped_lines(&[0], MAX_WIDTH), 1, "an empty line is still a line");
        // 联系活动（听民声、察民情、知民意、解民忧）: two even lines of 21, not 30 + 12.
        assert_eq!(balanced_width(42), column_width(21));
        assert_eq!(wrapped_lines(&[42], balanced_width(42)), 2);
        assert_eq!(wrapped_lines(&[400], balanced_width(400)), 14, "as many lines as at the maximum");
        assert_eq!(balanced_width(10), column_width(10));
    }

    #[test]
    fn page_header_and_footer() {
        assert_eq!(page_header("A&B 一览"), "&C&\"黑体,Regular\"&14A&&B 一览");
        let long = page_header(&"长".repeat(400));
        assert!(long.encode_utf16().count() <= HEADER_LIMIT);
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).expect("day");
        assert_eq!(page_footer(day), "&L导出日期：2026-12-03&R第 &P 页，共 &N 页");
    }
}
