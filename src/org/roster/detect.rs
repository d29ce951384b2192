//! Which sheet of an uploaded workbook is which, and where its header row is:
//! offices keep rosters under title rows, on sheets named as they like
//! ("Sheet1", "2026年委员花名册"). Pure: the xlsx reader hands over every
//! sheet's cells and what was hidden.

use super::sheet::{
    Cell, Column, HELP, LIAISON_COLUMNS, LIAISONS, LOCALITIES, LOCALITY_COLUMNS, MEMBER_COLUMNS, MEMBERS, Notice,
    SheetData, Workbook, header_score,
};

/// A sheet as the file has it: every non-empty row, and what Excel hides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawSheet {
    pub name: String,
    pub hidden: bool,
    /// Excel row numbers (1-based) and their cells.
    pub rows: Vec<(u32, Vec<Cell>)>,
    /// Rows hidden or filtered out in Excel.
    pub hidden_rows: Vec<u32>,
}

/// The header row is looked for among the first rows only (title rows, a
/// date line, a blank line or two above it).
const HEADER_SEARCH: usize = 20;

/// A row naming at least this many of a sheet's columns is its header row;
/// a title row names none.
const MIN_HEADERS: usize = 3;

/// Hidden rows listed by number before "…".
const LISTED_ROWS: usize = 10;

const KINDS: [(&str, &[Column]); 3] =
    [(MEMBERS, &MEMBER_COLUMNS), (LOCALITIES, &LOCALITY_COLUMNS), (LIAISONS, &LIAISON_COLUMNS)];

fn texts(cells: &[Cell]) -> Vec<String> {
    cells.iter().map(Cell::text).collect()
}

/// The first row near the top that names enough of `columns`, as (index,
/// score).
fn header_row(sheet: &RawSheet, columns: &[Column]) -> Option<(usize, usize)> {
    sheet
        .rows
        .iter()
        .take(HEADER_SEARCH)
        .enumerate()
        .map(|(i, (_, cells))| (i, header_score(&texts(cells), columns)))
        .find(|(_, score)| *score >= MIN_HEADERS.min(columns.len()))
}

/// The kind a sheet's content looks like, with its header row: the kind
/// whose columns its best header row names most.
fn looks_like(sheet: &RawSheet) -> Option<(usize, usize)> {
    KINDS
        .iter()
        .enumerate()
        .filter_map(|(kind, (_, columns))| header_row(sheet, columns).map(|(row, score)| (kind, row, score)))
        .max_by_key(|(kind, _, score)| (*score, usize::MAX - kind))
        .map(|(kind, row, _)| (kind, row))
}

/// The sheet cut at its header row. A sheet named as the template names it
/// but without a recognisable header row keeps its first row as headers, so
/// the missing columns are named there.
fn cut(sheet: &RawSheet, header: Option<usize>) -> SheetData {
    let at = header.unwrap_or(0);
    let Some((header_row, headers)) = sheet.rows.get(at) else {
        return SheetData { name: sheet.name.clone(), ..SheetData::default() };
    };
    SheetData {
        name: sheet.name.clone(),
        header_row: *header_row,
        headers: texts(headers),
        rows: sheet.rows[at + 1..].to_vec(),
    }
}

/// Picks the members, localities and liaisons sheets: by the template's
/// names first, then by content (a visible sheet before a hidden one); tells
/// what it read and what it did not. None: nothing in the file looks like a
/// roster.
pub fn arrange(sheets: &[RawSheet]) -> Option<Workbook> {
    let mut chosen: [Option<(usize, Option<usize>)>; 3] = [None; 3];
    for (i, s) in sheets.iter().enumerate() {
        if let Some(kind) = KINDS.iter().position(|(name, _)| *name == s.name.trim()) {
            chosen[kind] = Some((i, header_row(s, KINDS[kind].1).map(|(r, _)| r)));
        }
    }
    let by_content: Vec<(usize, usize, usize)> = sheets
        .iter()
        .enumerate()
        .filter(|(i, s)| s.name.trim() != HELP && !chosen.iter().flatten().any(|(c, _)| c == i))
        .filter_map(|(i, s)| looks_like(s).map(|(kind, row)| (i, kind, row)))
        .collect();
    for hidden in [false, true] {
        for &(i, kind, row) in &by_content {
            if sheets[i].hidden == hidden && chosen[kind].is_none() && !chosen.iter().flatten().any(|(c, _)| *c == i) {
                chosen[kind] = Some((i, Some(row)));
            }
        }
    }
    if chosen.iter().all(Option::is_none) {
        return None;
    }
    let mut wb = Workbook::default();
    for (kind, pick) in chosen.iter().enumerate() {
        let Some((i, header)) = *pick else { continue };
        let s = &sheets[i];
        let data = cut(s, header);
        wb.notices.push(Notice::note(&s.name, data.header_row, "roster.note.sheet_read", KINDS[kind].0));
        if s.hidden {
            wb.notices.push(Notice::warning(&s.name, 0, "roster.note.hidden_sheet", ""));
        }
        let hidden: Vec<u32> = s.hidden_rows.iter().copied().filter(|r| *r > data.header_row).collect();
        let read: Vec<u32> = hidden
            .iter()
            .copied()
            .filter(|r| data.rows.iter().any(|(n, c)| n == r && c.iter().any(|c| !c.is_blank())))
            .collect();
        if !read.is_empty() {
            let mut list: Vec<String> = read.iter().take(LISTED_ROWS).map(u32::to_string).collect();
            if read.len() > LISTED_ROWS {
                list.push("…".into());
            }
            wb.notices.push(Notice::warning(&s.name, 0, "roster.note.hidden_rows", list.join("、")));
        }
        let slot = match kind {
            0 => &mut wb.members,
            1 => &mut wb.localities,
            _ => &mut wb.liaisons,
        };
        *slot = Some(data);
    }
    for &(i, kind, _) in &by_content {
        if !sheets[i].hidden && !chosen.iter().flatten().any(|(c, _)| *c == i) {
            wb.notices.push(Notice::warning(&sheets[i].name, 0, "roster.note.sheet_not_read", KINDS[kind].0));
        }
    }
    Some(wb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn raw(name: &str, rows: Vec<Vec<&str>>) -> RawSheet {
        RawSheet {
            name: name.into(),
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i as u32 + 1, r.into_iter().map(t).collect()))
                .filter(|(_, r): &(u32, Vec<Cell>)| !r.is_empty())
                .collect(),
            ..RawSheet::default()
        }
    }

    fn member_sheet(name: &str) -> RawSheet {
        raw(
            name,
            vec![
                vec!["2026年湖滨区政协委员花名册"],
                vec!["填报单位：高庙乡"],
                vec!["序号", "姓名", "性别", "民族", "出生年月", "党派", "联系电话", "届别", "所在乡镇（街道）"],
                vec!["1", "王强", "男", "汉", "1975.03", "中共", "13839801234", "十届", "高庙乡"],
            ],
        )
    }

    #[test]
    fn the_header_row_is_found_under_title_rows() {
        let wb = arrange(&[member_sheet("Sheet1")]).expect("a roster");
        let m = wb.members.expect("members");
        assert_eq!((m.name.as_str(), m.header_row), ("Sheet1", 3));
        assert_eq!(m.rows.len(), 1);
        assert!(wb.localities.is_none() && wb.liaisons.is_none());
        assert_eq!(wb.notices, vec![Notice::note("Sheet1", 3, "roster.note.sheet_read", MEMBERS)]);
    }

    #[test]
    fn names_first_then_content_visible_first_and_the_rest_reported() {
        let mut hidden = member_sheet("旧名单");
        hidden.hidden = true;
        hidden.hidden_rows = vec![4];
        let sheets = [hidden.clone(), member_sheet("2026年委员花名册"), member_sheet("2025年委员花名册")];
        let wb = arrange(&sheets).expect("a roster");
        assert_eq!(wb.members.as_ref().map(|m| m.name.as_str()), Some("2026年委员花名册"));
        let warnings: Vec<(&str, &str)> =
            wb.notices.iter().filter(|n| n.warning).map(|n| (n.sheet.as_str(), n.key)).collect();
        assert_eq!(warnings, vec![("2025年委员花名册", "roster.note.sheet_not_read")], "a hidden copy is not reported");

        // Only the hidden sheet: read, with warnings for it and its hidden row.
        let wb = arrange(&[hidden]).expect("a roster");
        let warnings: Vec<(&str, &str)> =
            wb.notices.iter().filter(|n| n.warning).map(|n| (n.key, n.arg.as_str())).collect();
        assert_eq!(warnings, vec![("roster.note.hidden_sheet", ""), ("roster.note.hidden_rows", "4")]);

        // A sheet named 委员 is the members sheet even with unknown headers.
        let wb =
            arrange(&[raw("委员", vec![vec!["甲", "乙"], vec!["1", "2"]]), member_sheet("Sheet2")]).expect("named");
        assert_eq!(wb.members.as_ref().map(|m| (m.name.as_str(), m.header_row)), Some(("委员", 1)));
        assert_eq!(wb.notices.last().map(|n| n.key), Some("roster.note.sheet_not_read"));
        assert!(arrange(&[raw("Sheet1", vec![vec!["姓名"], vec!["王强"]])]).is_none());
    }
}
