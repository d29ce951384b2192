//! Reading the roster from xlsx (calamine) and writing it (rust_xlsxwriter).
//! Only the file format lives here; what the cells mean is `sheet.rs`.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{DataRef, Reader, SheetVisible, Xlsx};
use chrono::NaiveDate;
use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Formula, Workbook as XlsxBook, XlsxError};

use super::detect::{self, RawSheet};
use super::hidden;
use super::sheet::{
    Cell, Column, ColumnKind, EXAMPLE_MARK, HELP, LIAISON_COLUMNS, LIAISONS, LOCALITIES, LOCALITY_COLUMNS, MAX_ROWS,
    MEMBER_COLUMNS, MEMBERS, Workbook, k, l, m,
};
use super::store::{Choices, ExportRows};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::time::today;
use crate::kernel::xlsx::{Print, Sheet, print_setup};
use crate::org::model::PARTIES;

/// Columns beyond this are ignored: the roster has at most eleven.
const MAX_COLUMNS: u32 = 40;

/// What the file may unpack to. A real 60,000-row roster is a few tens of MB
/// of XML; a "zip bomb" declares far more.
const MAX_UNPACKED_BYTES: u64 = 300 * 1024 * 1024;

fn bad_file<E>(_: E) -> AppError {
    AppError::BadRequest("roster.bad_file")
}

/// The sum of the uncompressed sizes the zip's central directory declares,
/// or None if this is not a zip we can read.
fn unpacked_size(bytes: &[u8]) -> Option<u64> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const ENTRY: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    let u16_at = |i: usize| bytes.get(i..i + 2).map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])));
    let u32_at = |i: usize| bytes.get(i..i + 4).map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    // The end record sits in the last 22 bytes plus up to 64 KiB of comment.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (from..bytes.len().saturating_sub(21)).rev().find(|&i| bytes[i..i + 4] == EOCD)?;
    let entries = u16_at(eocd + 10)?;
    let mut at = usize::try_from(u32_at(eocd + 16)?).ok()?;
    let mut total = 0u64;
    for _ in 0..entries {
        if bytes.get(at..at + 4)? != ENTRY {
            return None;
        }
        let size = u32_at(at + 24)?;
        if size == u64::from(u32::MAX) {
            // ZIP64: far beyond anything we take.
            return Some(u64::MAX);
        }
        total = total.saturating_add(size);
        let skip = 46 + u16_at(at + 28)? + u16_at(at + 30)? + u16_at(at + 32)?;
        at = at.checked_add(usize::try_from(skip).ok()?)?;
    }
    Some(total)
}

fn cell_of(v: &DataRef<'_>) -> Cell {
    match v {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_string()),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) if dt.is_datetime() => match dt.as_datetime() {
            Some(t) => Cell::Date(t.date()),
            None => Cell::Number(dt.as_f64()),
        },
        DataRef::DateTime(dt) => Cell::Number(dt.as_f64()),
        DataRef::DateTimeIso(s) => match s.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
            Some(d) => Cell::Date(d),
            None => Cell::Text(s.clone()),
        },
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Text(e.to_string()),
    }
}

/// Reads one sheet cell by cell (streaming), so a huge sheet is refused
/// before it fills memory. `rows_left` counts down across sheets. Rows come
/// back with Excel's 1-based numbers, empty ones left out.
fn read_sheet(x: &mut Xlsx<Cursor<&[u8]>>, name: &str, rows_left: &mut usize) -> AppResult<Vec<(u32, Vec<Cell>)>> {
    let mut reader = x.worksheet_cells_reader(name).map_err(bad_file)?;
    let mut rows: BTreeMap<u32, Vec<Cell>> = BTreeMap::new();
    while let Some(c) = reader.next_cell().map_err(bad_file)? {
        let (row, col) = c.get_position();
        let value = cell_of(c.get_value());
        if col >= MAX_COLUMNS || value == Cell::Empty {
            continue;
        }
        if !rows.contains_key(&row) {
            if *rows_left == 0 {
                return Err(AppError::BadRequest("roster.too_many_rows"));
            }
            *rows_left -= 1;
        }
        let cells = rows.entry(row).or_default();
        let col = col as usize;
        if cells.len() <= col {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = value;
    }
    Ok(rows.into_iter().filter(|(_, cells)| cells.iter().any(|c| !c.is_blank())).map(|(r, c)| (r + 1, c)).collect())
}

/// Every sheet of the file with what Excel hides (sheets, rows). Not an
/// xlsx or too big: a message for the user.
pub fn read_raw(bytes: &[u8]) -> AppResult<Vec<RawSheet>> {
    match unpacked_size(bytes) {
        None => return Err(AppError::BadRequest("roster.bad_file")),
        Some(n) if n > MAX_UNPACKED_BYTES => return Err(AppError::BadRequest("roster.too_many_rows")),
        Some(_) => {}
    }
    let mut hidden_rows = hidden::hidden_rows(bytes)?;
    // calamine 0.38 computes a cell reference's column without checking
    // (AAAAAAAA1 overflows): a panic there (debug builds; release wraps) is a
    // file we cannot read, not a crash. Found by fuzzing (fuzz/corpus).
    let read = std::panic::catch_unwind(|| -> AppResult<Vec<RawSheet>> {
        let mut x: Xlsx<Cursor<&[u8]>> = Xlsx::new(Cursor::new(bytes)).map_err(bad_file)?;
        let sheets: Vec<(String, bool)> =
            x.sheets_metadata().iter().map(|s| (s.name.clone(), s.visible != SheetVisible::Visible)).collect();
        let mut rows_left = MAX_ROWS;
        let mut out = Vec::with_capacity(sheets.len());
        for (name, hidden) in sheets {
            let rows = read_sheet(&mut x, &name, &mut rows_left)?;
            out.push(RawSheet { hidden_rows: Vec::new(), name, hidden, rows });
        }
        Ok(out)
    });
    let mut out = read.map_err(|_| AppError::BadRequest("roster.bad_file"))??;
    for sheet in &mut out {
        sheet.hidden_rows = hidden_rows.remove(&sheet.name).unwrap_or_default();
    }
    Ok(out)
}

/// Reads the roster's sheets, found by name or by content, with what the
/// reader noticed. Nothing that looks like a roster: a message for the user.
pub fn read(bytes: &[u8]) -> AppResult<Workbook> {
    detect::arrange(&read_raw(bytes)?).ok_or(AppError::BadRequest("roster.no_sheets"))
}

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing xlsx: {e}"))
}

/// What to fill the sheets with.
pub enum Content<'a> {
    /// Headers, one example row each, and the 说明 sheet first.
    Template,
    Export(&'a ExportRows),
}

/// Where the 说明 sheet keeps the drop-down lists (columns G, H, I).
const LIST_SECTORS: u16 = 6;
const LIST_OFFICES: u16 = 7;
const LIST_PARTIES: u16 = 8;

fn list_formula(col: u16, len: usize) -> Formula {
    let letter = char::from(b'A' + col as u8);
    Formula::new(format!("='{HELP}'!${letter}$2:${letter}${}", len + 1))
}

struct Formats {
    header: Format,
    date: Format,
    text: Format,
    number: Format,
    example: Format,
    example_date: Format,
    wrap: Format,
    title: Format,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new().set_bold().set_background_color(0xDDEBF7).set_border(FormatBorder::Thin);
        Formats {
            header,
            date: Format::new().set_num_format("yyyy-mm-dd"),
            text: Format::new().set_num_format("@"),
            number: Format::new(),
            example: Format::new().set_italic().set_font_color(0x808080).set_num_format("@"),
            example_date: Format::new().set_italic().set_font_color(0x808080).set_num_format("yyyy-mm-dd"),
            wrap: Format::new().set_text_wrap(),
            title: Format::new().set_bold().set_font_size(14),
        }
    }
}

fn write_cell(
    ws: &mut Sheet<'_>,
    row: u32,
    col: u16,
    cell: &Cell,
    kind: ColumnKind,
    f: &Formats,
    example: bool,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Date(d) => {
            ws.date(row, col, d, if example { &f.example_date } else { &f.date })?;
        }
        Cell::Number(n) if kind == ColumnKind::Number => {
            ws.number(row, col, *n, &f.number)?;
        }
        Cell::Bool(b) => {
            ws.measure(col, 5);
            ws.worksheet().write_boolean(row, col, *b)?;
        }
        other => {
            // Text, also phones and anything else: written as text so Excel
            // neither reformats it nor drops leading zeros.
            let fmt = if example { &f.example } else { &f.text };
            ws.text(row, col, &other.text(), fmt)?;
        }
    }
    Ok(())
}

/// The printed page header of a sheet: 委员花名册, 说明花名册 reads oddly, so
/// the guide is 花名册说明.
fn print_title(sheet: &str) -> String {
    if sheet == HELP { format!("花名册{sheet}") } else { format!("{sheet}花名册") }
}

fn data_sheet(
    book: &mut XlsxBook,
    name: &str,
    columns: &[Column],
    rows: &[Vec<Cell>],
    example: bool,
    choices: &Choices,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut sheet = Sheet::new(book.add_worksheet(), name)?;
    for (i, c) in columns.iter().enumerate() {
        let col = i as u16;
        let header = if c.required { format!("{}*", c.header) } else { c.header.to_string() };
        sheet.text(0, col, &header, &f.header)?;
        let ws = sheet.worksheet();
        match c.kind {
            ColumnKind::Date => ws.set_column_format(col, &f.date)?,
            ColumnKind::Text | ColumnKind::Phone => ws.set_column_format(col, &f.text)?,
            ColumnKind::Number => ws,
        };
    }
    sheet.worksheet().set_freeze_panes(1, 0)?;
    for (r, cells) in rows.iter().enumerate() {
        for (i, cell) in cells.iter().enumerate() {
            let kind = columns.get(i).map(|c| c.kind).unwrap_or(ColumnKind::Text);
            write_cell(&mut sheet, r as u32 + 1, i as u16, cell, kind, f, example)?;
        }
    }
    let ws = sheet.worksheet();
    // Drop-downs where the values are a fixed list: fewer typing mistakes.
    let last = MAX_ROWS as u32;
    let list = |values: &[&str]| DataValidation::new().allow_list_strings(values);
    let from_help = |col: u16, len: usize| DataValidation::new().allow_list_formula(list_formula(col, len));
    for (i, c) in columns.iter().enumerate() {
        let col = i as u16;
        let v = match c.header {
            "性别" => Some(list(&["男", "女"])?),
            "类型" => Some(list(&["村", "社区"])?),
            "政治面貌" => Some(from_help(LIST_PARTIES, PARTIES.len())),
            "界别" if !choices.sectors.is_empty() => Some(from_help(LIST_SECTORS, choices.sectors.len())),
            "所属工作办公室" if !choices.offices.is_empty() => {
                Some(from_help(LIST_OFFICES, choices.offices.len()))
            }
            _ => None,
        };
        if let Some(v) = v {
            ws.add_data_validation(1, col, last, col, &v)?;
        }
    }
    let title = print_title(name);
    sheet.finish(&Print { title: &title, printed: today(), header_rows: (0, 0) })
}

const GUIDE: [&str; 9] = [
    "1. 本文件有“委员”“村社区”“定点联系”三张表。可以只填其中一张或几张，不用的表可以删掉。",
    "2. 每张表的第一行是列名。列名带 * 的必须填写；“委员”表中的性别、民族、政治面貌、届次只有新委员必填，已有委员不填则保留原值。也可以直接上传单位自己的花名册：表名、标题行、列的顺序不限，常见的列名（如“联系电话”“出生年月”“届别”）都能认出。",
    "3. 以“示例”开头的那一行是填写示例，导入时会自动跳过，也可以删掉。",
    "4. 日期请写成 2026-03-01 这样的格式。手机号码写11位数字。",
    "5. 系统用手机号码认出同一位委员，用“工作办公室 + 名称”认出同一个村社区：再次导入同一个文件，不会重复添加。",
    "6. 导入时系统先检查整个文件。只要有一处错误，就一条也不导入，并告诉您错在哪张表、第几行、哪一列。改好后重新上传即可。",
    "7. 界别和工作办公室必须是系统中已有的名称，可选名称列在本表右侧。",
    "8. 已有委员的某一格空着，或整列没有，系统中原有的内容保持不变，不会被清掉。",
    "9. 确实要清掉某一格原有的内容（如出生日期、界别、工作单位、职务、工作办公室），请在这一格填写“（清空）”。导入前的检查页会列出每一处修改，请核对。",
];

fn help_sheet(book: &mut XlsxBook, choices: &Choices, f: &Formats) -> Result<(), XlsxError> {
    let ws = book.add_worksheet();
    ws.set_name(HELP)?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 16)?;
    ws.set_column_width(2, 11)?;
    ws.set_column_width(3, 60)?;
    ws.set_column_width(4, 3)?;
    for c in [LIST_SECTORS, LIST_OFFICES, LIST_PARTIES] {
        ws.set_column_width(c, 24)?;
    }
    ws.write_string_with_format(0, 0, "委员花名册导入说明", &f.title)?;
    let mut row = 2;
    for line in GUIDE {
        ws.write_string(row, 0, line)?;
        row += 1;
    }
    row += 1;
    for (i, h) in ["表", "列名", "必填", "填写说明"].iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &f.header)?;
    }
    row += 1;
    for (sheet_name, columns) in
        [(MEMBERS, &MEMBER_COLUMNS[..]), (LOCALITIES, &LOCALITY_COLUMNS[..]), (LIAISONS, &LIAISON_COLUMNS[..])]
    {
        for c in columns {
            ws.write_string(row, 0, sheet_name)?;
            ws.write_string(row, 1, c.header)?;
            let need = match (c.required, c.kept) {
                (true, false) => "必填",
                (true, true) => "新委员必填",
                (false, _) => "",
            };
            ws.write_string(row, 2, need)?;
            ws.write_string_with_format(row, 3, c.help, &f.wrap)?;
            row += 1;
        }
    }
    // The lists the drop-downs of the other sheets point at.
    let lists: [(u16, &str, Vec<&str>); 3] = [
        (LIST_SECTORS, "可选的界别", choices.sectors.iter().map(String::as_str).collect()),
        (LIST_OFFICES, "可选的工作办公室", choices.offices.iter().map(String::as_str).collect()),
        (LIST_PARTIES, "可选的政治面貌", PARTIES.to_vec()),
    ];
    for (col, title, values) in lists {
        ws.write_string_with_format(0, col, title, &f.header)?;
        for (i, v) in values.iter().enumerate() {
            ws.write_string(i as u32 + 1, col, *v)?;
        }
    }
    Ok(())
}

/// One example row per sheet, using the committee's own names where it has
/// them; the first cell starts with 示例 so the import skips it.
fn examples(choices: &Choices) -> [Vec<Cell>; 3] {
    let t = |s: &str| Cell::Text(s.to_string());
    let office = choices.offices.first().map(String::as_str).unwrap_or("高庙乡");
    let sector = choices.sectors.first().map(|s| t(s)).unwrap_or(Cell::Empty);
    let date = |y, mo, d| NaiveDate::from_ymd_opt(y, mo, d).map(Cell::Date).unwrap_or(Cell::Empty);
    let mut member = vec![Cell::Empty; MEMBER_COLUMNS.len()];
    member[m::NAME] = t(&format!("{EXAMPLE_MARK}：李明"));
    member[m::GENDER] = t("男");
    member[m::ETHNICITY] = t("汉族");
    member[m::BIRTH] = date(1968, 5, 12);
    member[m::PARTY] = t(PARTIES[0]);
    member[m::SECTOR] = sector;
    member[m::EMPLOYER] = t("湖滨区某某有限公司");
    member[m::POST] = t("总经理");
    member[m::PHONE] = t("13800000000");
    member[m::TERM] = t("第十届");
    member[m::OFFICE] = t(office);
    let mut locality = vec![Cell::Empty; LOCALITY_COLUMNS.len()];
    locality[l::OFFICE] = t(&format!("{EXAMPLE_MARK}：{office}"));
    locality[l::NAME] = t("五原路社区");
    locality[l::KIND] = t("社区");
    locality[l::ADDRESS] = t("五原路金河湾小区");
    let mut liaison = vec![Cell::Empty; LIAISON_COLUMNS.len()];
    liaison[k::PHONE] = t(&format!("{EXAMPLE_MARK}：13800000000"));
    liaison[k::NAME] = t("李明");
    liaison[k::OFFICE] = t(office);
    liaison[k::LOCALITY] = t("五原路社区");
    liaison[k::START] = date(2026, 3, 1);
    [member, locality, liaison]
}

/// The workbook as bytes: the import template, or an export.
pub fn write(choices: &Choices, content: Content<'_>) -> AppResult<Vec<u8>> {
    let f = Formats::new();
    let mut book = XlsxBook::new();
    let example_rows;
    let (rows, example): ([&[Vec<Cell>]; 3], bool) = match content {
        Content::Template => {
            help_sheet(&mut book, choices, &f).map_err(xlsx_error)?;
            example_rows = examples(choices);
            let [a, b, c] = &example_rows;
            ([std::slice::from_ref(a), std::slice::from_ref(b), std::slice::from_ref(c)], true)
        }
        Content::Export(e) => ([&e.members[..], &e.localities[..], &e.liaisons[..]], false),
    };
    let sheets =
        [(MEMBERS, &MEMBER_COLUMNS[..]), (LOCALITIES, &LOCALITY_COLUMNS[..]), (LIAISONS, &LIAISON_COLUMNS[..])];
    for ((name, columns), rows) in sheets.into_iter().zip(rows) {
        data_sheet(&mut book, name, columns, rows, example, choices, &f).map_err(xlsx_error)?;
    }
    if !example {
        help_sheet(&mut book, choices, &f).map_err(xlsx_error)?;
    }
    let title = print_title(HELP);
    let help = book.worksheet_from_name(HELP).map_err(xlsx_error)?;
    print_setup(help, &Print { title: &title, printed: today(), header_rows: (0, 0) }).map_err(xlsx_error)?;
    book.save_to_buffer().map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::roster::sheet;

    fn choices() -> Choices {
        Choices {
            sectors: vec!["教育界".into(), "经济界".into()], offices: vec!["高庙乡".into(), "涧河街道".into()]
        }
    }

    #[test]
    fn the_template_reads_back_as_examples_only() {
        let bytes = write(&choices(), Content::Template).expect("template");
        let wb = read(&bytes).expect("read");
        let mut problems = vec![];
        let members = sheet::parse_members(wb.members.as_ref().expect("members"), &mut problems, &mut vec![]);
        let localities =
            sheet::parse_localities(wb.localities.as_ref().expect("localities"), &mut problems, &mut vec![]);
        let liaisons = sheet::parse_liaisons(wb.liaisons.as_ref().expect("liaisons"), &mut problems, &mut vec![]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((members.rows.len(), members.examples), (0, 1));
        assert_eq!((localities.rows.len(), localities.examples), (0, 1));
        assert_eq!((liaisons.rows.len(), liaisons.examples), (0, 1));
        let headers = &wb.members.as_ref().expect("members").headers;
        assert_eq!(headers[0], "姓名*");
        assert_eq!(headers[3], "出生日期");
    }

    #[test]
    fn an_export_reads_back_cell_for_cell() {
        let d = NaiveDate::from_ymd_opt(1970, 1, 31).expect("date");
        let t = |s: &str| Cell::Text(s.into());
        let rows = ExportRows {
            members: vec![vec![
                t("王强"),
                t("男"),
                t("汉族"),
                Cell::Date(d),
                t("群众"),
                Cell::Empty,
                t("单位"),
                Cell::Empty,
                t("13839801234"),
                t("第十届"),
                t("高庙乡"),
            ]],
            localities: vec![vec![
                t("高庙乡"),
                t("高庙村"),
                t("村"),
                Cell::Empty,
                Cell::Number(34.123456789),
                Cell::Number(111.2),
            ]],
            liaisons: vec![],
        };
        let bytes = write(&choices(), Content::Export(&rows)).expect("export");
        let wb = read(&bytes).expect("read");
        let members = wb.members.expect("members");
        let mut got = members.rows[0].1.clone();
        got.resize(11, Cell::Empty);
        assert_eq!(got, rows.members[0]);
        let mut got = wb.localities.expect("localities").rows[0].1.clone();
        got.resize(6, Cell::Empty);
        assert_eq!(got, rows.localities[0]);
        assert_eq!(wb.liaisons.map(|s| s.rows.len()), Some(0), "headers only");
    }

    #[test]
    fn not_an_xlsx_is_refused_plainly() {
        assert_eq!(read(b"hello").err().map(|e| e.message_key()), Some("roster.bad_file"));
        let mut b = XlsxBook::new();
        b.add_worksheet().set_name("Sheet1").expect("name");
        let bytes = b.save_to_buffer().expect("buffer");
        assert_eq!(read(&bytes).err().map(|e| e.message_key()), Some("roster.no_sheets"));
    }

    #[test]
    fn declared_sizes_are_summed() {
        let bytes = write(&choices(), Content::Template).expect("template");
        let n = unpacked_size(&bytes).expect("a zip");
        assert!(n > 1000 && n < MAX_UNPACKED_BYTES, "{n}");
        assert_eq!(unpacked_size(b"PK\x05\x06"), None);
    }
}
