//! `TestApp`: the real app on a fresh database (a temp SQLite file, or a new
//! PostgreSQL database that is dropped afterwards), plus an HTTP client.

use std::net::SocketAddr;

use diesel::prelude::*;
use reqwest::redirect::Policy;
use xieshang::app::router;
use xieshang::config::Config;
use xieshang::kernel::db::Db;
use xieshang::kernel::state::AppState;

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const DEMO_PASSWORD: &str = xieshang::demo::PASSWORD;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The app's state, shared with the server (its vault, files, config).
    pub state: AppState,
    pub db_url: String,
    pub db: Db,
    /// Where this app keeps uploaded files (a temp dir, removed afterwards).
    pub data_dir: std::path::PathBuf,
    _data: tempfile::TempDir,
    _tmp: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

/// A fresh database of the given kind: its URL and what must be cleaned up.
/// `None` when PostgreSQL is wanted but skipped (XIESHANG_SKIP_PG=1).
pub fn fresh_database(kind: Kind) -> Option<(String, Option<tempfile::TempDir>, Option<String>)> {
    match kind {
        Kind::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = dir.path().join("test.db").to_string_lossy().into_owned();
            Some((url, Some(dir), None))
        }
        Kind::Postgres => {
            let mut admin = match PgConnection::establish(PG_ADMIN_URL) {
                Ok(c) => c,
                Err(e) => {
                    if std::env::var("XIESHANG_SKIP_PG").as_deref() == Ok("1") {
                        eprintln!("skipped: PostgreSQL not reachable and XIESHANG_SKIP_PG=1");
                        return None;
                    }
                    panic!(
                        "PostgreSQL is not reachable at {PG_ADMIN_URL} ({e}). Start it, or set \
                         XIESHANG_SKIP_PG=1 to skip the PostgreSQL tests on this machine."
                    );
                }
            };
            let name = format!("xs_test_{}", xieshang::kernel::auth::password::random_token(12).to_lowercase());
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
            Some((format!("postgres://postgres@127.0.0.1:5432/{name}"), None, Some(name)))
        }
    }
}

pub fn drop_pg_database(name: &str) {
    if let Ok(mut admin) = PgConnection::establish(PG_ADMIN_URL) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
    }
}

impl TestApp {
    /// The app with the Hubin demo committee loaded, serving on a free port.
    pub async fn spawn(kind: Kind) -> Option<TestApp> {
        TestApp::spawn_with(kind, |_| {}).await
    }

    /// `spawn`, with the configuration changed by `configure` first.
    pub async fn spawn_with(kind: Kind, configure: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let (url, tmp, pg_name) = fresh_database(kind)?;
        let data = tempfile::tempdir().expect("data dir");
        let data_dir = data.path().to_path_buf();
        // The demo committee is served: texted password codes go to the log.
        let mut config = Config {
            database_url: url.clone(),
            db_pool_size: 4,
            data_dir: data_dir.clone(),
            demo: true,
            // The fake robots and hotline listen on 127.0.0.1.
            robots_allow_local: true,
            // Administrators sign in with the demo password alone unless a test
            // turns forcing on (tests/it/two_factor.rs checks it).
            require_two_factor: false,
            ..Config::default()
        };
        configure(&mut config);
        let db_url = url.clone();
        let db = tokio::task::spawn_blocking(move || {
            let db = Db::open(&url, 4).expect("open database");
            xieshang::demo::load(&db).expect("load demo");
            db
        })
        .await
        .expect("setup");
        let state = AppState::new(db.clone(), config).expect("app state");
        let served = state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let app = router(served).into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app).await.expect("serve");
        });
        Some(TestApp { addr, state, db_url, db, data_dir, _data: data, _tmp: tmp, pg_name })
    }

    /// An opinion's id by its tracking code.
    pub fn opinion_id(&self, code: &str) -> i64 {
        use xieshang::kernel::db::schema::opinions;
        let code = code.to_string();
        self.db
            .read_blocking(move |c| {
                Ok(opinions::table.filter(opinions::code.eq(&code)).select(opinions::id).first(c)?)
            })
            .expect("case")
    }

    /// A handling department's id by its name.
    pub fn department_id(&self, name: &str) -> i64 {
        use xieshang::kernel::db::schema::departments;
        let name = name.to_string();
        self.db
            .read_blocking(move |c| {
                Ok(departments::table.filter(departments::name.eq(&name)).select(departments::id).first(c)?)
            })
            .expect("department")
    }

    /// A demo user as the acting user of a store call.
    pub fn actor(&self, username: &str) -> xieshang::kernel::auth::Actor {
        let u = username.to_string();
        self.db
            .read_blocking(move |c| {
                Ok(xieshang::kernel::auth::store::find_by_username_unscoped(c, &u)?.map(|u| u.actor(None)))
            })
            .expect("read")
            .expect("user exists")
    }

    /// An office's id by its name.
    pub fn office_id(&self, name: &str) -> i64 {
        use xieshang::kernel::db::schema::offices;
        let name = name.to_string();
        self.db
            .read_blocking(move |c| Ok(offices::table.filter(offices::name.eq(&name)).select(offices::id).first(c)?))
            .expect("office")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client with its own cookie jar (one browser), not following redirects.
    pub fn client(&self) -> Client {
        let http = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client");
        Client { http, base: format!("http://{}", self.addr) }
    }

    /// One tick of the periodic scheduler, as `serve` runs every few minutes.
    pub async fn schedule_periodic(&self) {
        let now = xieshang::kernel::time::now();
        xieshang::app::job_registry(&self.state).schedule(&self.db, now).await.expect("schedule");
    }

    /// The code `username`'s authenticator app shows: for the step after the
    /// last one accepted (a code is accepted once), one step ahead at most.
    pub fn totp_code(&self, username: &str) -> String {
        use xieshang::kernel::db::schema::users;
        let u = username.to_string();
        let (enc, last): (Option<String>, Option<i64>) = self
            .db
            .read_blocking(move |c| {
                Ok(users::table
                    .filter(users::username.eq(&u))
                    .select((users::totp_secret_enc, users::totp_last_step))
                    .first(c)?)
            })
            .expect("read");
        let secret = self.state.personal.decrypt(&enc.expect("enrolling or enrolled")).expect("decrypt");
        let now = u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970");
        let after_last = last.map(|s| u64::try_from(s + 1).expect("step") * 30).unwrap_or(0);
        xieshang::kernel::auth::totp::current_code(&secret, now.max(after_last)).expect("code")
    }

    /// `c` (signed in) enrols a second factor as a user does: the page's
    /// secret into the app, its code back. Returns the recovery codes shown.
    pub async fn enrol_two_factor(&self, c: &Client, username: &str) -> Vec<String> {
        let (status, page) = c.get_text("/account/two-factor").await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"totp-secret\""), "a secret to type");
        let code = self.totp_code(username);
        let r = c.post_form("/account/two-factor", &[("code", &code)]).await;
        assert_eq!(r.status(), 200);
        let body = r.text().await.expect("body");
        let codes: Vec<String> =
            body.split("<li><code>").skip(1).filter_map(|s| s.split("</code>").next()).map(str::to_string).collect();
        assert_eq!(codes.len(), 10, "ten recovery codes shown");
        codes
    }

    /// A new client signing in as `username` with the demo password and then
    /// the current code.
    pub async fn login_with_code(&self, username: &str) -> Client {
        let c = self.client();
        let r = c.login(username, DEMO_PASSWORD).await;
        assert_eq!(location(&r), "/login/code", "{username} is asked for a code");
        let r = c.post_form("/login/code", &[("code", &self.totp_code(username))]).await;
        assert_eq!(r.status(), 303, "code accepted for {username}");
        c
    }

    /// How many audit lines record `action`.
    pub fn audit_count(&self, action: &str) -> i64 {
        use xieshang::kernel::db::schema::audit_log;
        let a = action.to_string();
        self.db
            .read_blocking(move |c| Ok(audit_log::table.filter(audit_log::action.eq(&a)).count().get_result(c)?))
            .expect("audit count")
    }

    /// A file row of the first committee holding the bytes stored under
    /// `sha256` (as a second upload of the same bytes would); its id.
    pub fn file_row_of(&self, sha256: &str, name: &str) -> i64 {
        use xieshang::kernel::db::schema::{committees, files};
        let (sha, name) = (sha256.to_string(), name.to_string());
        self.db
            .write_blocking(move |c| {
                let committee: i64 = committees::table.select(committees::id).order(committees::id).first(c)?;
                Ok(diesel::insert_into(files::table)
                    .values((
                        files::committee_id.eq(committee),
                        files::sha256.eq(sha),
                        files::content_type.eq("application/octet-stream"),
                        files::size.eq(1i64),
                        files::original_name.eq(name),
                        files::created_at.eq(xieshang::kernel::time::now()),
                    ))
                    .returning(files::id)
                    .get_result(c)?)
            })
            .expect("a file row")
    }

    /// An API token for an outside system named `name` in committee
    /// `committee` (valid 30 days), made as the CLI makes one; the token.
    pub fn api_token(&self, committee: &str, name: &str, scopes: &str, per_minute: i32) -> String {
        use xieshang::api::tokens::{model, store};
        let t = model::generate();
        let new = store::NewToken { name: name.into(), scopes: model::Scopes::parse(scopes), days: 30, per_minute };
        let (hash, prefix) = (model::hash(&t), model::prefix(&t));
        let code = committee.to_string();
        self.db
            .write_blocking(move |c| {
                let cm = xieshang::org::store::committee_by_code_unscoped(c, &code)?.expect("committee");
                let who = xieshang::kernel::audit::store::Who::System { committee_id: Some(cm.id), name: "test" };
                store::create_unscoped(c, who, cm.id, None, &new, &hash, &prefix)
            })
            .expect("token");
        t
    }

    /// A client logged in as one of the demo users.
    /// A login for roster member `name` (the demo has one member login):
    /// username `username`, the demo password; returns the member's id.
    pub fn member_login(&self, username: &str, name: &str) -> i64 {
        use xieshang::kernel::audit::store::Who;
        use xieshang::kernel::auth::store::{self as users, NewAccount};
        use xieshang::kernel::db::schema::members;
        let hash = xieshang::kernel::auth::password::hash(DEMO_PASSWORD).expect("hash");
        let (username, name) = (username.to_string(), name.to_string());
        self.db
            .write_blocking(move |c| {
                let (id, committee, office): (i64, i64, Option<i64>) = members::table
                    .filter(members::name.eq(&name))
                    .select((members::id, members::committee_id, members::office_id))
                    .first(c)?;
                let who = || Who::System { committee_id: None, name: "test" };
                let acc = NewAccount {
                    username,
                    display_name: name.clone(),
                    role: xieshang::kernel::auth::Role::Member,
                    office_id: office.map(xieshang::kernel::ids::OfficeId),
                };
                let user = users::insert_unscoped(
                    c,
                    who(),
                    xieshang::kernel::ids::CommitteeId(committee),
                    &acc,
                    &hash,
                    false,
                )?;
                xieshang::org::store::members::link_user(c, who(), xieshang::kernel::ids::MemberId(id), user)?;
                Ok(id)
            })
            .expect("a member login")
    }

    /// A login for department `department` (the demo's one department
    /// login works for the housing bureau), with the demo password.
    pub fn department_login(&self, username: &str, department: &str) {
        use xieshang::kernel::audit::store::Who;
        use xieshang::kernel::auth::store::{self as users, NewAccount};
        let hash = xieshang::kernel::auth::password::hash(DEMO_PASSWORD).expect("hash");
        let d = xieshang::kernel::ids::DepartmentId(self.department_id(department));
        let committee = self.actor("admin").committee_id;
        let username = username.to_string();
        self.db
            .write_blocking(move |c| {
                let who = || Who::System { committee_id: None, name: "test" };
                let acc = NewAccount {
                    username,
                    display_name: "承办人".into(),
                    role: xieshang::kernel::auth::Role::Department,
                    office_id: None,
                };
                let user = users::insert_unscoped(c, who(), committee, &acc, &hash, false)?;
                xieshang::org::store::departments::set_user_department_unscoped(c, who(), user, d)
            })
            .expect("a department login")
    }

    /// A case 高庙乡's staff entered as heard by roster member `name` at an
    /// activity (so the member sees it); returns its tracking code.
    pub fn heard_case(&self, name: &str, body: &str) -> String {
        use xieshang::kernel::db::schema::members;
        use xieshang::opinions::store::cases::{self, NewOpinion};
        let staff = self.actor("gaomiao");
        let (name, body) = (name.to_string(), body.to_string());
        self.db
            .write_blocking(move |c| {
                let member: i64 = members::table.filter(members::name.eq(&name)).select(members::id).first(c)?;
                let n = NewOpinion {
                    office_id: staff.office_id,
                    source: Some(xieshang::opinions::model::Source::Activity),
                    heard_by: Some(xieshang::kernel::ids::MemberId(member)),
                    body,
                    ..NewOpinion::default()
                };
                Ok(cases::enter(c, &staff, &n)?.1)
            })
            .expect("a heard case")
    }

    pub async fn login_as(&self, username: &str) -> Client {
        let c = self.client();
        let res = c.login(username, DEMO_PASSWORD).await;
        assert_eq!(res.status(), 303, "login as {username} failed");
        c
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            drop_pg_database(&name);
        }
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{}", self.base, path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.text().await.expect("body"))
    }

    /// The CSRF token of this client's session, as a page would embed it.
    pub async fn csrf(&self) -> String {
        // The login page, or wherever it sends a logged-in user, embeds it.
        let mut path = "/login".to_string();
        for _ in 0..5 {
            let r = self.get(&path).await;
            if r.status().is_redirection() {
                path = location(&r);
                continue;
            }
            let body = r.text().await.expect("body");
            return extract_csrf(&body).expect("csrf token on the page");
        }
        panic!("too many redirects looking for a csrf token")
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token unless given).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(format!("{}{}", self.base, path)).form(fields).send().await.expect("POST")
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_form("/login", &[("username", username), ("password", password), ("next", "/")]).await
    }

    /// Posts a multipart form as an upload form does: the session's CSRF
    /// token, `fields`, and one PNG file in the input `field`, named `name`.
    pub async fn upload_png(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        field: &str,
        name: &str,
        png: &[u8],
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().text("_csrf", self.csrf().await);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let part = reqwest::multipart::Part::bytes(png.to_vec()).file_name(name.to_string()).mime_str("image/png");
        form = form.part(field.to_string(), part.expect("mime"));
        self.http.post(format!("{}{}", self.base, path)).multipart(form).send().await.expect("upload")
    }
}

/// Posts a form that must succeed (a redirect); returns the page it leads to.
pub async fn post_ok(c: &Client, path: &str, fields: &[(&str, &str)]) -> String {
    let r = c.post_form(path, fields).await;
    assert_eq!(r.status(), 303, "{path} {fields:?}");
    c.get_text(&location(&r)).await.1
}

/// Staff assign case `id` to a department; returns the case's page.
pub async fn assign_to_department(c: &Client, id: i64, department: i64) -> String {
    let assignee = format!("department:{department}");
    post_ok(c, &format!("/opinions/{id}/act"), &[("action", "assign"), ("assignee", &assignee)]).await
}

/// A resident's submission through the Hubin committee's opinion box, as its
/// form sends it (multipart, the session's CSRF token), with a PNG photo when
/// given.
/// A small real PNG (30×20), as a phone's photo would be one.
pub fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(30, 20, |x, y| image::Rgb([x as u8 * 8, y as u8 * 12, 90]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
        .expect("encode");
    out
}

pub async fn post_to_box(c: &Client, fields: &[(&str, &str)], photo: Option<&[u8]>) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("_csrf", c.csrf().await);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some(p) = photo {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(p.to_vec()).file_name("路灯.png").mime_str("image/png").expect("mime"),
        );
    }
    c.http.post(format!("{}/box/hubin", c.base)).multipart(form).send().await.expect("submit")
}

/// A resident submits through the box and is taken to the case's tracking
/// page; returns the tracking code.
pub async fn submit_opinion(c: &Client, fields: &[(&str, &str)]) -> String {
    let r = post_to_box(c, fields, None).await;
    assert_eq!(r.status(), 303, "submitted");
    location(&r).trim_start_matches("/track/").trim_end_matches("?new=1").to_string()
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// The number a home page shows for its work-queue count `id` (`to_sign`, …).
pub fn queue_count(html: &str, id: &str) -> i64 {
    let start = html.find(&format!("id=\"q-{id}\"")).unwrap_or_else(|| panic!("no count {id} on the page"));
    let marker = "<strong class=\"n\">";
    let from = html[start..].find(marker).map(|i| start + i + marker.len()).expect("the number");
    let to = html[from..].find('<').map(|i| from + i).expect("the number's end");
    html[from..to].trim().parse().unwrap_or_else(|_| panic!("count {id}: {}", &html[from..to]))
}

/// Where a count on a home page leads.
pub fn queue_href(html: &str, id: &str) -> String {
    let start = html.find(&format!("id=\"q-{id}\"")).unwrap_or_else(|| panic!("no count {id} on the page"));
    let marker = "href=\"";
    let from = html[start..].find(marker).map(|i| start + i + marker.len()).expect("the link");
    let to = html[from..].find('"').map(|i| from + i).expect("the link's end");
    // The page escapes `&` in attributes.
    html[from..to].replace("&#38;", "&").replace("&amp;", "&")
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// Defines `mod NAME { sqlite, postgres }`: the async test fn `NAME(TestApp)`
/// runs once on each database.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::support::{Kind, TestApp};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = TestApp::spawn(Kind::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = TestApp::spawn(Kind::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

/// A resident's browser at `base` whose requests come through a proxy from
/// `address` (`X-Forwarded-For`; the app must trust proxy headers): many
/// residents, each under the per-address limits of the public box.
pub fn resident_at(base: &str, address: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().expect("address"));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .default_headers(headers)
        .build()
        .expect("client");
    Client { http, base: base.to_string() }
}

/// A small PNG that differs for every `seq` (so every photo is its own file).
pub fn distinct_png(seq: u64) -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 12, |x, y| {
        image::Rgb([(seq & 0xFF) as u8, ((seq >> 8) & 0xFF) as u8, (x * 16 + y) as u8])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
        .expect("encode");
    out
}

/// The `xieshang` binary the CLI and crash tests run: this build's, or
/// `XIESHANG_BIN` (a copy kept aside while other builds share the target folder).
pub fn xieshang_bin() -> std::path::PathBuf {
    std::env::var_os("XIESHANG_BIN").map(Into::into).unwrap_or_else(|| env!("CARGO_BIN_EXE_xieshang").into())
}
