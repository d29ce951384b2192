//! 检查 over HTTP on both databases: the district plans an inspection of an
//! office, records a finding per checklist item and a score, sets a
//! rectification item; the office is told, reads its findings (another
//! office cannot), is reminded before the deadline, and once the item is
//! overdue the district hears of it once; the office reports it done with
//! its evidence and answers the inspection. The checklist is the district's
//! to edit, and a past inspection keeps the words it was recorded with.

use chrono::Duration;
use diesel::prelude::*;
use xieshang::kernel::db::schema::{files, inspections, outbox, rectifications};
use xieshang::kernel::time::{now, today};

use crate::on_both_databases;
use crate::support::{Client, TestApp, distinct_png, location, queue_count};

on_both_databases!(
    an_inspection_from_plan_to_rectification,
    the_checklist_is_the_district_s,
    a_plan_is_changed_or_cancelled_until_recorded
);

const CHECKS: [&str; 6] = ["有阵地", "有标识", "有制度", "有流程", "有活动", "有实效"];

async fn plan(app: &TestApp, admin: &Client, office: &str) -> i64 {
    let id = app.office_id(office).to_string();
    let day = today().to_string();
    let r = admin
        .post_form(
            "/inspections",
            &[("office", id.as_str()), ("planned_on", day.as_str()), ("inspectors", "王明、李华")],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.db
        .read_blocking(|c| Ok(inspections::table.select(diesel::dsl::max(inspections::id)).first::<Option<i64>>(c)?))
        .expect("max")
        .expect("an inspection")
}

/// The record form's fields: every item met but `partly`, with a note.
fn record_fields(labels: &[&str], partly: usize, score: &str) -> Vec<(String, String)> {
    let mut f = vec![
        ("inspected_on".to_string(), today().to_string()),
        ("score".into(), score.into()),
        ("summary".into(), "阵地建设规范，流程上墙还需完善。".into()),
    ];
    for (n, l) in labels.iter().enumerate() {
        f.push((format!("label_{n}"), (*l).into()));
        f.push((format!("result_{n}"), if n == partly { "partly" } else { "met" }.into()));
        f.push((format!("note_{n}"), if n == partly { "办事流程未上墙" } else { "" }.into()));
    }
    f
}

/// The office home's count of open rectification items (none shown: 0).
async fn open_items(c: &Client) -> i64 {
    let home = c.get_text("/").await.1;
    if home.contains("id=\"q-rectifications\"") { queue_count(&home, "rectifications") } else { 0 }
}

/// The id of the committee's checklist item `label`.
fn check_id(app: &TestApp, label: &str) -> i64 {
    use xieshang::kernel::db::schema::inspection_checklist as cl;
    let label = label.to_string();
    app.db
        .read_blocking(move |c| Ok(cl::table.filter(cl::label.eq(&label)).select(cl::id).first(c)?))
        .expect("a checklist item")
}

async fn post_pairs(c: &Client, path: &str, fields: &[(String, String)]) -> String {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = c.post_form(path, &pairs).await;
    assert_eq!(r.status(), 303, "{path}");
    c.get_text(&location(&r)).await.1
}

async fn an_inspection_from_plan_to_rectification(app: TestApp) {
    let admin = app.login_as("admin").await;
    let id = plan(&app, &admin, "高庙乡").await;
    let gaomiao = app.login_as("gaomiao").await;
    let page = gaomiao.get_text(&format!("/inspections/{id}")).await.1;
    assert!(page.contains("王明、李华") && page.contains("已安排"));
    for who in ["jianhe", "member", "dept"] {
        let c = app.login_as(who).await;
        assert_eq!(c.get(&format!("/inspections/{id}")).await.status(), 404, "{who}");
    }
    assert_eq!(app.login_as("leader").await.get(&format!("/inspections/{id}")).await.status(), 200);
    // Nothing to answer before the findings are recorded.
    let page = post_pairs(&gaomiao, &format!("/inspections/{id}/answer"), &[("answer".into(), "收到".into())]).await;
    assert!(page.contains("检查结果记录后才能这样操作"));

    // The district records a finding per item, the score and its opinion.
    let records = app.audit_count("inspection.record");
    let page = admin.get_text(&format!("/inspections/{id}")).await.1;
    assert!(
        CHECKS.iter().all(|c| page.contains(&format!("<strong class=\"check-label\">{c}</strong>"))),
        "the form lists the checklist"
    );
    let page = post_pairs(&admin, &format!("/inspections/{id}/record"), &record_fields(&CHECKS, 3, "86")).await;
    assert!(page.contains("id=\"inspection-score\">86<") && page.contains("办事流程未上墙"));
    // A bad score changes nothing.
    // A refused record is shown again as it was filled in, with the reason.
    let fields = record_fields(&CHECKS, 3, "120");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = admin.post_form(&format!("/inspections/{id}/record"), &pairs).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page");
    assert!(page.contains("得分请填写0到100之间的整数") && page.contains("id=\"inspection-score\">86<"));
    assert!(page.contains("name=\"score\" min=\"0\" max=\"100\" required value=\"120\""), "the score as typed");
    assert!(page.contains("value=\"partly\" required checked"), "the findings as chosen");
    // An office does not record.
    let r = gaomiao.post_form(&format!("/inspections/{id}/record"), &[]).await;
    assert_eq!(r.status(), 404);
    assert!(gaomiao.get_text(&format!("/inspections/{id}")).await.1.contains("id=\"inspection-score\">86<"));

    // A rectification item: the office is told, and sees it on its home.
    let open_before = open_items(&gaomiao).await;
    let yesterday = (today() - Duration::days(1)).to_string();
    let page = post_pairs(
        &admin,
        &format!("/inspections/{id}/items"),
        &[("body".into(), "办事流程上墙".into()), ("deadline".into(), yesterday)],
    )
    .await;
    assert!(page.contains("完成期限须在今天到一年之内"));
    let due = (today() + Duration::days(2)).to_string();
    post_pairs(
        &admin,
        &format!("/inspections/{id}/items"),
        &[("body".into(), "办事流程上墙".into()), ("deadline".into(), due)],
    )
    .await;
    let rid: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(rectifications::table
                .filter(rectifications::inspection_id.eq(id))
                .select(rectifications::id)
                .first(c)?)
        })
        .expect("the item");
    let told = |subject: String| {
        app.db
            .read_blocking(move |c| {
                Ok(outbox::table.filter(outbox::subject.eq(&subject)).count().get_result::<i64>(c)?)
            })
            .expect("outbox")
    };
    assert_eq!(told(format!("rectification:{rid}")), 1);
    assert_eq!(open_items(&gaomiao).await, open_before + 1);

    // Reminded once before its deadline; once overdue, the district hears of it once.
    let remind = |at| app.db.write_blocking(move |c| xieshang::inspections::jobs::remind(c, at)).expect("remind");
    assert_eq!(remind(now()), (1, 0));
    assert_eq!(remind(now()), (0, 0), "once");
    let late = now() + Duration::days(4);
    assert_eq!(remind(late), (0, 1));
    assert_eq!(remind(late + Duration::days(1)), (0, 0), "escalated once");
    assert_eq!(told(format!("rectification-overdue:{rid}")), 1);
    let escalated: Option<chrono::NaiveDateTime> = app
        .db
        .read_blocking(move |c| Ok(rectifications::table.find(rid).select(rectifications::escalated_at).first(c)?))
        .expect("escalated");
    assert!(escalated.is_some());

    // The office reports it done with its evidence and a photo, once, and answers.
    let other = app.login_as("jianhe").await;
    let done = format!("/rectifications/{rid}/done");
    let back = format!("/inspections/{id}");
    let photo = distinct_png(18);
    let files_before = app.db.read_blocking(|c| Ok(files::table.count().get_result::<i64>(c)?)).expect("files");
    for who in [&other, &app.login_as("member").await, &admin] {
        assert_eq!(who.upload_png(&done, &[("evidence", "x")], "files", "墙.png", &photo).await.status(), 404);
    }
    let files_now = app.db.read_blocking(|c| Ok(files::table.count().get_result::<i64>(c)?)).expect("files");
    assert_eq!(files_now, files_before, "nothing stored for those who may not report");
    let linked = || {
        app.db
            .read_blocking(move |c| {
                use xieshang::kernel::db::schema::rectification_files as rf;
                Ok(rf::table.filter(rf::rectification_id.eq(rid)).count().get_result::<i64>(c)?)
            })
            .expect("count")
    };
    let refused = |r: &reqwest::Response| {
        assert_eq!(location(r), back, "back to the inspection");
        assert_eq!(linked(), 0, "nothing linked");
    };
    let r = gaomiao.upload_png(&done, &[("evidence", "")], "files", "墙.png", &photo).await;
    refused(&r);
    assert!(gaomiao.get_text(&location(&r)).await.1.contains("请写明整改情况和佐证"));
    // Not a photo or a document, or four files: refused, nothing recorded.
    let r = gaomiao.upload_png(&done, &[("evidence", "见附件")], "files", "墙.png", b"not a png").await;
    refused(&r);
    assert!(!gaomiao.get_text(&back).await.1.contains("见附件"));
    let mut four = reqwest::multipart::Form::new().text("_csrf", gaomiao.csrf().await).text("evidence", "四张");
    for n in 0..4 {
        let part = reqwest::multipart::Part::bytes(distinct_png(30 + n)).file_name(format!("{n}.png"));
        four = four.part("files", part.mime_str("image/png").expect("mime"));
    }
    let r = gaomiao.http.post(format!("{}{done}", gaomiao.base)).multipart(four).send().await.expect("post");
    refused(&r);
    assert!(gaomiao.get_text(&back).await.1.contains("文件太多"));
    let r = gaomiao
        .upload_png(&done, &[("evidence", "流程图已制作上墙，见照片。")], "files", "流程图上墙.png", &photo)
        .await;
    let page = gaomiao.get_text(&location(&r)).await.1;
    assert!(page.contains("流程图已制作上墙") && page.contains("已完成") && page.contains("流程图上墙.png"));
    assert_eq!(linked(), 1);
    let file: i64 = page
        .split(&format!("/rectifications/{rid}/files/"))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|n| n.parse().ok())
        .expect("the photo's link");
    let photo_path = format!("/rectifications/{rid}/files/{file}");
    for who in [&admin, &gaomiao, &app.login_as("leader").await] {
        assert_eq!(who.get(&photo_path).await.status(), 200);
    }
    for who in [&other, &app.login_as("member").await, &app.login_as("dept").await] {
        assert_eq!(who.get(&photo_path).await.status(), 404, "not theirs to see");
    }
    // Another record's file is not reached through the item.
    let elsewhere = app.file_row_of(&"0".repeat(64), "另一份.png");
    assert_eq!(admin.get(&format!("/rectifications/{rid}/files/{elsewhere}")).await.status(), 404);
    let r = gaomiao.upload_png(&done, &[("evidence", "再次")], "files", "再.png", &photo).await;
    let page = gaomiao.get_text(&location(&r)).await.1;
    assert_eq!(linked(), 1, "a second report adds nothing");
    assert!(page.contains("这项整改已报告完成"));
    assert_eq!(open_items(&gaomiao).await, open_before, "counted only while open");
    post_pairs(&gaomiao, &format!("/inspections/{id}/answer"), &[("answer".into(), "已按检查意见整改。".into())]).await;
    let page = admin.get_text(&format!("/inspections/{id}")).await.1;
    assert!(page.contains("已按检查意见整改。"));
    let list = admin.get_text("/inspections").await.1;
    let row = list.split(&format!("id=\"inspection-{id}\"")).nth(1).and_then(|s| s.split("</tr>").next());
    assert!(row.expect("listed").contains("86"));
    assert_eq!(app.audit_count("inspection.record"), records + 1, "the refused record wrote nothing");
}

async fn the_checklist_is_the_district_s(app: TestApp) {
    let admin = app.login_as("admin").await;
    let first = plan(&app, &admin, "高庙乡").await;
    post_pairs(&admin, &format!("/inspections/{first}/record"), &record_fields(&CHECKS, 1, "90")).await;
    // Renamed, added, retired.
    let (second_item, sixth_item) = (check_id(&app, "有标识"), check_id(&app, "有实效"));
    post_pairs(
        &admin,
        &format!("/inspections/checklist/{second_item}"),
        &[("label".into(), "有统一标识".into()), ("active".into(), "1".into())],
    )
    .await;
    post_pairs(&admin, "/inspections/checklist", &[("label".into(), "有档案".into())]).await;
    let page =
        post_pairs(&admin, &format!("/inspections/checklist/{sixth_item}"), &[("label".into(), "有实效".into())]).await;
    assert!(page.contains("有统一标识") && page.contains("有档案"));
    let second = plan(&app, &admin, "涧河街道").await;
    let form = admin.get_text(&format!("/inspections/{second}")).await.1;
    assert!(
        form.contains("<strong class=\"check-label\">有统一标识</strong>")
            && form.contains("<strong class=\"check-label\">有档案</strong>")
    );
    assert!(!form.contains("<strong class=\"check-label\">有实效</strong>"), "retired");
    // The first inspection keeps its words.
    let past = admin.get_text(&format!("/inspections/{first}")).await.1;
    assert!(past.contains("<td>有标识</td>") && !past.contains("<td>有统一标识</td>"));
    // Only the district edits it.
    let gaomiao = app.login_as("gaomiao").await;
    assert_eq!(gaomiao.get("/inspections/checklist").await.status(), 404);
    assert!(gaomiao.post_form("/inspections/checklist", &[("label", "x")]).await.status().as_u16() >= 400);
    let r = admin.post_form("/inspections/checklist", &[("label", "")]).await;
    assert!(admin.get_text(&location(&r)).await.1.contains("请填写检查项目名称"));
}

async fn a_plan_is_changed_or_cancelled_until_recorded(app: TestApp) {
    let admin = app.login_as("admin").await;
    let id = plan(&app, &admin, "高庙乡").await;
    let later = (today() + Duration::days(7)).to_string();
    let path = format!("/inspections/{id}/plan");
    // The office cannot move the district's plan; a blank date changes nothing.
    let gaomiao = app.login_as("gaomiao").await;
    let r = gaomiao.post_form(&path, &[("planned_on", later.as_str()), ("inspectors", "张三")]).await;
    assert_eq!(r.status(), 404);
    let page =
        post_pairs(&admin, &path, &[("planned_on".into(), "".into()), ("inspectors".into(), "张三".into())]).await;
    assert!(page.contains("请填写检查日期") && page.contains("王明、李华"));
    let page =
        post_pairs(&admin, &path, &[("planned_on".into(), later.clone()), ("inspectors".into(), "张三、李四".into())])
            .await;
    assert!(page.contains("检查安排已修改") && page.contains("张三、李四") && page.contains(&later));
    assert_eq!(app.audit_count("inspection.reschedule"), 1);

    // Once recorded, the plan stays as it was.
    post_pairs(&admin, &format!("/inspections/{id}/record"), &record_fields(&CHECKS, 0, "80")).await;
    let page = post_pairs(&admin, &format!("/inspections/{id}/cancel"), &[]).await;
    assert!(page.contains("检查结果已记录，安排不能再修改或取消"));
    assert_eq!(admin.get(&format!("/inspections/{id}")).await.status(), 200);

    // A plan not yet carried out is called off and leaves the list.
    let other = plan(&app, &admin, "涧河街道").await;
    assert_eq!(gaomiao.post_form(&format!("/inspections/{other}/cancel"), &[]).await.status(), 404);
    let page = post_pairs(&admin, &format!("/inspections/{other}/cancel"), &[]).await;
    assert!(page.contains("检查已取消") && !page.contains(&format!("id=\"inspection-{other}\"")));
    assert_eq!(admin.get(&format!("/inspections/{other}")).await.status(), 404);
    assert_eq!(app.audit_count("inspection.cancel"), 1);
}
