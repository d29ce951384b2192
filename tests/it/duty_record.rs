//! A member's duty record (履职档案) over HTTP on both databases: an activity
//! attended, an opinion heard there, an opinion brought to staff, a
//! consultation attended and a 社情民意信息 report written and adopted all
//! appear in the xlsx, the docx and the member page's counts, which agree;
//! the xlsx prints on one page a sheet; another office and another member get nothing.

use chrono::Datelike;

use crate::activity_exports::{TITLE as VISIT, cell, download, held_visit, row_with, sheet};
use crate::consultations::{held, propose};
use crate::on_both_databases;
use crate::opinion_reports::{TITLE as REPORT, compile_ok, step};
use crate::support::{Client, location, post_ok};
use crate::{office, sheet_xml};

on_both_databases!(a_member_s_year_counts_everything_they_did);

const HEARD: &str = "村口的排水沟堵了，下雨天积水漫进院子。";
const ENTERED: &str = "老年活动中心冬天没有暖气，希望解决。";
const CONSULTATION: &str = "村口排水沟改造协商";

/// The member page's counts, in the order of the summary line.
async fn page_counts(c: &Client, member: i64) -> [i64; 6] {
    let (status, page) = c.get_text(&format!("/members/{member}")).await;
    assert_eq!(status, 200);
    ["activities", "consultations", "heard", "entered", "reports", "adopted"].map(|k| {
        let at = page.find(&format!("id=\"duty-{k}\">")).unwrap_or_else(|| panic!("duty-{k} on the member page"));
        let rest = &page[at..];
        let n = &rest[rest.find('>').map(|i| i + 1).unwrap_or(0)..rest.find("</dd>").unwrap_or(0)];
        n.trim().parse().unwrap_or_else(|_| panic!("duty-{k}: {n}"))
    })
}

async fn a_member_s_year_counts_everything_they_did(app: crate::support::TestApp) {
    let v = held_visit(&app).await;
    let (member, name) = v.present.clone();
    let m = member.to_string();
    let year = xieshang::kernel::time::today().year();
    let staff = app.login_as("gaomiao").await;
    let before = page_counts(&staff, member).await;

    // An opinion heard at the visit, and one the member brought to the office.
    let r =
        staff.post_form(&format!("/activities/{}/opinions", v.id), &[("heard_by", m.as_str()), ("body", HEARD)]).await;
    assert_eq!(r.status(), 303, "heard at the visit");
    let office = v.office.to_string();
    let r = staff
        .post_form(
            "/opinions",
            &[("source", "paper"), ("office", office.as_str()), ("heard_by", m.as_str()), ("body", ENTERED)],
        )
        .await;
    assert_eq!(r.status(), 303, "brought to staff");
    let case: i64 = location(&r).trim_start_matches("/opinions/").parse().expect("a case page");

    // A consultation the member attended.
    let id = propose(&staff, &[("title", CONSULTATION), ("background", "群众反映排水沟堵塞。")]).await;
    held(&app, &staff, id, &[member], &[]).await;
    post_ok(&staff, &format!("/consultations/{id}/attendance"), &[("present", m.as_str())]).await;

    // A report the member wrote, sent up and adopted by the district.
    let admin = app.login_as("admin").await;
    let report = compile_ok(&admin, case, &[("reporter_member", m.as_str()), ("reporter_name", "")]).await;
    step(&admin, report, &[("action", "send")]).await;
    step(&admin, report, &[("action", "adopt"), ("level", "district")]).await;

    // The member page counts each once more.
    let after = page_counts(&staff, member).await;
    let visit_this_year = i64::from(v.day.year() == year);
    assert_eq!(
        after.iter().zip(before).map(|(a, b)| a - b).collect::<Vec<_>>(),
        [0, 1, 1, 1, 1, 1],
        "one more consultation, opinion heard, opinion brought, report, adopted: {before:?} → {after:?}"
    );
    assert!(after[0] >= visit_this_year, "the visit is counted in its year");

    // The xlsx lists them, with the same counts.
    let f = download(&staff, &format!("/members/{member}/duty.xlsx")).await;
    assert_eq!(f.status, 200);
    assert_eq!(f.file_name.as_deref(), Some(format!("履职档案_{name}_{year}.xlsx").as_str()));
    let rows = sheet(&f.bytes);
    assert_eq!(rows[0][0], format!("{name} {year}年度履职档案"));
    let [a, c, h, e, r, d] = after;
    assert_eq!(
        rows[2][0],
        format!(
            "合计：参加委员活动{a}次，参加协商议事{c}次，在活动中听取社情民意{h}条，反映社情民意{e}条，编报社情民意信息{r}篇（其中被采用{d}篇）。"
        ),
        "the file's counts are the page's"
    );
    let lines = rows.len() - 5;
    assert_eq!(lines as i64, a + c + h + e + r, "one line for each thing counted");
    if visit_this_year == 1 {
        let row = row_with(&rows, "事项", VISIT).expect("the visit");
        assert_eq!(cell(&row, "类别"), "参加活动");
    }
    let row = row_with(&rows, "事项", CONSULTATION).expect("the consultation attended");
    assert_eq!(
        (cell(&row, "类别"), cell(&row, "工作办公室"), cell(&row, "状态")),
        ("参加协商".into(), "高庙乡".into(), "出席".into())
    );
    let row = row_with(&rows, "事项", HEARD).expect("the opinion heard");
    assert_eq!(cell(&row, "类别"), "听取民意");
    assert!(cell(&row, "地点或说明").contains(VISIT), "heard at the visit: {row:?}");
    let row = row_with(&rows, "事项", ENTERED).expect("the opinion brought to staff");
    assert_eq!(cell(&row, "类别"), "反映民意");
    assert!(cell(&row, "地点或说明").contains("纸质征集箱"), "{row:?}");
    let row = row_with(&rows, "事项", REPORT).expect("the report written");
    assert_eq!((cell(&row, "类别"), cell(&row, "状态")), ("社情民意信息".into(), "已采用（区级）".into()));

    // Printed like every export: one page a sheet for a short year.
    sheet_xml::assert_prints(&f.bytes, 1, 4, &format!("{name} {year}年度履职档案"));
    sheet_xml::assert_widths_cover(&f.bytes, 1, "履职档案", 4);
    if let Some(pages) = office::pdf_pages(&f.bytes, "xlsx") {
        // A dozen lines fit an A4 page across, the record's and the score's;
        // a longer year runs on.
        assert!(if lines <= 12 { pages == 2 } else { pages >= 2 }, "{lines} lines on {pages} pages");
    }

    // The score sheet: a line per scored record, its total the member's score.
    let points = crate::activity_exports::sheet_named(&f.bytes, "履职积分");
    let row = row_with(&points, "记录", VISIT).expect("the visit scored");
    assert_eq!((cell(&row, "项目"), cell(&row, "积分")), ("参加委员活动".into(), "2".into()));
    let total = row_with(&points, "序号", "合计").expect("the total");
    let page = staff.get_text(&format!("/duty/members/{member}?year={year}")).await.1;
    let shown = page.split("id=\"member-score\">").nth(1).and_then(|s| s.split('<').next()).expect("the score");
    assert_eq!(cell(&total, "积分"), shown.trim(), "the sheet's total is the member's score");
    sheet_xml::assert_prints(&f.bytes, 2, 3, &format!("{name} {year}年度履职积分"));

    // The Word file: the same counts, each record under its kind, the score
    // line by line and the same total.
    let w = download(&staff, &format!("/members/{member}/duty.docx?year={year}")).await;
    assert_eq!(w.status, 200);
    assert_eq!(w.file_name.as_deref(), Some(format!("履职档案_{name}_{year}.docx").as_str()));
    let text = crate::activity_exports::docx_text(&w.bytes);
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} in the duty record: {text}"));
    assert!(at(&format!("{name} {year}年度履职档案")) < at("一、基本情况"));
    assert!(at("二、履职情况") < at(&rows[2][0]), "the counts, as in the xlsx");
    assert!(at("参加协商") < at(&format!("{CONSULTATION}（")) && at(&format!("{CONSULTATION}（")) < at("三、履职积分"));
    assert!(at("听取民意") < at(HEARD) && at("反映民意") < at(ENTERED) && at("社情民意信息") < at(REPORT));
    assert!(text.contains(&format!("{CONSULTATION}　+3分")), "scored with its points: {text}");
    let scores = text[at("三、履职积分")..].replace('\n', "");
    assert!(scores.contains(&format!("合计{}分", shown.trim())), "the same total: {text}");

    // The member themself, the district: yes; another office, another member: not found.
    assert_eq!(download(&admin, &format!("/members/{member}/duty.xlsx")).await.status, 200);
    let jianhe = app.login_as("jianhe").await;
    for f in ["xlsx", "docx"] {
        assert_eq!(download(&jianhe, &format!("/members/{member}/duty.{f}")).await.status, 404);
    }
    assert_eq!(jianhe.get(&format!("/members/{member}")).await.status(), 404);
    let other = app.login_as("member").await;
    for f in ["xlsx", "docx"] {
        assert_eq!(download(&other, &format!("/members/{member}/duty.{f}")).await.status, 404);
    }
}
