//! 社情民意信息 reports over HTTP on both databases: a demo case written up,
//! downloaded as Word, sent up, adopted and instructed on; refused moves; the
//! offices' scope; the reporting member's counts.

use chrono::Datelike;
use diesel::prelude::*;
use xieshang::kernel::db::schema::{
    audit_log, members, opinion_events, opinion_report_settings, opinion_reports, opinions, sectors, users,
};

use crate::activity_exports::docx_text;
use crate::office;
use crate::on_both_databases;
use crate::support::{Client, TestApp, location};

on_both_databases!(
    a_case_becomes_a_report_that_is_sent_adopted_and_instructed,
    refused_moves_explain_and_change_nothing,
    offices_write_up_only_their_own_cases,
    reports_count_for_the_reporting_member,
    a_report_prints_as_an_official_document,
);

const STREETLIGHT: &str = "五原路社区金河湾小区3号楼前路灯坏了三个月";
pub const TITLE: &str = "关于加强老旧小区路灯维护管理的建议";

fn case_with(app: &TestApp, text: &str) -> i64 {
    let pattern = format!("{text}%");
    app.db
        .read_blocking(move |c| {
            Ok(opinions::table.filter(opinions::body.like(&pattern)).select(opinions::id).first(c)?)
        })
        .expect("demo case")
}

fn report_status(app: &TestApp, id: i64) -> String {
    app.db
        .read_blocking(move |c| Ok(opinion_reports::table.find(id).select(opinion_reports::status).first(c)?))
        .expect("report")
}

fn report_count(app: &TestApp) -> i64 {
    app.db.read_blocking(|c| Ok(opinion_reports::table.count().get_result(c)?)).expect("count")
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    let action = action.to_string();
    app.db
        .read_blocking(move |c| Ok(audit_log::table.filter(audit_log::action.eq(&action)).count().get_result(c)?))
        .expect("audit")
}

fn id_from(loc: &str) -> i64 {
    loc.trim_start_matches("/opinions/reports/").parse().unwrap_or_else(|_| panic!("a report page: {loc}"))
}

/// Compiles a report from a case; returns the response.
async fn compile(c: &Client, case: i64, extra: &[(&str, &str)]) -> reqwest::Response {
    let case = case.to_string();
    let mut fields = vec![
        ("case", case.as_str()),
        ("title", TITLE),
        ("situation", "五原路社区金河湾小区3号楼前路灯坏了三个月，晚上老人出门很不方便。"),
        ("analysis", "老旧小区路灯产权和维护责任不清，物业、社区和城管部门相互推诿。"),
        ("suggestion", "明确老旧小区路灯的维护单位，建立定期巡查和报修制度。"),
        ("reporter_name", "涧河街道政协工作办公室"),
    ];
    for (k, v) in extra {
        fields.retain(|(x, _)| x != k);
        fields.push((k, v));
    }
    c.post_form("/opinions/reports", &fields).await
}

pub async fn compile_ok(c: &Client, case: i64, extra: &[(&str, &str)]) -> i64 {
    let r = compile(c, case, extra).await;
    assert_eq!(r.status(), 303, "compiled");
    id_from(&location(&r))
}

/// Posts a move and returns the page it leads back to (with its message).
pub async fn step(c: &Client, id: i64, fields: &[(&str, &str)]) -> String {
    let r = c.post_form(&format!("/opinions/reports/{id}/move"), fields).await;
    assert_eq!(r.status(), 303, "{fields:?}");
    c.get_text(&location(&r)).await.1
}

async fn a_case_becomes_a_report_that_is_sent_adopted_and_instructed(app: TestApp) {
    let case = case_with(&app, STREETLIGHT);
    let admin = app.login_as("admin").await;
    // The case page offers it; the form starts from the case's text.
    let (_, page) = admin.get_text(&format!("/opinions/{case}")).await;
    assert!(page.contains("编报社情民意信息") && page.contains(&format!("/opinions/reports/new?case={case}")));
    let (status, form) = admin.get_text(&format!("/opinions/reports/new?case={case}")).await;
    assert_eq!(status, 200);
    assert!(form.contains("value=\"五原路社区金河湾小区3号楼前路灯坏了三个月，晚上老人出门很不方便\""), "title");
    assert!(form.contains("晚上老人出门很不方便。</textarea>"), "situation");

    let id = compile_ok(&admin, case, &[]).await;
    let (_, page) = admin.get_text(&format!("/opinions/reports/{id}")).await;
    assert!(page.contains("社情民意信息已编报") && page.contains(TITLE) && page.contains("已编报"));
    assert!(page.contains("第1期"), "the first of the year");

    // The Word file in the usual layout.
    let r = admin.get(&format!("/opinions/reports/{id}.docx")).await;
    assert_eq!(r.status(), 200);
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(ct.contains("wordprocessingml"), "{ct}");
    let cd = r.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(cd.starts_with("attachment") && cd.contains(".docx"), "{cd}");
    let bytes = r.bytes().await.expect("body");
    assert!(bytes.starts_with(b"PK"));
    let text = docx_text(&bytes);
    let today = xieshang::kernel::time::today();
    let date = format!("{}年{}月{}日", today.year(), today.month(), today.day());
    for s in ["社情民意信息", "第1期", "湖滨区政协", TITLE, "基本情况", "原因分析", "意见建议", "产权和维护责任不清"]
    {
        assert!(text.contains(s), "{s} in the docx: {text}");
    }
    assert!(text.contains("反映人：涧河街道政协工作办公室"), "{text}");
    assert!(text.contains(&date), "{date} in {text}");
    let order: Vec<usize> =
        ["基本情况", "原因分析", "意见建议", "反映人"].iter().filter_map(|s| text.find(s)).collect();
    assert!(order.len() == 4 && order.windows(2).all(|w| w[0] < w[1]), "sections in order");

    // 报送 → 采用 (市级) → 批示.
    let page = step(&admin, id, &[("action", "send"), ("sent_to", "三门峡市政协办公室")]).await;
    assert!(page.contains("已登记") && page.contains("已报送") && page.contains("三门峡市政协办公室"));
    let page = step(&admin, id, &[("action", "adopt"), ("level", "city")]).await;
    assert!(page.contains("已采用") && page.contains("市级"));
    let page = step(
        &admin,
        id,
        &[("action", "instruct"), ("instruction_by", "市委主要领导"), ("instruction", "请市城管局牵头研究解决。")],
    )
    .await;
    assert!(page.contains("已批示") && page.contains("市委主要领导：请市城管局牵头研究解决。"));
    assert_eq!(report_status(&app, id), "instructed");
    let (level, by): (Option<String>, Option<String>) = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_reports::table
                .find(id)
                .select((opinion_reports::adopted_level, opinion_reports::instruction_by))
                .first(c)?)
        })
        .expect("report");
    assert_eq!((level.as_deref(), by.as_deref()), (Some("city"), Some("市委主要领导")));

    // Each change audited, and on the case's timeline as internal events.
    for a in ["compile", "send", "adopt", "instruct"] {
        assert_eq!(audit_count(&app, &format!("opinion_report.{a}")), 1, "{a}");
    }
    let events: Vec<(String, bool)> = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_events::table
                .filter(opinion_events::opinion_id.eq(case).and(opinion_events::kind.like("report_%")))
                .order(opinion_events::id.asc())
                .select((opinion_events::kind, opinion_events::public))
                .load(c)?)
        })
        .expect("events");
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["report_compiled", "report_sent", "report_adopted", "report_instructed"]);
    assert!(events.iter().all(|(_, public)| !public), "internal");
    let (_, timeline) = admin.get_text(&format!("/opinions/{case}")).await;
    assert!(timeline.contains("编报为社情民意信息") && timeline.contains("社情民意信息获领导批示"));

    // The list, by status and year.
    let (_, list) = admin.get_text("/opinions/reports").await;
    assert!(list.contains(TITLE) && list.contains("已批示") && list.contains("市级"));
    assert!(!admin.get_text("/opinions/reports?status=compiled").await.1.contains(TITLE));
    assert!(admin.get_text("/opinions/reports?status=instructed").await.1.contains(TITLE));
    assert!(admin.get_text(&format!("/opinions/reports?year={}", today.year())).await.1.contains(TITLE));
    assert!(!admin.get_text(&format!("/opinions/reports?year={}", today.year() - 1)).await.1.contains(TITLE));
    // Leaders read it; the navigation leads there.
    let leader = app.login_as("leader").await;
    let (_, page) = leader.get_text("/opinions/reports").await;
    assert!(page.contains(TITLE) && page.contains("href=\"/opinions/reports\""));
    assert_eq!(leader.get(&format!("/opinions/reports/{id}.docx")).await.status(), 200);
}

async fn refused_moves_explain_and_change_nothing(app: TestApp) {
    let case = case_with(&app, STREETLIGHT);
    let admin = app.login_as("admin").await;

    // An incomplete form comes back with what was typed and writes nothing.
    let before = report_count(&app);
    let r = compile(&admin, case, &[("analysis", "  ")]).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap_or_default();
    assert!(page.contains("请填写原因分析") && page.contains(TITLE));
    let r = compile(&admin, case, &[("codes", "ZZZZZZZZZZ")]).await;
    assert!(r.text().await.unwrap_or_default().contains("查询码有误"));
    assert_eq!(report_count(&app), before);

    let id = compile_ok(&admin, case, &[]).await;
    let audits = || {
        app.db
            .read_blocking(|c| {
                Ok(audit_log::table.filter(audit_log::entity.eq("opinion_report")).count().get_result::<i64>(c)?)
            })
            .expect("audit")
    };
    let refused = |page: &str, msg: &str| assert!(page.contains(msg), "{msg}");
    let n = audits();
    refused(&step(&admin, id, &[("action", "adopt"), ("level", "city")]).await, "尚未报送，不能登记采用结果");
    refused(&step(&admin, id, &[("action", "decline")]).await, "尚未报送，不能登记采用结果");
    refused(
        &step(&admin, id, &[("action", "instruct"), ("instruction", "研究"), ("instruction_by", "市长")]).await,
        "尚未被采用，不能登记批示",
    );
    assert_eq!((report_status(&app, id), audits()), ("compiled".into(), n), "nothing changed");

    // Office staff edit their office's report but do not send it up.
    let jianhe = app.login_as("jianhe").await;
    let r = jianhe.post_form(&format!("/opinions/reports/{id}/move"), &[("action", "send")]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(report_status(&app, id), "compiled");

    step(&admin, id, &[("action", "send")]).await;
    let n = audits();
    refused(&step(&admin, id, &[("action", "send")]).await, "已经报送，不能重复报送");
    refused(&step(&admin, id, &[("action", "adopt"), ("level", "")]).await, "请选择采用层级");
    refused(
        &step(&admin, id, &[("action", "instruct"), ("instruction", "研究"), ("instruction_by", "市长")]).await,
        "尚未被采用",
    );
    // What was sent is what was sent: no more edits.
    let r = admin
        .post_form(
            &format!("/opinions/reports/{id}"),
            &[
                ("title", "改过的标题"),
                ("situation", "情况"),
                ("analysis", "分析"),
                ("suggestion", "建议"),
                ("reporter_name", "某人"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap_or_default().contains("已报送的社情民意信息不能再修改"));
    assert_eq!((report_status(&app, id), audits()), ("sent".into(), n), "nothing changed");
    let title: String = app
        .db
        .read_blocking(move |c| Ok(opinion_reports::table.find(id).select(opinion_reports::title).first(c)?))
        .expect("title");
    assert_eq!(title, TITLE);

    // 不予采用 is final.
    let page = step(&admin, id, &[("action", "decline")]).await;
    assert!(page.contains("不予采用"));
    refused(&step(&admin, id, &[("action", "adopt"), ("level", "city")]).await, "已批示或不予采用，不能再变更");
    assert_eq!(report_status(&app, id), "not_adopted");
}

async fn offices_write_up_only_their_own_cases(app: TestApp) {
    let case = case_with(&app, STREETLIGHT); // 涧河街道's
    let gaomiao = app.login_as("gaomiao").await;
    assert_eq!(gaomiao.get(&format!("/opinions/reports/new?case={case}")).await.status(), 404);
    assert_eq!(compile(&gaomiao, case, &[]).await.status(), 404);
    assert_eq!(report_count(&app), 0);

    // 涧河街道's staff write it up; it is theirs and the district's to see.
    let jianhe = app.login_as("jianhe").await;
    assert_eq!(jianhe.get(&format!("/opinions/reports/new?case={case}")).await.status(), 200);
    let id = compile_ok(&jianhe, case, &[]).await;
    assert!(jianhe.get_text("/opinions/reports").await.1.contains(TITLE));
    let r = jianhe
        .post_form(
            &format!("/opinions/reports/{id}"),
            &[
                ("title", "关于老旧小区路灯维护的建议"),
                ("situation", "情况"),
                ("analysis", "分析"),
                ("suggestion", "建议"),
                ("reporter_name", "涧河街道政协工作办公室"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "edited while compiled");
    assert_eq!(audit_count(&app, "opinion_report.edit"), 1);
    assert_eq!(gaomiao.get(&format!("/opinions/reports/{id}")).await.status(), 404);
    assert_eq!(gaomiao.get(&format!("/opinions/reports/{id}.docx")).await.status(), 404);
    assert!(!gaomiao.get_text("/opinions/reports").await.1.contains("关于老旧小区路灯维护的建议"));
    // A case of another office, named by its code, is not theirs to include.
    let other = case_with(&app, "高庙村到乡里的路");
    let code: String =
        app.db.read_blocking(move |c| Ok(opinions::table.find(other).select(opinions::code).first(c)?)).expect("code");
    let r = compile(&jianhe, case, &[("codes", &code)]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap_or_default().contains("查询码有误，或您无权编报该意见"));

    // Leaders read reports but write none; departments have nothing to do with them.
    let leader = app.login_as("leader").await;
    assert_eq!(leader.get(&format!("/opinions/reports/new?case={case}")).await.status(), 403);
    assert_eq!(app.login_as("dept").await.get("/opinions/reports").await.status(), 403);
    // The district writes several cases up as one; codes are typed as shown, in groups of five.
    let admin = app.login_as("admin").await;
    let both = compile_ok(&admin, case, &[("codes", &format!("{} {}", &code[..5], &code[5..]))]).await;
    let linked: i64 = app
        .db
        .read_blocking(move |c| {
            use xieshang::kernel::db::schema::opinion_report_cases as rc;
            Ok(rc::table.filter(rc::report_id.eq(both)).count().get_result(c)?)
        })
        .expect("links");
    assert_eq!(linked, 2);
}

async fn reports_count_for_the_reporting_member(app: TestApp) {
    let (member, member_name): (i64, String) = app
        .db
        .read_blocking(|c| {
            Ok(members::table
                .inner_join(users::table.on(members::user_id.eq(users::id.nullable())))
                .filter(users::username.eq("member"))
                .select((members::id, members::name))
                .first(c)?)
        })
        .expect("the member login's record");
    let admin = app.login_as("admin").await;
    // An opinion the member heard at an activity in 高庙乡.
    let gaomiao = app.office_id("高庙乡");
    let r = admin
        .post_form(
            "/opinions",
            &[
                ("source", "activity"),
                ("heard_by", &member.to_string()),
                ("office", &gaomiao.to_string()),
                ("body", "村里的留守老人看病难，村卫生室常年没有医生坐诊。"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let case: i64 = location(&r).trim_start_matches("/opinions/").parse().expect("case id");
    // The member who heard it is the reporter unless staff choose otherwise.
    let (_, form) = admin.get_text(&format!("/opinions/reports/new?case={case}")).await;
    assert!(
        form.contains(&format!("<option value=\"{member}\" selected>"))
            && form.contains(&format!("value=\"{member_name}\""))
    );
    let m = member.to_string();
    let first = compile_ok(&admin, case, &[("reporter_member", &m), ("reporter_name", "")]).await;
    let second = compile_ok(&admin, case, &[("reporter_member", &m), ("reporter_name", "")]).await;
    compile_ok(&admin, case, &[]).await; // a unit's, not the member's
    let name: String = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_reports::table.find(first).select(opinion_reports::reporter_name).first(c)?)
        })
        .expect("name");
    assert_eq!(name, member_name, "the member's name is printed");
    step(&admin, second, &[("action", "send")]).await;
    step(&admin, second, &[("action", "adopt"), ("level", "district")]).await;

    let year = xieshang::kernel::time::today().year();
    let count = |who: &str, year: i32| {
        let me = app.actor(who);
        app.db
            .read_blocking(move |c| {
                xieshang::opinions::reports::count_for_member(c, &me, xieshang::kernel::ids::MemberId(member), year)
            })
            .expect("counts")
    };
    assert_eq!(count("admin", year), Some((2, 1, 1, 0)));
    assert_eq!(count("admin", year - 1), Some((0, 0, 0, 0)));
    assert_eq!(count("dept", year), None, "counted only for those who may see the member");

    // On the member's reports page, for those who may see the member.
    let (status, page) = admin.get_text(&format!("/members/{member}/reports")).await;
    assert_eq!(status, 200);
    let counts_row = page.split("id=\"report-counts\"").nth(1).unwrap_or_default();
    assert!(counts_row.contains("<td>2</td><td>1</td><td>1</td><td>0</td>"), "{counts_row}");
    assert!(page.contains(TITLE) && page.contains("区级"));
    let own = app.login_as("member").await;
    assert_eq!(own.get(&format!("/members/{member}/reports")).await.status(), 200);
    assert!(own.get_text("/opinions/reports").await.1.contains(TITLE), "a member reads their own reports");
    assert_eq!(app.login_as("gaomiao").await.get(&format!("/members/{member}/reports")).await.status(), 200);
    assert_eq!(app.login_as("jianhe").await.get(&format!("/members/{member}/reports")).await.status(), 404);
}

/// The member login's record: id, name, sector, workplace and post.
fn the_member(app: &TestApp) -> (i64, String, Option<String>, String, String) {
    app.db
        .read_blocking(|c| {
            Ok(members::table
                .inner_join(users::table.on(members::user_id.eq(users::id.nullable())))
                .left_join(sectors::table.on(sectors::id.nullable().eq(members::sector_id)))
                .filter(users::username.eq("member"))
                .select((members::id, members::name, sectors::name.nullable(), members::employer, members::post))
                .first(c)?)
        })
        .expect("the member login's record")
}

/// The text of the paragraph of word/document.xml that holds `text`.
fn paragraph_with<'a>(xml: &'a str, text: &str) -> &'a str {
    let at = xml.find(text).unwrap_or_else(|| panic!("{text} in the document"));
    let start = xml[..at].rfind("<w:p ").expect("its paragraph");
    let end = at + xml[at..].find("</w:p>").expect("its end");
    &xml[start..end]
}

/// The committee's usual distribution and running number, the report's own
/// 版记, the reporter's status, the issue with its year, and the file's
/// properties, fonts, page numbers and print.
async fn a_report_prints_as_an_official_document(app: TestApp) {
    let admin = app.login_as("admin").await;
    let settings_rows =
        || app.db.read_blocking(|c| Ok(opinion_report_settings::table.count().get_result::<i64>(c)?)).expect("count");
    // A running number that is not a number changes nothing.
    let r = admin
        .post_form(
            "/opinions/settings/reports",
            &[("report_to", "x"), ("deliver_to", ""), ("copy_to", ""), ("issuer", ""), ("total_before", "一百")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = admin.get_text(&location(&r)).await;
    assert!(page.contains("系统启用前的期数请填写0到1000000之间的整数"), "explained");
    assert_eq!(settings_rows(), 0);
    let usual = [
        ("report_to", "三门峡市政协办公室"),
        ("deliver_to", "区委、区政府领导"),
        ("copy_to", "区委办"),
        ("issuer", "湖滨区政协办公室"),
        ("total_before", "127"),
    ];
    assert_eq!(admin.post_form("/opinions/settings/reports", &usual).await.status(), 303);
    assert_eq!(settings_rows(), 1);
    assert_eq!(audit_count(&app, "opinion_report.settings"), 1);
    let (_, page) = admin.get_text("/opinions/settings").await;
    assert!(page.contains("value=\"三门峡市政协办公室\"") && page.contains("value=\"127\""));
    assert_eq!(app.login_as("gaomiao").await.post_form("/opinions/settings/reports", &usual).await.status(), 403);

    // A new report starts from the usual distribution; this one changes its 抄送.
    let case = case_with(&app, STREETLIGHT);
    let (_, form) = admin.get_text(&format!("/opinions/reports/new?case={case}")).await;
    assert!(form.contains("name=\"report_to\" value=\"三门峡市政协办公室\""), "prefilled");
    assert!(form.contains("name=\"copy_to\" value=\"区委办\""));
    let (member, name, sector, employer, post) = the_member(&app);
    let m = member.to_string();
    let id = compile_ok(
        &admin,
        case,
        &[
            ("reporter_member", &m),
            ("reporter_name", ""),
            ("report_to", "三门峡市政协办公室"),
            ("deliver_to", "区委、区政府领导"),
            ("copy_to", "区委办、区政府办"),
        ],
    )
    .await;

    let r = admin.get(&format!("/opinions/reports/{id}.docx")).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("body").to_vec();
    let document = office::part(&bytes, "word/document.xml");
    let text = docx_text(&bytes);
    let today = xieshang::kernel::time::today();
    let date = format!("{}年{}月{}日", today.year(), today.month(), today.day());
    assert!(text.contains(&format!("{}年第1期（总第128期）", today.year())), "{text}");
    let mut status = vec!["委员".to_string()];
    status.extend(sector.filter(|s| !s.is_empty()));
    if !(employer.is_empty() && post.is_empty()) {
        status.push(format!("{employer}{post}"));
    }
    assert!(text.contains(&format!("反映人：{name}（{}）", status.join("，"))), "{text}");
    // The 版记 in order, between rules, after the text.
    let order: Vec<usize> = [
        "反映人",
        "报：三门峡市政协办公室",
        "送：区委、区政府领导",
        "抄送：区委办、区政府办",
        "湖滨区政协办公室",
        &format!("{date}印发"),
    ]
    .iter()
    .map(|s| text.rfind(s).unwrap_or_else(|| panic!("{s} in {text}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(paragraph_with(&document, "报：三门峡市政协办公室").contains("<w:top "), "the rule above");
    assert!(paragraph_with(&document, &format!("{date}印发")).contains("<w:bottom "), "the rule below");
    // The title in 方正小标宋, not bold; fonts fall back.
    let title = paragraph_with(&document, TITLE);
    assert!(title.contains("方正小标宋简体") && !title.contains("<w:b />"), "{title}");
    let fonts = office::part(&bytes, "word/fontTable.xml");
    assert!(fonts.contains(r#"<w:font w:name="方正小标宋简体"><w:altName w:val="华文中宋,宋体" />"#), "{fonts}");
    assert!(fonts.contains(r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋,FangSong" />"#), "{fonts}");
    // Page numbers: — PAGE — in the footers.
    let footer = office::part(&bytes, "word/footer1.xml");
    assert!(footer.contains("<w:instrText>PAGE</w:instrText>") && footer.contains("— "), "{footer}");
    assert!(office::part(&bytes, "word/settings.xml").contains("evenAndOddHeaders"), "odd right, even left");
    // Author and creation date.
    let core = office::part(&bytes, "docProps/core.xml");
    assert!(core.contains("<dc:creator>湖滨区政协办公室</dc:creator>"), "{core}");
    let made = xieshang::kernel::time::now().date().format("%Y-%m-%d").to_string();
    assert!(core.contains(&format!(r#"<dcterms:created xsi:type="dcterms:W3CDTF">{made}T"#)), "{core}");
    if let Some(pages) = office::pdf_pages(&bytes, "docx") {
        assert_eq!(pages, 1, "the report prints on one page");
    }

    // Its own 版记 is edited with its text; an empty 抄送 is left out.
    let r = admin
        .post_form(
            &format!("/opinions/reports/{id}"),
            &[
                ("title", TITLE),
                ("situation", "五原路社区金河湾小区3号楼前路灯坏了三个月。"),
                ("analysis", "维护责任不清。"),
                ("suggestion", "明确维护单位。"),
                ("reporter_member", &m),
                ("reporter_name", ""),
                ("report_to", "三门峡市政协办公室"),
                ("deliver_to", ""),
                ("copy_to", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let bytes = admin.get(&format!("/opinions/reports/{id}.docx")).await.bytes().await.expect("body").to_vec();
    let text = docx_text(&bytes);
    assert!(text.contains("报：三门峡市政协办公室") && !text.contains("抄送") && !text.contains("送：区委"), "{text}");
}
