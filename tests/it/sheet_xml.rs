//! A generated xlsx read as an office prints it: each sheet's page setup,
//! column widths, page header and footer (xl/worksheets/sheetN.xml) and the
//! rows repeated on every page (xl/workbook.xml's print titles), checked the
//! same way for every export.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use xieshang::kernel::xlsx::{MAX_WIDTH, balanced_width, column_width, display_width};

fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut xml = String::new();
    zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the xlsx")).read_to_string(&mut xml).expect("utf-8");
    xml
}

/// The XML of the `n`th sheet (1-based).
pub fn sheet(bytes: &[u8], n: usize) -> String {
    part(bytes, &format!("xl/worksheets/sheet{n}.xml"))
}

/// The first element `<tag …>` of `xml`, as written.
fn element<'a>(xml: &'a str, tag: &str) -> &'a str {
    let start = xml.find(&format!("<{tag} ")).or_else(|| xml.find(&format!("<{tag}>")));
    let start = start.unwrap_or_else(|| panic!("no <{tag}> in the sheet"));
    let end = xml[start..].find('>').map(|e| start + e + 1).unwrap_or(xml.len());
    &xml[start..end]
}

/// The text between `<tag>` and `</tag>`.
fn inner<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|s| s + open.len()).unwrap_or_else(|| panic!("no <{tag}>"));
    let end = xml[start..].find(&format!("</{tag}>")).map(|e| start + e).unwrap_or(xml.len());
    &xml[start..end]
}

/// Column widths as written: (first column, last column, width), 1-based.
pub fn widths(xml: &str) -> Vec<(u32, u32, f64)> {
    let cols = xml.split("<cols>").nth(1).and_then(|c| c.split("</cols>").next()).expect("<cols> in the sheet");
    cols.split("<col ")
        .skip(1)
        .map(|c| {
            let attr = |name: &str| -> String {
                c.split(&format!("{name}=\"")).nth(1).and_then(|v| v.split('"').next()).unwrap_or("").to_string()
            };
            let n = |name: &str| attr(name).parse::<f64>().unwrap_or_else(|_| panic!("{name} in <col {c}"));
            (n("min") as u32, n("max") as u32, n("width"))
        })
        .collect()
}

/// The width of column `col` (0-based), in Excel's units.
pub fn width_of(xml: &str, col: u32) -> f64 {
    widths(xml)
        .into_iter()
        .find(|(min, max, _)| (*min..=*max).contains(&(col + 1)))
        .map(|(.., w)| w)
        .unwrap_or_else(|| panic!("no width set for column {col}"))
}

/// The settings every export prints with, on sheet `n` (1-based) whose
/// table's header is on row `header_row` (0-based): A4 landscape, one page
/// wide and as long as it takes, the header row repeated, the title in the
/// page header, the date and page numbers in the footer.
pub fn assert_prints(bytes: &[u8], n: usize, header_row: u32, title: &str) {
    let xml = sheet(bytes, n);
    let setup = element(&xml, "pageSetup");
    for attr in ["paperSize=\"9\"", "orientation=\"landscape\"", "fitToHeight=\"0\""] {
        assert!(setup.contains(attr), "sheet {n}: {attr} in {setup}");
    }
    // One page wide is the file format's default, so it may be left out.
    assert!(!setup.contains("fitToWidth=") || setup.contains("fitToWidth=\"1\""), "sheet {n}: {setup}");
    assert!(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "sheet {n}: fit to page");
    let header = inner(&xml, "oddHeader");
    assert!(header.contains(title), "sheet {n}: the title {title} in the page header {header}");
    let footer = inner(&xml, "oddFooter");
    assert!(footer.contains("导出日期") && footer.contains("&amp;P") && footer.contains("&amp;N"), "{footer}");
    let book = part(bytes, "xl/workbook.xml");
    let row = header_row + 1;
    let titles = book
        .split("<definedName ")
        .find(|d| d.contains("_xlnm.Print_Titles") && d.contains(&format!("localSheetId=\"{}\"", n - 1)))
        .unwrap_or_else(|| panic!("sheet {n}: no print titles in {book}"));
    assert!(titles.contains(&format!("${row}:${row}<")), "sheet {n}: row {row} repeated: {titles}");
}

/// How a value prints, for measuring: text as it is, dates as
/// `yyyy-mm-dd hh:mm` (or without the time), numbers by their digits.
fn shown(d: &Data) -> String {
    match d {
        Data::DateTime(t) => match t.as_datetime() {
            Some(t) if t.time() != chrono::NaiveTime::MIN => t.format("%Y-%m-%d %H:%M").to_string(),
            Some(t) => t.format("%Y-%m-%d").to_string(),
            None => t.to_string(),
        },
        Data::Float(f) if f.fract() != 0.0 => format!("{f:.1}"),
        other => other.to_string(),
    }
}

/// Every column of sheet `name` (the `n`th) is at least as wide as the
/// widest value from its header row down (within the maximum, beyond
/// which text wraps).
pub fn assert_widths_cover(bytes: &[u8], n: usize, name: &str, header_row: u32) {
    let xml = sheet(bytes, n);
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an xlsx");
    let range = book.worksheet_range(name).unwrap_or_else(|_| panic!("sheet {name}"));
    let (top, left) = range.start().unwrap_or((0, 0));
    for (r, row) in range.rows().enumerate() {
        if (r as u32 + top) < header_row {
            continue;
        }
        for (c, cell) in row.iter().enumerate() {
            let text = shown(cell);
            if text.is_empty() {
                continue;
            }
            let col = c as u32 + left;
            let has = width_of(&xml, col);
            let w = text.lines().map(display_width).max().unwrap_or(0);
            if column_width(w) >= MAX_WIDTH {
                // Too long for one line: wrapped, in even lines.
                let reference = format!("{}{}", char::from(b'A' + col as u8), r as u32 + top + 1);
                assert!(wraps(bytes, n, &reference), "{name}: {reference} {text:?} wraps");
                assert!(has >= balanced_width(w) as f64, "{name}: column {col} is {has} wide for {text:?}");
            } else {
                assert!(has >= column_width(w) as f64, "{name}: column {col} is {has} wide, {text:?} needs {w}");
            }
        }
    }
}

/// Whether a wrapping format applies to long text: its cell's style has
/// `wrapText`. Checked through the styles part for cell `reference` (`D5`).
pub fn wraps(bytes: &[u8], n: usize, reference: &str) -> bool {
    let xml = sheet(bytes, n);
    let cell = xml
        .split("<c r=\"")
        .find(|c| c.starts_with(&format!("{reference}\"")))
        .unwrap_or_else(|| panic!("no cell {reference}"));
    let style: usize =
        cell.split("s=\"").nth(1).and_then(|s| s.split('"').next()).and_then(|s| s.parse().ok()).unwrap_or(0);
    let styles = part(bytes, "xl/styles.xml");
    let xfs = styles.split("<cellXfs").nth(1).and_then(|x| x.split("</cellXfs>").next()).expect("cellXfs");
    let xf = xfs.split("<xf ").nth(style + 1).unwrap_or("");
    xf.split("<xf").next().unwrap_or("").contains("wrapText=\"1\"")
}
