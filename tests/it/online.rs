//! 网络议政 over HTTP on both databases: staff open a consultation's online
//! phase to an invited member and to residents; the member's comment is
//! published at once and scores 履职积分, hidden with a reason (audited) it
//! no longer shows or scores; a resident's comment is held, masked, then
//! published; participation per sector; the summary goes into the record and
//! its lines become agreed items; bad input changes nothing; another office
//! neither sees nor moderates; a busy address meets the box's question; one
//! speech per member and consultation; closing waits for the summary; held
//! comments are never crowded out of the staff's page.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use xieshang::consultations::model::Status;
use xieshang::consultations::online::model::Group;
use xieshang::kernel::db::schema::{
    consultation_items, consultations, members, online_comments, online_consultations, users,
};
use xieshang::kernel::ids::{CommitteeId, ConsultationId, MemberId, OnlineId};

use crate::consultations::{held, propose};
use crate::on_both_databases;
use crate::support::{Client, TestApp, location, post_ok};

on_both_databases!(
    moderation_hides_and_audits,
    a_resident_s_comment_is_held_then_published,
    participation_is_counted_per_sector,
    the_summary_goes_into_the_record_and_its_items,
    bad_input_changes_nothing,
    another_office_neither_sees_nor_moderates,
    a_busy_address_meets_the_question,
    one_speech_per_member_and_consultation,
    closing_waits_for_the_online_summary,
    a_summary_before_the_session_shows_as_such,
    held_comments_are_never_crowded_out,
);

/// The demo `member` login's member record.
fn the_member(app: &TestApp) -> i64 {
    app.db
        .read_blocking(|c| {
            Ok(members::table
                .inner_join(users::table.on(members::user_id.eq(users::id.nullable())))
                .filter(users::username.eq("member"))
                .select(members::id)
                .first(c)?)
        })
        .expect("member")
}

fn beijing(t: NaiveDateTime) -> (String, String) {
    let b = t + Duration::hours(8);
    (b.format("%Y-%m-%d").to_string(), b.format("%H:%M").to_string())
}

/// A consultation of 高庙乡 proposed and approved by its staff; its id.
async fn approved(staff: &Client, title: &str) -> i64 {
    let id = propose(staff, &[("title", title), ("background", "社区老人多，吃饭难。")]).await;
    post_ok(staff, &format!("/consultations/{id}/decide"), &[("decision", "approve")]).await;
    id
}

/// The settings form: open from an hour ago for a week.
fn settings(members: &[i64], residents: bool) -> Vec<(String, String)> {
    let now = Utc::now().naive_utc();
    let (od, ot) = beijing(now - Duration::hours(1));
    let (cd, ct) = beijing(now + Duration::days(7));
    let mut f: Vec<(String, String)> =
        [("opens_date", od), ("opens_time", ot), ("closes_date", cd), ("closes_time", ct)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
    if residents {
        f.push(("residents".into(), "1".into()));
    }
    f.extend(members.iter().map(|m| ("member".to_string(), m.to_string())));
    f
}

async fn open_online(staff: &Client, id: i64, members: &[i64], residents: bool) -> String {
    let f = settings(members, residents);
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post_ok(staff, &format!("/consultations/{id}/online"), &fields).await
}

fn comment_of(app: &TestApp, body: &str) -> (i64, String, String) {
    let b = body.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(online_comments::table
                .filter(online_comments::body.eq(&b))
                .select((online_comments::id, online_comments::status, online_comments::reason))
                .first(c)?)
        })
        .expect("the comment")
}

fn comments(app: &TestApp) -> i64 {
    app.db.read_blocking(|c| Ok(online_comments::table.count().get_result(c)?)).expect("count")
}

/// The demo's online consultation (涧河街道): its comments, as loaded.
fn demo_comments(app: &TestApp) -> i64 {
    app.db
        .read_blocking(|c| {
            let demo: i64 = online_consultations::table
                .order(online_consultations::id)
                .select(online_consultations::id)
                .first(c)?;
            Ok(online_comments::table.filter(online_comments::online_id.eq(demo)).count().get_result(c)?)
        })
        .expect("count")
}

/// Audit lines per online action so far (the demo's loading writes some):
/// what a test adds is counted from these.
fn audit_base(app: &TestApp) -> std::collections::HashMap<&'static str, i64> {
    ["online.open", "online.end", "online.comment", "online.moderate", "online.summary", "online.personal_view"]
        .into_iter()
        .map(|a| (a, app.audit_count(a)))
        .collect()
}

/// The member's 履职积分 from online comments this year.
fn online_points(app: &TestApp, member: i64) -> i32 {
    let admin = app.actor("admin");
    let year = chrono::Datelike::year(&xieshang::kernel::time::today());
    let s = app
        .db
        .read_blocking(move |c| xieshang::duty::scores::member_score(c, &admin, MemberId(member), year))
        .expect("score");
    s.lines.iter().filter(|l| l.record.item.as_str() == "online_speech").map(|l| l.points).sum()
}

/// Staff ask for a resident's name and phone: the page shown.
async fn page_of_staff_reveal(staff: &Client, path: &str) -> String {
    let r = staff.post_form(path, &[]).await;
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap_or_default()
}

fn moderate(comment: i64) -> String {
    format!("/consultations/online/comments/{comment}/moderate")
}

async fn moderation_hides_and_audits(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    let me = the_member(&app);
    let id = approved(&staff, "老年食堂选址网络议政").await;
    let base = audit_base(&app);
    let audited = |action: &str| app.audit_count(action) - base[action];
    let page = open_online(&staff, id, &[me], true).await;
    assert!(page.contains("网络议政已保存") && page.contains("进行中"), "{page}");
    assert_eq!(audited("online.open"), 1);
    // The member is told, finds it in the list and comments: published at once.
    let (_, list) = member.get_text("/consultations/online").await;
    assert!(list.contains("老年食堂选址网络议政"));
    let body = "建议选在社区服务中心一楼，方便老人。";
    let page = post_ok(&member, &format!("/consultations/{id}/online/comments"), &[("body", body)]).await;
    assert!(page.contains("发言已发表") && page.contains(body));
    let (comment, status, _) = comment_of(&app, body);
    assert_eq!(status, "published");
    assert_eq!(audited("online.comment"), 1);
    assert_eq!(online_points(&app, me), 1, "网络议政发言 scores its default point");
    let (_, public) = app.client().get_text(&format!("/box/hubin/online/{id}")).await;
    assert!(public.contains(body));
    // The member may not moderate.
    let r = member.post_form(&moderate(comment), &[("action", "hide"), ("reason", "不想要了")]).await;
    assert_eq!(r.status(), 403);
    // Hiding needs its reason.
    let back = format!("/consultations/{id}/online#comment-{comment}");
    let page = post_ok(&staff, &moderate(comment), &[("action", "hide"), ("back", &back)]).await;
    assert!(page.contains("隐藏发言请写明理由"));
    assert_eq!(comment_of(&app, body).1, "published");
    assert_eq!(audited("online.moderate"), 0);
    let page =
        post_ok(&staff, &moderate(comment), &[("action", "hide"), ("reason", "涉及他人隐私"), ("back", &back)]).await;
    assert!(page.contains("审核已处理") && page.contains("涉及他人隐私"));
    assert_eq!(comment_of(&app, body), (comment, "hidden".into(), "涉及他人隐私".into()));
    assert_eq!(audited("online.moderate"), 1);
    // Gone from the public page and the score; the member sees why.
    let (_, public) = app.client().get_text(&format!("/box/hubin/online/{id}")).await;
    assert!(!public.contains(body));
    let (_, mine) = member.get_text(&format!("/consultations/{id}/online")).await;
    assert!(mine.contains("已隐藏") && mine.contains("涉及他人隐私"));
    assert_eq!(online_points(&app, me), 0, "a hidden comment no longer scores");
    // Hiding it twice is refused; published again, the reason goes.
    let page = post_ok(&staff, &moderate(comment), &[("action", "hide"), ("reason", "再次"), ("back", &back)]).await;
    assert!(page.contains("该发言当前状态下不能进行此操作"));
    post_ok(&staff, &moderate(comment), &[("action", "publish"), ("back", &back)]).await;
    assert_eq!(comment_of(&app, body), (comment, "published".into(), String::new()));
    assert_eq!(audited("online.moderate"), 2);
    // Held back: out of sight again.
    post_ok(&staff, &moderate(comment), &[("action", "hold"), ("back", &back)]).await;
    assert_eq!(comment_of(&app, body).1, "held");
    let (_, public) = app.client().get_text(&format!("/box/hubin/online/{id}")).await;
    assert!(!public.contains(body));
}

async fn a_resident_s_comment_is_held_then_published(app: TestApp) {
    let base = audit_base(&app);
    let audited = |action: &str| app.audit_count(action) - base[action];
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    let me = the_member(&app);
    let id = approved(&staff, "社区助餐点网络议政").await;
    open_online(&staff, id, &[me], true).await;
    let resident = app.client();
    let (status, page) = resident.get_text("/box/hubin/online").await;
    assert_eq!(status, 200);
    assert!(page.contains("社区助餐点网络议政"));
    let (status, page) = resident.get_text(&format!("/box/hubin/online/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"public-comment-form\"") && !page.contains("challenge_token"));
    let body = "希望助餐点能提供送餐上门服务。";
    let r = resident
        .post_form(&format!("/box/hubin/online/{id}"), &[("body", body), ("name", "王秀兰"), ("phone", "13800138000")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = resident.get_text(&location(&r)).await;
    assert!(page.contains("经工作人员审核后公开") && !page.contains(body), "held, not shown");
    let (comment, status, _) = comment_of(&app, body);
    assert_eq!(status, "held");
    // Kept encrypted.
    let (name, phone): (Option<String>, Option<String>) = app
        .db
        .read_blocking(move |c| {
            Ok(online_comments::table
                .find(comment)
                .select((online_comments::name_enc, online_comments::phone_enc))
                .first(c)?)
        })
        .expect("row");
    assert!(name.is_some_and(|n| !n.contains("王秀兰")) && phone.is_some_and(|p| !p.contains("13800138000")));
    // Staff see it waiting, masked; the member does not see it yet.
    let (_, page) = staff.get_text(&format!("/consultations/{id}/online")).await;
    assert!(page.contains(body) && page.contains("待审核") && page.contains("王**") && page.contains("138****8000"));
    assert!(!page.contains("王秀兰") && !page.contains("13800138000"));
    assert!(page.contains(&format!("id=\"reveal-{comment}\"")), "staff may ask to see them in full");
    let (_, list) = staff.get_text("/consultations/online").await;
    assert!(list.contains(&format!("id=\"held-{id}\"")), "the list shows what waits");
    let (_, page) = member.get_text(&format!("/consultations/{id}/online")).await;
    assert!(!page.contains(body));
    // The member sees the consultation too: a link back to it.
    assert!(page.contains(&format!("href=\"/consultations/{id}\" id=\"consultation-link\"")));
    // The home's work queue counts it for the office's staff, not another office's.
    let (_, home) = staff.get_text("/").await;
    assert!(home.contains("id=\"q-online_held\"") && home.contains("网络议政留言待审核"), "the queue counts it");
    let (_, other) = app.login_as("jianhe").await.get_text("/").await;
    let demo_held = |home: &str| {
        home.split("id=\"q-online_held\"")
            .nth(1)
            .and_then(|r| r.split("class=\"n\">").nth(1))
            .and_then(|r| r.split('<').next())
            .map(str::to_string)
    };
    assert_eq!(demo_held(&other).as_deref(), Some("1"), "only the demo's own held comment");
    assert_eq!(demo_held(&home).as_deref(), Some("1"));
    // Staff see the resident's name and phone in full only by asking, audited.
    let personal = format!("/consultations/online/comments/{comment}/personal");
    let revealed = page_of_staff_reveal(&staff, &personal).await;
    assert!(revealed.contains("王秀兰") && revealed.contains("13800138000"), "in full");
    assert!(!revealed.contains(&format!("id=\"reveal-{comment}\"")), "no button once shown");
    assert_eq!(audited("online.personal_view"), 1);
    let r = member.post_form(&personal, &[]).await;
    assert!(r.status() == 403 || r.status() == 404, "{}", r.status());
    let r = app.login_as("jianhe").await.post_form(&personal, &[]).await;
    assert_eq!(r.status(), 404, "another office does not learn it exists");
    assert_eq!(audited("online.personal_view"), 1, "refusals are not reveals");
    // Published: the public sees it, the name masked, the phone not at all.
    let back = format!("/consultations/{id}/online");
    post_ok(&staff, &moderate(comment), &[("action", "publish"), ("back", &back)]).await;
    assert_eq!(audited("online.moderate"), 1);
    let (_, home) = staff.get_text("/").await;
    assert!(!home.contains("id=\"q-online_held\""), "nothing waits any more");
    let (_, page) = app.client().get_text(&format!("/box/hubin/online/{id}")).await;
    assert!(page.contains(body) && page.contains("王**"));
    assert!(!page.contains("王秀兰") && !page.contains("13800138000") && !page.contains("138****"));
    // The member answers it; a reply to a reply is refused.
    let reply = "送餐可以请志愿者协助。";
    let page = post_ok(
        &member,
        &format!("/consultations/{id}/online/comments"),
        &[("body", reply), ("parent", &comment.to_string())],
    )
    .await;
    assert!(page.contains(reply));
    let (reply_id, status, _) = comment_of(&app, reply);
    assert_eq!(status, "published");
    let before = comments(&app);
    let r = resident
        .post_form(&format!("/box/hubin/online/{id}"), &[("body", "同意。"), ("parent", &reply_id.to_string())])
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap_or_default().contains("要回复的发言不存在或不能回复"));
    assert_eq!(comments(&app), before);
    // A resident's reply to a published comment waits too.
    let r = resident
        .post_form(&format!("/box/hubin/online/{id}"), &[("body", "支持这个建议。"), ("parent", &comment.to_string())])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(comment_of(&app, "支持这个建议。").1, "held");
}

async fn participation_is_counted_per_sector(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    let me = the_member(&app);
    // Two more members, of other sectors than hers.
    let (mine, others): (Option<i64>, Vec<i64>) = app
        .db
        .read_blocking(move |c| {
            let mine: Option<i64> = members::table.find(me).select(members::sector_id).first(c)?;
            let others: Vec<(i64, Option<i64>)> = members::table
                .filter(members::status.eq("active").and(members::sector_id.is_not_null()))
                .filter(members::id.ne(me))
                .select((members::id, members::sector_id))
                .load(c)?;
            let mut picked: Vec<(i64, Option<i64>)> = vec![];
            for (m, s) in others {
                if s != mine && picked.iter().all(|(_, t)| *t != s) && picked.len() < 2 {
                    picked.push((m, s));
                }
            }
            Ok((mine, picked.into_iter().map(|(m, _)| m).collect()))
        })
        .expect("members");
    assert!(mine.is_some() && others.len() == 2);
    let id = approved(&staff, "公交线路调整网络议政").await;
    open_online(&staff, id, &[me, others[0], others[1]], true).await;
    for body in ["建议延长末班车时间。", "建议增设站台座椅。"] {
        post_ok(&member, &format!("/consultations/{id}/online/comments"), &[("body", body)]).await;
    }
    // Three residents' comments: two from one phone, one without any.
    let resident = app.client();
    for (body, phone) in [("站台太远。", "13900001111"), ("线路绕行。", "13900001111"), ("希望加密班次。", "")]
    {
        let r = resident.post_form(&format!("/box/hubin/online/{id}"), &[("body", body), ("phone", phone)]).await;
        assert_eq!(r.status(), 303, "{body}");
        let (c, _, _) = comment_of(&app, body);
        post_ok(&staff, &moderate(c), &[("action", "publish"), ("back", "/")]).await;
    }
    let actor = app.actor("gaomiao");
    let figures = app
        .db
        .read_blocking(move |c| {
            let s = xieshang::consultations::online::store::phase::seen(c, &actor, ConsultationId(id))?;
            xieshang::consultations::online::store::phase::figures(c, &s.online.expect("online"))
        })
        .expect("figures");
    let mine_name: String = app
        .db
        .read_blocking(move |c| {
            use xieshang::kernel::db::schema::sectors;
            Ok(sectors::table.find(mine.expect("sector")).select(sectors::name).first(c)?)
        })
        .expect("sector");
    let line = |f: &dyn Fn(&Group) -> bool| {
        figures.iter().find(|r| f(&r.group)).map(|r| (r.invited, r.participants, r.comments)).expect("a line")
    };
    assert_eq!(line(&|g| matches!(g, Group::Sector(_, n) if *n == mine_name)), (1, 1, 2));
    assert_eq!(line(&|g| *g == Group::Residents), (0, 2, 3), "one phone is one resident");
    assert_eq!(figures.iter().filter(|r| matches!(r.group, Group::Sector(..))).count(), 3);
    assert_eq!(xieshang::consultations::online::model::total(&figures), (3, 3, 5));
    // The page shows the table, and so does the public page.
    let (_, page) = staff.get_text(&format!("/consultations/{id}/online")).await;
    assert!(page.contains("id=\"online-figures\"") && page.contains(&mine_name) && page.contains("居民群众"));
    let (_, public) = app.client().get_text(&format!("/box/hubin/online/{id}")).await;
    assert!(public.contains("id=\"online-figures\"") && !public.contains("13900001111"));
}

async fn the_summary_goes_into_the_record_and_its_items(app: TestApp) {
    let base = audit_base(&app);
    let audited = |action: &str| app.audit_count(action) - base[action];
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    let me = the_member(&app);
    let id = approved(&staff, "老旧小区加装电梯网络议政").await;
    open_online(&staff, id, &[me], false).await;
    post_ok(&member, &format!("/consultations/{id}/online/comments"), &[("body", "低层住户的补偿要说清楚。")]).await;
    // Closed to residents: no public page.
    assert_eq!(app.client().get(&format!("/box/hubin/online/{id}")).await.status(), 404);
    // Not before it has ended.
    let url = format!("/consultations/{id}/online/summary");
    let page = post_ok(&staff, &url, &[("summary", "综述")]).await;
    assert!(page.contains("网络议政结束后才能撰写综述"));
    // The session is held meanwhile; then the online phase ends.
    held(&app, &staff, id, &[me], &[]).await;
    let page = post_ok(&staff, &format!("/consultations/{id}/online/end"), &[]).await;
    assert!(page.contains("网络议政已结束") && page.contains("已结束"));
    assert_eq!(audited("online.end"), 1);
    let page = post_ok(&member, &format!("/consultations/{id}/online/comments"), &[("body", "迟到的意见。")]).await;
    assert!(page.contains("当前不在议政时间内"));
    let summary = "委员普遍支持加装电梯。\n1. 制定低层住户补偿办法\n2、财政补贴每台二十万元";
    let page = post_ok(&staff, &url, &[("summary", summary)]).await;
    assert!(page.contains("综述已保存") && page.contains("制定低层住户补偿办法"));
    let record = || {
        app.db
            .read_blocking(move |c| {
                Ok(consultations::table.find(id).select(consultations::record).first::<String>(c)?)
            })
            .expect("record")
    };
    let r = record();
    assert!(r.starts_with("与会委员和群众代表就路口安全进行了协商。"), "{r}");
    assert!(r.contains(&format!("【网络议政综述】\n{summary}")), "{r}");
    // Written again, it replaces itself in the record.
    let again = format!("{summary}\n3. 每季度回访");
    post_ok(&staff, &url, &[("summary", &again)]).await;
    let r = record();
    assert_eq!(r.matches("【网络议政综述】").count(), 1, "{r}");
    assert!(r.contains("每季度回访"));
    assert_eq!(audited("online.summary"), 2);
    // A line of it becomes an agreed item.
    let office = app.office_id("高庙乡");
    let deadline = (Utc::now().naive_utc() + Duration::days(30)).format("%Y-%m-%d").to_string();
    let items = format!("/consultations/{id}/online/items");
    let owner = format!("office:{office}");
    let page = post_ok(&staff, &items, &[("line", "1"), ("owner", &owner), ("deadline", &deadline)]).await;
    assert!(page.contains("事项已添加"));
    let page = post_ok(&staff, &items, &[("line", "9"), ("owner", &owner), ("deadline", &deadline)]).await;
    assert!(page.contains("请选择综述中的一条"));
    // The same line twice is refused; the page marks it as an item.
    let page = post_ok(&staff, &items, &[("line", "1"), ("owner", &owner), ("deadline", &deadline)]).await;
    assert!(page.contains("综述的这一条已转为协商成果事项"));
    assert!(page.contains("id=\"line-1-added\"") && !page.contains("id=\"line-1\""));
    assert!(page.contains("id=\"line-2\""), "the others can still be added");
    let bodies: Vec<String> = app
        .db
        .read_blocking(move |c| {
            Ok(consultation_items::table
                .filter(consultation_items::consultation_id.eq(id))
                .select(consultation_items::body)
                .load(c)?)
        })
        .expect("items");
    assert_eq!(bodies, vec!["制定低层住户补偿办法".to_string()]);
}

async fn bad_input_changes_nothing(app: TestApp) {
    let base = audit_base(&app);
    let audited = |action: &str| app.audit_count(action) - base[action];
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    let me = the_member(&app);
    let phases = || app.db.read_blocking(|c| Ok(online_consultations::table.count().get_result::<i64>(c)?)).expect("n");
    let demo = phases();
    // A proposed topic takes no online phase yet.
    let proposed = propose(&staff, &[("title", "待审议题")]).await;
    let page = open_online(&staff, proposed, &[me], true).await;
    assert!(page.contains("协商议事当前状态下不能进行此操作"));
    let id = approved(&staff, "停车管理网络议政").await;
    let url = format!("/consultations/{id}/online");
    let mut f = settings(&[me], true);
    let day = |days: i64| beijing(Utc::now().naive_utc() + Duration::days(days)).0;
    let (today, past, earlier, later) = (day(0), day(-2), day(-3), day(200));
    for (opens, closes, message) in [
        (today.as_str(), past.as_str(), "结束时间须晚于开始时间"),
        (earlier.as_str(), past.as_str(), "结束时间须在现在之后"),
        (today.as_str(), later.as_str(), "网络议政时间不能超过九十天"),
        ("三月", later.as_str(), "日期格式不对"),
        ("", later.as_str(), "请填写开始日期和结束日期"),
    ] {
        let mut bad = f.clone();
        for (k, v) in bad.iter_mut() {
            match k.as_str() {
                "opens_date" => *v = opens.to_string(),
                "closes_date" => *v = closes.to_string(),
                _ => {}
            }
        }
        let fields: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let page = post_ok(&staff, &url, &fields).await;
        assert!(page.contains(message), "{opens} {closes}: {message}");
    }
    let page = open_online(&staff, id, &[], false).await;
    assert!(page.contains("请至少邀请一位委员，或允许群众参与"));
    let page = open_online(&staff, id, &[999_999], true).await;
    assert!(!page.contains("网络议政已保存"));
    assert_eq!(phases(), demo, "nothing opened");
    assert_eq!(audited("online.open"), 0);
    // Opened properly: now the comments.
    f.retain(|(k, _)| k != "residents");
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post_ok(&staff, &url, &fields).await;
    let comment_url = format!("/consultations/{id}/online/comments");
    let long = "长".repeat(1001);
    for (fields, message) in [
        (vec![("body", "  ")], "请填写意见"),
        (vec![("body", long.as_str())], "意见不能超过1000字"),
        (vec![("body", "回复"), ("parent", "999999")], "要回复的发言不存在或不能回复"),
        (vec![("body", "回复"), ("parent", "abc")], "重新选择"),
    ] {
        let page = post_ok(&member, &comment_url, &fields).await;
        assert!(page.contains(message), "{fields:?}");
    }
    // Staff are not invited members: they moderate, they do not comment.
    let r = staff.post_form(&comment_url, &[("body", "工作人员发言")]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(comments(&app), demo_comments(&app));
    // Residents: this one is closed to them.
    let resident = app.client();
    assert_eq!(resident.get(&format!("/box/hubin/online/{id}")).await.status(), 404);
    let r = resident.post_form(&format!("/box/hubin/online/{id}"), &[("body", "留言")]).await;
    assert_eq!(r.status(), 404);
    // Open to them, a bad phone or an empty text is refused and kept as typed.
    open_online(&staff, id, &[me], true).await;
    for (fields, message) in
        [(vec![("body", "路边乱停车严重。"), ("phone", "12345")], "手机号"), (vec![("body", " ")], "请填写意见")]
    {
        let r = resident.post_form(&format!("/box/hubin/online/{id}"), &fields).await;
        assert_eq!(r.status(), 400);
        let page = r.text().await.unwrap_or_default();
        assert!(page.contains(message) && page.contains(fields[0].1.trim()), "{fields:?}");
    }
    assert_eq!(comments(&app), demo_comments(&app));
    // Moderation with no such action changes nothing.
    post_ok(&member, &comment_url, &[("body", "建议划定临时停车位。")]).await;
    let (c, _, _) = comment_of(&app, "建议划定临时停车位。");
    let page = post_ok(&staff, &moderate(c), &[("action", "delete"), ("back", &url)]).await;
    assert!(page.contains("重新选择"));
    assert_eq!(comment_of(&app, "建议划定临时停车位。").1, "published");
}

async fn another_office_neither_sees_nor_moderates(app: TestApp) {
    let base = audit_base(&app);
    let audited = |action: &str| app.audit_count(action) - base[action];
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    let me = the_member(&app);
    let id = approved(&staff, "村级议事厅网络议政").await;
    open_online(&staff, id, &[me], false).await;
    post_ok(&member, &format!("/consultations/{id}/online/comments"), &[("body", "议事厅要常开门。")]).await;
    let (c, _, _) = comment_of(&app, "议事厅要常开门。");
    let other = app.login_as("jianhe").await;
    assert_eq!(other.get(&format!("/consultations/{id}/online")).await.status(), 404);
    let (_, list) = other.get_text("/consultations/online").await;
    assert!(!list.contains("村级议事厅网络议政"));
    let r = other.post_form(&moderate(c), &[("action", "hide"), ("reason", "无关")]).await;
    assert_eq!(r.status(), 404);
    let deadline = (Utc::now().naive_utc() + Duration::days(30)).format("%Y-%m-%d").to_string();
    let owner = format!("office:{}", app.office_id("涧河街道"));
    let tries: [(&str, Vec<(&str, &str)>); 3] = [
        ("end", vec![]),
        ("summary", vec![("summary", "综述")]),
        ("items", vec![("line", "0"), ("owner", &owner), ("deadline", &deadline)]),
    ];
    for (path, fields) in tries {
        let r = other.post_form(&format!("/consultations/{id}/online/{path}"), &fields).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    let f = settings(&[], true);
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = other.post_form(&format!("/consultations/{id}/online"), &fields).await;
    assert_eq!(r.status(), 404, "nor change it");
    assert_eq!(comment_of(&app, "议事厅要常开门。").1, "published");
    assert_eq!(audited("online.moderate"), 0);
    // The district sees it and may moderate; a leader reads, moderates not.
    let (_, list) = app.login_as("admin").await.get_text("/consultations/online").await;
    assert!(list.contains("村级议事厅网络议政"));
    let leader = app.login_as("leader").await;
    let (status, page) = leader.get_text(&format!("/consultations/{id}/online")).await;
    assert!(status == 200 && page.contains("议事厅要常开门。") && !page.contains("id=\"online-form\""));
    let r = leader.post_form(&moderate(c), &[("action", "hide"), ("reason", "无关")]).await;
    assert_eq!(r.status(), 403);
    // A department sees nothing.
    let dept = app.login_as("dept").await;
    assert_eq!(dept.get(&format!("/consultations/{id}/online")).await.status(), 404);
}

/// The question on the public page, answered right: (token, answer).
fn solve(page: &str) -> (String, String) {
    let at = page.find("class=\"challenge\"").expect("the question is asked");
    let q = &page[at..];
    let from = q.find("<strong>").expect("question") + "<strong>".len();
    let text = &q[from..from + q[from..].find("</strong>").expect("end")];
    let (a, b) = text.trim_end_matches(" 等于几？").split_once(" 加 ").expect("a 加 b");
    let sum = a.trim().parse::<u32>().expect("a") + b.trim().parse::<u32>().expect("b");
    let marker = "name=\"challenge_token\" value=\"";
    let t = q.find(marker).expect("token") + marker.len();
    (q[t..t + q[t..].find('"').expect("token end")].to_string(), sum.to_string())
}

async fn a_busy_address_meets_the_question(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let id = approved(&staff, "垃圾分类网络议政").await;
    open_online(&staff, id, &[], true).await;
    let resident = app.client();
    let url = format!("/box/hubin/online/{id}");
    for i in 0..3 {
        let r = resident.post_form(&url, &[("body", &format!("第{i}条意见：分类桶不够。"))]).await;
        assert_eq!(r.status(), 303);
    }
    // The fourth from the same address answers the box's question first.
    let (_, page) = resident.get_text(&url).await;
    assert!(page.contains("为防止恶意提交，请回答"));
    let r = resident.post_form(&url, &[("body", "第四条意见。")]).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap_or_default();
    assert!(page.contains("第四条意见。"), "what was typed is kept");
    assert_eq!(comments(&app), demo_comments(&app) + 3);
    let (token, answer) = solve(&page);
    let r = resident
        .post_form(&url, &[("body", "第四条意见。"), ("challenge_token", &token), ("challenge_answer", &answer)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(comments(&app), demo_comments(&app) + 4);
}

/// The member's online speeches this year: one per consultation however much
/// they write there, replies included.
async fn one_speech_per_member_and_consultation(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    let me = the_member(&app);
    let before = online_points(&app, me);
    let first = approved(&staff, "公园停车场收费网络议政").await;
    open_online(&staff, first, &[me], false).await;
    let url = format!("/consultations/{first}/online/comments");
    post_ok(&member, &url, &[("body", "建议节假日免费。")]).await;
    post_ok(&member, &url, &[("body", "收费标准应当公示。")]).await;
    let (top, _, _) = comment_of(&app, "建议节假日免费。");
    post_ok(&member, &url, &[("body", "补充：周末也免费。"), ("parent", &top.to_string())]).await;
    assert_eq!(online_points(&app, me) - before, 1, "three comments in one consultation: one speech");
    let second = approved(&staff, "菜市场改造网络议政").await;
    open_online(&staff, second, &[me], false).await;
    post_ok(&member, &format!("/consultations/{second}/online/comments"), &[("body", "增加早市摊位。")]).await;
    assert_eq!(online_points(&app, me) - before, 2, "one per consultation");
    // Hiding one of the three leaves the speech; hiding all takes it away.
    let back = format!("/consultations/{first}/online");
    for body in ["建议节假日免费。", "收费标准应当公示。", "补充：周末也免费。"] {
        let (c, _, _) = comment_of(&app, body);
        post_ok(&staff, &moderate(c), &[("action", "hide"), ("reason", "测试"), ("back", &back)]).await;
        let left = if body == "补充：周末也免费。" { 1 } else { 2 };
        assert_eq!(online_points(&app, me) - before, left, "after hiding {body}");
    }
}

/// Closing a consultation waits for its online phase to end and be summed up:
/// closed, nobody could end it or write the summary any more.
async fn closing_waits_for_the_online_summary(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let me = the_member(&app);
    let id = approved(&staff, "背街小巷照明网络议政").await;
    open_online(&staff, id, &[me], false).await;
    held(&app, &staff, id, &[me], &[]).await;
    let office = app.office_id("高庙乡");
    let deadline = (Utc::now().naive_utc() + Duration::days(30)).format("%Y-%m-%d").to_string();
    let owner = format!("office:{office}");
    let page = post_ok(
        &staff,
        &format!("/consultations/{id}/items"),
        &[("body", "增设路灯"), ("owner", &owner), ("deadline", &deadline)],
    )
    .await;
    assert!(page.contains("事项已添加"));
    let status = || {
        app.db
            .read_blocking(move |c| {
                Ok(consultations::table.find(id).select(consultations::status).first::<Status>(c)?)
            })
            .expect("status")
    };
    let close = format!("/consultations/{id}/close");
    let page = post_ok(&staff, &close, &[("results", "同意增设路灯。")]).await;
    assert!(page.contains("网络议政尚未结束，请先结束网络议政并撰写综述，再办结协商"), "still open");
    assert_eq!(status(), Status::Held);
    post_ok(&staff, &format!("/consultations/{id}/online/end"), &[]).await;
    let page = post_ok(&staff, &close, &[("results", "同意增设路灯。")]).await;
    assert!(page.contains("网络议政综述尚未撰写，请先撰写综述，再办结协商"), "no summary yet");
    assert_eq!(status(), Status::Held);
    post_ok(&staff, &format!("/consultations/{id}/online/summary"), &[("summary", "居民希望尽快增设路灯。")]).await;
    let page = post_ok(&staff, &close, &[("results", "同意增设路灯。")]).await;
    assert!(page.contains("协商成果已公开"));
    assert_eq!(status(), Status::Closed);
    // Closed: the online page no longer offers the summary form.
    let (_, page) = staff.get_text(&format!("/consultations/{id}/online")).await;
    assert!(page.contains("居民希望尽快增设路灯。") && !page.contains("id=\"summary-form\""));
}

/// A summary written before the session goes into the record, and the
/// record section says the session's record is still to come.
async fn a_summary_before_the_session_shows_as_such(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let me = the_member(&app);
    let id = approved(&staff, "社区快递柜网络议政").await;
    open_online(&staff, id, &[me], false).await;
    post_ok(&staff, &format!("/consultations/{id}/online/end"), &[]).await;
    let page =
        post_ok(&staff, &format!("/consultations/{id}/online/summary"), &[("summary", "快递柜应设在小区门口。")]).await;
    assert!(page.contains("综述已保存"));
    let (date, time) = beijing(Utc::now().naive_utc() + Duration::days(3));
    let m = me.to_string();
    let plan =
        [("format", "home"), ("date", date.as_str()), ("time", time.as_str()), ("place", "委员之家"), ("member", &m)];
    let r = staff.post_form(&format!("/consultations/{id}/plan"), &plan).await;
    assert_eq!(r.status(), 303, "planned");
    let (_, page) = staff.get_text(&location(&r)).await;
    assert!(page.contains("协商已安排"));
    let (_, page) = staff.get_text(&format!("/consultations/{id}")).await;
    assert!(
        page.contains("快递柜应设在小区门口。") && page.contains("id=\"record-not-yet\""),
        "not taken for the record"
    );
    assert!(page.contains("<details open>"), "the record form stays open until the session's record is written");
}

/// More comments than a page shows: the newest are shown, and staff always
/// see every comment waiting for them.
async fn held_comments_are_never_crowded_out(app: TestApp) {
    use xieshang::consultations::online::model::{Author, CommentStatus};
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    let me = the_member(&app);
    let id = approved(&staff, "全民健身场地网络议政").await;
    open_online(&staff, id, &[me], true).await;
    let resident = app.client();
    let r = resident.post_form(&format!("/box/hubin/online/{id}"), &[("body", "最早的一条群众留言。")]).await;
    assert_eq!(r.status(), 303);
    post_ok(&member, &format!("/consultations/{id}/online/comments"), &[("body", "最早的委员发言。")]).await;
    let (oldest, _, _) = comment_of(&app, "最早的委员发言。");
    let n = xieshang::consultations::online::store::comments::MAX_SHOWN + 5;
    app.db
        .write_blocking(move |c| {
            let (online, committee): (OnlineId, CommitteeId) = online_consultations::table
                .filter(online_consultations::consultation_id.eq(id))
                .select((online_consultations::id, online_consultations::committee_id))
                .first(c)?;
            let now = Utc::now().naive_utc();
            let rows: Vec<_> = (0..n)
                .map(|i| {
                    (
                        online_comments::committee_id.eq(committee),
                        online_comments::online_id.eq(online),
                        online_comments::author.eq(Author::Member),
                        online_comments::member_id.eq(Some(MemberId(me))),
                        online_comments::body.eq(format!("批量发言〔{i:05}〕")),
                        online_comments::status.eq(CommentStatus::Published),
                        online_comments::reason.eq(""),
                        online_comments::created_at.eq(now),
                    )
                })
                .collect();
            for chunk in rows.chunks(500) {
                let insert = diesel::insert_into(online_comments::table).values(chunk);
                // A batch insert runs on each backend's own connection.
                match c {
                    xieshang::kernel::db::DbConn::Pg(c) => insert.execute(c)?,
                    xieshang::kernel::db::DbConn::Sqlite(c) => insert.execute(c)?,
                };
            }
            Ok(())
        })
        .expect("comments");
    // The newest: a reply to the oldest comment.
    post_ok(
        &member,
        &format!("/consultations/{id}/online/comments"),
        &[("body", "回复最早的发言。"), ("parent", &oldest.to_string())],
    )
    .await;
    let (_, page) = staff.get_text(&format!("/consultations/{id}/online")).await;
    assert!(page.contains("最早的一条群众留言。"), "the held comment is always there for staff");
    assert!(page.contains(&format!("批量发言〔{:05}〕", n - 1)) && page.contains("回复最早的发言。"), "the newest");
    assert!(page.contains("最早的委员发言。"), "the comment the newest reply answers");
    assert!(!page.contains("批量发言〔00000〕"), "the oldest beyond the page are left out");
    let (_, page) = member.get_text(&format!("/consultations/{id}/online")).await;
    assert!(page.contains(&format!("批量发言〔{:05}〕", n - 1)) && !page.contains("最早的一条群众留言。"));
}
