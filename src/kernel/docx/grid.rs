//! A table of columns with a shaded header row in 五号 (the archive's
//! contents, the proposal catalogue): fixed widths across A4, rows never
//! split across pages, a cell's lines kept as its own paragraphs.

use docx_rs::{AlignmentType, Paragraph, Shading, Table, TableCell, TableRow, VAlignType, WidthType};

use super::{BODY_FONT, HEADING_FONT, TEXT_WIDTH, run};

/// 五号, 10.5 pt.
const WUHAO: usize = 21;

fn cell(text: &str, width: usize, font: &str, shade: bool) -> TableCell {
    let mut c = TableCell::new().width(width, WidthType::Dxa).vertical_align(VAlignType::Center);
    for line in text.split('\n') {
        c = c.add_paragraph(Paragraph::new().add_run(run(line, font, WUHAO)).align(AlignmentType::Left));
    }
    if shade { c.shading(Shading::new().fill("F2F2F2")) } else { c }
}

/// `headers` and `widths` (twips, summing to the text width) per column.
pub fn grid<const N: usize>(headers: [&str; N], widths: [usize; N], rows: Vec<[String; N]>) -> Table {
    let header =
        TableRow::new(headers.iter().zip(widths).map(|(h, w)| cell(h, w, HEADING_FONT, true)).collect()).cant_split();
    let body = rows
        .into_iter()
        .map(|r| TableRow::new(r.iter().zip(widths).map(|(t, w)| cell(t, w, BODY_FONT, false)).collect()).cant_split());
    Table::new(std::iter::once(header).chain(body).collect())
        .set_grid(widths.to_vec())
        .width(TEXT_WIDTH, WidthType::Dxa)
}
