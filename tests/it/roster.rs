//! The roster spreadsheet: import with a preview (nothing written until the
//! whole file is valid, re-import changes nothing), export scoped to the
//! office, and export → import as a no-op.

use chrono::NaiveDate;
use diesel::prelude::*;
use reqwest::multipart::{Form, Part};
use rust_xlsxwriter::{Format, Workbook as XlsxBook};
use xieshang::kernel::db::schema::{audit_log, liaisons, localities, members, offices};
use xieshang::org::roster::sheet::{Cell, Column, LIAISON_COLUMNS, LOCALITY_COLUMNS, MEMBER_COLUMNS};
use xieshang::org::roster::xlsx;

use crate::on_both_databases;
use crate::support::{Client, TestApp};

on_both_databases!(
    a_valid_file_imports_once_and_again_changes_nothing,
    a_bad_row_writes_nothing_and_is_named,
    office_staff_cannot_import_and_export_their_office_only,
    export_then_import_is_a_no_op,
);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A cell the test writes: text, or a real Excel date.
enum C<'a> {
    T(&'a str),
    D(i32, u32, u32),
}
use C::{D, T};

/// An xlsx with the given sheets: headers (required ones with `*`), then rows.
/// A sheet to write: its name, its columns, its rows.
type SheetSpec<'a> = (&'a str, &'a [Column], Vec<Vec<C<'a>>>);

fn book(sheets: &[SheetSpec<'_>]) -> Vec<u8> {
    let mut b = XlsxBook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, columns, rows) in sheets {
        let ws = b.add_worksheet();
        ws.set_name(*name).expect("name");
        for (i, c) in columns.iter().enumerate() {
            let h = if c.required { format!("{}*", c.header) } else { c.header.to_string() };
            ws.write_string(0, i as u16, h).expect("header");
        }
        for (r, row) in rows.iter().enumerate() {
            for (i, cell) in row.iter().enumerate() {
                let (r, i) = (r as u32 + 1, i as u16);
                match cell {
                    T("") => {}
                    T(s) => {
                        ws.write_string(r, i, *s).expect("cell");
                    }
                    D(y, m, d) => {
                        let d = NaiveDate::from_ymd_opt(*y, *m, *d).expect("date");
                        ws.write_with_format(r, i, &d, &date).expect("cell");
                    }
                }
            }
        }
    }
    b.save_to_buffer().expect("xlsx")
}

fn valid_file() -> Vec<u8> {
    book(&[
        (
            "委员",
            &MEMBER_COLUMNS,
            vec![
                vec![
                    T("示例：李明"),
                    T("男"),
                    T("汉族"),
                    T(""),
                    T("中共党员"),
                    T(""),
                    T(""),
                    T(""),
                    T("13800000000"),
                    T("第十届"),
                    T(""),
                ],
                vec![
                    T("测试甲"),
                    T("男"),
                    T("汉族"),
                    D(1970, 1, 2),
                    T("中共党员"),
                    T("教育界"),
                    T("湖滨区第三中学"),
                    T("校长"),
                    T("137 0000 0001"),
                    T("第十届"),
                    T("高庙乡"),
                ],
                vec![
                    T("测试乙"),
                    T("女"),
                    T("回族"),
                    T("1980/5/6"),
                    T("群众"),
                    T(""),
                    T(""),
                    T(""),
                    T("13700000002"),
                    T("第十届"),
                    T(""),
                ],
            ],
        ),
        (
            "村社区",
            &LOCALITY_COLUMNS,
            vec![
                vec![T("高庙乡"), T("测试村"), T("村"), T("高庙乡测试村村委会"), T("34.7"), T("111.2")],
                vec![T("涧河街道"), T("测试社区"), T("社区")],
            ],
        ),
        (
            "定点联系",
            &LIAISON_COLUMNS,
            vec![
                vec![T("13700000001"), T("测试甲"), T("高庙乡"), T("测试村"), D(2026, 3, 1)],
                vec![T("13700000002"), T(""), T("涧河街道"), T("测试社区"), T("2026-01-01"), T("2026年6月30日")],
            ],
        ),
    ])
}

pub(crate) async fn upload(c: &Client, bytes: Vec<u8>) -> reqwest::Response {
    let token = c.csrf().await;
    let part = Part::bytes(bytes).file_name("花名册.xlsx").mime_str(XLSX).expect("mime");
    let form = Form::new().text("_csrf", token).part("file", part);
    c.http.post(format!("{}/roster/import", c.base)).multipart(form).send().await.expect("POST")
}

pub(crate) fn sha_on(html: &str) -> Option<String> {
    let marker = "name=\"sha256\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..start + 64].to_string())
}

/// Members, localities, liaisons and audit entries in the database.
pub(crate) fn counts(app: &TestApp) -> [i64; 4] {
    app.db
        .read_blocking(|c| {
            Ok([
                members::table.count().get_result(c)?,
                localities::table.count().get_result(c)?,
                liaisons::table.count().get_result(c)?,
                audit_log::table.count().get_result(c)?,
            ])
        })
        .expect("counts")
}

/// The "new / changed / unchanged" cells of a sheet's row in the summary.
pub(crate) fn summary_row(html: &str, n: usize) -> String {
    let marker = format!("id=\"roster-count-{n}\"");
    let start = html.find(&marker).expect("summary row");
    let end = html[start..].find("</tr>").expect("row end") + start;
    html[start..end].split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn a_valid_file_imports_once_and_again_changes_nothing(app: TestApp) {
    let admin = app.login_as("admin").await;
    let (status, page) = admin.get_text("/roster").await;
    assert_eq!(status, 200);
    assert!(page.contains("action=\"/roster/import\"") && page.contains("enctype=\"multipart/form-data\""));

    let before = counts(&app);
    // One file uploaded twice: a workbook written anew carries a new creation
    // time, so its bytes (and hash) may differ from one second to the next.
    let file = valid_file();
    let r = upload(&admin, file.clone()).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("body");
    assert!(html.contains("文件检查通过"), "{html}");
    assert!(summary_row(&html, 1).contains("<td class=\"new\">2</td>"), "{}", summary_row(&html, 1));
    assert!(summary_row(&html, 2).contains("<td class=\"new\">2</td>"));
    assert!(summary_row(&html, 3).contains("<td class=\"new\">2</td>"));
    assert!(html.contains("已跳过 1 行"));
    assert_eq!(counts(&app), before, "the preview writes nothing");

    let sha = sha_on(&html).expect("confirm form");
    let r = admin.post_form("/roster/import/confirm", &[("sha256", &sha)]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("body");
    assert!(html.contains("导入完成"), "{html}");
    let after = counts(&app);
    assert_eq!([after[0] - before[0], after[1] - before[1], after[2] - before[2]], [2, 2, 2]);

    // What was written: the real Excel date, the text date, names resolved.
    let (birth, month_only, sector, office): (Option<NaiveDate>, bool, Option<String>, Option<String>) = app
        .db
        .read_blocking(|c| {
            use xieshang::kernel::db::schema::sectors;
            Ok(members::table
                .left_join(sectors::table)
                .left_join(offices::table.on(members::office_id.eq(offices::id.nullable())))
                .filter(members::phone.eq("13700000001"))
                .select((
                    members::birth_date,
                    members::birth_month_only,
                    sectors::name.nullable(),
                    offices::name.nullable(),
                ))
                .first(c)?)
        })
        .expect("member");
    assert_eq!((birth, month_only), (NaiveDate::from_ymd_opt(1970, 1, 2), false));
    assert_eq!((sector.as_deref(), office.as_deref()), (Some("教育界"), Some("高庙乡")));
    let ended: Option<NaiveDate> = app
        .db
        .read_blocking(|c| {
            Ok(liaisons::table
                .inner_join(members::table)
                .filter(members::phone.eq("13700000002"))
                .select(liaisons::end_on)
                .first(c)?)
        })
        .expect("liaison");
    assert_eq!(ended, NaiveDate::from_ymd_opt(2026, 6, 30));
    let imports: i64 = app
        .db
        .read_blocking(|c| Ok(audit_log::table.filter(audit_log::action.eq("roster.import")).count().get_result(c)?))
        .expect("audit");
    assert_eq!(imports, 1);

    // The same file again: nothing to do, and confirming anyway writes nothing.
    let html = upload(&admin, file).await.text().await.expect("body");
    assert!(html.contains("完全一致"), "{html}");
    assert!(summary_row(&html, 1).contains("<td class=\"unchanged\">2</td>"));
    assert!(summary_row(&html, 3).contains("<td class=\"unchanged\">2</td>"));
    assert!(!html.contains("id=\"roster-confirm\""));
    // Same bytes, same hash: the earlier confirm form still names this file.
    let r = admin.post_form("/roster/import/confirm", &[("sha256", &sha)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(counts(&app), after, "counts and audit log unchanged");
    // The confirm is used up.
    let r = admin.post_form("/roster/import/confirm", &[("sha256", &sha)]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("body").contains("已经过期或已经完成"));
}

async fn a_bad_row_writes_nothing_and_is_named(app: TestApp) {
    let admin = app.login_as("admin").await;
    let before = counts(&app);
    let member = |name, sector, birth, phone| {
        vec![
            T(name),
            T("男"),
            T("汉族"),
            T(birth),
            T("群众"),
            T(sector),
            T(""),
            T(""),
            T(phone),
            T("第十届"),
            T("高庙乡"),
        ]
    };
    let file = book(&[
        (
            "委员",
            &MEMBER_COLUMNS,
            vec![
                member("好人", "教育界", "1970-01-01", "13700000011"),
                member("错界别", "火星界", "1970-01-01", "13700000012"),
                member("错日期", "", "1970-13-01", "13700000013"),
                member("重号码", "", "", "13700000011"),
            ],
        ),
        ("村社区", &LOCALITY_COLUMNS, vec![vec![T("高庙乡"), T("好村"), T("村")]]),
    ]);
    let r = upload(&admin, file).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("body");
    assert!(html.contains("文件中发现 3 处问题，所以没有导入任何数据"), "{html}");
    assert!(html.contains("<td>委员</td><td>第 3 行</td><td>界别</td><td>系统中没有“火星界”这个界别"), "{html}");
    assert!(
        html.contains("<td>委员</td><td>第 4 行</td><td>出生日期</td><td>“1970-13-01”不是有效的出生日期"),
        "{html}"
    );
    assert!(html.contains("<td>委员</td><td>第 5 行</td><td>手机号码</td><td>这个手机号码和本表第 2 行的重复了"));
    assert!(sha_on(&html).is_none(), "no confirm for a file with problems");
    assert_eq!(counts(&app), before, "nothing written, not even the good rows");
    // No confirm without a checked file.
    let r = admin.post_form("/roster/import/confirm", &[("sha256", &"0".repeat(64))]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(counts(&app), before);

    // Not a spreadsheet: a plain message, nothing stored.
    let r = upload(&admin, b"name,phone\n".to_vec()).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("body").contains("只能上传 Excel 表格"));
    // An xlsx without the roster's sheets.
    let r = upload(&admin, book(&[("Sheet1", &MEMBER_COLUMNS[..1], vec![])])).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("body").contains("文件中没有“委员”“村社区”“定点联系”这几张表"));
}

async fn office_staff_cannot_import_and_export_their_office_only(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let (status, page) = staff.get_text("/roster").await;
    assert_eq!(status, 200);
    assert!(!page.contains("action=\"/roster/import\""), "no upload form for office staff");
    assert_eq!(upload(&staff, valid_file()).await.status(), 403);

    let r = staff.get("/roster/export.xlsx").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some(XLSX));
    assert!(
        r.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("attachment"))
    );
    let wb = xlsx::read(&r.bytes().await.expect("bytes")).expect("an xlsx");
    let office_cells = |rows: &[(u32, Vec<Cell>)], col: usize| -> Vec<String> {
        rows.iter().map(|(_, cells)| cells.get(col).map(Cell::text).unwrap_or_default()).collect()
    };
    let mem = wb.members.expect("members sheet");
    let locs = wb.localities.expect("localities sheet");
    let links = wb.liaisons.expect("liaisons sheet");
    let gaomiao: i64 = app
        .db
        .read_blocking(|c| {
            Ok(members::table
                .inner_join(offices::table.on(members::office_id.eq(offices::id.nullable())))
                .filter(offices::name.eq("高庙乡"))
                .count()
                .get_result(c)?)
        })
        .expect("count");
    assert!(gaomiao > 0, "the demo has members in 高庙乡");
    assert_eq!(mem.rows.len() as i64, gaomiao);
    assert!(office_cells(&mem.rows, 10).iter().all(|o| o == "高庙乡"));
    assert!(!locs.rows.is_empty());
    assert!(office_cells(&locs.rows, 0).iter().all(|o| o == "高庙乡"));
    assert!(!links.rows.is_empty());
    assert!(office_cells(&links.rows, 2).iter().all(|o| o == "高庙乡"));

    // Leaders export the whole committee; members and the sysadmin nothing.
    let leader = app.login_as("leader").await;
    let r = leader.get("/roster/export.xlsx").await;
    assert_eq!(r.status(), 200);
    let all = xlsx::read(&r.bytes().await.expect("bytes")).expect("xlsx").members.expect("members").rows.len();
    assert_eq!(all as i64, counts(&app)[0]);
    assert_eq!(upload(&leader, valid_file()).await.status(), 403);
    for who in ["member", "sysadmin", "auditor"] {
        let c = app.login_as(who).await;
        assert_eq!(c.get("/roster").await.status(), 403, "{who}");
        assert_eq!(c.get("/roster/export.xlsx").await.status(), 403, "{who}");
    }
}

async fn export_then_import_is_a_no_op(app: TestApp) {
    let admin = app.login_as("admin").await;
    // Something of each kind beyond the demo, with dates and coordinates.
    let html = upload(&admin, valid_file()).await.text().await.expect("body");
    let sha = sha_on(&html).expect("confirm");
    assert_eq!(admin.post_form("/roster/import/confirm", &[("sha256", &sha)]).await.status(), 200);

    let before = counts(&app);
    let r = admin.get("/roster/export.xlsx").await;
    assert_eq!(r.status(), 200);
    let exported = r.bytes().await.expect("bytes").to_vec();
    let html = upload(&admin, exported).await.text().await.expect("body");
    assert!(html.contains("完全一致"), "{html}");
    for n in 1..=3 {
        let row = summary_row(&html, n);
        assert!(row.contains("<td class=\"new\">0</td><td class=\"updated\">0</td>"), "{row}");
    }
    assert!(summary_row(&html, 1).contains(&format!("<td class=\"unchanged\">{}</td>", before[0])));
    assert!(summary_row(&html, 3).contains(&format!("<td class=\"unchanged\">{}</td>", before[2])));
    assert_eq!(counts(&app), before);

    // The template, uploaded as it comes, holds only examples: nothing to do.
    let r = admin.get("/roster/template.xlsx").await;
    assert_eq!(r.status(), 200);
    let html = upload(&admin, r.bytes().await.expect("bytes").to_vec()).await.text().await.expect("body");
    assert!(html.contains("已跳过 3 行"), "{html}");
    assert!(html.contains("完全一致"));
    assert_eq!(counts(&app), before);
}
