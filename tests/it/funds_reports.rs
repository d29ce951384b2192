//! An expense's paperwork over HTTP on both databases: entered from its
//! activity's page, receipts uploaded while it is a draft and fixed once
//! submitted, the printed voucher with the amount in capitals, and the
//! year-end reports (an office's, the district's summary) listing it with
//! its receipts numbered, every total the sum of its rows.

use chrono::Datelike;

use crate::activity_exports::{cell, download, row_with, sheet_named};
use crate::support::{TestApp, distinct_png, location, post_ok};
use crate::{on_both_databases, sheet_xml};

on_both_databases!(an_expense_from_activity_to_year_end);

const PURPOSE: &str = "听民声活动横幅和资料印制";

/// The `id="…"` element's text on a page.
fn text_of(page: &str, id: &str) -> String {
    let at = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("#{id} on the page"));
    let rest = &page[at..];
    let start = rest.find('>').map_or(0, |i| i + 1);
    rest[start..start + rest[start..].find('<').unwrap_or(0)].trim().to_string()
}

/// A money cell as the sheet holds it, in fen.
fn fen(s: &str) -> i64 {
    (s.parse::<f64>().unwrap_or_else(|_| panic!("a number: {s}")) * 100.0).round() as i64
}

async fn an_expense_from_activity_to_year_end(app: TestApp) {
    let year = xieshang::kernel::time::today().year();
    let staff = app.login_as("gaomiao").await;
    let gaomiao = app.office_id("高庙乡");
    let activity = crate::activity_exports::held_visit(&app).await.id;

    // The activity's page offers to enter its costs, with it chosen.
    let page = staff.get_text(&format!("/activities/{activity}")).await.1;
    assert!(page.contains("id=\"costs\""), "the costs card");
    let enter = format!("/funds/expenses/new?books={gaomiao}&amp;record=activity:{activity}");
    assert!(page.contains(&enter), "enter a cost from the activity");
    let form = staff.get_text(&enter.replace("&amp;", "&")).await.1;
    assert!(form.contains(&format!("value=\"activity:{activity}\" selected")), "the activity preselected");

    let today = xieshang::kernel::time::today().to_string();
    let r = staff
        .post_form(
            "/funds/expenses",
            &[
                ("books", &gaomiao.to_string()),
                ("line", "activities"),
                ("spent_on", &today),
                ("amount", "1280.5"),
                ("payee", "高庙乡文印店"),
                ("purpose", PURPOSE),
                ("record", &format!("activity:{activity}")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let href = location(&r);
    let id: i64 = href.trim_start_matches("/funds/expenses/").parse().expect("an expense page");

    // Receipts while it is a draft; the list numbers them.
    let r = staff.upload_png(&format!("{href}/receipts"), &[], "receipts", "发票.png", &distinct_png(1)).await;
    assert_eq!(r.status(), 303);
    let r = staff.upload_png(&format!("{href}/receipts"), &[], "receipts", "收据.png", &distinct_png(2)).await;
    assert_eq!(r.status(), 303);
    let page = staff.get_text(&href).await.1;
    assert!(page.contains("发票.png") && page.contains("收据.png") && page.contains("id=\"receipt-form\""));
    let file = page
        .split(&format!("/funds/expenses/{id}/files/"))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a receipt link")
        .to_string();
    let receipt = format!("{href}/files/{file}");
    let got = staff.get(&receipt).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    let jianhe = app.login_as("jianhe").await;
    assert_eq!(jianhe.get(&receipt).await.status(), 404, "another office gets nothing");
    assert_eq!(jianhe.get(&format!("{href}/voucher")).await.status(), 404);
    let member = app.login_as("member").await;
    assert_eq!(member.get(&receipt).await.status(), 404);

    // The voucher: amount in capitals, the receipts counted, not yet approved.
    let voucher = staff.get_text(&format!("{href}/voucher")).await.1;
    assert_eq!(text_of(&voucher, "voucher-words"), "壹仟贰佰捌拾元伍角整");
    assert_eq!(text_of(&voucher, "voucher-figures"), "¥1,280.50");
    assert!(text_of(&voucher, "voucher-receipts").starts_with("2张"), "{voucher}");
    assert!(voucher.contains("id=\"voucher-unapproved\""), "a draft is marked");

    // Submitted: receipts are fixed like the amount.
    post_ok(&staff, &format!("{href}/submit"), &[]).await;
    let before = app.audit_count("expense.attach");
    let r = staff.upload_png(&format!("{href}/receipts"), &[], "receipts", "补.png", &distinct_png(3)).await;
    assert_eq!(r.status(), 303);
    let page = staff.get_text(&location(&r)).await.1;
    assert!(!page.contains("补.png") && !page.contains("id=\"receipt-form\""), "no receipt added after submission");
    assert_eq!(app.audit_count("expense.attach"), before);

    let admin = app.login_as("admin").await;
    post_ok(&admin, &format!("{href}/approve"), &[]).await;
    let voucher = admin.get_text(&format!("{href}/voucher")).await.1;
    assert!(!voucher.contains("id=\"voucher-unapproved\""), "approved");
    let page = staff.get_text(&format!("/activities/{activity}")).await.1;
    assert!(page.contains(&format!("href=\"{href}\"")), "the activity lists its cost");
    assert_eq!(text_of(&page, "costs-spent"), "1,280.50");

    // The office's year-end report lists it with its receipts numbered.
    let f = download(&staff, &format!("/funds/books.xlsx?books={gaomiao}&year={year}")).await;
    assert_eq!(f.status, 200);
    assert_eq!(f.file_name.as_deref(), Some(format!("经费决算_高庙乡_{year}.xlsx").as_str()));
    let list = sheet_named(&f.bytes, "支出明细");
    let row = row_with(&list, "用途", PURPOSE).expect("the expense listed");
    let voucher_no = cell(&row, "凭证号");
    assert_eq!(fen(&cell(&row, "金额")), 128_050);
    assert_eq!(cell(&row, "状态"), "已审批");
    assert_eq!(cell(&row, "支出对象"), crate::activity_exports::TITLE);
    assert_eq!(cell(&row, "票据"), format!("{voucher_no}-1 发票.png\n{voucher_no}-2 收据.png"));
    let lines = sheet_named(&f.bytes, "预算执行");
    let line = row_with(&lines, "预算科目", "活动经费").expect("the activities line");
    let spent_listed: i64 = list
        .iter()
        .filter(|r| r.get(7).is_some_and(|s| s == "已审批" || s == "已支付"))
        .filter(|r| r.get(2).is_some_and(|l| l == "活动经费"))
        .map(|r| fen(&r[6]))
        .sum();
    assert_eq!(fen(&cell(&line, "已支出")), spent_listed, "the line's spending is its listed expenses");
    let total = row_with(&lines, "预算科目", "合计").expect("a total row");
    let sum: i64 = lines.iter().skip(4).take(6).map(|r| fen(&r[2])).sum();
    assert_eq!(fen(&cell(&total, "已支出")), sum, "the total is the lines' sum");
    for (n, header_row) in [(1, 3), (2, 3)] {
        sheet_xml::assert_prints(&f.bytes, n, header_row, &format!("高庙乡 {year}年度"));
    }
    sheet_xml::assert_widths_cover(&f.bytes, 1, "预算执行", 3);
    sheet_xml::assert_widths_cover(&f.bytes, 2, "支出明细", 3);
    if let Some(pages) = crate::office::pdf_pages(&f.bytes, "xlsx") {
        assert_eq!(pages, 2, "each sheet on one page for a short year");
    }

    // The district's summary over offices agrees with the office's report.
    let f = download(&admin, &format!("/funds/books.xlsx?year={year}")).await;
    assert_eq!(f.status, 200);
    let offices = sheet_named(&f.bytes, "各办公室汇总");
    let row = row_with(&offices, "工作办公室", "高庙乡").expect("高庙乡 in the summary");
    assert_eq!(fen(&cell(&row, "已支出")), fen(&cell(&total, "已支出")));
    let by_line = sheet_named(&f.bytes, "分科目支出");
    let row = row_with(&by_line, "工作办公室", "高庙乡").expect("高庙乡 by line");
    assert_eq!(fen(&cell(&row, "合计")), fen(&cell(&total, "已支出")));
    let all = row_with(&offices, "工作办公室", "合计").expect("the district's total");
    let rows: i64 = offices.iter().skip(4).filter(|r| r.first().is_some_and(|n| n != "合计")).map(|r| fen(&r[2])).sum();
    assert_eq!(fen(&cell(&all, "已支出")), rows, "the district's total is its rows' sum");

    // The summary is the district's and leaders'; an office gets its own books only.
    assert_eq!(download(&staff, &format!("/funds/books.xlsx?books=district&year={year}")).await.status, 404);
    assert_eq!(download(&jianhe, &format!("/funds/books.xlsx?books={gaomiao}&year={year}")).await.status, 404);
    assert_eq!(download(&member, "/funds/books.xlsx").await.status, 404);
    let leader = app.login_as("leader").await;
    assert_eq!(download(&leader, &format!("/funds/books.xlsx?year={year}")).await.status, 200);
}
