//! Uploaded files: the store on disk, rows scoped to the committee, and CSRF on
//! multipart forms.

use reqwest::multipart::{Form, Part};
use xieshang::kernel::audit::store::Who;
use xieshang::kernel::auth::store::{self as users, NewAccount};
use xieshang::kernel::auth::{Role, password};
use xieshang::kernel::files::{self, Accept, FileStore, Upload};
use xieshang::org::store as org;

use crate::on_both_databases;
use crate::support::{TestApp, location, png};

on_both_databases!(stored_files_round_trip_within_the_committee, multipart_forms_need_the_csrf_field);

async fn stored_files_round_trip_within_the_committee(app: TestApp) {
    let store = FileStore::new(&app.data_dir);
    let stored = store.put(Upload::new("委员之家/活动.png", png()), Accept::Images).await.expect("put");
    assert_eq!((stored.content_type.as_str(), stored.original_name.as_str()), ("image/png", "活动.png"));
    assert!(app.data_dir.join("files").join(&stored.sha256[..2]).join(&stored.sha256[2..]).is_file());
    let bytes = store.read(&stored.sha256).await.expect("read");
    assert_eq!(bytes.len() as i64, stored.size);
    assert!(image::load_from_memory(&bytes).is_ok());

    let admin = app.actor("admin");
    let (a, s) = (admin.clone(), stored.clone());
    let id = app.db.write(move |c| files::insert_row(c, &a, &s)).await.expect("insert");
    let a = admin.clone();
    let row = app.db.read(move |c| files::find_row(c, &a, id)).await.expect("find").expect("own committee's file");
    assert_eq!((row.sha256.as_str(), row.size), (stored.sha256.as_str(), stored.size));
    assert_eq!((row.committee_id, row.uploaded_by), (admin.committee_id, Some(admin.user_id)));

    // The upload is in the audit log.
    let n = app
        .db
        .read(move |c| {
            use diesel::prelude::*;
            use xieshang::kernel::db::schema::audit_log;
            Ok(audit_log::table
                .filter(audit_log::action.eq("file.upload"))
                .filter(audit_log::entity_id.eq(id.to_string()))
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .expect("audit");
    assert_eq!(n, 1);

    // Another committee's staff do not see it.
    app.db
        .write_blocking(|c| {
            let who = || Who::System { committee_id: None, name: "test" };
            let cm = org::create_committee(c, who(), "lingbao", "灵宝市政协")?;
            let acc = NewAccount {
                username: "lingbao-admin".into(),
                display_name: "外地工作人员".into(),
                role: Role::DistrictAdmin,
                office_id: None,
            };
            users::insert_unscoped(c, who(), cm, &acc, &password::hash("Lingbao-2026!")?, false)
        })
        .expect("second committee");
    let other = app.actor("lingbao-admin");
    assert!(app.db.read(move |c| files::find_row(c, &other, id)).await.expect("find").is_none());

    // Sent back with its type, inline (an image), never sniffed.
    let res = files::download(&row, bytes, files::Audience::Private);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.headers()["content-disposition"].to_str().unwrap_or("").starts_with("inline;"));
    assert_eq!(res.headers()["cache-control"], "private, no-store", "case photos stay off shared computers");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}

async fn multipart_forms_need_the_csrf_field(app: TestApp) {
    let c = app.login_as("admin").await;
    let post = |form: Form| c.http.post(app.url("/logout")).multipart(form).send();

    // No token: refused, and still logged in.
    let r = post(Form::new().part("photo", Part::bytes(png()).file_name("a.png"))).await.expect("POST");
    assert_eq!(r.status(), 403);
    let r = post(Form::new().text("_csrf", "not-the-token")).await.expect("POST");
    assert_eq!(r.status(), 403);
    assert_eq!(c.get("/").await.status(), 200);

    // The session's token as the first field, then a file larger than the 1 MiB
    // limit for ordinary forms: accepted (uploads have their own limit).
    let token = c.csrf().await;
    let big = vec![7u8; 2 * 1024 * 1024];
    let form =
        Form::new().text("_csrf", token).text("note", "活动照片").part("photo", Part::bytes(big).file_name("big.jpg"));
    let r = post(form).await.expect("POST");
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    assert_eq!(c.get("/offices").await.status(), 303, "logged out");
}
