//! 基层政协档案 over HTTP on both databases: an office's year by category,
//! its counts equal to the records, scope by office, and the bundle built in
//! the background whose table of contents names exactly the files it holds.

use std::io::Read;

use chrono::Datelike;
use diesel::prelude::*;
use xieshang::kernel::db::schema::{activities, opinions};
use xieshang::kernel::jobs::worker::Worker;
use xieshang::kernel::time::{today, year_bounds};

use crate::on_both_databases;
use crate::support::{TestApp, distinct_png, location};

on_both_databases!(an_office_s_year_and_its_bundle);

async fn run_jobs(app: &TestApp) {
    let w = Worker::new(app.db.clone(), std::sync::Arc::new(xieshang::app::job_registry(&app.state)), "t");
    while w.run_once().await.expect("run") {}
}

/// The count shown beside a category on the year's page.
/// The hash of the zip a finished bundle (`/archive/bundles/{id}`) holds.
fn zip_of(app: &TestApp, bundle: &str) -> String {
    use xieshang::kernel::db::schema::archive_bundles;
    let id: i64 = bundle.rsplit('/').next().and_then(|n| n.parse().ok()).expect("the bundle's id");
    app.db
        .read_blocking(move |c| {
            Ok(archive_bundles::table.find(id).select(archive_bundles::sha256).first::<Option<String>>(c)?)
        })
        .expect("the bundle")
        .expect("its zip")
}

fn category_count(html: &str, code: &str) -> usize {
    let at = html.find(&format!("id=\"cat-{code}\"")).expect("the category");
    let from = html[at..].find("<span class=\"count\">").map(|i| at + i + 20).expect("its count");
    let to = html[from..].find('<').map(|i| from + i).expect("count's end");
    html[from..to].parse().expect("a number")
}

/// The text of a zip's part.
fn part(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut out = vec![];
    zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the bundle")).read_to_end(&mut out).expect("read");
    out
}

async fn an_office_s_year_and_its_bundle(app: TestApp) {
    let year = today().year();
    let office = app.office_id("高庙乡");
    let (start, end) = year_bounds(year).expect("year");
    // What the records say, counted here.
    let (held, cases, activity): (i64, i64, i64) = app
        .db
        .read_blocking(move |c| {
            let held = activities::table
                .filter(activities::office_id.eq(office).and(activities::status.eq("held")))
                .filter(activities::held_at.ge(start).and(activities::held_at.lt(end)));
            let cases = opinions::table
                .filter(opinions::office_id.eq(office).and(opinions::merged_into.is_null()))
                .filter(opinions::created_at.ge(start).and(opinions::created_at.lt(end)))
                .count()
                .get_result(c)?;
            let activity = held.select(activities::id).order(activities::id.asc()).first(c)?;
            Ok((held.count().get_result(c)?, cases, activity))
        })
        .expect("counts");
    assert!(held > 0, "the demo holds activities this year");

    // The office adds two photos to one of its activities.
    let gaomiao = app.login_as("gaomiao").await;
    for (seq, name) in [(1, "现场.png"), (2, "../座谈 会.png")] {
        let r = gaomiao
            .upload_png(&format!("/activities/{activity}/photos"), &[], "photos", name, &distinct_png(seq))
            .await;
        assert_eq!(r.status(), 303);
    }

    // An office's staff land on their own archive; another office's is not there.
    let r = gaomiao.get("/archive").await;
    assert_eq!(location(&r), format!("/archive/{office}/{year}"));
    let page = gaomiao.get_text(&format!("/archive/{office}/{year}?cat=HD")).await;
    assert_eq!(page.0, 200);
    assert_eq!(category_count(&page.1, "HD") as i64, held);
    assert_eq!(category_count(&page.1, "SQ") as i64, cases);
    assert!(page.1.contains(&format!("{year}-HD-0001")));
    let jianhe = app.office_id("涧河街道");
    assert_eq!(gaomiao.get(&format!("/archive/{jianhe}/{year}")).await.status(), 404);
    for who in ["member", "dept", "auditor"] {
        let c = app.login_as(who).await;
        assert_eq!(c.get(&format!("/archive/{office}/{year}")).await.status(), 404, "{who}");
    }
    let (code, body) = gaomiao.get_text(&format!("/archive/{office}/{}", year + 1)).await;
    assert_eq!(code, 400);
    assert!(body.contains("请选择2000年到今年之间的年度"));
    assert_eq!(gaomiao.get(&format!("/archive/{office}/{year}?cat=XX")).await.status(), 400);

    // The chair asks for the bundle; twice is one bundle.
    let leader = app.login_as("leader").await;
    let index = leader.get_text(&format!("/archive?year={year}")).await.1;
    assert!(index.contains(&format!("href=\"/archive/{office}/{year}\"")));
    let path = format!("/archive/{office}/{year}/bundle");
    let r = leader.post_form(&path, &[]).await;
    assert_eq!(r.status(), 303);
    let bundle = location(&r);
    assert_eq!(location(&leader.post_form(&path, &[]).await), bundle);
    assert!(leader.get_text(&bundle).await.1.contains("排队中"));
    run_jobs(&app).await;
    let shown = leader.get_text(&bundle).await.1;
    let errors: Vec<Option<String>> = app
        .db
        .read_blocking(|c| {
            use xieshang::kernel::db::schema::jobs;
            Ok(jobs::table.filter(jobs::kind.eq("archive.bundle")).select(jobs::last_error).load(c)?)
        })
        .expect("jobs");
    assert!(shown.contains("已完成") && shown.contains("100%"), "{errors:?}");
    assert_eq!(app.audit_count("archive.bundle"), 1);

    // Another office learns nothing of it; its own office downloads it.
    let jianhe_staff = app.login_as("jianhe").await;
    assert_eq!(jianhe_staff.get(&bundle).await.status(), 404);
    assert_eq!(jianhe_staff.get(&format!("{bundle}/download")).await.status(), 404);
    let r = gaomiao.get(&format!("{bundle}/download")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.expect("zip").to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let root = format!("高庙乡{year}年度政协工作档案");
    let names: Vec<String> = zip.file_names().map(|n| n.expect("a name").into_owned()).collect();
    let attached: Vec<&String> = names.iter().filter(|n| n.starts_with(&format!("{root}/附件/"))).collect();
    assert!(attached.len() >= 2, "{names:?}");
    // Numbered by the activity's 档号, in the order they were added, under their category.
    let first = attached.iter().find(|n| n.ends_with("-01 现场.png")).expect("the first photo");
    let reference = first.rsplit('/').next().and_then(|n| n.strip_suffix("-01 现场.png")).expect("its reference");
    assert!(reference.starts_with(&format!("{year}-HD-")) && first.contains("/附件/03履职活动/"), "{first}");
    assert!(attached.iter().any(|n| n.ends_with(&format!("{reference}-02 座谈 会.png"))), "{attached:?}");
    assert!(names.iter().all(|n| !n.contains("..")));

    // The contents name every attachment in the bundle and nothing else.
    let mut docx =
        zip::ZipArchive::new(std::io::Cursor::new(part(&mut zip, &format!("{root}/目录.docx")))).expect("docx");
    let mut doc = String::new();
    docx.by_name("word/document.xml").expect("document").read_to_string(&mut doc).expect("xml");
    for n in &attached {
        let in_bundle = n.trim_start_matches(&format!("{root}/"));
        assert!(doc.contains(in_bundle), "the contents name {in_bundle}");
    }
    assert!(doc.contains(&format!("附件{}个", attached.len())));
    assert_eq!(doc.matches("附件/").count(), attached.len());
    for u in 1..=held {
        assert!(doc.contains(&format!("{year}-HD-{u:04}")));
    }
    assert!(!doc.contains(&format!("{year}-HD-{:04}", held + 1)));

    // The lists: one row per activity held.
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(part(&mut zip, &format!("{root}/清单.xlsx"))))
            .expect("xlsx");
    let sheet = book.worksheet_range("履职活动").expect("the activities' sheet");
    let rows = sheet.rows().skip(2).filter(|r| !r.iter().all(|c| c.to_string().is_empty())).count();
    assert_eq!(rows as i64, held);

    // A photo lost from storage: the next bundle is built without it and says so.
    let sha: String = app
        .db
        .read_blocking(|c| {
            use xieshang::kernel::db::schema::files;
            Ok(files::table.filter(files::original_name.eq("座谈 会.png")).select(files::sha256).first(c)?)
        })
        .expect("the photo's row");
    std::fs::remove_file(app.data_dir.join("files").join(&sha[..2]).join(&sha[2..])).expect("remove the photo");
    let r = leader.post_form(&path, &[]).await;
    let again = location(&r);
    assert_ne!(again, bundle, "a finished bundle is not asked for again");
    run_jobs(&app).await;
    assert!(leader.get_text(&again).await.1.contains("已完成"));
    let bytes = leader.get(&format!("{again}/download")).await.bytes().await.expect("zip").to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    assert!(zip.file_names().all(|n| !n.expect("a name").contains("座谈 会")));
    let mut docx =
        zip::ZipArchive::new(std::io::Cursor::new(part(&mut zip, &format!("{root}/目录.docx")))).expect("docx");
    let mut doc = String::new();
    docx.by_name("word/document.xml").expect("document").read_to_string(&mut doc).expect("xml");
    assert!(doc.contains("座谈 会.png（缺失）"));

    // A third bundle: the latest two are kept, the first is marked replaced
    // and its zip deleted; its old link leads to its page, which says why.
    let first_zip = zip_of(&app, &bundle);
    let zip_path = |sha: &str| app.data_dir.join("files").join(&sha[..2]).join(&sha[2..]);
    let first_path = zip_path(&first_zip);
    assert!(first_path.is_file());
    let third = location(&leader.post_form(&path, &[]).await);
    run_jobs(&app).await;
    assert!(leader.get_text(&third).await.1.contains("已完成"));
    assert!(leader.get_text(&bundle).await.1.contains("已被新版本替换"));
    assert_eq!(location(&leader.get(&format!("{bundle}/download")).await), bundle);
    assert!(!leader.get_text(&format!("/archive/{office}/{year}")).await.1.contains(&format!("{bundle}/download")));
    assert!(!first_path.exists(), "the replaced bundle's zip is deleted");
    assert_eq!(leader.get(&format!("{again}/download")).await.status(), 200, "the one before the latest is kept");

    // A zip whose bytes an uploaded file also holds stays when its bundle is replaced.
    let again_zip = zip_of(&app, &again);
    app.file_row_of(&again_zip, "same.zip");
    let fourth = location(&leader.post_form(&path, &[]).await);
    run_jobs(&app).await;
    assert!(leader.get_text(&fourth).await.1.contains("已完成"));
    assert!(leader.get_text(&again).await.1.contains("已被新版本替换"));
    assert!(zip_path(&again_zip).is_file(), "a zip an upload holds is kept");
}
