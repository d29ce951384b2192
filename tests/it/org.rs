//! The roster over HTTP on both databases: scope, liaisons and gaps, members
//! who leave, search, the 六有 board with evidence, sectors.

use diesel::prelude::*;
use xieshang::kernel::db::schema::{home_evidence, liaisons, localities, members, sectors};
use xieshang::kernel::error::AppError;
use xieshang::org::store::{self as org, homes, liaisons as links};

use crate::on_both_databases;
use crate::support::{Client, TestApp, location};

on_both_databases!(
    demo_roster_is_the_article_s,
    office_staff_manage_only_their_own_office,
    a_new_locality_is_a_gap_until_linked,
    a_member_who_left_keeps_history,
    member_search_filters_and_scope,
    evidence_turns_an_item_met_on_the_board,
    sectors_are_prefilled_and_editable_by_the_district,
    child_lists_check_their_parent_s_scope,
    an_unknown_status_in_the_database_is_an_error,
);

fn locality_of(app: &TestApp, office: i64) -> i64 {
    app.db
        .read_blocking(move |c| {
            Ok(localities::table.filter(localities::office_id.eq(office)).select(localities::id).first(c)?)
        })
        .expect("locality")
}

fn count<T>(app: &TestApp, f: impl FnOnce(&mut xieshang::kernel::db::DbConn) -> QueryResult<T>) -> T {
    app.db.read_blocking(|c| Ok(f(c)?)).expect("query")
}

/// The flash message shown after a form redirect.
async fn after(c: &Client, r: reqwest::Response) -> String {
    assert_eq!(r.status(), 303, "form redirects");
    c.get_text(&location(&r)).await.1
}

async fn demo_roster_is_the_article_s(app: TestApp) {
    let n_members: i64 = count(&app, |c| members::table.count().get_result(c));
    let n_villages: i64 =
        count(&app, |c| localities::table.filter(localities::kind.eq("village")).count().get_result(c));
    let n_communities: i64 =
        count(&app, |c| localities::table.filter(localities::kind.eq("community")).count().get_result(c));
    assert_eq!((n_members, n_villages, n_communities), (148, 47, 47));
    let admin = app.login_as("admin").await;
    let (_, overview) = admin.get_text("/liaisons").await;
    assert!(overview.contains("共 94 个联系点，其中 0 个暂无委员联系"), "every point has a member");
    assert!(overview.contains("五原路社区"));
    let (_, offices_page) = admin.get_text("/offices").await;
    assert!(!offices_page.contains("未设召集人"), "every office has a convener");
    let (_, office) = admin.get_text(&format!("/offices/{}", app.office_id("高庙乡"))).await;
    assert!(office.contains("专职党委副书记"));
    assert!(office.contains("刘晓燕"), "the staffer");
}

async fn office_staff_manage_only_their_own_office(app: TestApp) {
    let gaomiao = app.login_as("gaomiao").await;
    let (own, other) = (app.office_id("高庙乡"), app.office_id("涧河街道"));
    let other_loc = locality_of(&app, other);
    let links_before: i64 = count(&app, |c| liaisons::table.count().get_result(c));

    assert_eq!(gaomiao.get(&format!("/offices/{other}")).await.status(), 404);
    assert_eq!(gaomiao.get(&format!("/localities/{other_loc}")).await.status(), 404);
    let (_, list) = gaomiao.get_text("/liaisons").await;
    assert!(!list.contains("五原路社区"), "another office's places leak");
    let r =
        gaomiao.post_form(&format!("/offices/{other}/localities"), &[("name", "外来村"), ("kind", "village")]).await;
    assert_eq!(r.status(), 403);
    let member = count(&app, |c| members::table.select(members::id).first::<i64>(c));
    let r = gaomiao
        .post_form(
            &format!("/localities/{other_loc}/liaisons"),
            &[("member_id", &member.to_string()), ("start_on", "")],
        )
        .await;
    assert_eq!(r.status(), 404);
    let other_link: i64 =
        count(&app, |c| liaisons::table.filter(liaisons::locality_id.eq(other_loc)).select(liaisons::id).first(c));
    let r = gaomiao.post_form(&format!("/liaisons/{other_link}/end"), &[("end_on", "")]).await;
    assert_eq!(r.status(), 404);
    assert_eq!(count(&app, |c| liaisons::table.count().get_result::<i64>(c)), links_before, "nothing changed");
    let open: i64 = count(&app, |c| {
        liaisons::table.filter(liaisons::id.eq(other_link).and(liaisons::end_on.is_null())).count().get_result(c)
    });
    assert_eq!(open, 1);

    // Their own office they manage; a leader only reads.
    let page = after(
        &gaomiao,
        gaomiao.post_form(&format!("/offices/{own}/localities"), &[("name", "新建村"), ("kind", "village")]).await,
    )
    .await;
    assert!(page.contains("村/社区已添加") && page.contains("新建村"));
    let leader = app.login_as("leader").await;
    let r = leader.post_form(&format!("/offices/{own}/localities"), &[("name", "领导村"), ("kind", "village")]).await;
    assert_eq!(r.status(), 403);
    // Office staff cannot edit the office itself or its staffers: that is the district's.
    let r = gaomiao.post_form(&format!("/offices/{own}"), &[("address", "x")]).await;
    assert_eq!(r.status(), 403);
}

async fn a_new_locality_is_a_gap_until_linked(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let own = app.office_id("高庙乡");
    // Bad input: a clear message, nothing written.
    let page = after(
        &staff,
        staff.post_form(&format!("/offices/{own}/localities"), &[("name", ""), ("kind", "village")]).await,
    )
    .await;
    assert!(page.contains("请填写名称"));
    let page = after(
        &staff,
        staff.post_form(&format!("/offices/{own}/localities"), &[("name", "高庙村"), ("kind", "village")]).await,
    )
    .await;
    assert!(page.contains("已有同名"));

    // Without a kind chosen, the name decides: …村 is a village.
    after(&staff, staff.post_form(&format!("/offices/{own}/localities"), &[("name", "白鹤岭村"), ("kind", "")]).await)
        .await;
    let kind: String =
        count(&app, |c| localities::table.filter(localities::name.eq("白鹤岭村")).select(localities::kind).first(c));
    assert_eq!(kind, "village");
    let page = after(
        &staff,
        staff.post_form(&format!("/offices/{own}/localities"), &[("name", "幸福家园"), ("kind", "")]).await,
    )
    .await;
    assert!(page.contains("请选择“村”或“社区”"), "no kind and no telling name: asked");
    let admin = app.login_as("admin").await;
    let (_, gaps) = admin.get_text("/liaisons?gaps=1").await;
    assert!(gaps.contains("白鹤岭村"), "the district sees the gap");
    assert!(gaps.contains("其中 1 个暂无委员联系"));

    let loc: i64 =
        count(&app, |c| localities::table.filter(localities::name.eq("白鹤岭村")).select(localities::id).first(c));
    let member: i64 = count(&app, |c| {
        members::table.filter(members::office_id.eq(own).and(members::status.eq("active"))).select(members::id).first(c)
    });
    let back = format!("/offices/{own}");
    let page = after(
        &staff,
        staff
            .post_form(
                &format!("/localities/{loc}/liaisons"),
                &[("member_id", &member.to_string()), ("start_on", "2026-10-01"), ("back", &back)],
            )
            .await,
    )
    .await;
    assert!(page.contains("已建立定点联系"));
    // Linking twice is refused with a message.
    let page = after(
        &staff,
        staff
            .post_form(&format!("/localities/{loc}/liaisons"), &[("member_id", &member.to_string()), ("back", &back)])
            .await,
    )
    .await;
    assert!(page.contains("已联系这个村/社区"));
    let (_, gaps) = admin.get_text("/liaisons?gaps=1").await;
    assert!(!gaps.contains("白鹤岭村"));
    // The link is in the audit log with who made it.
    let auditor = app.login_as("auditor").await;
    assert!(auditor.get_text("/audit?action=liaison.create").await.1.contains("刘晓燕 (gaomiao)"));
}

async fn a_member_who_left_keeps_history(app: TestApp) {
    let admin = app.login_as("admin").await;
    let own = app.office_id("高庙乡");
    let (member, name): (i64, String) = count(&app, |c| {
        members::table
            .filter(members::office_id.eq(own).and(members::status.eq("active")).and(members::user_id.is_null()))
            .order(members::id.desc())
            .select((members::id, members::name))
            .first(c)
    });
    let links_before: i64 =
        count(&app, |c| liaisons::table.filter(liaisons::member_id.eq(member)).count().get_result(c));
    assert!(links_before > 0);
    let page =
        after(&admin, admin.post_form(&format!("/members/{member}/leave"), &[("left_on", "2026-11-01")]).await).await;
    assert!(page.contains("已办理离任"));
    assert!(page.contains("id=\"member-left\""));
    // History stays: the links are ended, not deleted, and still shown.
    let (links_after, still_open): (i64, i64) = count(&app, |c| {
        let all = liaisons::table.filter(liaisons::member_id.eq(member)).count().get_result(c)?;
        let open = liaisons::table
            .filter(liaisons::member_id.eq(member).and(liaisons::end_on.is_null()))
            .count()
            .get_result(c)?;
        Ok((all, open))
    });
    assert_eq!((links_after, still_open), (links_before, 0));
    assert!(page.contains("2026-11-01"));
    let (_, left_list) = admin.get_text("/members?status=left").await;
    assert!(left_list.contains(&name));
    // A member who left cannot be linked again, nor leave twice.
    let loc = locality_of(&app, own);
    let staff = app.login_as("gaomiao").await;
    let page = after(
        &staff,
        staff
            .post_form(&format!("/localities/{loc}/liaisons"), &[("member_id", &member.to_string()), ("back", "/")])
            .await,
    )
    .await;
    assert!(page.contains("已离任"));
    let page = after(&admin, admin.post_form(&format!("/members/{member}/leave"), &[]).await).await;
    assert!(page.contains("已经离任"));
    // There is no way to delete a member.
    // A form missing its fields gets a friendly page, in Chinese, and changes nothing.
    let r = admin.post_form(&format!("/members/{member}"), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap_or_default().contains("提交的内容不完整"));
    assert_eq!(count(&app, |c| members::table.filter(members::id.eq(member)).count().get_result::<i64>(c)), 1);
}

async fn member_search_filters_and_scope(app: TestApp) {
    let admin = app.login_as("admin").await;
    let (_, all) = admin.get_text("/members").await;
    assert!(all.contains("共 148 人"));
    assert!(all.contains("第 1 / 5 页"));
    assert!(all.contains("139****"), "phones masked in the list");
    assert!(!all.contains("13939801000"));
    let jianhe = app.office_id("涧河街道");
    let (_, by_office) = admin.get_text(&format!("/members?office={jianhe}")).await;
    assert!(by_office.contains("共 13 人"), "{}", by_office.len());
    let sector: i64 =
        count(&app, |c| sectors::table.filter(sectors::name.eq("中国共产党")).select(sectors::id).first(c));
    let (_, by_sector) = admin.get_text(&format!("/members?sector={sector}&status=active")).await;
    assert!(by_sector.contains("共 "));
    let first: String = count(&app, |c| members::table.order(members::id.asc()).select(members::name).first(c));
    let (_, found) = admin.get_text(&format!("/members?q={}", urlencode(&first))).await;
    assert!(found.contains(&first) && found.contains("共 1 人"));
    let (_, none) = admin.get_text("/members?q=不存在的人").await;
    assert!(none.contains("没有符合条件的委员"));
    // Junk in the query is ignored, never an error.
    assert_eq!(admin.get("/members?sector=abc&page=-3&status=zzz").await.status(), 200);

    // Office staff see their office's members; a member sees only themselves.
    let staff = app.login_as("jianhe").await;
    assert!(staff.get_text("/members").await.1.contains("共 13 人"));
    let member = app.login_as("member").await;
    let (_, mine) = member.get_text("/members").await;
    assert!(mine.contains("共 1 人"));
    let other: i64 = count(&app, |c| members::table.filter(members::office_id.eq(jianhe)).select(members::id).first(c));
    assert_eq!(member.get(&format!("/members/{other}")).await.status(), 404);
    assert!(member.get_text("/").await.1.contains("id=\"own-record\""));
    // Departments see none; the member form is the district's.
    assert!(app.login_as("dept").await.get_text("/members").await.1.contains("共 0 人"));
    assert_eq!(staff.get("/members/new").await.status(), 403);

    // The district adds a member; a duplicate phone is refused with the form kept.
    let fields = [
        ("name", "吴新"),
        ("gender", "female"),
        ("ethnicity", "汉族"),
        ("birth_date", "1980-05-06"),
        ("party", "民盟盟员"),
        ("sector_id", ""),
        ("employer", "湖滨区第三小学"),
        ("post", "教师"),
        ("phone", "139 3980 1000"),
        ("term", "第十届"),
        ("office_id", ""),
    ];
    let r = admin.post_form("/members", &fields).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap_or_default();
    assert!(body.contains("该手机号码已登记"));
    assert!(body.contains("湖滨区第三小学"), "the form comes back filled in");
    let mut ok = fields;
    ok[8] = ("phone", "13700001111");
    let page = after(&admin, admin.post_form("/members", &ok).await).await;
    assert!(page.contains("委员信息已保存") && page.contains("吴新"));
    assert!(page.contains("1980年5月6日"), "a day shown as the roster writes it");
    // A birth known to the month only is kept so, and shown so.
    let mut month = ok;
    month[0] = ("name", "吴月");
    month[3] = ("birth_date", "1975.03");
    month[8] = ("phone", "13700003333");
    let page = after(&admin, admin.post_form("/members", &month).await).await;
    assert!(page.contains("1975年3月") && !page.contains("1975年3月1日"), "{page}");
    let mut bad = ok;
    bad[3] = ("birth_date", "去年");
    bad[8] = ("phone", "13700002222");
    assert!(admin.post_form("/members", &bad).await.text().await.unwrap_or_default().contains("出生日期写法不对"));

    // The district links the new member to a member login; wrong names are explained.
    let new_id: i64 = count(&app, |c| members::table.filter(members::name.eq("吴新")).select(members::id).first(c));
    let page =
        after(&admin, admin.post_form(&format!("/members/{new_id}/login"), &[("username", "nobody")]).await).await;
    assert!(page.contains("没有这个用户名的账号"));
    let page =
        after(&admin, admin.post_form(&format!("/members/{new_id}/login"), &[("username", "leader")]).await).await;
    assert!(page.contains("角色不是"));
    let page =
        after(&admin, admin.post_form(&format!("/members/{new_id}/login"), &[("username", "member")]).await).await;
    assert!(page.contains("已关联到另一位委员"), "the demo member login is taken");
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap_or_default().trim_start_matches("x=").to_string()
}

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D,
    0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

async fn evidence_turns_an_item_met_on_the_board(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let own = app.office_id("高庙乡");
    let (_, board) = staff.get_text("/homes").await;
    assert!(board.contains("高庙乡") && !board.contains("涧河街道"), "staff see their own home only");
    assert!(board.contains("2/6"));

    // Marked met without evidence: the board says so.
    let page =
        after(&staff, staff.post_form(&format!("/homes/{own}/items/rules"), &[("status", "met"), ("note", "")]).await)
            .await;
    assert!(page.contains("已保存"));
    let (_, board) = staff.get_text("/homes").await;
    assert!(board.contains("data-item=\"rules\" data-state=\"warn\""));

    // A photo as evidence makes it count.
    let token = staff.csrf().await;
    let form = reqwest::multipart::Form::new().text("_csrf", token).text("note", "制度牌已上墙").part(
        "file",
        reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("制度.png").mime_str("image/png").expect("mime"),
    );
    let r = staff
        .http
        .post(format!("{}/homes/{own}/items/rules/evidence", staff.base))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let page = after(&staff, r).await;
    assert!(page.contains("佐证已上传"), "{page}");
    assert!(page.contains("制度牌已上墙"));
    let (_, board) = staff.get_text("/homes").await;
    assert!(board.contains("data-item=\"rules\" data-state=\"ok\""));
    assert!(board.contains("3/6"));
    // The photo is served to those who may see the home, and to nobody else.
    let ev: i64 = count(&app, |c| {
        home_evidence::table
            .filter(home_evidence::file_id.is_not_null())
            .order(home_evidence::id.desc())
            .select(home_evidence::id)
            .first(c)
    });
    let r = staff.get(&format!("/homes/evidence/{ev}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(app.login_as("jianhe").await.get(&format!("/homes/evidence/{ev}")).await.status(), 404);
    assert_eq!(app.login_as("leader").await.get(&format!("/homes/evidence/{ev}")).await.status(), 200);

    // A text file dressed as a photo is refused; nothing is added.
    let before: i64 = count(&app, |c| home_evidence::table.count().get_result(c));
    let form = reqwest::multipart::Form::new()
        .text("_csrf", staff.csrf().await)
        .part("file", reqwest::multipart::Part::bytes(b"not a photo".to_vec()).file_name("photo.jpg"));
    let r = staff
        .http
        .post(format!("{}/homes/{own}/items/venue/evidence", staff.base))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let page = after(&staff, r).await;
    assert!(page.contains("flash bad"));
    assert_eq!(count(&app, |c| home_evidence::table.count().get_result::<i64>(c)), before);
    // Another office's home cannot be changed.
    let other = app.office_id("涧河街道");
    let r = staff.post_form(&format!("/homes/{other}/items/rules"), &[("status", "missing")]).await;
    assert_eq!(r.status(), 403);
}

async fn sectors_are_prefilled_and_editable_by_the_district(app: TestApp) {
    let admin = app.login_as("admin").await;
    let (_, page) = admin.get_text("/sectors").await;
    for s in ["中国共产党", "九三学社", "无党派人士", "社会福利和社会保障界", "医药卫生界"]
    {
        assert!(page.contains(s), "{s}");
    }
    let page = after(&admin, admin.post_form("/sectors", &[("name", "特邀人士")]).await).await;
    assert!(page.contains("界别已添加") && page.contains("特邀人士"));
    let page = after(&admin, admin.post_form("/sectors", &[("name", "九三学社")]).await).await;
    assert!(page.contains("已有同名界别"));
    let staff = app.login_as("gaomiao").await;
    assert_eq!(staff.post_form("/sectors", &[("name", "x界")]).await.status(), 403);
}

/// An office's staffers, a locality's members, a member's links and a Members'
/// Home's items are read through their parent, whose scope the store checks
/// itself: another office's staff get "not found", whatever the caller checked.
async fn child_lists_check_their_parent_s_scope(app: TestApp) {
    let gaomiao = app.actor("gaomiao");
    let (own, other) = (app.office_id("高庙乡"), app.office_id("涧河街道"));
    let (own_office, other_office) = (xieshang::kernel::ids::OfficeId(own), xieshang::kernel::ids::OfficeId(other));
    let own_loc = xieshang::kernel::ids::LocalityId(locality_of(&app, own));
    let other_loc = xieshang::kernel::ids::LocalityId(locality_of(&app, other));
    let member_of = |office: i64| {
        xieshang::kernel::ids::MemberId(count(&app, |c| {
            members::table.filter(members::office_id.eq(office)).select(members::id).first(c)
        }))
    };
    let (own_member, other_member) = (member_of(own), member_of(other));

    assert!(not_found(app.db.read_blocking(|c| org::staffers(c, &gaomiao, other_office))), "staffers");
    assert!(not_found(app.db.read_blocking(|c| links::point(c, &gaomiao, other_loc))), "a locality's members");
    assert!(not_found(app.db.read_blocking(|c| links::of_member(c, &gaomiao, other_member))), "a member's links");
    assert!(app.db.read_blocking(|c| homes::detail(c, &gaomiao, other_office)).expect("read").is_none(), "a home");

    // Their own office's lists they read.
    assert!(!app.db.read_blocking(|c| org::staffers(c, &gaomiao, own_office)).expect("staffers").is_empty());
    assert!(!app.db.read_blocking(|c| links::point(c, &gaomiao, own_loc)).expect("point").members.is_empty());
    assert!(!app.db.read_blocking(|c| links::of_member(c, &gaomiao, own_member)).expect("links").is_empty());
    let (_, items) = app.db.read_blocking(|c| homes::detail(c, &gaomiao, own_office)).expect("read").expect("home");
    assert_eq!(items.len(), 6);
    // The district reads every office's.
    let admin = app.actor("admin");
    assert!(!app.db.read_blocking(|c| links::of_member(c, &admin, other_member)).expect("links").is_empty());
}

fn not_found<T>(r: Result<T, AppError>) -> bool {
    matches!(r, Err(AppError::NotFound))
}

/// A value the code does not know, written to the database by hand, fails the
/// read (500, logged) instead of showing as some other status.
async fn an_unknown_status_in_the_database_is_an_error(app: TestApp) {
    let admin = app.login_as("admin").await;
    let member: i64 = count(&app, |c| members::table.select(members::id).first(c));
    assert_eq!(admin.get(&format!("/members/{member}")).await.status(), 200);
    app.db
        .write_blocking(move |c| {
            Ok(diesel::update(members::table.find(member)).set(members::status.eq("retired")).execute(c)?)
        })
        .expect("hand edit");
    assert_eq!(admin.get(&format!("/members/{member}")).await.status(), 500);
    assert_eq!(admin.get("/members").await.status(), 500, "the list that holds it");
}
