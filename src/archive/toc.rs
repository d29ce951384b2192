//! The bundle's table of contents (目录.docx) and lists (清单.xlsx), in
//! Chinese as the archive is filed: every record by category with its 档号,
//! 题名, 责任者, date and the names of its attachments in the bundle, so an
//! archivist can check the bundle against its contents page by page.

use chrono::{NaiveDate, NaiveDateTime};
use docx_rs::{Paragraph, Table};
use rust_xlsxwriter::Workbook;

use super::model::{Category, Piece};
use super::store::books::OnRoster;
use crate::duty::scores::Ranked;
use crate::duty::time::days_text;
use crate::kernel::docx::{self, BODY_FONT, Props, TEXT_WIDTH, chinese_date, run, size};
use crate::kernel::error::AppResult;
use crate::kernel::web::i18n::Lang;
use crate::kernel::xlsx::{self, Formats, Print, Sheet};

/// The columns' widths in twips: 件号, 档号, 题名, 责任者, 日期, 附件.
const WIDTHS: [usize; 6] = [620, 1500, 2900, 1100, 1100, TEXT_WIDTH - 620 - 1500 - 2900 - 1100 - 1100];
const HEADERS: [&str; 6] = ["件号", "档号", "题名", "责任者", "日期", "附件"];
const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// What the bundle holds, for its contents and lists.
pub struct Contents<'a> {
    pub office: &'a str,
    pub year: i32,
    pub pieces: &'a [Piece],
    /// Each piece's attachments as named in the bundle, in the pieces' order.
    pub names: &'a [Vec<String>],
    pub roster: &'a [OnRoster],
    pub duty: &'a [Ranked],
    pub made: NaiveDateTime,
}

fn table(rows: Vec<[String; 6]>) -> Table {
    docx::grid(HEADERS, WIDTHS, rows)
}

/// 目录.docx.
pub fn docx(c: &Contents<'_>) -> AppResult<Vec<u8>> {
    let title = format!("{}{}年度政协工作档案目录", c.office, c.year);
    let files: usize = c.names.iter().map(Vec::len).sum();
    let mut doc = docx::a4(size::SANHAO).add_paragraph(docx::title(&title, 240));
    doc = doc.add_paragraph(docx::subtitle(&format!("共{}件，附件{}个", c.pieces.len(), files)));
    for (i, cat) in Category::ALL.iter().enumerate() {
        let rows: Vec<[String; 6]> = c
            .pieces
            .iter()
            .zip(c.names)
            .filter(|(p, _)| p.category == *cat)
            .map(|(p, names)| {
                let files = if names.is_empty() { "无".to_string() } else { names.join("\n") };
                [p.number.to_string(), p.reference(c.year), title_of(p), p.by.clone(), date(p.date), files]
            })
            .collect();
        let name = Lang::Zh.t(&cat.label_key());
        let heading = format!("{}、{}（{}件）", NUMERALS.get(i).copied().unwrap_or("十"), name, rows.len());
        doc = doc.add_paragraph(docx::heading(&heading).line_spacing(docx_rs::LineSpacing::new().before(240)));
        doc =
            if rows.is_empty() { doc.add_paragraph(cell_text("本年度无。")) } else { doc.add_table(table(rows)) };
    }
    doc = doc.add_paragraph(docx::heading("说明").line_spacing(docx_rs::LineSpacing::new().before(240)));
    for p in docx::body(
        "档号由年度、类别代码和件号组成，件号在各类别内按日期编排。\n\
         清单.xlsx 按类别列出全部条目，组织建设和委员履职两类分别见“委员名册”和“履职天数和积分”工作表。\n\
         附件按类别存放于“附件”文件夹，文件名以档号和序号开头，与本目录“附件”栏一致。",
    ) {
        doc = doc.add_paragraph(p);
    }
    doc = doc.add_paragraph(docx::left_right(
        &format!("立档单位：{}", c.office),
        &format!("编制日期：{}", chinese_date(c.made.date())),
        size::SIHAO,
    ));
    docx::pack(doc, &Props::new(c.office, &title, c.made), "archive contents")
}

/// The title with the record's note, as an archivist reads it in one cell.
fn title_of(p: &Piece) -> String {
    if p.note.is_empty() { p.title.clone() } else { format!("{}（{}）", p.title, p.note) }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn cell_text(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text, BODY_FONT, size::SIHAO))
}

/// 清单.xlsx: a sheet per category, the roster and the duty table.
pub fn xlsx(c: &Contents<'_>) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let f = Formats::new();
    let printed = c.made.date();
    // The roster's and the duty's one record each are listed in full on
    // their own sheets below.
    for cat in Category::ALL.iter().copied().filter(|c| !matches!(c, Category::Roster | Category::Duty)) {
        let name = Lang::Zh.t(&cat.label_key());
        let title = format!("{}{}年度档案清单：{}", c.office, c.year, name);
        let mut s = Sheet::new(wb.add_worksheet(), &name).map_err(xlsx::error)?;
        s.title(0, &title);
        let heads = ["件号", "档号", "题名", "责任者", "日期", "说明", "附件数", "附件"];
        s.headers(1, &heads, &f.header).map_err(xlsx::error)?;
        let listed = c.pieces.iter().zip(c.names).filter(|(p, _)| p.category == cat);
        for (row, (p, names)) in (2..).zip(listed) {
            s.number(row, 0, f64::from(p.number), &f.number).map_err(xlsx::error)?;
            s.text(row, 1, &p.reference(c.year), &f.text).map_err(xlsx::error)?;
            s.text(row, 2, &p.title, &f.text).map_err(xlsx::error)?;
            s.text(row, 3, &p.by, &f.text).map_err(xlsx::error)?;
            s.date(row, 4, &p.date, &f.date).map_err(xlsx::error)?;
            s.text(row, 5, &p.note, &f.text).map_err(xlsx::error)?;
            s.number(row, 6, names.len() as f64, &f.number).map_err(xlsx::error)?;
            s.text(row, 7, &names.join("\n"), &f.text).map_err(xlsx::error)?;
        }
        s.finish(&Print { title: &title, printed, header_rows: (1, 1) }).map_err(xlsx::error)?;
    }
    roster_sheet(&mut wb, c, &f)?;
    duty_sheet(&mut wb, c, &f)?;
    wb.save_to_buffer().map_err(xlsx::error)
}

fn roster_sheet(wb: &mut Workbook, c: &Contents<'_>, f: &Formats) -> AppResult<()> {
    let title = format!("{}{}年度委员名册", c.office, c.year);
    let mut s = Sheet::new(wb.add_worksheet(), "委员名册").map_err(xlsx::error)?;
    s.title(0, &title);
    let heads = ["序号", "姓名", "性别", "界别", "工作单位", "职务", "状态", "离任日期", "本年新增"];
    s.headers(1, &heads, &f.header).map_err(xlsx::error)?;
    for (i, m) in c.roster.iter().enumerate() {
        let row = 2 + i as u32;
        s.number(row, 0, (i + 1) as f64, &f.number).map_err(xlsx::error)?;
        s.text(row, 1, &m.name, &f.text).map_err(xlsx::error)?;
        s.text(row, 2, &gender(&m.gender), &f.text).map_err(xlsx::error)?;
        s.text(row, 3, m.sector.as_deref().unwrap_or(""), &f.text).map_err(xlsx::error)?;
        s.text(row, 4, &m.employer, &f.text).map_err(xlsx::error)?;
        s.text(row, 5, &m.post, &f.text).map_err(xlsx::error)?;
        s.text(row, 6, &Lang::Zh.t(&m.status.label_key()), &f.text).map_err(xlsx::error)?;
        match m.left_on {
            Some(d) => s.date(row, 7, &d, &f.date).map_err(xlsx::error)?,
            None => s.text(row, 7, "", &f.text).map_err(xlsx::error)?,
        }
        s.text(row, 8, if m.new { "是" } else { "" }, &f.text).map_err(xlsx::error)?;
    }
    s.finish(&Print { title: &title, printed: c.made.date(), header_rows: (1, 1) }).map_err(xlsx::error)
}

fn duty_sheet(wb: &mut Workbook, c: &Contents<'_>, f: &Formats) -> AppResult<()> {
    let title = format!("{}{}年度委员履职情况", c.office, c.year);
    let mut s = Sheet::new(wb.add_worksheet(), "履职天数和积分").map_err(xlsx::error)?;
    s.title(0, &title);
    s.headers(1, &["名次", "姓名", "履职天数", "履职积分"], &f.header).map_err(xlsx::error)?;
    for (i, r) in c.duty.iter().enumerate() {
        let row = 2 + i as u32;
        s.number(row, 0, f64::from(r.place), &f.number).map_err(xlsx::error)?;
        s.text(row, 1, &r.name, &f.text).map_err(xlsx::error)?;
        s.text(row, 2, &days_text(r.half_days), &f.text).map_err(xlsx::error)?;
        s.number(row, 3, f64::from(r.score), &f.number).map_err(xlsx::error)?;
    }
    s.finish(&Print { title: &title, printed: c.made.date(), header_rows: (1, 1) }).map_err(xlsx::error)
}

fn gender(code: &str) -> String {
    if code.is_empty() { String::new() } else { Lang::Zh.t(&format!("gender.{code}")) }
}
