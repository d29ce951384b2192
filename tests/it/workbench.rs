//! The member's phone workbench (`/m/`) over HTTP on both databases: it shows
//! the member's own day (today's meetings with their sign-in, invitations to
//! answer in one tap, cases routed to them, their points and their score)
//! and nobody else's; an opinion the member heard is filed to the right
//! office with its photos, once per draft key however often it is sent;
//! other roles have no workbench; the service worker, the manifest and the
//! session's token are served as a phone needs them.

use diesel::prelude::*;
use xieshang::kernel::db::schema::{
    activities, activity_members, activity_opinions, liaisons, members, offices, opinion_files, opinions, proposals,
    users,
};

use crate::on_both_databases;
use crate::support::{Client, TestApp, distinct_png, location, post_ok};

on_both_databases!(
    the_workbench_shows_the_member_s_own_day,
    a_member_files_what_they_heard_once,
    other_roles_have_no_workbench,
    the_app_s_parts_are_served_for_a_phone,
    members_do_not_use_staff_entry,
    heard_at_only_lately_and_not_cancelled
);

/// The `member` login's member record and office.
fn me(app: &TestApp) -> (i64, i64) {
    app.db
        .read_blocking(|c| {
            Ok(members::table
                .inner_join(users::table.on(members::user_id.eq(users::id.nullable())))
                .filter(users::username.eq("member"))
                .select((members::id, members::office_id.assume_not_null()))
                .first(c)?)
        })
        .expect("the demo member")
}

/// Another member of the same office.
fn neighbour(app: &TestApp, office: i64, me: i64) -> i64 {
    app.db
        .read_blocking(move |c| {
            Ok(members::table
                .filter(members::office_id.eq(office).and(members::id.ne(me)))
                .order(members::id.asc())
                .select(members::id)
                .first(c)?)
        })
        .expect("another member")
}

/// The demo's study session of today, which the member is invited to.
fn todays_session(app: &TestApp) -> i64 {
    app.db
        .read_blocking(|c| {
            Ok(activities::table.filter(activities::title.eq("委员之家学习交流")).select(activities::id).first(c)?)
        })
        .expect("the demo session")
}

/// Beijing's date and time a few minutes from now, as the plan form takes them.
fn soon() -> (String, String) {
    let t = chrono::Utc::now().naive_utc() + chrono::Duration::hours(8) + chrono::Duration::minutes(5);
    let t = if t.date() == (chrono::Utc::now().naive_utc() + chrono::Duration::hours(8)).date() {
        t
    } else {
        t - chrono::Duration::minutes(10)
    };
    (t.format("%Y-%m-%d").to_string(), t.format("%H:%M").to_string())
}

/// Staff plan a meeting today inviting `members`: a study session, or a visit
/// to `point` when given; its id.
async fn plan_today(staff: &Client, office: i64, title: &str, members: &[i64], point: Option<i64>) -> i64 {
    let (date, time) = soon();
    let (o, l) = (office.to_string(), point.map(|p| p.to_string()).unwrap_or_default());
    let ids: Vec<String> = members.iter().map(|m| m.to_string()).collect();
    let mut fields = vec![
        ("office", o.as_str()),
        ("kind", if point.is_some() { "liaison" } else { "study" }),
        ("title", title),
        ("locality", l.as_str()),
        ("venue", "乡政府三楼"),
        ("date", date.as_str()),
        ("time", time.as_str()),
    ];
    for m in &ids {
        fields.push(("member", m.as_str()));
    }
    let r = staff.post_form("/activities", &fields).await;
    assert_eq!(r.status(), 303, "planned");
    location(&r).trim_start_matches("/activities/").parse().expect("the new activity")
}

/// One of the member's liaison points.
fn her_point(app: &TestApp, me: i64) -> i64 {
    app.db
        .read_blocking(move |c| {
            Ok(liaisons::table
                .filter(liaisons::member_id.eq(me).and(liaisons::end_on.is_null()))
                .order(liaisons::id.asc())
                .select(liaisons::locality_id)
                .first(c)?)
        })
        .expect("a point")
}

/// A submitted demo case, accepted and assigned to `member` by the district; its id.
async fn routed_to(app: &TestApp, admin: &Client, member: i64) -> i64 {
    let id: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(opinions::table
                .filter(opinions::status.eq("submitted"))
                .order(opinions::id.asc())
                .select(opinions::id)
                .first(c)?)
        })
        .expect("a submitted case");
    post_ok(admin, &format!("/opinions/{id}/act"), &[("action", "accept")]).await;
    let to = format!("member:{member}");
    post_ok(admin, &format!("/opinions/{id}/act"), &[("action", "assign"), ("assignee", &to)]).await;
    id
}

/// The number in the element `id="…"` of a page.
fn number_at(page: &str, id: &str) -> i64 {
    let at = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("#{id} on the page"));
    let rest = &page[at..];
    let start = rest.find('>').map_or(0, |i| i + 1);
    let text = &rest[start..start + rest[start..].find('<').unwrap_or(0)];
    text.trim().parse().unwrap_or_else(|_| panic!("#{id}: {text:?}"))
}

async fn the_workbench_shows_the_member_s_own_day(app: TestApp) {
    let (me, office) = me(&app);
    let other = neighbour(&app, office, me);
    let (member, staff, admin) =
        (app.login_as("member").await, app.login_as("gaomiao").await, app.login_as("admin").await);
    let session = todays_session(&app);
    let theirs = plan_today(&staff, office, "只请了别人的学习会", &[other], None).await;
    let mine = routed_to(&app, &admin, me).await;
    let not_mine = routed_to(&app, &admin, other).await;

    // The link they pin, with or without its slash.
    let r = member.get("/m").await;
    assert!(r.status().is_redirection() && location(&r) == "/m/", "{}", r.status());
    let (status, page) = member.get_text("/m/").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"wb-who\"") && page.contains("张丽华 · 高庙乡"), "whose workbench");
    // Today: the session she is invited to, sign-in open by its code on the spot.
    let line = format!("id=\"today-activities-{session}\" class=\"sign-open\"");
    assert!(page.contains(&line), "today's session, sign-in open");
    assert!(!page.contains("signin?t="), "the sign-in code is the venue's, never on the phone's page");
    assert!(page.contains(&format!("<a href=\"/activities/{session}\"><strong>")), "today's session links to its page");
    assert!(!page.contains(&format!("today-activities-{theirs}")), "another member's session is not hers");
    // This quarter: the invitation to answer, the case routed to her, her points.
    assert!(page.contains(&format!("id=\"invite-activities-{session}\"")));
    assert!(page.contains(&format!("action=\"/m/activities/{session}/reply\"")), "one tap to answer");
    assert!(page.contains(&format!("id=\"case-{mine}\"")) && page.contains(&format!("href=\"/opinions/{mine}\"")));
    assert!(!page.contains(&format!("case-{not_mine}\"")), "another member's case is not hers");
    assert!(page.contains("id=\"points\"") && page.contains("未安排"), "her points still to visit");
    assert!(page.contains("id=\"no-proposals\""), "no answer to rate yet");
    // Her score as the duty page counts it.
    let duty = member.get_text(&format!("/duty/members/{me}")).await.1;
    assert_eq!(number_at(&page, "wb-score"), number_at(&duty, "member-score"));
    assert!(page.contains("href=\"/duty/mine\""));

    // One tap answers the invitation, back on the workbench.
    let r = member.post_form(&format!("/m/activities/{session}/reply"), &[("reply", "confirmed")]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/m/#invitations".to_string()));
    let r = member.get("/m/").await;
    // A view with a one-off message: the service worker keeps no copy of it.
    assert_eq!(r.headers().get("x-workbench-once").and_then(|v| v.to_str().ok()), Some("1"));
    let page = r.text().await.expect("page");
    assert!(page.contains("已回复"), "the flash");
    assert!(member.get("/m/").await.headers().get("x-workbench-once").is_none(), "the next view is kept");
    let invite = &page[page.find(&format!("id=\"invite-activities-{session}\"")).expect("still listed")..];
    assert!(invite.contains(&format!("<a href=\"/activities/{session}\">")), "the invitation links to its page");
    assert!(invite[..invite.find("</li>").expect("end")].contains("确认参加"), "answered");
    // An apology needs its reason; one for a meeting she is not invited to is refused.
    let page = post_ok(&member, &format!("/m/activities/{session}/reply"), &[("reply", "apology")]).await;
    assert!(page.contains("请假请写明原因"));
    let r = member.post_form(&format!("/m/activities/{theirs}/reply"), &[("reply", "confirmed")]).await;
    assert_eq!(r.status(), 404);

    // A unit answered her proposal: hers to rate (a co-signer's is not).
    let proposal: i64 = app
        .db
        .write_blocking(move |c| {
            let id: i64 = proposals::table.filter(proposals::member_id.eq(me)).select(proposals::id).first(c)?;
            diesel::update(proposals::table.find(id)).set(proposals::status.eq("answered")).execute(c)?;
            Ok(id)
        })
        .expect("her proposal, answered");
    let (_, page) = member.get_text("/m/").await;
    assert!(
        page.contains(&format!("id=\"proposal-{proposal}\""))
            && page.contains(&format!("href=\"/proposals/{proposal}\""))
    );

    // Signed in by the venue's code: the workbench says so.
    let (_, activity) = staff.get_text(&format!("/activities/{session}")).await;
    let at = activity.find(&format!("/activities/{session}/signin?t=")).expect("the code's link");
    let link = activity[at..at + activity[at..].find('"').expect("end")].replace("&amp;", "&");
    let token = link.split_once("t=").map(|(_, t)| t.to_string()).expect("token");
    let page = post_ok(&member, &format!("/activities/{session}/signin"), &[("t", &token)]).await;
    assert!(page.contains("签到成功"));
    let (_, page) = member.get_text("/m/").await;
    assert!(page.contains(&format!("id=\"today-activities-{session}\" class=\"sign-done\"")));
}

/// The member's form as the page sends it: the token first, then its
/// fields and `photos` PNGs; JSON asked for when `json`.
async fn file(c: &Client, fields: &[(&str, &str)], photos: usize, json: bool) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("_csrf", c.csrf().await);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for n in 0..photos {
        let png = distinct_png(7000 + n as u64);
        let part = reqwest::multipart::Part::bytes(png).file_name(format!("现场{n}.png")).mime_str("image/png");
        form = form.part("photo", part.expect("mime"));
    }
    let mut req = c.http.post(format!("{}/m/opinions", c.base)).multipart(form);
    if json {
        req = req.header("accept", "application/json");
    }
    req.send().await.expect("filed")
}

/// A case as filed: (id, office, locality, heard by, source).
type Filed = (i64, Option<i64>, Option<i64>, Option<i64>, String);

/// The cases whose text is `body`.
fn cases_with(app: &TestApp, body: &str) -> Vec<Filed> {
    let body = body.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(opinions::table
                .filter(opinions::body.eq(&body))
                .select((
                    opinions::id,
                    opinions::office_id,
                    opinions::locality_id,
                    opinions::heard_by,
                    opinions::source,
                ))
                .load(c)?)
        })
        .expect("cases")
}

fn photos_of(app: &TestApp, case: i64) -> i64 {
    app.db
        .read_blocking(move |c| {
            Ok(opinion_files::table.filter(opinion_files::opinion_id.eq(case)).count().get_result(c)?)
        })
        .expect("photos")
}

async fn a_member_files_what_they_heard_once(app: TestApp) {
    let (me, office) = me(&app);
    let session = todays_session(&app);
    let member = app.login_as("member").await;
    let key = "k1-0123456789abcdef";
    let body = "高庙村东头的桥栏杆断了，孩子上学经过很危险。";
    let s = session.to_string();

    // Heard at today's session: filed with its photos to the session's office, listed on it.
    let r = file(&member, &[("key", key), ("body", body), ("activity", &s)], 2, false).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/m/#mine".to_string()));
    let found = cases_with(&app, body);
    assert_eq!(found.len(), 1);
    let (id, filed_to, _, heard_by, source) = found[0].clone();
    assert_eq!((filed_to, heard_by, source.as_str()), (Some(office), Some(me), "activity"));
    assert_eq!(photos_of(&app, id), 2, "both photos with the case");
    let linked: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(activity_opinions::table
                .filter(activity_opinions::activity_id.eq(session).and(activity_opinions::opinion_id.eq(id)))
                .count()
                .get_result(c)?)
        })
        .expect("link");
    assert_eq!(linked, 1, "listed on the session");
    let (_, page) = member.get_text("/m/").await;
    assert!(page.contains("已提交") && page.contains(&format!("href=\"/opinions/{id}\"")), "her latest filing");
    // She follows it; her office takes it in, another office does not see it.
    let (status, case) = member.get_text(&format!("/opinions/{id}")).await;
    assert_eq!(status, 200);
    assert!(case.contains(body) && case.contains("现场0.png"), "the case with its photos");
    assert_eq!(app.login_as("gaomiao").await.get(&format!("/opinions/{id}")).await.status(), 200);
    assert_eq!(app.login_as("jianhe").await.get(&format!("/opinions/{id}")).await.status(), 404);

    // The same draft sent again (the phone's retry) is the same case.
    let r = file(&member, &[("key", key), ("body", body), ("activity", &s)], 2, true).await;
    assert_eq!(r.status(), 200);
    let again: serde_json::Value = r.json().await.expect("json");
    assert_eq!((again["id"].as_i64(), again["new"].as_bool()), (Some(id), Some(false)));
    assert_eq!(cases_with(&app, body).len(), 1, "one case however often it is sent");
    assert_eq!(photos_of(&app, id), 2, "and its photos once");
    // Its key is looked up before its photos are read: sent again with a
    // photo that is no image, it is still the first case, nothing decoded.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", member.csrf().await)
        .text("key", key)
        .text("body", body)
        .part("photo", reqwest::multipart::Part::bytes(b"not an image".to_vec()).file_name("x.png"));
    let r = member
        .http
        .post(format!("{}/m/opinions", member.base))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let again: serde_json::Value = r.json().await.expect("json");
    assert_eq!((again["id"].as_i64(), again["new"].as_bool()), (Some(id), Some(false)));
    assert_eq!(photos_of(&app, id), 2);

    // Heard elsewhere: to her own office, as the phone's script asks.
    let elsewhere = "村里的自来水每天只供两个小时。";
    let r = file(&member, &[("key", "k2-0123456789abcdef"), ("body", elsewhere)], 0, true).await;
    assert_eq!(r.status(), 201);
    let new: serde_json::Value = r.json().await.expect("json");
    let code = new["code"].as_str().expect("a tracking code").to_string();
    assert_eq!(new["href"].as_str(), Some(format!("/opinions/{}", new["id"]).as_str()));
    let found = cases_with(&app, elsewhere);
    assert_eq!((found.len(), found[0].1, found[0].3), (1, Some(office), Some(me)));
    assert_eq!(app.opinion_id(&code), found[0].0);
    // Heard on a visit to her point: filed with the point, as staff would.
    let point = her_point(&app, me);
    let visit = plan_today(&app.login_as("gaomiao").await, office, "走访", &[me], Some(point)).await;
    let on_visit = "村委会门口的垃圾箱坏了，一直没人修。";
    let v = visit.to_string();
    let r = file(&member, &[("key", "k6-0123456789abcdef"), ("body", on_visit), ("activity", &v)], 0, true).await;
    assert_eq!(r.status(), 201);
    let found = cases_with(&app, on_visit);
    assert_eq!((found[0].1, found[0].2), (Some(office), Some(point)), "the visit's office and place");

    // Refused, nothing filed: an activity she was not at, a key that is not
    // one, too many photos, an empty text.
    let elsewhere_office: i64 = app
        .db
        .read_blocking(|c| {
            Ok(activities::table
                .inner_join(offices::table)
                .filter(offices::name.eq("涧河街道"))
                .select(activities::id)
                .first(c)?)
        })
        .expect("another office's activity");
    let not_at: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(activity_members::table
                .filter(activity_members::activity_id.eq(elsewhere_office).and(activity_members::member_id.eq(me)))
                .count()
                .get_result(c)?)
        })
        .expect("list");
    assert_eq!(not_at, 0);
    let not_at = elsewhere_office.to_string();
    let refused = [
        (
            vec![("key", "k3-0123456789abcdef"), ("body", "甲"), ("activity", not_at.as_str())],
            0,
            "activity.not_on_list",
        ),
        (vec![("key", "short"), ("body", "乙")], 0, "workbench.bad_key"),
        (vec![("key", "k4-0123456789abcdef"), ("body", "丙")], 7, "file.too_many"),
        (vec![("key", "k5-0123456789abcdef"), ("body", "  ")], 0, "opinion.empty"),
    ];
    for (fields, photos, why) in refused {
        let r = file(&member, &fields, photos, true).await;
        assert_eq!(r.status(), 400, "{why}");
        let text = r.text().await.expect("body");
        let e: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{why}: {text}"));
        assert_eq!(e["error"].as_str(), Some(why));
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    for text in ["甲", "乙", "丙"] {
        assert!(cases_with(&app, text).is_empty(), "{text} not filed");
    }
    // Without the script, a refusal comes back to the form with its reason.
    let r = file(&member, &[("key", "short"), ("body", "丁")], 0, false).await;
    assert_eq!(location(&r), "/m/#report");
    assert!(member.get_text("/m/").await.1.contains("表单已过期"));

    // What she heard scores: heard at an activity, and brought in otherwise.
    let duty = member.get_text(&format!("/duty/members/{me}")).await.1;
    assert!(duty.contains("id=\"item-heard\"") && duty.contains("id=\"item-entered\""), "both score");
}

async fn other_roles_have_no_workbench(app: TestApp) {
    // The member's home leads to it, and so does her menu.
    let member = app.login_as("member").await;
    let home = member.get_text("/").await.1;
    assert!(home.contains("id=\"to-workbench\" href=\"/m/\"") || home.contains("href=\"/m/\" id=\"to-workbench\""));
    assert!(home.contains("<a href=\"/m/\">工作台</a>"), "in the menu");
    for user in ["admin", "gaomiao", "dept", "leader", "auditor", "sysadmin"] {
        let c = app.login_as(user).await;
        assert_eq!(c.get("/m/").await.status(), 404, "{user}");
        assert_eq!(c.get("/m/session").await.status(), 404, "{user}");
        let r = file(&c, &[("key", "k9-0123456789abcdef"), ("body", "不是委员的人提交的")], 1, true).await;
        assert_eq!(r.status(), 404, "{user}");
        assert!(!c.get_text("/").await.1.contains("id=\"to-workbench\""), "{user}");
    }
    assert!(cases_with(&app, "不是委员的人提交的").is_empty());
    // Anyone signed out is asked to sign in, and comes back to it.
    let r = app.client().get("/m/").await;
    assert_eq!(location(&r), "/login?next=%2Fm%2F");
}

async fn the_app_s_parts_are_served_for_a_phone(app: TestApp) {
    let member = app.login_as("member").await;
    let header =
        |r: &reqwest::Response, h: &str| r.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    // The service worker: script, always checked afresh, served to whoever asks.
    let r = app.client().get("/m/sw.js").await;
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-type").starts_with("text/javascript"));
    assert_eq!(header(&r, "cache-control"), "no-cache");
    assert!(r.text().await.expect("body").contains("xs-workbench-page"));
    // The manifest: an app whose scope is the workbench, in the reader's language.
    let r = member.get("/m/manifest.webmanifest").await;
    assert_eq!(header(&r, "content-type"), "application/manifest+json");
    let m: serde_json::Value = r.json().await.expect("json");
    assert_eq!((m["start_url"].as_str(), m["scope"].as_str()), (Some("/m/"), Some("/m/")));
    assert_eq!(m["short_name"].as_str(), Some("委员工作台"));
    for icon in m["icons"].as_array().expect("icons") {
        let src = icon["src"].as_str().expect("src");
        let r = member.get(src).await;
        assert_eq!(r.status(), 200, "{src}");
        assert_eq!(header(&r, "content-type"), icon["type"].as_str().expect("type"), "{src}");
    }
    // The page: its script from this site only, the manifest linked.
    let r = member.get("/m/").await;
    let csp = header(&r, "content-security-policy");
    assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'self'"), "{csp}");
    let page = r.text().await.expect("page");
    assert!(page.contains("<link rel=\"manifest\" href=\"/m/manifest.webmanifest\">"));
    assert!(page.contains("<script src=\"/static/workbench.js\" defer></script>") && !page.contains("<script>"));
    assert!(page.contains("data-from=\"network\""), "the mark an offline copy changes");
    let r = member.get("/static/workbench.js").await;
    assert!(header(&r, "content-type").contains("javascript"));
    // The session's token, for a draft sent later: the page's own.
    let r = member.get("/m/session").await;
    assert_eq!(header(&r, "cache-control"), "no-store");
    let s: serde_json::Value = r.json().await.expect("json");
    assert_eq!(s["csrf"].as_str().map(str::to_string), crate::support::extract_csrf(&page));
    let uid: i64 = app
        .db
        .read_blocking(|c| Ok(users::table.filter(users::username.eq("member")).select(users::id).first(c)?))
        .expect("user");
    assert_eq!(s["user"].as_i64(), Some(uid));
}

/// A member may not use staff's entry (`POST /opinions`): filing into
/// another office, marked urgent, is refused and nothing is filed.
async fn members_do_not_use_staff_entry(app: TestApp) {
    let (me, office) = me(&app);
    let other: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(offices::table.filter(offices::id.ne(office)).order(offices::id.asc()).select(offices::id).first(c)?)
        })
        .expect("another office");
    let member = app.login_as("member").await;
    let body = "委员从工作人员的录入页提交的意见";
    let (o, m) = (other.to_string(), me.to_string());
    for source in ["activity", "paper"] {
        let r = member
            .post_form(
                "/opinions",
                &[("source", source), ("office", &o), ("heard_by", &m), ("body", body), ("urgent", "1")],
            )
            .await;
        assert_eq!(r.status(), 403, "{source}");
    }
    assert!(cases_with(&app, body).is_empty(), "nothing filed");
    // The workbench files to her own office, never urgent, whatever the form adds.
    let r = file(&member, &[("key", "k7-0123456789abcdef"), ("body", body), ("office", &o), ("urgent", "1")], 0, true)
        .await;
    assert_eq!(r.status(), 201);
    let found = cases_with(&app, body);
    assert_eq!((found.len(), found[0].1), (1, Some(office)));
    let id = found[0].0;
    let urgent: bool =
        app.db.read_blocking(move |c| Ok(opinions::table.find(id).select(opinions::urgent).first(c)?)).expect("case");
    assert!(!urgent);
}

/// "Heard at" names an activity of the member's of the last 30 days, up to
/// today, planned or held: the store refuses others, whatever the form says.
async fn heard_at_only_lately_and_not_cancelled(app: TestApp) {
    let (me, office) = me(&app);
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    let now = chrono::Utc::now().naive_utc();
    let cases = [
        ("四十天前的走访", Some(now - chrono::Duration::days(40)), "planned", "activity.heard_out_of_range"),
        ("后天的走访", Some(now + chrono::Duration::days(2)), "planned", "activity.heard_out_of_range"),
        ("取消了的走访", None, "cancelled", "activity.not_on_list"),
    ];
    for (n, (title, at, status, why)) in cases.into_iter().enumerate() {
        let id = plan_today(&staff, office, title, &[me], None).await;
        let status = status.to_string();
        app.db
            .write_blocking(move |c| {
                let q = diesel::update(activities::table.find(id));
                match at {
                    Some(t) => q.set((activities::planned_at.eq(t), activities::status.eq(status))).execute(c)?,
                    None => q.set(activities::status.eq(status)).execute(c)?,
                };
                Ok(())
            })
            .expect("moved");
        let (key, text, a) = (format!("k8-{n}-0123456789abcdef"), format!("在{title}听到的"), id.to_string());
        let r = file(&member, &[("key", &key), ("body", &text), ("activity", &a)], 0, true).await;
        assert_eq!(r.status(), 400, "{title}");
        let e: serde_json::Value = r.json().await.expect("json");
        assert_eq!(e["error"].as_str(), Some(why), "{title}");
        assert!(cases_with(&app, &text).is_empty(), "{title}: nothing filed");
        // Nor is it offered.
        let page = member.get_text("/m/").await.1;
        let choice = &page[page.find("<select name=\"activity\">").expect("the choice")..];
        let choice = &choice[..choice.find("</select>").expect("its end")];
        assert!(!choice.contains(&format!("<option value=\"{id}\">")), "{title}");
    }
    // Ten days ago is still fine.
    let id = plan_today(&staff, office, "十天前的走访", &[me], None).await;
    let t = now - chrono::Duration::days(10);
    app.db
        .write_blocking(move |c| {
            diesel::update(activities::table.find(id)).set(activities::planned_at.eq(t)).execute(c)?;
            Ok(())
        })
        .expect("moved");
    let a = id.to_string();
    let r =
        file(&member, &[("key", "k8-ok-0123456789abcdef"), ("body", "十天前听到的"), ("activity", &a)], 0, true).await;
    assert_eq!(r.status(), 201);
}
