//! The opinion box over HTTP on both databases: a resident's concern from the
//! box to a rated answer, and the rules around it.

use diesel::prelude::*;
use xieshang::kernel::db::schema::{audit_log, files, jobs, opinion_events, opinion_files, opinions, outbox};
use xieshang::kernel::error::AppError;
use xieshang::kernel::ids::{FileId, OpinionId};
use xieshang::opinions::reports::model::ReportText;
use xieshang::opinions::reports::store as reports;
use xieshang::opinions::store::cases;

use crate::on_both_databases;
use crate::support::{Client, TestApp, location, post_to_box, submit_opinion};

on_both_databases!(
    a_concern_goes_from_the_box_to_a_rated_answer,
    bad_input_is_refused_and_nothing_is_written,
    departments_see_only_their_cases_and_offices_only_theirs,
    personal_data_is_encrypted_masked_and_its_views_audited,
    repeated_submissions_meet_a_question_then_a_limit,
    unsatisfied_reopens_once,
    duplicates_merge_and_every_submitter_hears,
    overdue_cases_escalate_once_and_unrated_ones_close,
    search_finds_cases_by_chinese_words,
    child_lists_refuse_a_case_out_of_scope,
    an_unknown_state_in_the_database_is_an_error,
);

fn status_of(app: &TestApp, id: i64) -> String {
    app.db.read_blocking(move |c| Ok(opinions::table.find(id).select(opinions::status).first(c)?)).expect("status")
}

/// 王秀兰 submits through the box; returns the tracking code.
async fn submit_ok(c: &Client, body: &str, phone: &str) -> String {
    submit_opinion(c, &[("body", body), ("phone", phone), ("name", "王秀兰")]).await
}

async fn act(c: &Client, id: i64, fields: &[(&str, &str)]) -> String {
    let r = c.post_form(&format!("/opinions/{id}/act"), fields).await;
    assert_eq!(r.status(), 303, "{fields:?}");
    c.get_text(&location(&r)).await.1
}

async fn a_concern_goes_from_the_box_to_a_rated_answer(app: TestApp) {
    let resident = app.client();
    let locality: i64 = app
        .db
        .read_blocking(|c| {
            use xieshang::kernel::db::schema::localities;
            Ok(localities::table.filter(localities::name.eq("五原路社区")).select(localities::id).first(c)?)
        })
        .expect("locality");
    // Through the locality's QR code: the place is filled in.
    let (_, page) = resident.get_text(&format!("/box/hubin?locality={locality}")).await;
    assert!(page.contains("五原路社区") && page.contains("涧河街道"));
    let r = post_to_box(
        &resident,
        &[
            ("body", "金河湾小区3号楼前的路灯坏了，晚上很黑。"),
            ("phone", "139 0398 0001"),
            ("locality", &locality.to_string()),
        ],
        Some(crate::org::PNG),
    )
    .await;
    assert_eq!(r.status(), 303);
    let track = location(&r);
    assert!(track.starts_with("/track/") && track.ends_with("?new=1"));
    let code = track.trim_start_matches("/track/").trim_end_matches("?new=1").to_string();
    assert_eq!(code.len(), 10);
    // Acknowledged means committed: the case is in the database now.
    let id = app.opinion_id(&code);
    let (_, page) = resident.get_text(&track).await;
    assert!(page.contains("提交成功") && page.contains(&code) && page.contains("已收到"));
    assert!(!page.contains("13903980001"), "no personal data on the public page");

    // Staff accept and assign to the housing bureau with a working-day deadline.
    let admin = app.login_as("admin").await;
    let (_, inbox) = admin.get_text("/opinions?status=submitted").await;
    assert!(inbox.contains("金河湾小区3号楼前的路灯坏了"));
    act(&admin, id, &[("action", "accept")]).await;
    let housing = app.department_id("区住房和城乡建设局");
    let page =
        act(&admin, id, &[("action", "assign"), ("assignee", &format!("department:{housing}")), ("days", "5")]).await;
    assert!(page.contains("已交办") && page.contains("区住房和城乡建设局"));
    let due: Option<chrono::NaiveDateTime> =
        app.db.read_blocking(move |c| Ok(opinions::table.find(id).select(opinions::due_at).first(c)?)).expect("due");
    let due = due.expect("deadline set");
    assert!(due > chrono::Utc::now().naive_utc() + chrono::Duration::days(4), "five working days is at least a week");

    // The department signs, answers; staff review and release the answer.
    let dept = app.login_as("dept").await;
    let (_, mine) = dept.get_text("/opinions").await;
    assert!(mine.contains("金河湾小区3号楼前的路灯坏了"));
    act(&dept, id, &[("action", "sign")]).await;
    // The answer goes with a photo of the repair.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", dept.csrf().await)
        .text("note", "已更换灯具，3号楼前路灯已恢复照明。")
        .part("file", reqwest::multipart::Part::bytes(crate::org::PNG.to_vec()).file_name("修好的路灯.png"));
    let r = dept.http.post(format!("{}/opinions/{id}/answer", dept.base)).multipart(form).send().await.expect("answer");
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), "answer_review");
    assert!(admin.get_text(&format!("/opinions/{id}")).await.1.contains("修好的路灯.png"), "the answer's attachment");
    let (_, page) = resident.get_text(&format!("/track/{code}")).await;
    assert!(!page.contains("已更换灯具"), "the resident sees the answer only after review");
    act(&admin, id, &[("action", "approve")]).await;

    // The resident sees the answer and rates it; the case closes.
    let (_, page) = resident.get_text(&format!("/track/{code}")).await;
    assert!(page.contains("已更换灯具") && page.contains("您对答复满意吗"));
    let r = resident.post_form(&format!("/track/{code}/rate"), &[("rating", "satisfied"), ("comment", "谢谢")]).await;
    assert_eq!(r.status(), 303);
    let (_, page) = resident.get_text(&format!("/track/{code}")).await;
    assert!(page.contains("谢谢您的评价") && page.contains("已办结"));
    assert_eq!(status_of(&app, id), "closed");
    // Every step is on the staff timeline; the resident's shows the public part.
    let (_, detail) = admin.get_text(&format!("/opinions/{id}")).await;
    for step in ["已受理", "承办单位已签收", "承办单位提交答复，待审核", "已答复", "已评价，办结"]
    {
        assert!(detail.contains(step), "{step}");
    }
    assert!(!page.contains("承办单位提交答复，待审核"), "internal steps stay internal");
    // One message per public status change to the phone that was left.
    let sent: i64 = {
        let w = xieshang::kernel::jobs::Worker::new(app.db.clone(), std::sync::Arc::new(test_registry(&app)), "t");
        while w.run_once().await.expect("run") {}
        let subject = format!("opinion:{id}");
        app.db
            .read_blocking(move |c| Ok(outbox::table.filter(outbox::subject.eq(&subject)).count().get_result(c)?))
            .expect("outbox")
    };
    let public_events: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_events::table
                .filter(opinion_events::opinion_id.eq(id).and(opinion_events::public.eq(true)))
                .count()
                .get_result(c)?)
        })
        .expect("events");
    assert_eq!(sent, public_events - 1, "a message for each public change after submitting");
    // Its photo is there for staff.
    assert!(detail.contains(&format!("/opinions/{id}/files/")));
}

fn test_registry(app: &TestApp) -> xieshang::kernel::jobs::Registry {
    xieshang::app::job_registry(&app.state)
}

async fn bad_input_is_refused_and_nothing_is_written(app: TestApp) {
    let before: i64 = app.db.read_blocking(|c| Ok(opinions::table.count().get_result(c)?)).expect("count");
    let c = app.client();
    let r = post_to_box(&c, &[("body", "   ")], None).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap_or_default().contains("请写下您要反映的问题"));
    let long = "很".repeat(2001);
    let r = post_to_box(&c, &[("body", &long)], None).await;
    assert!(r.text().await.unwrap_or_default().contains("最多2000字"));
    let r = post_to_box(&c, &[("body", "路灯坏了"), ("phone", "12345")], None).await;
    let body = r.text().await.unwrap_or_default();
    assert!(body.contains("手机号码应为11位数字"));
    assert!(body.contains("路灯坏了"), "what was typed comes back");
    let r = post_to_box(&c, &[("body", "照片不对"), ("photo_name", "x")], Some(b"not a photo")).await;
    assert_eq!(r.status(), 400);
    let after: i64 = app.db.read_blocking(|c| Ok(opinions::table.count().get_result(c)?)).expect("count");
    assert_eq!(before, after);
    assert_eq!(c.get("/box/nosuchcommittee").await.status(), 404);
    // A wrong tracking code is explained, an unknown one is not found.
    assert!(c.get_text("/track?code=abc").await.1.contains("查询码应为10位"));
    assert_eq!(c.get("/track/ZZZZZZZZZZ").await.status(), 404);
}

async fn departments_see_only_their_cases_and_offices_only_theirs(app: TestApp) {
    let dept = app.login_as("dept").await;
    let (_, mine) = dept.get_text("/opinions").await;
    // The demo walks its cases through the housing bureau.
    assert!(mine.contains("五原路社区金河湾小区老人多"));
    let other = app.client();
    let code = submit_ok(&other, "会兴街道菜市场门口积水严重。", "13903980002").await;
    let id = app.opinion_id(&code);
    assert_eq!(dept.get(&format!("/opinions/{id}")).await.status(), 404, "not assigned to them");
    // Office staff of 高庙乡 never see a 涧河街道 case.
    let jianhe = app.office_id("涧河街道");
    let resident = app.client();
    let r = post_to_box(&resident, &[("body", "涧河街道的事情"), ("office", &jianhe.to_string())], None).await;
    let jcode = location(&r).trim_start_matches("/track/").trim_end_matches("?new=1").to_string();
    let jid = app.opinion_id(&jcode);
    let gaomiao = app.login_as("gaomiao").await;
    assert_eq!(gaomiao.get(&format!("/opinions/{jid}")).await.status(), 404);
    assert!(!gaomiao.get_text("/opinions").await.1.contains("涧河街道的事情"));
    let jianhe_staff = app.login_as("jianhe").await;
    assert_eq!(jianhe_staff.get(&format!("/opinions/{jid}")).await.status(), 200);
    // A department cannot act as dispatcher, nor sign a case not theirs.
    let r = dept.post_form(&format!("/opinions/{jid}/act"), &[("action", "accept")]).await;
    assert_eq!(r.status(), 404);
    // The auditor and the sysadmin read no cases.
    assert!(app.login_as("auditor").await.get_text("/opinions").await.1.contains("没有符合条件的意见"));
}

async fn personal_data_is_encrypted_masked_and_its_views_audited(app: TestApp) {
    let c = app.client();
    let code = submit_ok(&c, "楼下垃圾站太臭了。", "13903981234").await;
    let id = app.opinion_id(&code);
    let (name, phone): (Option<String>, Option<String>) = app
        .db
        .read_blocking(move |c| {
            Ok(opinions::table.find(id).select((opinions::submitter_name, opinions::submitter_phone)).first(c)?)
        })
        .expect("row");
    let (name, phone) = (name.expect("name"), phone.expect("phone"));
    assert!(!phone.contains("13903981234") && !name.contains("王秀兰"), "encrypted at rest");
    let admin = app.login_as("admin").await;
    let (_, page) = admin.get_text(&format!("/opinions/{id}")).await;
    assert!(page.contains("139****1234") && page.contains("王**"), "masked by default");
    assert!(!page.contains("13903981234"));
    let r = admin.post_form(&format!("/opinions/{id}/personal"), &[]).await;
    let page = r.text().await.unwrap_or_default();
    assert!(page.contains("13903981234") && page.contains("王秀兰"));
    let views: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(audit_log::table
                .filter(audit_log::action.eq("opinion.personal_view").and(audit_log::entity_id.eq(id.to_string())))
                .count()
                .get_result(c)?)
        })
        .expect("audit");
    assert_eq!(views, 1, "every view of personal data is audited");
    // A leader reads the case but not the personal data.
    let leader = app.login_as("leader").await;
    assert_eq!(leader.post_form(&format!("/opinions/{id}/personal"), &[]).await.status(), 403);
}

/// Answers the box's arithmetic question as a person would: reads it off the page.
async fn challenge(c: &Client) -> (String, String) {
    let (_, page) = c.get_text("/box/hubin").await;
    let q = page.split("<strong>").nth(1).and_then(|x| x.split("</strong>").next()).expect("a question");
    let nums: Vec<u32> = q.split(|ch: char| !ch.is_ascii_digit()).filter_map(|x| x.parse().ok()).collect();
    let token =
        page.split("name=\"challenge_token\" value=\"").nth(1).and_then(|x| x.split('"').next()).expect("token");
    (token.to_string(), (nums[0] + nums[1]).to_string())
}

async fn repeated_submissions_meet_a_question_then_a_limit(app: TestApp) {
    let count = || app.db.read_blocking(|c| Ok(opinions::table.count().get_result::<i64>(c)?)).expect("count");
    let c = app.client();
    for i in 0..3 {
        submit_ok(&c, &format!("第{i}次反映：路面坑洼。"), "").await;
    }
    // The fourth from the same address must answer a question first.
    let (_, page) = c.get_text("/box/hubin").await;
    assert!(page.contains("为防止恶意提交，请回答"));
    let before = count();
    let r = post_to_box(&c, &[("body", "第四次")], None).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap_or_default();
    assert!(page.contains("请回答") && page.contains("请先回答下面这道算术题"), "asked, not told it was wrong: {page}");
    let (token, _) = challenge(&c).await;
    let r = post_to_box(&c, &[("body", "第四次"), ("challenge_token", &token), ("challenge_answer", "99")], None).await;
    assert_eq!(r.status(), 400, "a wrong answer is refused");
    assert!(r.text().await.unwrap_or_default().contains("答案不对"));
    // With a photo the question is asked before the photo is kept.
    let stored = || app.db.read_blocking(|c| Ok(files::table.count().get_result::<i64>(c)?)).expect("files");
    let files_before = stored();
    let r = post_to_box(&c, &[("body", "第四次，带照片")], Some(&crate::support::png())).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap_or_default().contains("请先回答下面这道算术题"));
    assert_eq!(stored(), files_before, "no photo kept from an unanswered submission");
    assert_eq!(count(), before);

    // With the right answer it goes through; one phone at most 5 times a day.
    for i in 0..5 {
        let (token, answer) = challenge(&c).await;
        let r = post_to_box(
            &c,
            &[
                ("body", &format!("同一个电话第{i}次")),
                ("phone", "13903985555"),
                ("challenge_token", &token),
                ("challenge_answer", &answer),
            ],
            None,
        )
        .await;
        assert_eq!(r.status(), 303, "submission {i} with the phone");
    }
    let (token, answer) = challenge(&c).await;
    let r = post_to_box(
        &c,
        &[("body", "第六次"), ("phone", "13903985555"), ("challenge_token", &token), ("challenge_answer", &answer)],
        None,
    )
    .await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap_or_default().contains("提交太频繁"));
    // One address at most 10 an hour (this was its 9th try: the 10th passes, the 11th not).
    let (token, answer) = challenge(&c).await;
    let r =
        post_to_box(&c, &[("body", "第十次"), ("challenge_token", &token), ("challenge_answer", &answer)], None).await;
    assert_eq!(r.status(), 303);
    let (token, answer) = challenge(&c).await;
    let r = post_to_box(&c, &[("body", "第十一次"), ("challenge_token", &token), ("challenge_answer", &answer)], None)
        .await;
    assert_eq!(r.status(), 429);
    assert_eq!(count(), before + 6, "refused submissions wrote nothing");
}

async fn walk_to_answered(app: &TestApp, admin: &Client, dept: &Client, id: i64) {
    let housing = app.department_id("区住房和城乡建设局");
    act(admin, id, &[("action", "assign"), ("assignee", &format!("department:{housing}"))]).await;
    act(dept, id, &[("action", "sign")]).await;
    act(dept, id, &[("action", "answer"), ("note", "已处理。")]).await;
    act(admin, id, &[("action", "approve")]).await;
}

async fn unsatisfied_reopens_once(app: TestApp) {
    let resident = app.client();
    let code = submit_ok(&resident, "小区门口下水道堵了。", "13903980003").await;
    let id = app.opinion_id(&code);
    let (admin, dept) = (app.login_as("admin").await, app.login_as("dept").await);
    walk_to_answered(&app, &admin, &dept, id).await;
    resident.post_form(&format!("/track/{code}/rate"), &[("rating", "unsatisfied"), ("comment", "还是堵")]).await;
    assert_eq!(status_of(&app, id), "in_progress", "reopened");
    // While it is handled again the resident still reads the answer they rated.
    let (_, page) = resident.get_text(&format!("/track/{code}")).await;
    assert!(page.contains("id=\"earlier-answer\"") && page.contains("已处理。"), "{page}");
    act(&dept, id, &[("action", "answer"), ("note", "已彻底疏通并更换管道。")]).await;
    act(&admin, id, &[("action", "approve")]).await;
    resident.post_form(&format!("/track/{code}/rate"), &[("rating", "unsatisfied")]).await;
    assert_eq!(status_of(&app, id), "closed", "the second 不满意 closes");
    // A closed case cannot be rated again.
    let r = resident.post_form(&format!("/track/{code}/rate"), &[("rating", "satisfied")]).await;
    let page = resident.get_text(&location(&r)).await.1;
    assert!(page.contains("当前的状态不能这样办理"));
}

async fn duplicates_merge_and_every_submitter_hears(app: TestApp) {
    let (a, b) = (app.client(), app.client());
    let first = submit_ok(&a, "幸福路和建设路交叉口红绿灯坏了，车辆乱行很危险。", "13903980011").await;
    let second = submit_ok(&b, "幸福路建设路交叉口的红绿灯坏了，车辆乱行很危险！", "13903980012").await;
    let (m, d) = (app.opinion_id(&first), app.opinion_id(&second));
    let admin = app.login_as("admin").await;
    let (_, page) = admin.get_text(&format!("/opinions/{d}")).await;
    assert!(page.contains("内容相近的意见") && page.contains(&first), "the duplicate is suggested");
    assert!(page.contains("value=\"member:"), "members are offered as handlers too");
    // A code mistyped, or the case itself: said so, nothing merged.
    let page = act(&admin, d, &[("action", "merge"), ("merge_code", "23456789AB")]).await;
    assert!(page.contains("没有找到这个查询码的意见"), "{page}");
    let page = act(&admin, d, &[("action", "merge"), ("merge_code", &second)]).await;
    assert!(page.contains("不能合并到这条意见自己"), "{page}");
    assert_eq!(status_of(&app, d), "submitted");
    act(&admin, d, &[("action", "merge"), ("merge_code", &first)]).await;
    assert_eq!(status_of(&app, d), "merged");
    // The second submitter follows the merged case and is told of its progress.
    act(&admin, m, &[("action", "accept")]).await;
    let (_, page) = b.get_text(&format!("/track/{second}")).await;
    assert!(page.contains("已受理") && page.contains("id=\"merged-note\""));
    // The second resident sees their own words and code, never the first's.
    assert!(page.contains("幸福路建设路交叉口的红绿灯坏了") && page.contains(&second), "{page}");
    assert!(!page.contains("幸福路和建设路交叉口") && !page.contains(&first), "{page}");
    // The answer reaches both; only the first resident rates it.
    let dept = app.login_as("dept").await;
    walk_to_answered(&app, &admin, &dept, m).await;
    let (_, page) = b.get_text(&format!("/track/{second}")).await;
    assert!(page.contains("已处理。") && !page.contains("id=\"rate\""), "{page}");
    b.post_form(&format!("/track/{second}/rate"), &[("rating", "unsatisfied")]).await;
    assert_eq!(status_of(&app, m), "answered", "the merged resident cannot rate the other case");
    assert_eq!(status_of(&app, d), "merged");
    let queued: Vec<String> = app
        .db
        .read_blocking(|c| Ok(jobs::table.filter(jobs::kind.eq("opinions.notify")).select(jobs::payload).load(c)?))
        .expect("jobs");
    assert!(queued.iter().any(|p| p.contains(&format!("\"opinion_id\":{d}"))), "the merged submitter is notified");
    assert!(queued.iter().any(|p| p.contains(&format!("\"opinion_id\":{m}"))));
}

async fn overdue_cases_escalate_once_and_unrated_ones_close(app: TestApp) {
    let resident = app.client();
    let code = submit_ok(&resident, "村里自来水三天没来了。", "").await;
    let id = app.opinion_id(&code);
    let (admin, dept) = (app.login_as("admin").await, app.login_as("dept").await);
    let housing = app.department_id("区住房和城乡建设局");
    act(&admin, id, &[("action", "assign"), ("assignee", &format!("department:{housing}")), ("days", "1")]).await;
    // The deadline passes.
    let now = chrono::Utc::now().naive_utc();
    app.db
        .write_blocking(move |c| {
            Ok(diesel::update(opinions::table.find(id))
                .set(opinions::due_at.eq(Some(now - chrono::Duration::hours(1))))
                .execute(c)?)
        })
        .expect("age");
    for _ in 0..2 {
        app.db.write_blocking(|c| xieshang::opinions::jobs::sweep(c, chrono::Utc::now().naive_utc())).expect("sweep");
    }
    let escalations: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_events::table
                .filter(opinion_events::opinion_id.eq(id).and(opinion_events::kind.eq("escalated")))
                .count()
                .get_result(c)?)
        })
        .expect("events");
    assert_eq!(escalations, 1, "escalated once");
    let (_, page) = admin.get_text(&format!("/opinions/{id}")).await;
    assert!(page.contains("已督办") && page.contains("超期督办"));
    assert!(admin.get_text("/opinions?overdue=1").await.1.contains("村里自来水三天没来了"));
    // Answered and never rated: closed as 未评价 after 15 days.
    act(&dept, id, &[("action", "sign")]).await;
    act(&dept, id, &[("action", "answer"), ("note", "已修复管道。")]).await;
    act(&admin, id, &[("action", "approve")]).await;
    app.db.write_blocking(|c| xieshang::opinions::jobs::sweep(c, chrono::Utc::now().naive_utc())).expect("sweep");
    assert_eq!(status_of(&app, id), "answered", "not yet: the resident has 15 days");
    let later = chrono::Utc::now().naive_utc() + chrono::Duration::days(16);
    app.db.write_blocking(|c| xieshang::opinions::jobs::sweep(c, later)).expect("sweep");
    assert_eq!(status_of(&app, id), "closed");
    let rating: Option<String> =
        app.db.read_blocking(move |c| Ok(opinions::table.find(id).select(opinions::rating).first(c)?)).expect("rating");
    assert_eq!(rating.as_deref(), Some("unrated"));
}

async fn search_finds_cases_by_chinese_words(app: TestApp) {
    let c = app.client();
    submit_ok(&c, "建设路的路灯晚上不亮，已经一个月了。", "").await;
    // Let the background indexer run (SQLite fills its FTS index off the request path).
    let w = xieshang::kernel::jobs::Worker::new(app.db.clone(), std::sync::Arc::new(test_registry(&app)), "t");
    for _ in 0..20 {
        while w.run_once().await.expect("run") {}
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let admin = app.login_as("admin").await;
    let (_, found) = admin.get_text("/opinions?q=路灯%20一个月").await;
    assert!(found.contains("建设路的路灯晚上不亮"), "two-word search finds it");
    assert!(!found.contains("小区物业不管事"), "and not the others");
    let (_, none) = admin.get_text("/opinions?q=飞机场").await;
    assert!(none.contains("没有符合条件的意见"));
}

/// A case's timeline, its files and the cases of a report written from it are
/// each checked against the case's (or the report's) scope by the store itself:
/// another office or a department not holding it gets "not found".
async fn child_lists_refuse_a_case_out_of_scope(app: TestApp) {
    let jianhe = app.office_id("涧河街道");
    let r = post_to_box(
        &app.client(),
        &[("body", "涧河街道一处井盖松动。"), ("office", &jianhe.to_string())],
        Some(crate::org::PNG),
    )
    .await;
    let code = location(&r).trim_start_matches("/track/").trim_end_matches("?new=1").to_string();
    let id = OpinionId(app.opinion_id(&code));
    let file: FileId = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_files::table.filter(opinion_files::opinion_id.eq(id)).select(opinion_files::file_id).first(c)?)
        })
        .expect("the photo");
    let (own, other, dept) = (app.actor("jianhe"), app.actor("gaomiao"), app.actor("dept"));
    let report = app
        .db
        .write_blocking(|c| {
            let text = ReportText {
                title: "关于井盖维护的建议".into(),
                situation: "井盖松动。".into(),
                analysis: "缺少巡查。".into(),
                suggestion: "定期巡查。".into(),
                reporter_name: "涧河街道政协工作办公室".into(),
                ..ReportText::default()
            };
            reports::compile(c, &own, &[id], &reports::Draft { text, reporter_member_id: None })
        })
        .expect("a report of the office");

    let seen = app
        .db
        .read_blocking(|c| {
            Ok((
                cases::events(c, &own, id)?.len(),
                cases::attachments(c, &own, id)?.len(),
                cases::holds_file(c, &own, id.0, file)?,
                reports::cases_of(c, &own, report)?,
            ))
        })
        .expect("the office sees its own");
    assert!(seen.0 >= 2 && seen.1 == 1 && seen.2, "{seen:?}");
    assert_eq!(seen.3, vec![(id, code.clone())]);

    for outsider in [&other, &dept] {
        let refused = app
            .db
            .read_blocking(|c| {
                Ok((
                    cases::events(c, outsider, id).err(),
                    cases::attachments(c, outsider, id).err(),
                    cases::holds_file(c, outsider, id.0, file)?,
                    reports::cases_of(c, outsider, report).err(),
                ))
            })
            .expect("read");
        assert!(matches!(refused.0, Some(AppError::NotFound)), "{}: events", outsider.username);
        assert!(matches!(refused.1, Some(AppError::NotFound)), "{}: files", outsider.username);
        assert!(!refused.2, "{}: one file", outsider.username);
        assert!(matches!(refused.3, Some(AppError::NotFound)), "{}: a report's cases", outsider.username);
    }
    let url = format!("/opinions/{}/files/{file}", id.0);
    assert_eq!(app.login_as("gaomiao").await.get(&url).await.status(), 404);
    assert_eq!(app.login_as("jianhe").await.get(&url).await.status(), 200);
}

/// A status, kind or handler the code does not know, read from the database,
/// is an error (a 500, logged), never quietly taken for another value.
async fn an_unknown_state_in_the_database_is_an_error(app: TestApp) {
    let code = submit_ok(&app.client(), "小区路面塌陷。", "").await;
    let id = app.opinion_id(&code);
    let admin = app.login_as("admin").await;
    assert_eq!(admin.get(&format!("/opinions/{id}")).await.status(), 200);
    let edit = |status: &str, kind: Option<&str>, assignee: Option<i64>| {
        let (status, kind) = (status.to_string(), kind.map(str::to_string));
        app.db
            .write_blocking(move |c| {
                Ok(diesel::update(opinions::table.find(id))
                    .set((
                        opinions::status.eq(&status),
                        opinions::assignee_kind.eq(kind.as_deref()),
                        opinions::assignee_id.eq(assignee),
                    ))
                    .execute(c)?)
            })
            .expect("edit by hand")
    };
    edit("lost", None, None);
    assert_eq!(admin.get(&format!("/opinions/{id}")).await.status(), 500, "an unknown status");
    assert_eq!(admin.get("/opinions").await.status(), 500, "the inbox that lists it too");
    assert_eq!(app.client().get(&format!("/track/{code}")).await.status(), 500, "and the tracking page");
    edit("assigned", Some("department"), None);
    assert_eq!(admin.get(&format!("/opinions/{id}")).await.status(), 500, "a handler half set");
    edit("assigned", Some("committee"), Some(1));
    assert_eq!(admin.get(&format!("/opinions/{id}")).await.status(), 500, "an unknown kind of handler");
    edit("submitted", None, None);
    assert_eq!(admin.get(&format!("/opinions/{id}")).await.status(), 200, "known again");
}
