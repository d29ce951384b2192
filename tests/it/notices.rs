//! 通知公告 over HTTP on both databases: an internal notice from the district
//! to every office and one member, with an attachment and a reply date —
//! read receipts and replies counted as the units open and answer it, the
//! in-app messages and the member's text; an office's notice reaches its own
//! members only; a public notice on the front page and in the committee's
//! list until it is withdrawn; bad input refused with its reason and
//! nothing saved.

use diesel::prelude::*;
use xieshang::kernel::db::schema::{jobs, members, notices, offices, outbox};

use crate::on_both_databases;
use crate::support::{Client, TestApp, distinct_png, location, queue_count};

on_both_databases!(
    an_internal_notice_counts_who_read_and_replied,
    an_office_writes_to_its_own_members,
    a_public_notice_is_on_the_front_page_until_withdrawn,
    bad_notices_are_refused_and_nothing_is_saved
);

const TITLE: &str = "关于报送2026年度履职工作总结的通知";
const BODY: &str = "请各工作办公室于12月20日前报送本年度工作总结。\n附件为格式要求。";

fn member_id(app: &TestApp, name: &str) -> i64 {
    let name = name.to_string();
    app.db
        .read_blocking(move |c| Ok(members::table.filter(members::name.eq(&name)).select(members::id).first(c)?))
        .expect("member")
}

fn in_a_week() -> String {
    (xieshang::kernel::time::today() + chrono::Duration::days(7)).to_string()
}

/// Saves a draft; returns its id.
async fn draft(c: &Client, fields: &[(&str, &str)]) -> i64 {
    let r = c.post_form("/notices", fields).await;
    assert_eq!(r.status(), 303, "{fields:?}");
    location(&r).trim_start_matches("/notices/").parse().expect("the notice's page")
}

async fn publish(c: &Client, id: i64) {
    let r = c.post_form(&format!("/notices/{id}/publish"), &[]).await;
    assert_eq!(r.status(), 303);
    let page = c.get_text(&location(&r)).await.1;
    assert!(page.contains("flash ok") || page.contains("通知已发布"), "published");
}

/// The issuer's counts: (read, total) and (replied, total).
async fn counts(c: &Client, id: i64) -> String {
    let (status, page) = c.get_text(&format!("/notices/{id}")).await;
    assert_eq!(status, 200);
    let at = page.find("id=\"receipt-counts\">").expect("the counts");
    page[at..].split('>').nth(1).and_then(|s| s.split('<').next()).expect("text").to_string()
}

async fn an_internal_notice_counts_who_read_and_replied(app: TestApp) {
    let admin = app.login_as("admin").await;
    let zhang = member_id(&app, "张丽华").to_string();
    let by = in_a_week();
    let id = draft(
        &admin,
        &[
            ("title", TITLE),
            ("body", BODY),
            ("public", "0"),
            ("all_offices", "1"),
            ("member", zhang.as_str()),
            ("reply_by", by.as_str()),
            ("texted", "1"),
        ],
    )
    .await;
    let r = admin.upload_png(&format!("/notices/{id}/files"), &[], "files", "格式要求.png", &distinct_png(7)).await;
    assert_eq!(r.status(), 303);

    // A draft is the issuer's alone.
    let gaomiao = app.login_as("gaomiao").await;
    assert_eq!(gaomiao.get(&format!("/notices/{id}")).await.status(), 404);
    publish(&admin, id).await;
    let n_offices: i64 = app.db.read_blocking(|c| Ok(offices::table.count().get_result(c)?)).expect("offices");
    let total = n_offices + 1;
    assert_eq!(counts(&admin, id).await, format!("已读 0 / {total} · 已回执 0 / {total}"));
    // Published, the text is fixed and attachments too.
    assert_eq!(admin.get(&format!("/notices/{id}/edit")).await.status(), 404);
    let r = admin.upload_png(&format!("/notices/{id}/files"), &[], "files", "迟到.png", &distinct_png(8)).await;
    assert_eq!(r.status(), 303);
    let page = admin.get_text(&format!("/notices/{id}")).await.1;
    assert!(page.contains("格式要求.png") && !page.contains("迟到.png"));

    // Every unit was told in-app; the member is texted by the job.
    let subject = format!("notice:{id}");
    let s2 = subject.clone();
    let inapp: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(outbox::table.filter(outbox::subject.eq(&s2).and(outbox::channel.eq("inapp"))).count().get_result(c)?)
        })
        .expect("outbox");
    assert_eq!(inapp, total);
    let w = xieshang::kernel::jobs::Worker::new(
        app.db.clone(),
        std::sync::Arc::new(xieshang::app::job_registry(&app.state)),
        "t",
    );
    while w.run_once().await.expect("run") {}
    let (texts, text): (i64, String) = app
        .db
        .read_blocking(move |c| {
            let q = || outbox::table.filter(outbox::subject.eq(&subject).and(outbox::channel.ne("inapp")));
            Ok((q().count().get_result(c)?, q().select(outbox::body).first(c)?))
        })
        .expect("texts");
    assert_eq!(texts, 1, "the one member with a phone");
    assert!(text.contains(TITLE) && text.contains("回执截止日期为"), "{text}");
    let done: i64 = app
        .db
        .read_blocking(|c| {
            Ok(jobs::table.filter(jobs::kind.eq("notices.text").and(jobs::status.eq("done"))).count().get_result(c)?)
        })
        .expect("jobs");
    assert_eq!(done, 1);

    // The office sees it unread on its home and in its list, then opens it.
    let home = gaomiao.get_text("/").await.1;
    assert_eq!(queue_count(&home, "unread_notices"), 1);
    let list = gaomiao.get_text("/notices").await.1;
    assert!(list.contains(TITLE) && list.contains("未读"));
    let page = gaomiao.get_text(&format!("/notices/{id}")).await.1;
    assert!(page.contains("附件为格式要求") && page.contains(&format!("回执截止日期：{by}")));
    let file = page.split(&format!("/notices/{id}/files/")).nth(1).and_then(|s| s.split('"').next()).expect("file");
    assert_eq!(gaomiao.get(&format!("/notices/{id}/files/{file}")).await.status(), 200);
    assert_eq!(queue_count(&gaomiao.get_text("/").await.1, "unread_notices"), 0);
    assert_eq!(counts(&admin, id).await, format!("已读 1 / {total} · 已回执 0 / {total}"));

    // Replies: the office's and the member's; another office only reads.
    let replies = app.audit_count("notice.reply");
    let r = gaomiao.post_form(&format!("/notices/{id}/reply"), &[("reply", "已收到，按时报送。")]).await;
    assert_eq!(r.status(), 303);
    let member = app.login_as("member").await;
    let r = member.post_form(&format!("/notices/{id}/reply"), &[("reply", "收到。")]).await;
    assert_eq!(r.status(), 303);
    let jianhe = app.login_as("jianhe").await;
    assert_eq!(jianhe.get(&format!("/notices/{id}")).await.status(), 200);
    assert_eq!(counts(&admin, id).await, format!("已读 3 / {total} · 已回执 2 / {total}"));
    let page = admin.get_text(&format!("/notices/{id}")).await.1;
    assert!(page.contains("已收到，按时报送。") && page.contains("收到。"));
    assert_eq!(page.matches("class=\"receipt-unread\"").count() as i64, total - 3, "who has not read is listed");
    assert_eq!(app.audit_count("notice.reply"), replies + 2);

    // The day before the reply date, those who have not replied are reminded, once.
    let remind = |days| {
        let at = xieshang::kernel::time::now() + chrono::Duration::days(days);
        app.db.write_blocking(move |c| xieshang::notices::jobs::remind(c, at)).expect("remind")
    };
    assert_eq!(remind(0), 0, "not yet");
    assert_eq!(remind(6) as i64, total - 2);
    assert_eq!(remind(6), 0, "once");

    // Not sent to departments: the department's account gets nothing.
    let dept = app.login_as("dept").await;
    assert_eq!(dept.get(&format!("/notices/{id}")).await.status(), 404);
    let r = dept.post_form(&format!("/notices/{id}/reply"), &[("reply", "收到")]).await;
    assert_eq!(r.status(), 404);
    // Leaders read every notice that went out, in their list too.
    let leader = app.login_as("leader").await;
    assert!(leader.get_text("/notices").await.1.contains(TITLE));
    assert_eq!(leader.get(&format!("/notices/{id}")).await.status(), 200);
    // The issuer's list counts the same.
    let list = admin.get_text("/notices").await.1;
    let row = list.split(&format!("id=\"issued-{id}\"")).nth(1).and_then(|s| s.split("</tr>").next()).expect("row");
    assert!(row.contains(&format!("3 / {total}")) && row.contains(&format!("2 / {total}")), "{row}");
}

async fn an_office_writes_to_its_own_members(app: TestApp) {
    let gaomiao = app.login_as("gaomiao").await;
    let office = app.office_id("高庙乡");
    let id = draft(&gaomiao, &[("title", "本周六委员之家接待日安排"), ("public", "0"), ("all_members", "1")]).await;
    publish(&gaomiao, id).await;
    let ours: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(members::table
                .filter(members::office_id.eq(office).and(members::status.eq("active")))
                .count()
                .get_result(c)?)
        })
        .expect("members");
    assert_eq!(counts(&gaomiao, id).await, format!("已读 0 / {ours}"));
    let member = app.login_as("member").await;
    assert_eq!(member.get(&format!("/notices/{id}")).await.status(), 200);
    // Another office neither reads nor manages it; the district manages it.
    let jianhe = app.login_as("jianhe").await;
    assert_eq!(jianhe.get(&format!("/notices/{id}")).await.status(), 404);
    assert_eq!(jianhe.post_form(&format!("/notices/{id}/withdraw"), &[]).await.status(), 404);
    let admin = app.login_as("admin").await;
    assert_eq!(counts(&admin, id).await, format!("已读 1 / {ours}"));
    // An office cannot address offices, nor another office's member.
    let before = notice_count(&app);
    let r = gaomiao.post_form("/notices", &[("title", "越权"), ("public", "0"), ("all_offices", "1")]).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page");
    assert!(page.contains("工作办公室只能向本办公室的委员发通知") && page.contains("越权"), "the form again");
    let theirs = jianhe_member(&app).to_string();
    let id2 = draft(&gaomiao, &[("title", "越权2"), ("public", "0"), ("member", theirs.as_str())]).await;
    let r = gaomiao.post_form(&format!("/notices/{id2}/publish"), &[]).await;
    assert_eq!(r.status(), 303);
    let page = gaomiao.get_text(&location(&r)).await.1;
    assert!(page.contains("所选委员不在可发送的范围内"), "refused at publication");
    assert_eq!(notice_count(&app), before + 1, "only the draft");
    let status: String =
        app.db.read_blocking(move |c| Ok(notices::table.find(id2).select(notices::status).first(c)?)).expect("status");
    assert_eq!(status, "draft");
}

fn notice_count(app: &TestApp) -> i64 {
    app.db.read_blocking(|c| Ok(notices::table.count().get_result(c)?)).expect("count")
}

fn jianhe_member(app: &TestApp) -> i64 {
    let office = app.office_id("涧河街道");
    app.db
        .read_blocking(move |c| {
            Ok(members::table.filter(members::office_id.eq(office)).select(members::id).first(c)?)
        })
        .expect("a member of 涧河街道")
}

async fn a_public_notice_is_on_the_front_page_until_withdrawn(app: TestApp) {
    let admin = app.login_as("admin").await;
    let title = "关于开展冬季委员接待日活动的公告";
    let id = draft(&admin, &[("title", title), ("body", "欢迎群众通过征集箱提出议题。"), ("public", "1")]).await;
    let r = admin.upload_png(&format!("/notices/{id}/files"), &[], "files", "议题表.png", &distinct_png(9)).await;
    assert_eq!(r.status(), 303);
    let visitor = app.client();
    assert!(!visitor.get_text("/").await.1.contains(title), "not while a draft");
    assert_eq!(visitor.get(&format!("/box/hubin/notices/{id}")).await.status(), 404);
    publish(&admin, id).await;
    let front = visitor.get_text("/").await.1;
    assert!(front.contains(title) && front.contains(&format!("/box/hubin/notices/{id}")));
    let (status, page) = visitor.get_text(&format!("/box/hubin/notices/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("欢迎群众通过征集箱提出议题。") && page.contains("议题表.png"));
    let file = page.split(&format!("/box/hubin/notices/{id}/files/")).nth(1).and_then(|s| s.split('"').next());
    let file = file.expect("the attachment's link");
    assert_eq!(visitor.get(&format!("/box/hubin/notices/{id}/files/{file}")).await.status(), 200);
    assert!(visitor.get_text("/box/hubin/notices").await.1.contains(title));
    // Nobody replies to a public notice.
    let gaomiao = app.login_as("gaomiao").await;
    assert_eq!(gaomiao.get(&format!("/notices/{id}")).await.status(), 200);
    assert!(gaomiao.post_form(&format!("/notices/{id}/reply"), &[("reply", "收到")]).await.status().as_u16() >= 400);

    // An office's public notice is on its Members' Home page.
    let office = app.office_id("高庙乡");
    let oid = draft(&gaomiao, &[("title", "高庙乡委员之家开放时间调整"), ("public", "1")]).await;
    publish(&gaomiao, oid).await;
    let r = gaomiao.get(&format!("/homes/{office}/public")).await;
    let home = visitor.get_text(&location(&r)).await.1;
    assert!(home.contains("高庙乡委员之家开放时间调整"));
    assert!(!visitor.get_text("/").await.1.contains("高庙乡委员之家开放时间调整"), "the front page is the district's");

    // Withdrawn: gone from the public, kept for its issuer.
    let r = admin.post_form(&format!("/notices/{id}/withdraw"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(!visitor.get_text("/").await.1.contains(title));
    assert_eq!(visitor.get(&format!("/box/hubin/notices/{id}")).await.status(), 404);
    assert_eq!(visitor.get(&format!("/box/hubin/notices/{id}/files/{file}")).await.status(), 404);
    assert_eq!(admin.get(&format!("/notices/{id}")).await.status(), 200);
    assert_eq!(app.audit_count("notice.withdraw"), 1);
}

async fn bad_notices_are_refused_and_nothing_is_saved(app: TestApp) {
    let admin = app.login_as("admin").await;
    let before = notice_count(&app);
    let yesterday = (xieshang::kernel::time::today() - chrono::Duration::days(1)).to_string();
    let long = "长".repeat(81);
    for (fields, message) in [
        (vec![("title", ""), ("public", "1")], "请填写通知标题"),
        (vec![("title", long.as_str()), ("public", "1")], "标题最多80个字"),
        (vec![("title", "无人"), ("public", "0")], "内部通知请至少选择一个发送范围"),
        (
            vec![("title", "过期"), ("public", "0"), ("all_offices", "1"), ("reply_by", yesterday.as_str())],
            "回执截止日期不能早于今天",
        ),
    ] {
        let r = admin.post_form("/notices", &fields).await;
        assert_eq!(r.status(), 400, "{fields:?}");
        assert!(r.text().await.expect("page").contains(message), "{message}");
    }
    for bad in [("office", "x"), ("reply_by", "2026-02-30"), ("member", "-")] {
        let r = admin.post_form("/notices", &[("title", "坏"), ("public", "0"), bad]).await;
        assert_eq!(r.status(), 400, "{bad:?}");
    }
    // Nobody else issues notices.
    for who in ["member", "dept", "leader"] {
        let c = app.login_as(who).await;
        assert_eq!(c.get("/notices/new").await.status(), 404, "{who}");
        assert!(c.post_form("/notices", &[("title", "t"), ("public", "1")]).await.status().as_u16() >= 400);
    }
    assert_eq!(notice_count(&app), before);
    // A reply longer than a page is refused; a published notice cannot be published twice.
    let id = draft(&admin, &[("title", "回执测试"), ("public", "0"), ("all_offices", "1")]).await;
    publish(&admin, id).await;
    let published = app.audit_count("notice.publish");
    let gaomiao = app.login_as("gaomiao").await;
    let r = gaomiao.post_form(&format!("/notices/{id}/reply"), &[("reply", &"长".repeat(1001))]).await;
    let page = gaomiao.get_text(&location(&r)).await.1;
    assert!(page.contains("回执最多1000个字"));
    let r = admin.post_form(&format!("/notices/{id}/publish"), &[]).await;
    let page = admin.get_text(&location(&r)).await.1;
    assert!(page.contains("通知当前状态下不能这样操作"));
    assert_eq!(app.audit_count("notice.publish"), published, "once");
}
