//! The roster spreadsheet's layout (sheets, columns, headers) and the parsing
//! of its rows into typed values. Pure: the xlsx reader hands over cells, the
//! planner (`plan.rs`) resolves names against the database's snapshot.
//!
//! The export writes exactly these columns, so export → import is a no-op.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::normalize;
use crate::kernel::time::parse_date;
use crate::org::model::{BirthDate, Gender, LocalityKind, PARTIES, Phone, halfwidth};

pub const MEMBERS: &str = "委员";
pub const LOCALITIES: &str = "村社区";
pub const LIAISONS: &str = "定点联系";
pub const HELP: &str = "说明";

/// The whole file may hold at most this many rows (all sheets together): a
/// province-sized roster fits; anything bigger is a mistake or an attack.
pub const MAX_ROWS: usize = 60_000;

/// A row whose first cell starts with this is the template's example and is
/// skipped, so a user who forgets to delete it imports nothing invented.
pub const EXAMPLE_MARK: &str = "示例";

/// One cell as read from the file, whatever program wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A real Excel date (a number with a date format).
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    /// The cell as text, trimmed. Whole numbers lose their ".0" (a phone typed
    /// as a number arrives as 13839801234.0).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        }
    }

    pub fn is_blank(&self) -> bool {
        self.text().is_empty()
    }
}

/// A column of a sheet: its header (written with `*` when required) and the
/// explanation the template's 说明 sheet gives.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub required: bool,
    pub help: &'static str,
    pub kind: ColumnKind,
    /// Other headers offices write for this column (手机号 for 手机号码).
    pub aliases: &'static [&'static str],
    /// Required for a new record only: an existing one keeps its stored
    /// value when the column is missing or the cell blank (offices' own
    /// files often lack 届次 or 政治面貌).
    pub kept: bool,
}

impl Column {
    const fn or(self, aliases: &'static [&'static str]) -> Column {
        Column { aliases, ..self }
    }

    const fn kept(self) -> Column {
        Column { kept: true, ..self }
    }

    /// Whether a header names this column: its name or an alias, ignoring
    /// `*`, spaces and parentheses of either width.
    pub fn matches(&self, header: &str) -> bool {
        let h = normalize_header(header);
        !h.is_empty() && (h == normalize_header(self.header) || self.aliases.iter().any(|a| normalize_header(a) == h))
    }
}

/// How the writer formats a column's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    /// Kept as text so Excel does not turn 13839801234 into 1.38E+10.
    Phone,
    Date,
    Number,
}

const fn col(header: &'static str, required: bool, kind: ColumnKind, help: &'static str) -> Column {
    Column { header, required, help, kind, aliases: &[], kept: false }
}

use ColumnKind::{Date, Number, Phone as PhoneCol, Text};

/// Declares a sheet's columns and, in module `$m`, each one's position by
/// name: the order is written once, so the two cannot drift apart.
macro_rules! columns {
    ($(#[$doc:meta])* $all:ident, $m:ident { $($name:ident: $col:expr,)* }) => {
        $(#[$doc])*
        pub const $all: [Column; columns!(@count $($name)*)] = [$($col),*];

        /// Column positions in the array of the same sheet.
        pub mod $m {
            columns!(@positions 0usize, $($name)*);
        }
    };
    (@count) => { 0 };
    (@count $head:ident $($rest:ident)*) => { 1 + columns!(@count $($rest)*) };
    (@positions $n:expr,) => {};
    (@positions $n:expr, $head:ident $($rest:ident)*) => {
        pub const $head: usize = $n;
        columns!(@positions $n + 1, $($rest)*);
    };
}

columns!(
    /// The 委员 sheet.
    MEMBER_COLUMNS, m {
        NAME: col("姓名", true, Text, "委员的姓名，最多30个字。姓名中的空格会被去掉。"),
        GENDER: col("性别", true, Text, "填“男”或“女”。新委员必填；已有委员不填则保留原值。").kept(),
        ETHNICITY: col("民族", true, Text, "如：汉族（写“汉”也可以）。新委员必填；已有委员不填则保留原值。").kept(),
        BIRTH: col("出生日期", false, Date, "如：1968-05-12；只知道年月的写 1968年5月。可以不填。")
            .or(&["出生年月", "出生年月日", "生日"]),
        PARTY: col(
            "政治面貌",
            true,
            Text,
            "从下拉列表中选，可选写法见本表右侧（写“中共”“民盟”等简称也可以）。新委员必填；已有委员不填则保留原值。"
        )
        .or(&["党派"])
        .kept(),
        SECTOR: col("界别", false, Text, "必须是本届政协已有的界别，可选名称见本表右侧。可以不填。")
            .or(&["所在界别"]),
        EMPLOYER: col("工作单位", false, Text, "最多100个字。可以不填。").or(&["单位", "所在单位", "工作单位及职务"]),
        POST: col("职务", false, Text, "最多100个字。可以不填。").or(&["现任职务"]),
        PHONE: col("手机号码", true, PhoneCol, "11位手机号码。系统用它认出同一位委员：同一个号码再次导入时更新这位委员的信息。")
            .or(&["手机号", "手机", "联系电话", "电话", "联系方式"]),
        TERM: col("届次", true, Text, "如：第十届（写“十届”“10届”也可以）。新委员必填；已有委员不填则保留原值。")
            .or(&["届别"])
            .kept(),
        OFFICE: col("所属工作办公室", false, Text, "必须是系统中已有的政协工作办公室，可选名称见本表右侧。可以不填。")
            .or(&["所在乡镇（街道）", "所属乡镇（街道）", "乡镇（街道）", "工作办公室", "所在工作办公室"]),
    }
);

columns!(
    /// The 村社区 sheet.
    LOCALITY_COLUMNS, l {
        OFFICE: col("所属工作办公室", true, Text, "必须是系统中已有的政协工作办公室。"),
        NAME: col("名称", true, Text, "村或社区的名称，如：五原路社区。同一工作办公室下名称相同的是同一个村社区，再次导入时更新它。"),
        KIND: col("类型", true, Text, "填“村”或“社区”。"),
        ADDRESS: col("地址", false, Text, "最多200个字。可以不填。"),
        LATITUDE: col("纬度", false, Number, "如：34.7726。纬度和经度要么都填，要么都不填。"),
        LONGITUDE: col("经度", false, Number, "如：111.2005。"),
    }
);

columns!(
    /// The 定点联系 sheet.
    LIAISON_COLUMNS, k {
        PHONE: col("委员手机号码", true, PhoneCol, "委员的手机号码：系统中已有的委员，或本文件“委员”表中的委员。"),
        NAME: col("委员姓名", false, Text, "可以不填；填了的话，系统核对它与手机号码是否是同一位委员。"),
        OFFICE: col("所属工作办公室", true, Text, "村社区所属的政协工作办公室。"),
        LOCALITY: col("村社区名称", true, Text, "系统中已有的村社区，或本文件“村社区”表中的村社区。"),
        START: col("开始日期", true, Date, "如：2026-03-01。"),
        END: col("结束日期", false, Date, "联系结束的日期；仍在联系的不填。"),
    }
);

/// A sheet as read: its name, header row and data rows, each with the row
/// number Excel shows (1-based).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetData {
    pub name: String,
    pub header_row: u32,
    pub headers: Vec<String>,
    pub rows: Vec<(u32, Vec<Cell>)>,
}

impl SheetData {
    /// A column's header as this file writes it (联系电话 for 手机号码), for
    /// messages the user can find in the file.
    pub fn column_name(&self, c: &Column) -> String {
        self.headers
            .iter()
            .find(|h| c.matches(h))
            .map(|h| h.trim().trim_end_matches(['*', '＊']).trim().to_string())
            .unwrap_or_else(|| c.header.to_string())
    }
}

/// The three sheets the import reads (any may be absent), and what the
/// reader noticed about the file (hidden sheets and rows, sheets not read).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workbook {
    pub members: Option<SheetData>,
    pub localities: Option<SheetData>,
    pub liaisons: Option<SheetData>,
    pub notices: Vec<Notice>,
}

/// One problem in the file: where (sheet, Excel row, column header) and what
/// (a message key of `roster.err.*`, with `%{v}` filled from `arg`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub sheet: String,
    pub row: u32,
    pub column: String,
    pub key: String,
    pub arg: String,
}

impl Problem {
    pub fn new(sheet: &str, row: u32, column: &str, key: &str, arg: impl Into<String>) -> Problem {
        Problem { sheet: sheet.into(), row, column: column.into(), key: key.into(), arg: arg.into() }
    }
}

/// Something the preview tells about the file that does not stop the import:
/// a note (a name's spaces removed, a note row skipped) or a warning (a
/// hidden sheet read, a member moved out of an office). `row` 0: the sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub warning: bool,
    pub sheet: String,
    pub row: u32,
    /// A message key of `roster.note.*`, `%{v}` filled from `arg`.
    pub key: &'static str,
    pub arg: String,
}

impl Notice {
    pub fn note(sheet: &str, row: u32, key: &'static str, arg: impl Into<String>) -> Notice {
        Notice { warning: false, sheet: sheet.into(), row, key, arg: arg.into() }
    }

    pub fn warning(sheet: &str, row: u32, key: &'static str, arg: impl Into<String>) -> Notice {
        Notice { warning: true, ..Notice::note(sheet, row, key, arg) }
    }
}

/// What a row says about an optional field of a record that may exist
/// already: leave it (column missing or cell blank), set it, or clear it
/// (「（清空）」). Blank never erases: the planner cannot forget this, because
/// there is no `Option` to mistake for "set to nothing".
#[derive(Debug, Clone, PartialEq)]
pub enum Field<T> {
    Keep,
    Set(T),
    Clear,
}

impl<T: Clone> Field<T> {
    /// The value after this row: `old` kept, replaced, or cleared.
    pub fn apply(&self, old: Option<T>) -> Option<T> {
        match self {
            Field::Keep => old,
            Field::Set(v) => Some(v.clone()),
            Field::Clear => None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> Option<U>) -> Option<Field<U>> {
        Some(match self {
            Field::Keep => Field::Keep,
            Field::Set(v) => Field::Set(f(v)?),
            Field::Clear => Field::Clear,
        })
    }
}

/// "姓名*", " 姓 名 ", "所在乡镇（街道）" and "所在乡镇(街道)" name their column
/// alike: marks, spaces and parentheses of either width are ignored.
pub fn normalize_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '(' | ')' | '（' | '）' | '\u{3000}'))
        .collect()
}

/// How many of `columns` a row of headers names.
pub fn header_score(headers: &[String], columns: &[Column]) -> usize {
    columns.iter().filter(|c| headers.iter().any(|h| c.matches(h))).count()
}

/// Where each of `columns` sits in the sheet (None: absent). A missing
/// required column is a problem at the header row, unless existing records
/// keep its values (the planner then asks it of new ones only).
fn locate(sheet: &SheetData, columns: &[Column], problems: &mut Vec<Problem>) -> Option<Vec<Option<usize>>> {
    let mut at = Vec::with_capacity(columns.len());
    let mut ok = true;
    for c in columns {
        let pos = sheet.headers.iter().position(|h| c.matches(h));
        if pos.is_none() && c.required && !c.kept {
            problems.push(Problem::new(&sheet.name, sheet.header_row, c.header, "roster.err.missing_column", c.header));
            ok = false;
        }
        at.push(pos);
    }
    ok.then_some(at)
}

/// What was skipped of a sheet's rows: template examples and note rows.
#[derive(Debug, Default)]
struct Skipped {
    examples: usize,
}

/// The data rows worth reading: something in a column the import reads (a
/// 序号 alone is a blank row), not the template's example, not a note at
/// the foot (填表人、注 …: skipped with a note).
fn data_rows<'a>(
    sheet: &'a SheetData,
    at: &[Option<usize>],
    notices: &mut Vec<Notice>,
    skipped: &mut Skipped,
) -> Vec<&'a (u32, Vec<Cell>)> {
    let mut out = Vec::new();
    for r in &sheet.rows {
        let (row, cells) = r;
        let known = at.iter().flatten().any(|&i| cells.get(i).is_some_and(|c| !c.is_blank()));
        if !known && !cells.iter().any(|c| !c.is_blank()) {
            continue;
        }
        let first = cells.iter().map(Cell::text).find(|t| !t.is_empty()).unwrap_or_default();
        if cells.first().is_some_and(|c| c.text().starts_with(EXAMPLE_MARK)) {
            skipped.examples += 1;
        } else if normalize::is_note(&first) {
            notices.push(Notice::note(
                &sheet.name,
                *row,
                "roster.note.note_row",
                first.chars().take(20).collect::<String>(),
            ));
        } else if known {
            out.push(r);
        }
    }
    out
}

/// An Excel date serial (days since 1899-12-30, as a General cell shows a
/// date): 27465 is 1975-03-12. Only plausible dates (1900–2100).
pub fn serial_date(n: f64) -> Option<NaiveDate> {
    if n.fract() != 0.0 || !(61.0..=73_415.0).contains(&n) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(n as u64))
}

/// A number in a date column: 19750312 or 197503 typed as digits, 1975.03
/// typed as a decimal (so 1975.1 is October: offices write 1975.10), or an
/// Excel date serial in a General cell.
fn number_date(n: f64) -> Option<BirthDate> {
    if n.fract() == 0.0 {
        let t = format!("{n:.0}");
        if t.len() == 6 || t.len() == 8 {
            return BirthDate::parse(&t);
        }
        return serial_date(n).map(BirthDate::Day);
    }
    let year = n.trunc();
    let hundredths = ((n - year) * 100.0).round() as u32;
    let month = if hundredths.is_multiple_of(10) && hundredths / 10 < 10 && hundredths > 12 {
        hundredths / 10
    } else {
        hundredths
    };
    BirthDate::month(year as i32, month)
}

/// Reads the cells of one row, recording each problem with its cell.
struct Fields<'a> {
    sheet: &'a SheetData,
    row: u32,
    cells: &'a [Cell],
    at: &'a [Option<usize>],
    columns: &'a [Column],
    problems: &'a mut Vec<Problem>,
    bad: bool,
}

impl Fields<'_> {
    fn cell(&self, i: usize) -> &Cell {
        self.at[i].and_then(|p| self.cells.get(p)).unwrap_or(&Cell::Empty)
    }

    fn problem(&mut self, i: usize, key: &str, arg: impl Into<String>) {
        let column = self.sheet.column_name(&self.columns[i]);
        self.problems.push(Problem::new(&self.sheet.name, self.row, &column, key, arg));
        self.bad = true;
    }

    /// The text of a cell; blank (or a clear mark) in a required column is a
    /// problem.
    fn text(&mut self, i: usize) -> String {
        let t = self.cell(i).text();
        if self.columns[i].required {
            if t.is_empty() {
                self.problem(i, "roster.err.required", "");
            } else if normalize::is_clear_mark(&t) {
                self.problem(i, "roster.err.required_clear", "");
                return String::new();
            }
        }
        t
    }

    fn text_max(&mut self, i: usize, max: usize) -> String {
        let t = self.text(i);
        if t.chars().count() > max {
            self.problem(i, "roster.err.too_long", max.to_string());
        }
        t
    }

    /// An optional cell: its column missing or the cell blank keeps what is
    /// stored, a clear mark clears it.
    fn field(&mut self, i: usize) -> Field<Cell> {
        let cell = self.cell(i).clone();
        match cell.text() {
            t if t.is_empty() => Field::Keep,
            t if normalize::is_clear_mark(&t) => Field::Clear,
            _ => Field::Set(cell),
        }
    }

    /// A cell required of a new record only: blank keeps what is stored (the
    /// planner asks it of a new record), a clear mark is a problem.
    fn kept_text(&mut self, i: usize, max: usize) -> Field<String> {
        let field = self.opt_text(i, max);
        if field == Field::Clear {
            self.problem(i, "roster.err.required_clear", "");
            return Field::Keep;
        }
        field
    }

    fn opt_text(&mut self, i: usize, max: usize) -> Field<String> {
        match self.field(i) {
            Field::Set(c) => {
                let t = c.text();
                if t.chars().count() > max {
                    self.problem(i, "roster.err.too_long", max.to_string());
                }
                Field::Set(t)
            }
            Field::Keep => Field::Keep,
            Field::Clear => Field::Clear,
        }
    }

    fn phone(&mut self, i: usize) -> Option<Phone> {
        let t = self.text(i);
        if t.is_empty() {
            return None;
        }
        let p = Phone::parse(&t);
        if p.is_none() {
            self.problem(i, "roster.err.phone", t);
        }
        p
    }

    /// A real Excel date, a date serial in a General cell, or text as people
    /// write dates.
    fn date(&mut self, i: usize) -> Option<NaiveDate> {
        let cell = self.cell(i).clone();
        match cell {
            Cell::Date(d) => Some(d),
            Cell::Number(n) if serial_date(n).is_some() => serial_date(n),
            other => {
                let t = self.text(i);
                if t.is_empty() {
                    return None;
                }
                let d = parse_date(&halfwidth(&t));
                if d.is_none() {
                    let shown = if matches!(other, Cell::Number(_)) { format!("{t}（数字）") } else { t };
                    self.problem(i, "roster.err.date", shown);
                }
                d
            }
        }
    }

    /// A birth date, to the day or to the month.
    fn birth(&mut self, i: usize) -> Field<BirthDate> {
        let field = self.field(i);
        let shown = match &field {
            Field::Set(Cell::Number(n)) => format!("{}（数字）", Cell::Number(*n).text()),
            Field::Set(c) => c.text(),
            _ => String::new(),
        };
        let parsed = field.map(|c| match c {
            Cell::Date(d) => Some(BirthDate::Day(d)),
            Cell::Number(n) => number_date(n),
            c => BirthDate::parse(&c.text()),
        });
        parsed.unwrap_or_else(|| {
            self.problem(i, "roster.err.birth", shown);
            Field::Keep
        })
    }

    fn number(&mut self, i: usize) -> Option<f64> {
        match self.cell(i).clone() {
            Cell::Number(n) => Some(n),
            _ => {
                let t = self.text(i);
                if t.is_empty() {
                    return None;
                }
                let n = halfwidth(&t).parse::<f64>().ok().filter(|n| n.is_finite());
                if n.is_none() {
                    self.problem(i, "roster.err.number", t);
                }
                n
            }
        }
    }
}

/// A member row, checked cell by cell, short forms normalised; names of
/// sector and office are resolved later. Optional fields say whether to keep,
/// set or clear what is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub row: u32,
    pub name: String,
    /// Gender, ethnicity, party and term: never `Clear` (refused here); a
    /// `Keep` for a new member is the planner's problem.
    pub gender: Field<Gender>,
    pub ethnicity: Field<String>,
    pub birth_date: Field<BirthDate>,
    pub party: Field<String>,
    pub sector: Field<String>,
    pub employer: Field<String>,
    pub post: Field<String>,
    pub phone: Phone,
    pub term: Field<String>,
    pub office: Field<String>,
}

/// What the members sheet gave: good rows, every phone it mentions (rows with
/// problems too, so a liaison naming such a member is not blamed twice), and
/// the example rows skipped.
#[derive(Debug, Default)]
pub struct Members {
    pub rows: Vec<MemberRow>,
    pub phones: HashSet<String>,
    pub examples: usize,
}

pub fn parse_members(sheet: &SheetData, problems: &mut Vec<Problem>, notices: &mut Vec<Notice>) -> Members {
    let mut out = Members::default();
    let Some(at) = locate(sheet, &MEMBER_COLUMNS, problems) else {
        return out;
    };
    let mut skipped = Skipped::default();
    let rows = data_rows(sheet, &at, notices, &mut skipped);
    out.examples = skipped.examples;
    let mut first_row_of: HashMap<String, u32> = HashMap::new();
    for (row, cells) in rows {
        let mut f = Fields { sheet, row: *row, cells, at: &at, columns: &MEMBER_COLUMNS, problems, bad: false };
        let written = f.text_max(m::NAME, 30);
        let name = normalize::name(&written);
        if name != written {
            notices.push(Notice::note(&sheet.name, *row, "roster.note.name_spaces", format!("{written} → {name}")));
        }
        // Gender, ethnicity and party are checked against their lists.
        let gender = f.kept_text(m::GENDER, usize::MAX).map(|g| {
            let parsed = Gender::from_label(&g);
            if parsed.is_none() {
                f.problem(m::GENDER, "roster.err.gender", g);
            }
            parsed
        });
        let ethnicity = f.kept_text(m::ETHNICITY, 20).map(|written| {
            let e = normalize::ethnicity(&written);
            if !normalize::is_ethnic_group(&e) {
                f.problem(m::ETHNICITY, "roster.err.ethnicity", written);
            }
            Some(e)
        });
        let birth_date = f.birth(m::BIRTH);
        let party = f.kept_text(m::PARTY, usize::MAX).map(|written| {
            let party = normalize::party(&written);
            if !PARTIES.contains(&party.as_str()) {
                f.problem(m::PARTY, "roster.err.party", written);
            }
            Some(party)
        });
        let sector = f.opt_text(m::SECTOR, 40);
        let employer = f.opt_text(m::EMPLOYER, 100);
        let post = f.opt_text(m::POST, 100);
        let phone = f.phone(m::PHONE);
        let term = f.kept_text(m::TERM, 30).map(|t| Some(normalize::term(&t)));
        let office = f.opt_text(m::OFFICE, 50);
        if let Some(p) = &phone {
            match first_row_of.get(p.as_str()) {
                Some(first) => f.problem(m::PHONE, "roster.err.phone_dup", first.to_string()),
                None => {
                    first_row_of.insert(p.as_str().to_string(), *row);
                }
            }
            out.phones.insert(p.as_str().to_string());
        }
        if f.bad {
            continue;
        }
        let (Some(gender), Some(ethnicity), Some(party), Some(term), Some(phone)) =
            (gender, ethnicity, party, term, phone)
        else {
            continue;
        };
        out.rows.push(MemberRow {
            row: *row,
            name,
            gender,
            ethnicity,
            birth_date,
            party,
            sector,
            employer,
            post,
            phone,
            term,
            office,
        });
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocalityRow {
    pub row: u32,
    pub office: String,
    pub name: String,
    pub kind: LocalityKind,
    pub address: Field<String>,
    /// Latitude and longitude go together.
    pub coordinates: Field<(f64, f64)>,
}

#[derive(Debug, Default)]
pub struct Localities {
    pub rows: Vec<LocalityRow>,
    /// (office name, locality name) of every row, good or not.
    pub keys: HashSet<(String, String)>,
    pub examples: usize,
}

pub fn parse_localities(sheet: &SheetData, problems: &mut Vec<Problem>, notices: &mut Vec<Notice>) -> Localities {
    let mut out = Localities::default();
    let Some(at) = locate(sheet, &LOCALITY_COLUMNS, problems) else {
        return out;
    };
    let mut skipped = Skipped::default();
    let rows = data_rows(sheet, &at, notices, &mut skipped);
    out.examples = skipped.examples;
    let mut first_row_of: HashMap<(String, String), u32> = HashMap::new();
    for (row, cells) in rows {
        let mut f = Fields { sheet, row: *row, cells, at: &at, columns: &LOCALITY_COLUMNS, problems, bad: false };
        let office = f.text_max(l::OFFICE, 50);
        let name = f.text_max(l::NAME, 50);
        let kind_text = f.text(l::KIND);
        let kind = LocalityKind::from_label(&kind_text);
        if kind.is_none() && !kind_text.is_empty() {
            f.problem(l::KIND, "roster.err.kind", kind_text);
        }
        let address = f.opt_text(l::ADDRESS, 200);
        let coordinates = match (f.field(l::LATITUDE), f.field(l::LONGITUDE)) {
            (Field::Keep, Field::Keep) => Field::Keep,
            (Field::Clear, Field::Clear | Field::Keep) | (Field::Keep, Field::Clear) => Field::Clear,
            _ => {
                let before = f.problems.len();
                let latitude = f.number(l::LATITUDE);
                let longitude = f.number(l::LONGITUDE);
                // One message per cell: "not a number" says enough.
                let unreadable = f.problems.len() > before;
                match (latitude, longitude) {
                    _ if unreadable => Field::Keep,
                    (Some(lat), Some(lng)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) => {
                        Field::Set((lat, lng))
                    }
                    (Some(_), None) => {
                        f.problem(l::LONGITUDE, "roster.err.coordinates", "");
                        Field::Keep
                    }
                    _ => {
                        f.problem(l::LATITUDE, "roster.err.coordinates", "");
                        Field::Keep
                    }
                }
            }
        };
        if !office.is_empty() && !name.is_empty() {
            let key = (office.clone(), name.clone());
            match first_row_of.get(&key) {
                Some(first) => f.problem(l::NAME, "roster.err.locality_dup", first.to_string()),
                None => {
                    first_row_of.insert(key.clone(), *row);
                }
            }
            out.keys.insert(key);
        }
        if f.bad {
            continue;
        }
        let Some(kind) = kind else { continue };
        out.rows.push(LocalityRow { row: *row, office, name, kind, address, coordinates });
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiaisonRow {
    pub row: u32,
    pub phone: Phone,
    pub member_name: Option<String>,
    pub office: String,
    pub locality: String,
    pub start: NaiveDate,
    /// None: a blank cell, which leaves a stored end as it is.
    pub end: Option<NaiveDate>,
}

#[derive(Debug, Default)]
pub struct Liaisons {
    pub rows: Vec<LiaisonRow>,
    pub examples: usize,
}

pub fn parse_liaisons(sheet: &SheetData, problems: &mut Vec<Problem>, notices: &mut Vec<Notice>) -> Liaisons {
    let mut out = Liaisons::default();
    let Some(at) = locate(sheet, &LIAISON_COLUMNS, problems) else {
        return out;
    };
    let mut skipped = Skipped::default();
    let rows = data_rows(sheet, &at, notices, &mut skipped);
    out.examples = skipped.examples;
    let mut first_row_of: HashMap<(String, String, String, NaiveDate), u32> = HashMap::new();
    for (row, cells) in rows {
        let mut f = Fields { sheet, row: *row, cells, at: &at, columns: &LIAISON_COLUMNS, problems, bad: false };
        let phone = f.phone(k::PHONE);
        let member_name = match f.opt_text(k::NAME, 30) {
            Field::Set(n) => Some(normalize::name(&n)),
            Field::Keep | Field::Clear => None,
        };
        let office = f.text_max(k::OFFICE, 50);
        let locality = f.text_max(k::LOCALITY, 50);
        let start = f.date(k::START);
        // A link that ended stays ended: there is nothing to clear.
        let end = if matches!(f.field(k::END), Field::Clear) {
            f.problem(k::END, "roster.err.end_clear", "");
            None
        } else {
            f.date(k::END)
        };
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            f.problem(k::END, "roster.err.end_before_start", "");
        }
        if let (Some(p), Some(s)) = (&phone, start)
            && !office.is_empty()
            && !locality.is_empty()
        {
            let key = (p.as_str().to_string(), office.clone(), locality.clone(), s);
            match first_row_of.get(&key) {
                Some(first) => f.problem(k::START, "roster.err.liaison_dup", first.to_string()),
                None => {
                    first_row_of.insert(key, *row);
                }
            }
        }
        if f.bad {
            continue;
        }
        let (Some(phone), Some(start)) = (phone, start) else { continue };
        out.rows.push(LiaisonRow { row: *row, phone, member_name, office, locality, start, end });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn sheet(columns: &[Column], rows: Vec<Vec<Cell>>) -> SheetData {
        let headers = columns.iter().map(|c| if c.required { format!("{}*", c.header) } else { c.header.into() });
        let name = if columns[0].header == MEMBER_COLUMNS[0].header {
            MEMBERS
        } else if columns.len() == LOCALITY_COLUMNS.len() && columns[1].header == LOCALITY_COLUMNS[1].header {
            LOCALITIES
        } else {
            LIAISONS
        };
        SheetData {
            name: name.into(),
            header_row: 1,
            headers: headers.collect(),
            rows: rows.into_iter().enumerate().map(|(i, r)| (i as u32 + 2, r)).collect(),
        }
    }

    fn member(name: &str, phone: Cell) -> Vec<Cell> {
        vec![
            t(name),
            t("女"),
            t("汉族"),
            Cell::Date(NaiveDate::from_ymd_opt(1970, 5, 1).expect("date")),
            t("中共党员"),
            t("教育界"),
            t("湖滨区实验小学"),
            t("校长"),
            phone,
            t("第十届"),
            t("高庙乡"),
        ]
    }

    #[test]
    fn numbers_in_a_birth_column() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(serial_date(27465.0), Some(day(1975, 3, 12)));
        assert_eq!(serial_date(3.5), None);
        assert_eq!(serial_date(197_503.0), None);
        assert_eq!(number_date(27465.0), Some(BirthDate::Day(day(1975, 3, 12))));
        assert_eq!(number_date(19_750_312.0), Some(BirthDate::Day(day(1975, 3, 12))));
        assert_eq!(number_date(197_503.0), BirthDate::month(1975, 3));
        for (n, month) in [(1975.03, 3), (1975.3, 3), (1975.1, 10), (1975.12, 12), (1975.11, 11)] {
            assert_eq!(number_date(n), BirthDate::month(1975, month), "{n}");
        }
        assert_eq!(number_date(1975.13), None);
    }

    #[test]
    fn cells_as_text() {
        assert_eq!(Cell::Number(13839801234.0).text(), "13839801234");
        assert_eq!(Cell::Number(34.5).text(), "34.5");
        assert_eq!(Cell::Text("  高庙乡 ".into()).text(), "高庙乡");
        assert_eq!(Cell::Date(NaiveDate::from_ymd_opt(2026, 3, 1).expect("date")).text(), "2026-03-01");
        assert!(Cell::Text("   ".into()).is_blank());
        assert_eq!(normalize_header(" 姓名* "), "姓名");
        assert_eq!(normalize_header("姓名＊"), "姓名");
    }

    #[test]
    fn a_good_member_row_parses_and_a_numeric_phone_is_accepted() {
        let mut problems = vec![];
        let s = sheet(&MEMBER_COLUMNS, vec![member("李秀兰", Cell::Number(13839801234.0))]);
        let got = parse_members(&s, &mut problems, &mut vec![]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(got.rows.len(), 1);
        let r = &got.rows[0];
        assert_eq!((r.row, r.name.as_str(), r.phone.as_str()), (2, "李秀兰", "13839801234"));
        assert_eq!(r.gender, Field::Set(Gender::Female));
        assert_eq!(r.sector, Field::Set("教育界".into()));
        assert_eq!(r.birth_date, Field::Set(BirthDate::Day(NaiveDate::from_ymd_opt(1970, 5, 1).expect("date"))));
    }

    #[test]
    fn each_bad_cell_is_named_by_row_and_column() {
        let mut problems = vec![];
        let mut bad = member("", t("1383980123"));
        bad[m::GENDER] = t("男性");
        bad[m::ETHNICITY] = t("火星族");
        bad[m::BIRTH] = t("1970年13月1日");
        bad[m::PARTY] = t("火星党");
        let s = sheet(&MEMBER_COLUMNS, vec![member("王强", t("13839801234")), bad]);
        let got = parse_members(&s, &mut problems, &mut vec![]);
        assert_eq!(got.rows.len(), 1);
        let found: Vec<(u32, &str, &str)> =
            problems.iter().map(|p| (p.row, p.column.as_str(), p.key.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (3, "姓名", "roster.err.required"),
                (3, "性别", "roster.err.gender"),
                (3, "民族", "roster.err.ethnicity"),
                (3, "出生日期", "roster.err.birth"),
                (3, "政治面貌", "roster.err.party"),
                (3, "手机号码", "roster.err.phone"),
            ]
        );
        assert_eq!(problems[2].arg, "火星族");
        assert_eq!(problems[3].arg, "1970年13月1日");
    }

    #[test]
    fn a_phone_twice_in_the_file_points_at_the_first_row() {
        let mut problems = vec![];
        let s = sheet(&MEMBER_COLUMNS, vec![member("甲", t("13839801234")), member("乙", t("138 3980 1234"))]);
        let got = parse_members(&s, &mut problems, &mut vec![]);
        assert_eq!(got.rows.len(), 1);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].row, problems[0].key.as_str(), problems[0].arg.as_str()),
            (3, "roster.err.phone_dup", "2")
        );
    }

    #[test]
    fn blank_and_example_rows_are_skipped_and_columns_found_by_header() {
        let mut problems = vec![];
        let mut s = sheet(&MEMBER_COLUMNS, vec![member("示例：李明", t("13800000000")), vec![Cell::Empty, t(" ")]]);
        // Columns in another order, with an extra one, are found by their headers.
        s.headers.reverse();
        s.headers.push("备注".into());
        for (_, r) in &mut s.rows {
            r.reverse();
        }
        s.rows.push((9, {
            let mut r = member("赵六", t("13900001111"));
            r.reverse();
            r
        }));
        let got = parse_members(&s, &mut problems, &mut vec![]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(got.examples, 0, "reversed: the example mark is no longer in the first cell");
        assert_eq!(got.rows.len(), 2);

        let mut problems = vec![];
        let s = sheet(&MEMBER_COLUMNS, vec![member("示例：李明", t("13800000000")), vec![]]);
        let got = parse_members(&s, &mut problems, &mut vec![]);
        assert_eq!((got.rows.len(), got.examples), (0, 1));
    }

    #[test]
    fn a_missing_required_column_is_reported_once_at_the_header() {
        let mut problems = vec![];
        let mut s = sheet(&MEMBER_COLUMNS, vec![member("王强", t("13839801234"))]);
        s.headers[m::PHONE] = "号码".into();
        let got = parse_members(&s, &mut problems, &mut vec![]);
        assert!(got.rows.is_empty());
        assert_eq!(problems, vec![Problem::new(MEMBERS, 1, "手机号码", "roster.err.missing_column", "手机号码")]);
    }

    #[test]
    fn columns_kept_for_existing_members_may_be_missing_or_blank_but_not_cleared() {
        let mut problems = vec![];
        let mut blank = member("王强", t("13839801234"));
        blank[m::GENDER] = Cell::Empty;
        blank[m::TERM] = t(" ");
        let mut cleared = member("李梅", t("13900001111"));
        cleared[m::PARTY] = t("（清空）");
        let mut s = sheet(&MEMBER_COLUMNS, vec![blank, cleared]);
        s.headers[m::ETHNICITY] = "备注".into();
        let got = parse_members(&s, &mut problems, &mut vec![]);
        assert_eq!(problems, vec![Problem::new(MEMBERS, 3, "政治面貌", "roster.err.required_clear", "")]);
        assert_eq!(got.rows.len(), 1);
        let r = &got.rows[0];
        assert_eq!((&r.gender, &r.ethnicity, &r.term), (&Field::Keep, &Field::Keep, &Field::Keep));
        assert_eq!(r.party, Field::Set("中共党员".into()));
    }

    #[test]
    fn localities_check_kind_coordinates_and_duplicates() {
        let mut problems = vec![];
        let row =
            |name: &str, kind: &str, lat: Cell, lng: Cell| vec![t("涧河街道"), t(name), t(kind), Cell::Empty, lat, lng];
        let s = sheet(
            &LOCALITY_COLUMNS,
            vec![
                row("五原路社区", "社区", Cell::Number(34.77), t("111.2")),
                row("高庙村", "乡", Cell::Empty, Cell::Empty),
                row("后川村", "村", Cell::Number(34.7), Cell::Empty),
                row("五原路社区", "社区", Cell::Empty, Cell::Empty),
                row("大营村", "村", t("北纬34度"), t("111")),
            ],
        );
        let got = parse_localities(&s, &mut problems, &mut vec![]);
        assert_eq!(got.rows.len(), 1);
        assert_eq!(got.rows[0].coordinates, Field::Set((34.77, 111.2)));
        let found: Vec<(u32, &str, &str)> =
            problems.iter().map(|p| (p.row, p.column.as_str(), p.key.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (3, "类型", "roster.err.kind"),
                (4, "经度", "roster.err.coordinates"),
                (5, "名称", "roster.err.locality_dup"),
                (6, "纬度", "roster.err.number"),
            ]
        );
        assert_eq!(got.keys.len(), 4);
    }

    #[test]
    fn liaisons_check_dates() {
        let mut problems = vec![];
        let d = |s: &str| Cell::Date(parse_date(s).expect("date"));
        let s = sheet(
            &LIAISON_COLUMNS,
            vec![
                vec![t("13839801234"), Cell::Empty, t("涧河街道"), t("五原路社区"), t("2026/3/1"), Cell::Empty],
                vec![t("13839801234"), t("王强"), t("涧河街道"), t("五原路社区"), d("2025-01-01"), d("2024-12-31")],
                vec![t("13839801234"), Cell::Empty, t("涧河街道"), t("五原路社区"), d("2026-03-01"), Cell::Empty],
                vec![t("13839801234"), Cell::Empty, t("涧河街道"), t("五原路社区"), Cell::Number(3.5), Cell::Empty],
                // An Excel date serial in a General cell.
                vec![t("13839801234"), Cell::Empty, t("涧河街道"), t("五原路社区"), Cell::Number(45000.0), Cell::Empty],
            ],
        );
        let got = parse_liaisons(&s, &mut problems, &mut vec![]);
        assert_eq!(got.rows.len(), 2);
        assert_eq!(got.rows[0].start, NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"));
        assert_eq!(got.rows[1].start, NaiveDate::from_ymd_opt(2023, 3, 15).expect("date"));
        let found: Vec<(u32, &str, &str)> =
            problems.iter().map(|p| (p.row, p.column.as_str(), p.key.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (3, "结束日期", "roster.err.end_before_start"),
                (4, "开始日期", "roster.err.liaison_dup"),
                (5, "开始日期", "roster.err.date"),
            ]
        );
        assert_eq!(problems[2].arg, "3.5（数字）");
    }
}
