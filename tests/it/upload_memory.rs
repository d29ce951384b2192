//! Uploads under hostile clients: files stream to `<data_dir>/tmp` (never
//! whole in memory), the CSRF token is read from the start of the form only,
//! temporaries go on every path, and photo decodes share a memory budget.

use std::time::Duration;

use diesel::prelude::*;
use reqwest::multipart::{Form, Part};
use tokio::io::AsyncWriteExt;
use xieshang::kernel::db::schema::{files, opinions};

use crate::on_both_databases;
use crate::support::{Kind, TestApp, extract_csrf, location};

on_both_databases!(
    a_big_document_from_staff_is_stored,
    a_token_after_a_file_is_refused,
    temporaries_go_when_refused_and_when_aborted
);

// A small budget and a short wait, so that a held budget answers 503 soon.
mod decode_budget {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        photos_wait_for_the_decode_budget_then_busy(Kind::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        photos_wait_for_the_decode_budget_then_busy(Kind::Postgres).await;
    }
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
        .expect("encode");
    out
}

/// What is left in the upload temporaries folder.
fn temporaries(app: &TestApp) -> Vec<String> {
    match std::fs::read_dir(app.data_dir.join("tmp")) {
        Ok(d) => d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => vec![],
    }
}

/// Waits (bounded) until `ok` holds: the server finishes an aborted request
/// on its own time.
async fn eventually(what: &str, ok: impl Fn() -> bool) {
    for _ in 0..200 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}");
}

fn count_files(app: &TestApp) -> i64 {
    app.db.write_blocking(|c| Ok(files::table.count().get_result::<i64>(c)?)).expect("count")
}

fn count_opinions(app: &TestApp) -> i64 {
    app.db.write_blocking(|c| Ok(opinions::table.count().get_result::<i64>(c)?)).expect("count")
}

async fn a_big_document_from_staff_is_stored(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let own = app.office_id("高庙乡");
    // A 9.5 MB PDF: under the 10 MB limit for one file.
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(9 * 1024 * 1024 + 512 * 1024, b'0');
    pdf.extend_from_slice(b"\n%%EOF\n");
    let form = Form::new()
        .text("_csrf", staff.csrf().await)
        .text("note", "活动记录扫描件")
        .part("file", Part::bytes(pdf.clone()).file_name("活动记录.pdf").mime_str("application/pdf").expect("mime"));
    let r = staff
        .http
        .post(format!("{}/homes/{own}/items/rules/evidence", staff.base))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), 303);
    let (size, name) = app
        .db
        .write_blocking(|c| {
            Ok(files::table
                .order(files::id.desc())
                .select((files::size, files::original_name))
                .first::<(i64, String)>(c)?)
        })
        .expect("row");
    assert_eq!((size, name.as_str()), (pdf.len() as i64, "活动记录.pdf"));
    assert_eq!(temporaries(&app), Vec::<String>::new(), "nothing left after success");
}

async fn a_token_after_a_file_is_refused(app: TestApp) {
    let resident = app.client();
    let token = resident.csrf().await;
    let before = count_opinions(&app);
    let form = Form::new()
        .text("body", "路灯坏了")
        .part("photo", Part::bytes(png(20, 10)).file_name("路灯.png").mime_str("image/png").expect("mime"))
        .text("_csrf", token.clone());
    let r = resident.http.post(app.url("/box/hubin")).multipart(form).send().await.expect("submit");
    assert_eq!(r.status(), 403);
    assert!(r.text().await.expect("page").contains("上传的表单有误"));
    assert_eq!(count_opinions(&app), before, "nothing submitted");

    // The same form with the token first goes through.
    let form = Form::new()
        .text("_csrf", token)
        .text("body", "路灯坏了")
        .part("photo", Part::bytes(png(20, 10)).file_name("路灯.png").mime_str("image/png").expect("mime"));
    let r = resident.http.post(app.url("/box/hubin")).multipart(form).send().await.expect("submit");
    assert_eq!(r.status(), 303, "{}", location(&r));
    assert_eq!(count_opinions(&app), before + 1);
    assert_eq!(temporaries(&app), Vec::<String>::new());
}

async fn temporaries_go_when_refused_and_when_aborted(app: TestApp) {
    let resident = app.client();
    let token = resident.csrf().await;
    let files_before = count_files(&app);

    // Refused: a 12 MB file that is not a photo, to the public box.
    let form = Form::new().text("_csrf", token.clone()).text("body", "附件太大").part(
        "photo",
        Part::bytes(vec![b'x'; 12 * 1024 * 1024]).file_name("big.jpg").mime_str("image/jpeg").expect("mime"),
    );
    let r = resident.http.post(app.url("/box/hubin")).multipart(form).send().await.expect("submit");
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page");
    assert!(page.contains("文件太大") && page.contains(">附件太大</textarea>"), "what was typed is kept: {page}");
    assert_eq!(temporaries(&app), Vec::<String>::new(), "nothing left after a refusal");
    // Seven photos, or an empty one: the same, the text kept, nothing filed.
    let before = count_opinions(&app);
    let mut seven = Form::new().text("_csrf", token.clone()).text("body", "七张照片").text("name", "李大爷");
    for i in 0..7 {
        seven = seven
            .part("photo", Part::bytes(png(20, 10)).file_name(format!("{i}.png")).mime_str("image/png").expect("mime"));
    }
    let r = resident.http.post(app.url("/box/hubin")).multipart(seven).send().await.expect("submit");
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("文件太多") && page.contains(">七张照片</textarea>") && page.contains("value=\"李大爷\""),
        "{page}"
    );
    let empty = Form::new()
        .text("_csrf", token.clone())
        .text("body", "空照片")
        .part("photo", Part::bytes(Vec::new()).file_name("空.png").mime_str("image/png").expect("mime"));
    let r = resident.http.post(app.url("/box/hubin")).multipart(empty).send().await.expect("submit");
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page");
    assert!(page.contains("这个文件是空的") && page.contains(">空照片</textarea>"), "{page}");
    assert_eq!(count_opinions(&app), before, "nothing filed");
    // And a small one that is not a photo (a new connection: the server
    // closes one whose upload it refused before reading it all).
    let resident = app.client();
    let token = resident.csrf().await;
    let form = Form::new()
        .text("_csrf", token)
        .text("body", "附件不是照片")
        .part("photo", Part::bytes(b"just text".to_vec()).file_name("a.jpg").mime_str("image/jpeg").expect("mime"));
    let r = resident.http.post(app.url("/box/hubin")).multipart(form).send().await.expect("submit");
    assert_eq!(r.status(), 400);
    assert_eq!(temporaries(&app), Vec::<String>::new());

    // Aborted: a client announces 8 MB, sends 3 MB of the file and goes away.
    let page = reqwest::get(app.url("/box/hubin")).await.expect("box");
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("xs_form="))
        .and_then(|v| v.split(';').next())
        .expect("form cookie")
        .to_string();
    let token = extract_csrf(&page.text().await.expect("page")).expect("token");
    let start = format!(
        "--B0undary\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n\
         --B0undary\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    );
    let head = format!(
        "POST /box/hubin HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary=B0undary\r\nContent-Length: {}\r\n\r\n",
        app.addr,
        8 * 1024 * 1024
    );
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    tcp.write_all(head.as_bytes()).await.expect("head");
    tcp.write_all(start.as_bytes()).await.expect("start");
    tcp.write_all(&vec![0xffu8; 3 * 1024 * 1024]).await.expect("part of the file");
    tcp.flush().await.expect("flush");
    eventually("the file arrives in the temporaries folder", || !temporaries(&app).is_empty()).await;
    drop(tcp);
    eventually("the temporary goes when the client does", || temporaries(&app).is_empty()).await;
    assert_eq!(count_files(&app), files_before, "nothing stored");
}

async fn photos_wait_for_the_decode_budget_then_busy(kind: Kind) {
    let tiny = |c: &mut xieshang::config::Config| {
        c.image_decode_budget_mb = 4;
        c.image_decode_wait_secs = 1;
    };
    let Some(app) = TestApp::spawn_with(kind, tiny).await else { return };
    let resident = app.client();
    let token = resident.csrf().await;
    let photo = |token: String| {
        Form::new()
            .text("_csrf", token)
            .text("body", "路面塌陷，请尽快处理")
            .part("photo", Part::bytes(png(400, 300)).file_name("路面.png").mime_str("image/png").expect("mime"))
    };
    let before = count_opinions(&app);
    // Another decode holds the whole budget.
    let held = app.state.files.budget().acquire(u64::MAX).await.expect("the budget");
    let r = resident.http.post(app.url("/box/hubin")).multipart(photo(token.clone())).send().await.expect("submit");
    assert_eq!(r.status(), 503);
    assert!(r.text().await.expect("page").contains("服务器繁忙，请稍后再试"));
    assert_eq!(count_opinions(&app), before, "nothing submitted");
    assert_eq!(temporaries(&app), Vec::<String>::new());
    // Once it is done, the same photo goes through.
    drop(held);
    let r = resident.http.post(app.url("/box/hubin")).multipart(photo(token)).send().await.expect("submit");
    assert_eq!(r.status(), 303);
    assert_eq!(count_opinions(&app), before + 1);
}
