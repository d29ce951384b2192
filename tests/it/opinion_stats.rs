//! The figures of the opinion loop over HTTP on both databases: a unit's rates
//! for a month, who sees which rows, the ranking as xlsx, the counters, and the
//! public results wall.

use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use xieshang::kernel::db::schema::{opinion_events, opinions};
use xieshang::opinions::stats::{self, Month};

use crate::support::{Client, TestApp, location, submit_opinion};
use crate::{office, on_both_databases, sheet_xml};

on_both_databases!(
    the_housing_bureau_s_month_in_figures_and_in_the_ranking,
    each_role_sees_its_own_rows,
    the_wall_shows_published_answers_without_personal_data,
);

async fn act(c: &Client, id: i64, fields: &[(&str, &str)]) {
    let r = c.post_form(&format!("/opinions/{id}/act"), fields).await;
    assert_eq!(r.status(), 303, "{fields:?}");
    let (_, page) = c.get_text(&location(&r)).await;
    assert!(!page.contains("flash bad"), "{fields:?} was refused");
}

/// Staff enter a paper slip from the box; returns the case's id. (The web box
/// asks a question after three submissions from one address.)
async fn enter(staff: &Client, body: &str, office: &str) -> i64 {
    let r = staff.post_form("/opinions", &[("source", "paper"), ("office", office), ("body", body)]).await;
    assert_eq!(r.status(), 303);
    let loc = location(&r);
    loc.trim_start_matches("/opinions/").parse().unwrap_or_else(|_| panic!("entered, not {loc}"))
}

async fn rate(c: &Client, code: &str, rating: &str) {
    let r = c.post_form(&format!("/track/{code}/rate"), &[("rating", rating)]).await;
    assert_eq!(r.status(), 303);
}

/// Moves a case's whole timeline to `base` (keeping its order), as if it had
/// been handled then: the figures of a past month hold only these cases.
fn move_to(app: &TestApp, id: i64, base: NaiveDateTime) {
    app.db
        .write_blocking(move |c| {
            let events: Vec<(i64, NaiveDateTime)> = opinion_events::table
                .filter(opinion_events::opinion_id.eq(id))
                .order(opinion_events::id.asc())
                .select((opinion_events::id, opinion_events::created_at))
                .load(c)?;
            let first = events.first().map(|e| e.1).unwrap_or(base);
            for (event, t) in events {
                diesel::update(opinion_events::table.find(event))
                    .set(opinion_events::created_at.eq(base + (t - first)))
                    .execute(c)?;
            }
            Ok(())
        })
        .expect("move the timeline");
}

/// Monday 2 March 2026, 09:00 in Beijing (01:00 UTC).
fn march() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 2).and_then(|d| d.and_hms_opt(1, 0, 0)).expect("time")
}

/// The `<tr>` of a table that names `name`.
fn row_of<'a>(page: &'a str, table_id: &str, name: &str) -> &'a str {
    let table = page.split(&format!("id=\"{table_id}\"")).nth(1).and_then(|t| t.split("</table>").next()).unwrap_or("");
    table.split("<tr>").find(|r| r.contains(name)).unwrap_or_else(|| panic!("no row for {name} in #{table_id}"))
}

/// Four cases through the housing bureau and one through the city management
/// bureau, all moved to March 2026.
async fn a_month_of_cases(app: &TestApp) {
    let (admin, dept) = (app.login_as("admin").await, app.login_as("dept").await);
    let housing = format!("department:{}", app.department_id("区住房和城乡建设局"));
    let city = format!("department:{}", app.department_id("区城市管理局"));
    let jianhe = app.office_id("涧河街道").to_string();
    let mut ids = vec![];
    // (signed?, sent back once?, rating)
    for (i, (signs, send_back, rating)) in [
        (true, true, Some("satisfied")),
        (true, false, Some("unsatisfied")),
        (true, false, Some("basic")),
        (false, false, None),
    ]
    .into_iter()
    .enumerate()
    {
        let id = enter(&admin, &format!("第{i}件：楼道灯不亮。"), &jianhe).await;
        act(&admin, id, &[("action", "assign"), ("assignee", &housing)]).await;
        if signs {
            act(&dept, id, &[("action", "sign")]).await;
            act(&dept, id, &[("action", "answer"), ("note", "已修好。")]).await;
            if send_back {
                act(&admin, id, &[("action", "send_back"), ("note", "请写明修复日期。")]).await;
                act(&dept, id, &[("action", "answer"), ("note", "3月2日已修好。")]).await;
            }
            act(&admin, id, &[("action", "approve")]).await;
        }
        if let Some(r) = rating {
            // A phone callback (回访) records the resident's rating.
            act(&admin, id, &[("action", "callback"), ("rating", r)]).await;
        }
        ids.push(id);
    }
    let id = enter(&admin, "路边垃圾桶满了。", &jianhe).await;
    act(&admin, id, &[("action", "assign"), ("assignee", &city)]).await;
    ids.push(id);
    for id in ids {
        move_to(app, id, march());
    }
}

async fn the_housing_bureau_s_month_in_figures_and_in_the_ranking(app: TestApp) {
    a_month_of_cases(&app).await;
    let admin = app.login_as("admin").await;
    let (status, page) = admin.get_text("/opinions/stats?month=2026-03").await;
    assert_eq!(status, 200);
    // Signed on time 3 of 4 (one never signed, its day long gone); answered 3,
    // all within their deadlines, one of them sent back; rated 满意, 不满意 (it
    // reopened), 基本满意.
    let housing = row_of(&page, "units", "区住房和城乡建设局");
    for figure in ["75.0%", "3/4", "100.0%", "3/3", "66.7%", "2/3", "33.3%", "1/3"] {
        assert!(housing.contains(figure), "{figure} in {housing}");
    }
    // The city bureau's case is assigned, not yet answered: no rate is a dash, never NaN.
    let city = row_of(&page, "units", "区城市管理局");
    assert!(city.contains("—") && !city.contains("NaN"));
    // The office's row counts the township's cases, whoever handled them.
    assert!(row_of(&page, "offices", "涧河街道").contains("3/5"));
    // The ranking by on-time signing puts the housing bureau (75 %) before the
    // city bureau (0 of 1).
    let (_, by_sign) = admin.get_text("/opinions/stats?month=2026-03&sort=sign").await;
    let units = by_sign.split("id=\"units\"").nth(1).unwrap_or("");
    let (h, c) = (units.find("区住房和城乡建设局"), units.find("区城市管理局"));
    assert!(h.is_some() && c.is_some() && h < c, "ranked by signing");
    assert_eq!(admin.get("/opinions/stats?month=2026-13").await.status(), 400);

    // The same figures in the ranking sheet for the monthly 通报.
    let r = admin.get("/opinions/stats/ranking.xlsx?month=2026-03").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let bytes = r.bytes().await.expect("bytes");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    assert_eq!(book.sheet_names(), vec!["承办单位排名".to_string(), "各工作办公室".to_string()]);
    let units = book.worksheet_range("承办单位排名").expect("units sheet");
    let rows: Vec<Vec<Data>> = units.rows().map(|r| r.to_vec()).collect();
    assert!(matches!(&rows[0][0], Data::String(t) if t.contains("三门峡市湖滨区政协") && t.contains("2026-03")));
    let housing = rows
        .iter()
        .find(|r| matches!(r.get(1), Some(Data::String(n)) if n == "区住房和城乡建设局"))
        .expect("the housing bureau's row");
    let header: Vec<String> = rows[3].iter().map(|d| d.to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
    assert_eq!(housing[col("按时签收率")], Data::Float(0.75));
    assert_eq!(housing[col("按时办结率")], Data::Float(1.0));
    assert_eq!(housing[col("发回重办")], Data::Float(1.0));
    let city = rows.iter().find(|r| matches!(r.get(1), Some(Data::String(n)) if n == "区城市管理局")).expect("city");
    assert_eq!(city[col("满意率")], Data::Empty, "a rate over nothing is a blank cell, not text");
    assert_eq!(city[col("平均办理工作日")], Data::Empty);
    let offices = book.worksheet_range("各工作办公室").expect("offices sheet");
    assert!(offices.rows().any(|r| matches!(r.get(1), Some(Data::String(n)) if n == "涧河街道")));
    // Both sheets print like every export: one page wide, the headers repeated.
    for (n, name) in [(1, "承办单位排名"), (2, "各工作办公室")] {
        sheet_xml::assert_prints(&bytes, n, 3, "2026-03");
        sheet_xml::assert_widths_cover(&bytes, n, name, 3);
    }
    if let Some(pages) = office::pdf_pages(&bytes, "xlsx") {
        assert_eq!(pages, 2, "each sheet on one page");
    }
}

async fn each_role_sees_its_own_rows(app: TestApp) {
    a_month_of_cases(&app).await;
    // A department sees its own row only, and no office's.
    let dept = app.login_as("dept").await;
    let (status, page) = dept.get_text("/opinions/stats?month=2026-03").await;
    assert_eq!(status, 200);
    assert!(row_of(&page, "units", "区住房和城乡建设局").contains("75.0%"));
    assert!(!page.contains("区城市管理局") && !page.contains("涧河街道"));
    assert!(!page.contains("ranking.xlsx"));
    assert_eq!(dept.get("/opinions/stats/ranking.xlsx?month=2026-03").await.status(), 403);
    // Office staff see their office's row and counts, not the others', and no export.
    let jianhe = app.login_as("jianhe").await;
    let (status, page) = jianhe.get_text("/opinions/stats?month=2026-03").await;
    assert_eq!(status, 200);
    assert!(row_of(&page, "offices", "涧河街道").contains("3/5"));
    assert!(!page.contains("区住房和城乡建设局"), "no department's row");
    assert!(!page.contains("高庙乡"));
    assert_eq!(jianhe.get("/opinions/stats/ranking.xlsx?month=2026-03").await.status(), 403);
    let gaomiao = app.login_as("gaomiao").await;
    let (_, page) = gaomiao.get_text("/opinions/stats?month=2026-03").await;
    assert!(!page.contains("涧河街道") && page.contains("id=\"offices-empty\""));
    // Leaders see everything and may export; members, the auditor and the sysadmin may not look.
    let leader = app.login_as("leader").await;
    assert!(leader.get_text("/opinions/stats?month=2026-03").await.1.contains("区城市管理局"));
    assert_eq!(leader.get("/opinions/stats/ranking.xlsx?month=2026-03").await.status(), 200);
    for who in ["member", "auditor", "sysadmin"] {
        let c = app.login_as(who).await;
        assert_eq!(c.get("/opinions/stats").await.status(), 403, "{who}");
        assert_eq!(c.get("/opinions/stats/ranking.xlsx").await.status(), 403, "{who}");
    }
    assert_eq!(app.client().get("/opinions/stats").await.status(), 303, "to the login");
}

async fn the_wall_shows_published_answers_without_personal_data(app: TestApp) {
    let resident = app.client();
    let (admin, dept) = (app.login_as("admin").await, app.login_as("dept").await);
    let housing = format!("department:{}", app.department_id("区住房和城乡建设局"));
    let mut cases = vec![];
    for body in ["金河湾小区电梯经常停运，电话13903980077。", "幸福路下水道井盖丢了，很危险。"]
    {
        let code = submit_opinion(&resident, &[("body", body), ("name", "王秀兰"), ("phone", "13903980077")]).await;
        let id = app.opinion_id(&code);
        act(&admin, id, &[("action", "assign"), ("assignee", &housing)]).await;
        act(&dept, id, &[("action", "sign")]).await;
        let note = format!("已处理：{}", body.chars().take(4).collect::<String>());
        act(&dept, id, &[("action", "answer"), ("note", &note)]).await;
        act(&admin, id, &[("action", "approve")]).await;
        rate(&resident, &code, "satisfied").await;
        cases.push(id);
    }
    // Staff publish the first; the second stays internal.
    let r = admin.post_form(&format!("/opinions/{}/public", cases[0]), &[("public", "1")]).await;
    assert_eq!(r.status(), 303);

    let (_, boxp) = resident.get_text("/box/hubin").await;
    assert!(boxp.contains("/box/hubin/results"), "the box links to the wall");
    let (status, wall) = app.client().get_text("/box/hubin/results").await;
    assert_eq!(status, 200);
    assert!(wall.contains("金河湾小区电梯经常停运") && wall.contains("已处理"), "question and answer");
    assert!(wall.contains("139********"), "a number written into the text is masked");
    assert!(!wall.contains("13903980077") && !wall.contains("王秀兰") && !wall.contains("王**"));
    assert!(!wall.contains("幸福路下水道井盖丢了"), "not published");
    assert!(wall.contains("城乡建设") || wall.contains("未分类"), "counts by category");
    assert!(wall.contains("id=\"satisfaction\"") && wall.contains('%'));
    assert_eq!(app.client().get("/box/nosuch/results").await.status(), 404);
    // Unpublished again, it leaves the wall.
    admin.post_form(&format!("/opinions/{}/public", cases[0]), &[("public", "0")]).await;
    assert!(!app.client().get_text("/box/hubin/results").await.1.contains("金河湾小区电梯经常停运"));

    // The counters kept with every move equal a count from scratch, and the
    // dashboard's counts by status equal the cases themselves.
    let committee = app.actor("admin").committee_id;
    let kept = app.db.read_blocking(move |c| stats::counters(c, committee)).expect("counters");
    app.db.write_blocking(move |c| stats::recount(c, committee)).expect("recount");
    let fresh = app.db.read_blocking(move |c| stats::counters(c, committee)).expect("counters");
    assert_eq!(kept, fresh);
    let me = app.actor("admin");
    let counts = app
        .db
        .read_blocking(move |c| stats::counts(c, &me, Month::current()))
        .expect("counts")
        .expect("the district sees counts");
    let closed: i64 = app
        .db
        .read_blocking(|c| Ok(opinions::table.filter(opinions::status.eq("closed")).count().get_result(c)?))
        .expect("closed");
    let shown = counts.by_status.iter().find(|(s, _)| s.as_str() == "closed").map(|(_, n)| *n);
    assert_eq!(shown, Some(closed));
    // The page shows them too.
    let (_, page) = admin.get_text("/opinions/stats").await;
    assert!(page.contains("id=\"by-status\"") && page.contains("id=\"by-month\""));
}
