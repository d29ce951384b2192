//! The year-end finance reports as xlsx (`kernel::xlsx`), in Chinese as the
//! finance office files them: one set of books (the lines, then every
//! expense with its numbered receipts), and the district's summary over
//! offices. Every figure is a sum of expenses in the list or the books.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::funds::model::ExpenseStatus;
use crate::funds::store::budgets::{LineTotals, Sums};
use crate::funds::store::year_end::{BooksYear, DistrictYear, Listed};
use crate::kernel::error::AppResult;
use crate::kernel::web::i18n::Lang;
use crate::kernel::xlsx::{self as sheet, Formats, Print, Sheet};

/// The fixed texts: an archive document, always in Chinese.
pub mod zh {
    pub const LINES_SHEET: &str = "预算执行";
    pub const LIST_SHEET: &str = "支出明细";
    pub const OFFICES_SHEET: &str = "各办公室汇总";
    pub const BY_LINE_SHEET: &str = "分科目支出";
    pub const SUMS: [&str; 6] = ["预算", "已支出", "待审批", "结余", "执行率", ""];
    pub const LIST: [&str; 9] =
        ["凭证号", "支出日期", "预算科目", "收款方", "用途", "支出对象", "金额", "状态", "票据"];
    pub const TOTAL: &str = "合计";
    pub const LINE: &str = "预算科目";
    pub const OFFICE: &str = "工作办公室";
    pub const OWN: &str = "区政协本级";
    pub const FOR_OFFICE: &str = "办公室日常运行";
    pub const NO_RECEIPT: &str = "无";
    pub const FILE: &str = "经费决算";

    pub fn title(committee: &str, books: &str, year: i32, what: &str) -> String {
        format!("{committee}{books} {year}年度{what}")
    }
    pub fn note(printed: &str) -> String {
        format!(
            "金额单位：元。已支出为已审批和已支付的支出，冲销已抵减；待审批的未计入已支出；结余为负表示经区政协批准的超预算支出。导出日期：{printed}"
        )
    }
    pub fn spent_total(n: usize) -> String {
        format!("已支出合计（{n}笔）")
    }
}

const HEADER_ROW: u32 = 3;

/// One set of books' year-end report: the lines, then the expense list.
pub fn books_year(y: &BooksYear, printed: NaiveDate) -> AppResult<Vec<u8>> {
    write_books(y, printed).map_err(sheet::error)
}

/// The district's summary: each office's totals, then spending by line.
pub fn district_year(y: &DistrictYear, printed: NaiveDate) -> AppResult<Vec<u8>> {
    write_district(y, printed).map_err(sheet::error)
}

fn zh_label(key: String) -> String {
    Lang::Zh.t(&key)
}

fn write_books(y: &BooksYear, printed: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let bold = Formats::bold();
    let books = y.office.as_deref().unwrap_or(zh::OWN);
    let mut book = Workbook::new();
    {
        let mut ws = Sheet::new(book.add_worksheet(), zh::LINES_SHEET)?;
        let title = zh::title(&y.committee, books, y.year, "经费决算表");
        ws.title(0, &title);
        ws.note(1, &zh::note(&printed.to_string()));
        let mut headers = vec![zh::LINE];
        headers.extend(&zh::SUMS[..5]);
        ws.headers(HEADER_ROW, &headers, &f.header)?;
        let mut row = HEADER_ROW + 1;
        for l in &y.lines {
            ws.text(row, 0, &zh_label(l.line.label_key()), &f.text)?;
            sums_row(&mut ws, row, &l.sums, &f)?;
            row += 1;
        }
        ws.text(row, 0, zh::TOTAL, &bold.text)?;
        sums_row(&mut ws, row, &Sums::total(y.lines.iter().map(|l| &l.sums)), &bold)?;
        ws.finish(&Print { title: &title, printed, header_rows: (HEADER_ROW, HEADER_ROW) })?;
    }
    {
        let mut ws = Sheet::new(book.add_worksheet(), zh::LIST_SHEET)?;
        let title = zh::title(&y.committee, books, y.year, "支出明细");
        ws.title(0, &title);
        ws.note(1, &zh::note(&printed.to_string()));
        ws.headers(HEADER_ROW, &zh::LIST, &f.header)?;
        let mut row = HEADER_ROW + 1;
        for x in &y.expenses {
            expense_row(&mut ws, row, x, &f)?;
            row += 1;
        }
        let spent: Vec<&Listed> = y.expenses.iter().filter(|x| counts(x.e.status)).collect();
        ws.text(row, 0, &zh::spent_total(spent.len()), &bold.text)?;
        ws.money(row, 6, spent.iter().map(|x| x.e.amount).sum::<crate::funds::money::Fen>().0, &bold.money)?;
        ws.worksheet().set_freeze_panes(HEADER_ROW + 1, 0)?;
        ws.finish(&Print { title: &title, printed, header_rows: (HEADER_ROW, HEADER_ROW) })?;
    }
    book.save_to_buffer()
}

/// Approved and paid: what the books count as spent.
fn counts(s: ExpenseStatus) -> bool {
    matches!(s, ExpenseStatus::Approved | ExpenseStatus::Paid)
}

fn expense_row(ws: &mut Sheet<'_>, row: u32, x: &Listed, f: &Formats) -> Result<(), XlsxError> {
    let e = &x.e;
    ws.number(row, 0, f64::from(e.voucher_no), &f.number)?;
    ws.date(row, 1, &e.spent_on, &f.date)?;
    ws.text(row, 2, &zh_label(e.line.label_key()), &f.text)?;
    ws.text(row, 3, &e.payee, &f.text)?;
    ws.text(row, 4, &e.purpose, &f.text)?;
    ws.text(row, 5, x.record.as_deref().unwrap_or(zh::FOR_OFFICE), &f.text)?;
    ws.money(row, 6, e.amount.0, &f.money)?;
    ws.text(row, 7, &zh_label(e.status.label_key()), &f.text)?;
    // Numbered as filed: voucher 12's receipts are 12-1, 12-2 …
    let receipts = if x.receipts.is_empty() {
        zh::NO_RECEIPT.to_string()
    } else {
        x.receipts.iter().map(|r| format!("{}-{} {}", e.voucher_no, r.no, r.name)).collect::<Vec<_>>().join("\n")
    };
    ws.text(row, 8, &receipts, &f.text)
}

/// Budget, spent, pending, left and the rate spent (blank without a budget)
/// in columns 1 to 5.
fn sums_row(ws: &mut Sheet<'_>, row: u32, s: &Sums, f: &Formats) -> Result<(), XlsxError> {
    ws.money(row, 1, s.budget.0, &f.money)?;
    ws.money(row, 2, s.spent.0, &f.money)?;
    ws.money(row, 3, s.pending.0, &f.money)?;
    ws.money(row, 4, s.left.0, &f.money)?;
    let rate = (s.budget.0 > 0).then(|| s.spent.0 as f64 / s.budget.0 as f64);
    ws.optional(row, 5, rate, &f.percent)
}

fn write_district(y: &DistrictYear, printed: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let bold = Formats::bold();
    let mut book = Workbook::new();
    let totals = |lines: &[LineTotals]| Sums::total(lines.iter().map(|l| &l.sums));
    {
        let mut ws = Sheet::new(book.add_worksheet(), zh::OFFICES_SHEET)?;
        let title = zh::title(&y.committee, "", y.year, "经费决算汇总表");
        ws.title(0, &title);
        ws.note(1, &zh::note(&printed.to_string()));
        let mut headers = vec![zh::OFFICE];
        headers.extend(&zh::SUMS[..5]);
        ws.headers(HEADER_ROW, &headers, &f.header)?;
        let mut row = HEADER_ROW + 1;
        let mut all = vec![];
        for (name, lines) in y.offices.iter().map(|(n, l)| (n.as_str(), l)).chain([(zh::OWN, &y.own)]) {
            let t = totals(lines);
            ws.text(row, 0, name, &f.text)?;
            sums_row(&mut ws, row, &t, &f)?;
            all.push(t);
            row += 1;
        }
        ws.text(row, 0, zh::TOTAL, &bold.text)?;
        sums_row(&mut ws, row, &Sums::total(&all), &bold)?;
        ws.worksheet().set_freeze_panes(HEADER_ROW + 1, 1)?;
        ws.finish(&Print { title: &title, printed, header_rows: (HEADER_ROW, HEADER_ROW) })?;
    }
    {
        let mut ws = Sheet::new(book.add_worksheet(), zh::BY_LINE_SHEET)?;
        let title = zh::title(&y.committee, "", y.year, "分科目支出表");
        ws.title(0, &title);
        ws.note(1, &zh::note(&printed.to_string()));
        let line_names: Vec<String> = y.own.iter().map(|l| zh_label(l.line.label_key())).collect();
        let mut headers = vec![zh::OFFICE.to_string()];
        headers.extend(line_names);
        headers.push(zh::TOTAL.into());
        ws.headers(HEADER_ROW, &headers, &f.header)?;
        let mut row = HEADER_ROW + 1;
        let rows: Vec<(&str, &Vec<LineTotals>)> =
            y.offices.iter().map(|(n, l)| (n.as_str(), l)).chain([(zh::OWN, &y.own)]).collect();
        for (name, lines) in &rows {
            ws.text(row, 0, name, &f.text)?;
            spent_by_line(&mut ws, row, lines.iter().map(|l| l.sums.spent.0), &f.money)?;
            row += 1;
        }
        ws.text(row, 0, zh::TOTAL, &bold.text)?;
        let by_line = (0..y.own.len()).map(|i| rows.iter().filter_map(|(_, l)| l.get(i)).map(|l| l.sums.spent.0).sum());
        spent_by_line(&mut ws, row, by_line, &bold.money)?;
        ws.worksheet().set_freeze_panes(HEADER_ROW + 1, 1)?;
        ws.finish(&Print { title: &title, printed, header_rows: (HEADER_ROW, HEADER_ROW) })?;
    }
    book.save_to_buffer()
}

/// Each line's spending from column 1, then their total.
fn spent_by_line(
    ws: &mut Sheet<'_>,
    row: u32,
    fen: impl Iterator<Item = i64>,
    money: &Format,
) -> Result<(), XlsxError> {
    let mut col = 1;
    let mut total = 0i64;
    for v in fen {
        ws.money(row, col, v, money)?;
        total = total.saturating_add(v);
        col += 1;
    }
    ws.money(row, col, total, money)
}
