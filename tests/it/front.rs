//! The resident's front door, on both databases: the public front page at
//! `/`, the tracking page for a code that finds nothing, the text with the
//! code at submission, and the files the tracking page shows through the code.

use diesel::prelude::*;
use xieshang::kernel::db::schema::{jobs, opinion_files, opinions, outbox};
use xieshang::kernel::jobs::Worker;

use crate::on_both_databases;
use crate::support::{Client, Kind, TestApp, assign_to_department, location, post_ok, post_to_box, submit_opinion};

on_both_databases!(
    the_front_page_leads_a_visitor_in,
    a_code_that_finds_nothing_gets_the_search_again,
    photos_show_through_their_code_only,
    only_public_answer_files_reach_the_resident,
);

async fn the_front_page_leads_a_visitor_in(app: TestApp) {
    // A closed demo case made public, for the results wall.
    let closed: (i64, String) = app
        .db
        .read_blocking(|c| {
            Ok(opinions::table
                .filter(opinions::status.eq("closed"))
                .order(opinions::id.asc())
                .select((opinions::id, opinions::body))
                .first(c)?)
        })
        .expect("a closed demo case");
    let admin = app.login_as("admin").await;
    post_ok(&admin, &format!("/opinions/{}/public", closed.0), &[("public", "1")]).await;

    let visitor = app.client();
    let (status, page) = visitor.get_text("/").await;
    assert_eq!(status, 200, "a page, not the login");
    assert!(page.contains("三门峡市湖滨区政协"));
    assert!(page.contains("id=\"to-box\" href=\"/box/hubin\"") && page.contains("我要反映"), "the box");
    assert!(page.contains("action=\"/track\"") && page.contains("name=\"code\""), "the code field");
    assert!(page.contains("查询办理进度"));
    let prefix: String = closed.1.chars().take(8).collect();
    assert!(page.contains("id=\"front-results\"") && page.contains(&prefix), "the public answer");
    assert!(page.contains("href=\"/box/hubin/results\""));
    assert!(page.contains("高庙乡政协委员之家") && page.contains("href=\"/box/hubin/homes/"), "the Homes");
    assert!(page.contains("听民声、察民情、知民意、解民忧"), "a Home's published activity");
    assert!(page.contains("id=\"front-consultations\"") && page.contains("href=\"/box/hubin/consultations/"));
    assert!(page.contains("id=\"staff-login\"") && page.contains("工作人员登录"));
    assert!(page.contains("/static/front.css"));
    assert_eq!(visitor.get("/static/front.css").await.status(), 200);

    // Signed in, `/` is still the role's home.
    let (status, home) = admin.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("您好，王建国") && !home.contains("id=\"to-box\""));

    // A deployment of two committees lists both, each with its box.
    app.db
        .write(|c| {
            let who = || xieshang::kernel::audit::store::Who::System { committee_id: None, name: "test" };
            xieshang::setup::new_committee(c, who, "lingbao", "灵宝市政协")?;
            Ok(())
        })
        .await
        .expect("second committee");
    let (_, page) = visitor.get_text("/").await;
    assert!(page.contains("data-box=\"hubin\"") && page.contains("data-box=\"lingbao\""), "both boxes");
    assert!(page.contains("灵宝市政协") && page.contains("三门峡市湖滨区政协"));
    assert!(page.contains("name=\"code\""), "one tracking field for all");
}

async fn a_code_that_finds_nothing_gets_the_search_again(app: TestApp) {
    let resident = app.client();
    let code = submit_opinion(&resident, &[("body", "向阳路口的红绿灯不亮了，过马路很危险。")]).await;
    // Typed in lower case with a space: the case's page.
    let r = resident.get(&format!("/track?code={}%20{}", code[..5].to_lowercase(), &code[5..])).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/track/{code}"));
    let r = resident.get(&format!("/track/{}", code.to_lowercase())).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/track/{code}"));

    // A well-formed code of no case: the search again, with help.
    let wrong = if code.starts_with('A') { "BBBBBBBBBB" } else { "AAAAAAAAAA" };
    let (status, page) = resident.get_text(&format!("/track/{wrong}")).await;
    assert_eq!(status, 404);
    assert!(page.contains("没有找到这个查询码对应的反映") && page.contains(wrong));
    assert!(page.contains("name=\"code\"") && page.contains("action=\"/track\""), "the field again");
    assert!(page.contains("10位字母和数字") && page.contains("没有数字0、1和字母I、L、O"), "the code's form");
    assert!(page.contains("不分大小写"));
    assert!(page.contains("三门峡市湖滨区政协") && page.contains("0398-2812345"), "whom to call");
    assert!(page.contains("href=\"/\""), "back to the front page, not the login");
    // A code of the wrong form: the same help.
    let (status, page) = resident.get_text("/track?code=23X").await;
    assert_eq!(status, 400);
    assert!(
        page.contains("查询码应为10位字母和数字") && page.contains("name=\"code\"") && page.contains("0398-2812345")
    );
    // A zero or a one, as people misread a code: said so.
    let (status, page) = resident.get_text("/track?code=3ABC0DEF2G").await;
    assert_eq!(status, 400);
    assert!(page.contains("查询码里不会有数字 0、1") && page.contains("0398-2812345"), "{page}");
    let (status, _) = resident.get_text("/track/not-a-code").await;
    assert_eq!(status, 404);

    // The district sets the number; a bad one is refused with a message.
    let admin = app.login_as("admin").await;
    let r = admin.post_form("/opinions/settings/phone", &[("phone", "请打电话")]).await;
    assert_eq!(r.status(), 303);
    let (_, settings) = admin.get_text(&location(&r)).await;
    assert!(settings.contains("咨询电话只能由数字"), "refused");
    post_ok(&admin, "/opinions/settings/phone", &[("phone", "0398-2899999")]).await;
    let (_, page) = resident.get_text(&format!("/track/{wrong}")).await;
    assert!(page.contains("0398-2899999") && !page.contains("0398-2812345"));
    let r = app.login_as("gaomiao").await.post_form("/opinions/settings/phone", &[("phone", "12345")]).await;
    assert_ne!(r.status(), 200);
    let (_, page) = resident.get_text(&format!("/track/{wrong}")).await;
    assert!(page.contains("0398-2899999"), "only the district sets it");
}

/// The file ids a page links under `prefix`.
fn linked_files(page: &str, prefix: &str) -> Vec<String> {
    let mut ids: Vec<String> = page
        .match_indices(prefix)
        .map(|(i, _)| page[i + prefix.len()..].chars().take_while(char::is_ascii_digit).collect::<String>())
        .filter(|id| !id.is_empty())
        .collect();
    ids.dedup();
    ids
}

async fn photos_show_through_their_code_only(app: TestApp) {
    let resident = app.client();
    let r =
        post_to_box(&resident, &[("body", "车站街道菜市场门口积水很深，老人走不过去。")], Some(crate::org::PNG)).await;
    assert_eq!(r.status(), 303);
    let code = location(&r).trim_start_matches("/track/").trim_end_matches("?new=1").to_string();
    let (_, page) = resident.get_text(&format!("/track/{code}")).await;
    assert!(page.contains("id=\"your-photos\""));
    let prefix = format!("/track/{code}/files/");
    let photos = linked_files(&page, &prefix);
    assert_eq!(photos.len(), 1, "{page}");
    let r = app.client().get(&format!("{prefix}{}", photos[0])).await;
    assert_eq!(r.status(), 200, "anyone with the code");
    assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    // Not through another case's code, a made-up code, or the staff address.
    let other = submit_opinion(&resident, &[("body", "前进街道的公厕一直锁着门。")]).await;
    assert_eq!(app.client().get(&format!("/track/{other}/files/{}", photos[0])).await.status(), 404);
    let made_up = if code.starts_with('A') { "BBBBBBBBBB" } else { "AAAAAAAAAA" };
    assert_eq!(app.client().get(&format!("/track/{made_up}/files/{}", photos[0])).await.status(), 404);
    let id = app.opinion_id(&code);
    assert_eq!(app.client().get(&format!("/opinions/{id}/files/{}", photos[0])).await.status(), 303, "login");
}

/// The department answers case `id` with one PNG, public or not; staff
/// release the answer.
async fn answer_with_file(app: &TestApp, admin: &Client, id: i64, name: &str, public: bool) {
    let dept = app.login_as("dept").await;
    assign_to_department(admin, id, app.department_id("区住房和城乡建设局")).await;
    post_ok(&dept, &format!("/opinions/{id}/act"), &[("action", "sign")]).await;
    let mut form = reqwest::multipart::Form::new()
        .text("_csrf", dept.csrf().await)
        .text("note", "已派人清理，并加装了排水管。")
        .part("file", reqwest::multipart::Part::bytes(crate::org::PNG.to_vec()).file_name(name.to_string()));
    if public {
        form = form.text("public_files", "1");
    }
    let r = dept.http.post(format!("{}/opinions/{id}/answer", dept.base)).multipart(form).send().await.expect("answer");
    assert_eq!(r.status(), 303);
}

async fn only_public_answer_files_reach_the_resident(app: TestApp) {
    let resident = app.client();
    let admin = app.login_as("admin").await;
    let shown = submit_opinion(&resident, &[("body", "崖底街道幸福小区下水道堵了。")]).await;
    let kept = submit_opinion(&resident, &[("body", "会兴街道东风路的井盖丢了。")]).await;
    let (shown_id, kept_id) = (app.opinion_id(&shown), app.opinion_id(&kept));
    for id in [shown_id, kept_id] {
        post_ok(&admin, &format!("/opinions/{id}/act"), &[("action", "accept")]).await;
    }
    answer_with_file(&app, &admin, shown_id, "清理后的下水道.png", true).await;
    answer_with_file(&app, &admin, kept_id, "内部记录.png", false).await;
    let public_flags: Vec<bool> = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_files::table
                .filter(opinion_files::opinion_id.eq_any([shown_id, kept_id]))
                .order(opinion_files::opinion_id.asc())
                .select(opinion_files::public)
                .load(c)?)
        })
        .expect("files");
    assert_eq!(public_flags, vec![true, false]);
    let (_, staff_page) = admin.get_text(&format!("/opinions/{shown_id}")).await;
    assert!(staff_page.contains("data-public-file"), "staff see which files the resident will see");

    // Before review the answer and its files stay hidden.
    let (_, page) = resident.get_text(&format!("/track/{shown}")).await;
    assert!(!page.contains("清理后的下水道.png"));
    for id in [shown_id, kept_id] {
        post_ok(&admin, &format!("/opinions/{id}/act"), &[("action", "approve")]).await;
    }
    let (_, page) = resident.get_text(&format!("/track/{shown}")).await;
    assert!(page.contains("id=\"answer-files\"") && page.contains("清理后的下水道.png"));
    let files = linked_files(&page, &format!("/track/{shown}/files/"));
    assert_eq!(files.len(), 1);
    assert_eq!(app.client().get(&format!("/track/{shown}/files/{}", files[0])).await.status(), 200);

    let (_, page) = resident.get_text(&format!("/track/{kept}")).await;
    assert!(page.contains("已派人清理") && !page.contains("内部记录.png") && !page.contains("answer-files"));
    let private: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_files::table
                .filter(opinion_files::opinion_id.eq(kept_id))
                .select(opinion_files::file_id)
                .first(c)?)
        })
        .expect("file");
    assert_eq!(app.client().get(&format!("/track/{kept}/files/{private}")).await.status(), 404);
}

// The text at submission needs the site's public address: these apps have one.

mod text_at_submission {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        a_text_with_the_code_and_link_goes_once(Kind::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        a_text_with_the_code_and_link_goes_once(Kind::Postgres).await;
    }
}

const BASE: &str = "https://xs.example.cn";

/// Texts to case `id`'s phone: (body, status).
fn texts_of(app: &TestApp, id: i64) -> Vec<(String, String)> {
    let subject = format!("opinion:{id}");
    app.db
        .read_blocking(move |c| {
            Ok(outbox::table
                .filter(outbox::subject.eq(&subject))
                .order(outbox::id.asc())
                .select((outbox::body, outbox::status))
                .load(c)?)
        })
        .expect("outbox")
}

/// Runs every job that is due.
async fn run_jobs(app: &TestApp) {
    let w = Worker::new(app.db.clone(), std::sync::Arc::new(xieshang::app::job_registry(&app.state)), "t");
    while w.run_once().await.expect("run") {}
}

async fn a_text_with_the_code_and_link_goes_once(kind: Kind) {
    let Some(app) = TestApp::spawn_with(kind, |c| c.public_base_url = Some(BASE.into())).await else { return };
    let resident = app.client();
    let code =
        submit_opinion(&resident, &[("body", "交口乡到镇上的班车停了，老人看病不方便。"), ("phone", "139 0398 7777")])
            .await;
    let id = app.opinion_id(&code);
    run_jobs(&app).await;
    let texts = texts_of(&app, id);
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].0.contains(&code) && texts[0].0.contains(&format!("{BASE}/track/{code}")), "{}", texts[0].0);
    assert!(texts[0].0.contains("已收到"));
    assert_eq!(texts[0].1, "sent");
    // The job run again (a worker that died after sending): nothing more.
    app.db
        .write(|c| {
            Ok(diesel::update(jobs::table.filter(jobs::kind.eq("opinions.notify")))
                .set((jobs::status.eq("queued"), jobs::run_at.eq(chrono::Utc::now().naive_utc())))
                .execute(c)?)
        })
        .await
        .expect("requeue");
    run_jobs(&app).await;
    assert_eq!(texts_of(&app, id).len(), 1, "once");
    // A later step's text carries the link too.
    let admin = app.login_as("admin").await;
    post_ok(&admin, &format!("/opinions/{id}/act"), &[("action", "accept")]).await;
    run_jobs(&app).await;
    let texts = texts_of(&app, id);
    assert_eq!(texts.len(), 2);
    assert!(texts[1].0.contains("已受理") && texts[1].0.contains(&format!("{BASE}/track/{code}")));

    // No phone: no text.
    let silent = submit_opinion(&resident, &[("body", "磁钟乡卫生院缺少儿科医生。")]).await;
    run_jobs(&app).await;
    assert!(texts_of(&app, app.opinion_id(&silent)).is_empty());
    drop(app);

    // No public address: no text at submission (there is no link to give).
    let Some(app) = TestApp::spawn(kind).await else { return };
    let code = submit_opinion(&app.client(), &[("body", "湖滨街道夜市噪音太大。"), ("phone", "13903987778")]).await;
    run_jobs(&app).await;
    assert!(texts_of(&app, app.opinion_id(&code)).is_empty());
}
