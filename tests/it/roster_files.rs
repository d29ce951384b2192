//! The roster import with files as offices keep them: title rows above the
//! headers, other header names, dates as serials or to the month, full-width
//! characters, note rows, hidden sheets and rows, a member already known
//! under another phone, optional columns left out. Each file is made here and
//! its preview checked over HTTP; a blank never erases, 「（清空）」 does.

use chrono::NaiveDate;
use diesel::prelude::*;
use rust_xlsxwriter::{Format, Workbook as XlsxBook};
use xieshang::kernel::db::schema::{audit_log, members, offices, sectors};

use crate::on_both_databases;
use crate::roster::{counts, sha_on, summary_row, upload};
use crate::support::TestApp;

on_both_databases!(
    an_office_file_under_title_rows_is_read_and_normalised,
    leaving_out_optional_columns_or_cells_changes_nothing_and_the_mark_clears,
    a_member_known_under_another_phone_is_offered_and_updated_on_request,
    a_hidden_sheet_is_read_with_a_warning,
);

/// A cell of a corpus file.
#[derive(Clone)]
enum C {
    T(String),
    /// A number in a General cell (an Excel date serial, 197503 typed as digits).
    N(f64),
    /// A real Excel date.
    D(i32, u32, u32),
    B,
}
use C::{B, D, N};

fn t(s: impl AsRef<str>) -> C {
    C::T(s.as_ref().to_string())
}

/// A sheet of a corpus file: its name, whether hidden, rows from row 1 (a
/// title row is merged across `merge_title` columns), and hidden rows
/// (1-based).
struct Sheet {
    name: &'static str,
    hidden: bool,
    merge_title: u16,
    rows: Vec<Vec<C>>,
    hidden_rows: Vec<u32>,
}

fn sheet(name: &'static str, rows: Vec<Vec<C>>) -> Sheet {
    Sheet { name, hidden: false, merge_title: 0, rows, hidden_rows: vec![] }
}

fn book(sheets: Vec<Sheet>) -> Vec<u8> {
    let mut b = XlsxBook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let title = Format::new().set_bold();
    for s in sheets {
        let ws = b.add_worksheet();
        ws.set_name(s.name).expect("name");
        if s.hidden {
            ws.set_hidden(true);
        }
        for (r, row) in s.rows.iter().enumerate() {
            for (i, cell) in row.iter().enumerate() {
                let (r, i) = (r as u32, i as u16);
                match cell {
                    C::T(t) if r == 0 && i == 0 && s.merge_title > 0 => {
                        ws.merge_range(0, 0, 0, s.merge_title - 1, t, &title).expect("title");
                    }
                    C::T(t) => {
                        ws.write_string(r, i, t).expect("text");
                    }
                    N(n) => {
                        ws.write_number(r, i, *n).expect("number");
                    }
                    D(y, m, d) => {
                        let d = NaiveDate::from_ymd_opt(*y, *m, *d).expect("date");
                        ws.write_with_format(r, i, &d, &date).expect("date");
                    }
                    B => {}
                }
            }
        }
        for r in s.hidden_rows {
            ws.set_row_hidden(r - 1).expect("hidden row");
        }
    }
    b.save_to_buffer().expect("xlsx")
}

/// The headers an office's own roster has: a 序号, other names, another order.
fn office_headers() -> Vec<C> {
    ["序号", "姓名", "性别", "民族", "出生年月", "党派", "工作单位", "现任职务", "联系电话", "届别", "所在乡镇（街道）"]
        .into_iter()
        .map(t)
        .collect()
}

/// A member as the database has it.
#[derive(Debug, PartialEq, Queryable)]
struct Stored {
    name: String,
    ethnicity: String,
    party: String,
    term: String,
    birth: Option<NaiveDate>,
    month_only: bool,
    employer: String,
    post: String,
    sector: Option<String>,
    office: Option<String>,
}

fn stored(app: &TestApp, phone: &str) -> Option<Stored> {
    let phone = phone.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(members::table
                .left_join(sectors::table)
                .left_join(offices::table.on(members::office_id.eq(offices::id.nullable())))
                .filter(members::phone.eq(phone))
                .select((
                    members::name,
                    members::ethnicity,
                    members::party,
                    members::term,
                    members::birth_date,
                    members::birth_month_only,
                    members::employer,
                    members::post,
                    sectors::name.nullable(),
                    offices::name.nullable(),
                ))
                .first::<Stored>(c)
                .optional()?)
        })
        .expect("member")
}

/// A demo member with every optional field filled: (phone, name, gender,
/// party, term).
fn full_member(app: &TestApp) -> (String, String, String, String, String) {
    app.db
        .read_blocking(|c| {
            Ok(members::table
                .filter(members::sector_id.is_not_null())
                .filter(members::office_id.is_not_null())
                .filter(members::birth_date.is_not_null())
                .filter(members::employer.ne(""))
                .filter(members::post.ne(""))
                .order(members::id)
                .select((members::phone, members::name, members::gender, members::party, members::term))
                .first(c)?)
        })
        .expect("a full demo member")
}

fn gender_label(code: &str) -> &'static str {
    if code == "female" { "女" } else { "男" }
}

async fn an_office_file_under_title_rows_is_read_and_normalised(app: TestApp) {
    let admin = app.login_as("admin").await;
    let before = counts(&app);
    let mut rows = vec![
        vec![t("湖滨区政协第十届委员花名册")],
        vec![t("填报单位：高庙乡政协工作办公室")],
        office_headers(),
        // An Excel date serial in a General cell, a full-width phone, 汉, 十届, 中共.
        vec![
            N(1.0),
            t("赵　六"),
            t("男"),
            t("汉"),
            N(27465.0),
            t("中共"),
            t("湖滨区实验小学"),
            t("校长"),
            t("１３９ ０００１ ２００１"),
            t("十届"),
            t("高庙乡"),
        ],
        // A month written with a dot, "+86" and dashes, 第10届, 民盟.
        vec![
            N(2.0),
            t("钱七"),
            t("女"),
            t("回"),
            t("1975.03"),
            t("民盟"),
            B,
            B,
            t("+86 139-0001-2002"),
            t("第10届"),
            t("高庙乡"),
        ],
        // A month typed as digits, a real date, a row hidden in Excel.
        vec![N(3.0), t("孙八"), t("男"), t("汉族"), N(197_503.0), t("群众"), B, B, t("13900012003"), t("第十届"), B],
        vec![
            N(4.0),
            t("李九"),
            t("女"),
            t("汉族"),
            D(1980, 1, 31),
            t("中共党员"),
            B,
            B,
            t("13900012004"),
            t("第十届"),
            t("高庙乡"),
        ],
        // Numbered blank rows and the notes at the foot.
        vec![N(5.0)],
        vec![t("填表人：张三"), B, B, B, B, B, B, t("联系电话：0398-2821234")],
        vec![t("注：届别填第几届。")],
    ];
    rows[0].resize(11, B);
    let mut main = sheet("2026年委员花名册", rows);
    main.merge_title = 11;
    main.hidden_rows = vec![6];
    // An old copy, hidden: not read, not reported. A visible second roster:
    // not read, reported.
    let mut old = sheet("旧表", vec![office_headers()]);
    old.hidden = true;
    let other = sheet("Sheet3", vec![office_headers()]);
    let file = book(vec![main, old, other]);

    let html = upload(&admin, file).await.text().await.expect("body");
    assert!(html.contains("文件检查通过"), "{html}");
    assert!(summary_row(&html, 1).contains("<td class=\"new\">4</td>"), "{}", summary_row(&html, 1));
    assert!(html.contains("读取了表“2026年委员花名册”作为“委员”表，第 3 行是列名。"), "{html}");
    assert!(html.contains("表“2026年委员花名册”第 4 行：姓名中的空格已去掉（赵　六 → 赵六）。"));
    assert!(html.contains("表“2026年委员花名册”第 9 行（填表人：张三）是表尾的说明，已跳过。"));
    assert!(html.contains("表“2026年委员花名册”第 10 行（注：届别填第几届。）是表尾的说明，已跳过。"));
    assert!(html.contains("表“2026年委员花名册”的第 6 行在 Excel 中是隐藏的或被筛选掉了，也读取了。"));
    assert!(html.contains("表“Sheet3”看起来也是“委员”表，但没有读取"));
    assert!(!html.contains("旧表"), "a hidden copy is not mentioned");
    assert_eq!(counts(&app), before, "the preview writes nothing");

    let sha = sha_on(&html).expect("confirm form");
    let html = admin.post_form("/roster/import/confirm", &[("sha256", &sha)]).await.text().await.expect("body");
    assert!(html.contains("导入完成"), "{html}");
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let zhao = stored(&app, "13900012001").expect("赵六");
    assert_eq!(
        (zhao.name.as_str(), zhao.ethnicity.as_str(), zhao.party.as_str(), zhao.term.as_str()),
        ("赵六", "汉族", "中共党员", "第十届")
    );
    assert_eq!((zhao.birth, zhao.month_only), (d(1975, 3, 12), false), "serial 27465 is 1975-03-12");
    assert_eq!(
        (zhao.employer.as_str(), zhao.post.as_str(), zhao.office.as_deref()),
        ("湖滨区实验小学", "校长", Some("高庙乡"))
    );
    let qian = stored(&app, "13900012002").expect("钱七");
    assert_eq!((qian.ethnicity.as_str(), qian.party.as_str(), qian.term.as_str()), ("回族", "民盟盟员", "第十届"));
    assert_eq!((qian.birth, qian.month_only), (d(1975, 3, 1), true));
    let sun = stored(&app, "13900012003").expect("孙八");
    assert_eq!((sun.birth, sun.month_only, sun.office), (d(1975, 3, 1), true, None));
    let li = stored(&app, "13900012004").expect("李九");
    assert_eq!((li.birth, li.month_only), (d(1980, 1, 31), false));

    // The member page and the export say 1975年3月.
    let id: i64 = app
        .db
        .read_blocking(|c| Ok(members::table.filter(members::phone.eq("13900012002")).select(members::id).first(c)?))
        .expect("id");
    let (_, page) = admin.get_text(&format!("/members/{id}")).await;
    assert!(page.contains("1975年3月") && !page.contains("1975年3月1日"), "{page}");
    let export = admin.get("/roster/export.xlsx").await.bytes().await.expect("bytes").to_vec();
    let wb = xieshang::org::roster::xlsx::read(&export).expect("export");
    let texts: Vec<String> = wb
        .members
        .expect("members")
        .rows
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| c.text() == "13900012002" || c.text() == "13900012001"))
        .map(|(_, cells)| cells[3].text())
        .collect();
    assert_eq!(texts, vec!["1975年3月12日", "1975年3月"]);
}

async fn leaving_out_optional_columns_or_cells_changes_nothing_and_the_mark_clears(app: TestApp) {
    let admin = app.login_as("admin").await;
    let (phone, name, gender, party, term) = full_member(&app);
    let gender = gender_label(&gender);
    let ethnicity = stored(&app, &phone).expect("member").ethnicity;
    let was = stored(&app, &phone).expect("member");
    let before = counts(&app);

    // Every optional column left out.
    let required = vec![t("姓名"), t("性别"), t("民族"), t("政治面貌"), t("手机号码"), t("届次")];
    let file = book(vec![sheet(
        "委员",
        vec![required, vec![t(&name), t(gender), t(&ethnicity), t(&party), t(&phone), t(&term)]],
    )]);
    let html = upload(&admin, file).await.text().await.expect("body");
    assert!(html.contains("完全一致"), "{html}");
    assert!(summary_row(&html, 1).contains("<td class=\"unchanged\">1</td>"));

    // Only the key columns: 性别, 民族, 政治面貌 and 届次 are kept too.
    let key_only = |rows: Vec<Vec<C>>| {
        let mut all = vec![vec![t("姓名"), t("手机号码")]];
        all.extend(rows);
        book(vec![sheet("委员", all)])
    };
    let html = upload(&admin, key_only(vec![vec![t(&name), t(&phone)]])).await.text().await.expect("body");
    assert!(html.contains("完全一致"), "{html}");
    assert!(summary_row(&html, 1).contains("<td class=\"unchanged\">1</td>"), "{html}");
    // ... but a new member in such a file is asked for them, at its row.
    let file = key_only(vec![vec![t(&name), t(&phone)], vec![t("吴十一"), t("13900015001")]]);
    let html = upload(&admin, file).await.text().await.expect("body");
    assert!(html.contains("<td>委员</td><td>第 3 行</td><td>性别</td><td>新委员要填写性别。"), "{html}");
    assert!(html.contains("<td>委员</td><td>第 3 行</td><td>届次</td><td>新委员要填写届次。"));
    assert!(!html.contains("第 2 行"), "the existing member's row is fine: {html}");
    assert_eq!(stored(&app, &phone).as_ref(), Some(&was));
    assert_eq!(counts(&app), before);

    // Every optional column there, every optional cell blank.
    let headers = [
        "姓名",
        "性别",
        "民族",
        "出生日期",
        "政治面貌",
        "界别",
        "工作单位",
        "职务",
        "手机号码",
        "届次",
        "所属工作办公室",
    ];
    let row = |sector: C, office: C| {
        vec![t(&name), t(gender), t(&ethnicity), B, t(&party), sector, B, B, t(&phone), t(&term), office]
    };
    let file = book(vec![sheet("委员", vec![headers.into_iter().map(t).collect(), row(B, B)])]);
    let html = upload(&admin, file).await.text().await.expect("body");
    assert!(html.contains("完全一致"), "{html}");
    assert_eq!(stored(&app, &phone).as_ref(), Some(&was));
    assert_eq!(counts(&app), before);

    // 「（清空）」 clears: the preview names each field, old → new, and warns
    // that the member leaves their office.
    let file = book(vec![sheet("委员", vec![headers.into_iter().map(t).collect(), row(t("（清空）"), t("清空"))])]);
    let html = upload(&admin, file).await.text().await.expect("body");
    assert!(summary_row(&html, 1).contains("<td class=\"updated\">1</td>"), "{html}");
    let sector = was.sector.clone().expect("sector");
    let office = was.office.clone().expect("office");
    assert!(html.contains(&format!("<li>界别：{sector} → （空）</li>")), "{html}");
    assert!(html.contains(&format!("<li>所属工作办公室：{office} → （空）</li>")));
    assert!(html.contains(&format!("这位委员将不再属于“{office}”。")));
    assert_eq!(stored(&app, &phone).as_ref(), Some(&was), "nothing until confirmed");
    let sha = sha_on(&html).expect("confirm");
    let html = admin.post_form("/roster/import/confirm", &[("sha256", &sha)]).await.text().await.expect("body");
    assert!(html.contains("导入完成"), "{html}");
    let now = stored(&app, &phone).expect("member");
    assert_eq!((now.sector, now.office), (None, None));
    assert_eq!(Stored { sector: was.sector.clone(), office: was.office.clone(), ..now }, was, "the rest kept");
}

async fn a_member_known_under_another_phone_is_offered_and_updated_on_request(app: TestApp) {
    let admin = app.login_as("admin").await;
    let (phone, name, gender, party, term) = full_member(&app);
    let was = stored(&app, &phone).expect("member");
    let birth = was.birth.expect("birth");
    let ethnicity = was.ethnicity.clone();
    let before = counts(&app);
    let headers = ["姓名", "性别", "民族", "出生日期", "政治面貌", "手机号码", "届次"];
    let file = book(vec![sheet(
        "委员",
        vec![
            headers.into_iter().map(t).collect(),
            vec![
                t(&name),
                t(gender_label(&gender)),
                t(&ethnicity),
                D(birth.year_ce().1 as i32, birth.month0() + 1, birth.day0() + 1),
                t(&party),
                t("13900013001"),
                t(&term),
            ],
        ],
    )]);
    let html = upload(&admin, file).await.text().await.expect("body");
    assert!(summary_row(&html, 1).contains("<td class=\"new\">1</td>"), "{html}");
    assert!(html.contains("id=\"roster-lookalikes\""), "{html}");
    assert!(html.contains(&format!("第 2 行的“{name}”与系统中已有的委员同名")));
    assert!(html.contains("name=\"merge\" value=\"13900013001\""));

    // Ticked: that member is updated with the new phone, nobody is added.
    let sha = sha_on(&html).expect("confirm");
    let html = admin
        .post_form("/roster/import/confirm", &[("sha256", &sha), ("merge", "13900013001")])
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("导入完成"), "{html}");
    assert!(html.contains(&format!("<li>手机号码：{phone} → 13900013001</li>")), "{html}");
    assert_eq!(stored(&app, &phone), None);
    let now = stored(&app, "13900013001").expect("updated");
    assert_eq!(now, was, "everything else kept");
    let after = counts(&app);
    assert_eq!(after[0], before[0], "no member added");
    let updates: i64 = app
        .db
        .read_blocking(|c| Ok(audit_log::table.filter(audit_log::action.eq("member.update")).count().get_result(c)?))
        .expect("audit");
    assert!(updates >= 1);
}

use chrono::Datelike;

async fn a_hidden_sheet_is_read_with_a_warning(app: TestApp) {
    let admin = app.login_as("admin").await;
    let mut roster = sheet(
        "委员",
        vec![
            vec![t("姓名"), t("性别"), t("民族"), t("政治面貌"), t("手机号码"), t("届次")],
            vec![t("周十"), t("男"), t("汉"), t("群众"), t("13900014001"), t("十届")],
        ],
    );
    roster.hidden = true;
    let cover = sheet("封面", vec![vec![t("湖滨区政协委员名单")]]);
    let html = upload(&admin, book(vec![cover, roster])).await.text().await.expect("body");
    assert!(html.contains("表“委员”在 Excel 中是隐藏的，也读取了。"), "{html}");
    assert!(html.contains("class=\"tag warn\""));
    assert!(summary_row(&html, 1).contains("<td class=\"new\">1</td>"));
    // A file without a column a new member needs names it at the member's
    // row, in the file's own sheet; without a key column, at the header row.
    let broken = |headers: [&str; 5], row: [&str; 5]| {
        let rows = vec![vec![t("花名册")], headers.into_iter().map(t).collect(), row.into_iter().map(t).collect()];
        book(vec![sheet("Sheet1", rows)])
    };
    let file = broken(["姓名", "性别", "民族", "手机号", "届次"], ["周十", "男", "汉", "13900014001", "十届"]);
    let html = upload(&admin, file).await.text().await.expect("body");
    assert!(html.contains("<td>Sheet1</td><td>第 3 行</td><td>政治面貌</td><td>新委员要填写政治面貌。"), "{html}");
    let file = broken(["姓名", "性别", "民族", "政治面貌", "届次"], ["周十", "男", "汉", "群众", "十届"]);
    let html = upload(&admin, file).await.text().await.expect("body");
    assert!(html.contains("<td>Sheet1</td><td>第 2 行</td><td>手机号码</td>"), "{html}");
}
