//! The role × route matrix: every method and path the router serves, asked by
//! every demo role, against the answer written once in `matrix.table`
//! (docs/decisions.md, "Role × route matrix"). A route the router serves but
//! the table lacks fails the test, which prints the line to add.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use crate::support::{Client, TestApp, extract_csrf, location};

const TABLE_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/matrix.table");

/// The table's columns: anonymous, then the demo logins. `gaomiao` is staff of
/// the office whose ids fill the paths ("own"), `jianhe` staff of another.
const ROLES: [&str; 10] =
    ["anon", "admin", "gaomiao", "jianhe", "member", "dept", "leader", "auditor", "sysadmin", "secadmin"];

/// The order allowed state-changing requests run in: the widest powers last,
/// so that what they change (a locked account, an ended link) reaches no
/// later request; within a role, logging out comes last.
const WRITE_ORDER: [&str; 10] =
    ["anon", "member", "dept", "leader", "auditor", "jianhe", "gaomiao", "secadmin", "sysadmin", "admin"];

/// Tables a refused request may write: its session's idle expiry, the rate
/// counters, and the audit trail of refusals.
const MAY_CHANGE: [&str; 5] =
    ["sessions", "rate_limits", "sign_in_failures", "audit_log", "__diesel_schema_migrations"];

/// Every (method, path pattern) the router serves, read from axum's `Debug`
/// of the assembled router: its path router lists each route id with its path,
/// and each route's method router with its `Allow` header. Nothing in the app
/// records routes for this; a change in that format finds no routes and fails.
fn served_routes(app: &TestApp) -> Vec<(String, String)> {
    let dump = format!("{:?}", xieshang::app::router(app.state.clone()));
    // The fallback router ("/" and the catch-all) comes after the routes.
    let dump = dump.split("fallback_router").next().unwrap_or("");
    let mut paths = BTreeMap::new();
    let mut methods = BTreeMap::new();
    for part in dump.split("RouteId(").skip(1) {
        let Some((id, rest)) = part.split_once("): ") else { continue };
        let Ok(id) = id.parse::<u32>() else { continue };
        if let Some(path) = rest.strip_prefix('"') {
            paths.insert(id, path.split('"').next().unwrap_or("").to_string());
        } else if let Some(allow) = rest.split("allow_header: Bytes(b\"").nth(1) {
            methods.insert(id, allow.split('"').next().unwrap_or("").to_string());
        }
    }
    let mut out = vec![];
    for (id, path) in &paths {
        let allow = methods.get(id).unwrap_or_else(|| panic!("no methods found for {path}"));
        for m in allow.split(',').filter(|m| *m != "HEAD") {
            out.push((m.to_string(), path.clone()));
        }
    }
    assert!(out.len() > 100, "the router's routes could not be read (axum's Debug format changed?): {out:?}");
    out.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    out
}

/// The table: (method, pattern) → one answer per role.
fn read_table() -> BTreeMap<(String, String), Vec<String>> {
    let text = std::fs::read_to_string(TABLE_PATH).expect("tests/it/matrix.table");
    let mut t = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols.len(), 2 + ROLES.len(), "matrix.table line {}: {line}", n + 1);
        let answers = cols[2..].iter().map(|s| s.to_string()).collect();
        assert!(t.insert((cols[0].to_string(), cols[1].to_string()), answers).is_none(), "line {} twice", n + 1);
    }
    t
}

/// A raw connection for the queries below (both backends take the same SQL).
enum Raw {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

#[derive(QueryableByName)]
struct V {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

impl Raw {
    fn open(app: &TestApp) -> Raw {
        if app.db_url.starts_with("postgres") {
            Raw::Pg(PgConnection::establish(&app.db_url).expect("pg"))
        } else {
            Raw::Sqlite(SqliteConnection::establish(&app.db_url).expect("sqlite"))
        }
    }

    fn texts(&mut self, sql: &str) -> Vec<String> {
        let rows: Vec<V> = match self {
            Raw::Sqlite(c) => diesel::sql_query(sql).load(c),
            Raw::Pg(c) => diesel::sql_query(sql).load(c),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.into_iter().map(|r| r.v.unwrap_or_default()).collect()
    }

    /// The first value, or "0" (an id nothing has) when there is none.
    fn one(&mut self, sql: &str) -> String {
        self.texts(sql).into_iter().find(|v| !v.is_empty()).unwrap_or_else(|| "0".into())
    }

    /// Every table's whole content, but for `MAY_CHANGE`.
    fn snapshot(&mut self) -> BTreeMap<String, String> {
        let tables = match self {
            Raw::Sqlite(_) => {
                self.texts("SELECT name AS v FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            }
            Raw::Pg(_) => self.texts("SELECT tablename::text AS v FROM pg_tables WHERE schemaname = 'public'"),
        };
        let mut out = BTreeMap::new();
        for t in tables.into_iter().filter(|t| !MAY_CHANGE.contains(&t.as_str())) {
            let sql = match self {
                Raw::Pg(_) => format!("SELECT COALESCE(string_agg(x::text, '|' ORDER BY x::text), '') AS v FROM {t} x"),
                Raw::Sqlite(_) => {
                    let cols = self.texts(&format!("SELECT name AS v FROM pragma_table_info('{t}')"));
                    let row = cols.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join("||','||");
                    format!(
                        "SELECT COALESCE(group_concat(r, '|'), '') AS v FROM (SELECT {row} AS r FROM \"{t}\" ORDER BY 1)"
                    )
                }
            };
            let v = self.one(&sql);
            out.insert(t, v);
        }
        out
    }
}

/// Path parameters from the demo data: the own office's (高庙乡, gaomiao's).
struct Fill {
    values: BTreeMap<&'static str, String>,
}

impl Fill {
    fn new(db: &mut Raw, spare_user: String) -> Fill {
        let own = db.one("SELECT CAST(id AS TEXT) AS v FROM offices WHERE name = '高庙乡'");
        let min = |db: &mut Raw, table: &str, filter: &str| {
            db.one(&format!("SELECT CAST(MIN(id) AS TEXT) AS v FROM {table} WHERE {filter}"))
        };
        let of_own = format!("office_id = {own}");
        let mut values = BTreeMap::new();
        values.insert("office", own.clone());
        values.insert("offices", own.clone());
        values.insert("opinions", min(db, "opinions", &of_own));
        values.insert("activities", min(db, "activities", &of_own));
        // The own office's consultation, else the committee's own (no office).
        values.insert(
            "consultations",
            db.one(&format!(
                "SELECT CAST(id AS TEXT) AS v FROM consultations WHERE {of_own} OR office_id IS NULL \
                 ORDER BY CASE WHEN {of_own} THEN 0 ELSE 1 END, id"
            )),
        );
        values.insert("items", min(db, "consultation_items", &format!("owner_office_id = {own}")));
        values.insert("members", min(db, "members", &of_own));
        values.insert("localities", min(db, "localities", &of_own));
        values.insert(
            "liaisons",
            min(db, "liaisons", &format!("locality_id IN (SELECT id FROM localities WHERE office_id = {own})")),
        );
        values.insert("sectors", min(db, "sectors", "1 = 1"));
        values.insert("users", spare_user);
        values.insert("staffers", min(db, "office_staffers", &of_own));
        values.insert("home", min(db, "members_homes", &of_own));
        values.insert(
            "item",
            db.one(&format!(
                "SELECT MIN(item) AS v FROM home_items WHERE home_id IN (SELECT id FROM members_homes WHERE {of_own})"
            )),
        );
        values.insert("evidence", min(db, "home_evidence", "1 = 1"));
        values.insert("file", min(db, "files", "1 = 1"));
        values.insert("reports", min(db, "opinion_reports", &of_own));
        values.insert("expenses", min(db, "expenses", &of_own));
        values.insert("notices", min(db, "notices", &of_own));
        values.insert("inspections", min(db, "inspections", &of_own));
        values.insert("rectifications", min(db, "rectifications", &of_own));
        values.insert("year", chrono::Datelike::year(&xieshang::kernel::time::today()).to_string());
        // A bundle of the own office, when one was asked for before this run.
        values.insert(
            "bundles",
            db.one(&format!("SELECT COALESCE(CAST(MIN(id) AS TEXT), '0') AS v FROM archive_bundles WHERE {of_own}")),
        );
        // A state change every keeper may try on any expense: the store decides.
        values.insert("action", "submit".into());
        values.insert("categories", min(db, "opinion_categories", "1 = 1"));
        values.insert("departments", min(db, "departments", "1 = 1"));
        values.insert("routes", min(db, "opinion_routes", "1 = 1"));
        values.insert("track", db.one(&format!("SELECT MIN(code) AS v FROM opinions WHERE {of_own}")));
        values.insert("committee", xieshang::demo::COMMITTEE_CODE.into());
        values.insert("lang", "en".into());
        values.insert("large", "1".into());
        values.insert("static", "app.css".into());
        Fill { values }
    }

    /// The pattern with each `{param}` replaced: by the parameter's own name
    /// when it names a thing (`{office}`, `{file}`), else by the segment before
    /// it (`/opinions/{id}` → an opinion).
    fn path(&self, pattern: &str) -> String {
        let mut out = String::new();
        let mut prev = "";
        for seg in pattern.split('/').skip(1) {
            out.push('/');
            let Some(param) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                out.push_str(seg);
                prev = seg;
                continue;
            };
            let param = param.trim_start_matches('*');
            let key = match param {
                "id" | "key" | "on" | "path" | "sid" => prev,
                "code" if prev == "track" => "track",
                "code" if prev == "lang" => "lang",
                "code" => "committee",
                "locality" => "localities",
                other => other,
            };
            out.push_str(self.values.get(key).map(String::as_str).unwrap_or("0"));
        }
        out
    }
}

/// What a user would see: `ok` (a page, a file, or on to another page),
/// `login` (sent to log in), or the error status.
async fn answer(res: reqwest::Response) -> String {
    let s = res.status().as_u16();
    if res.status().is_redirection() && location(&res).starts_with("/login") {
        return "login".into();
    }
    if s < 400 { "ok".into() } else { s.to_string() }
}

async fn ask(c: &Client, csrf: &str, method: &str, path: &str) -> String {
    let url = format!("{}{}", c.base, path);
    let res = match method {
        "GET" => c.http.get(url).send().await,
        m => {
            let m = reqwest::Method::from_bytes(m.as_bytes()).expect("method");
            c.http.request(m, url).form(&[("_csrf", csrf)]).send().await
        }
    };
    answer(res.expect("request")).await
}

async fn csrf_of(c: &Client) -> String {
    let (_, body) = c.get_text("/login").await;
    match extract_csrf(&body) {
        Some(t) => t,
        None => extract_csrf(&c.get_text("/account/password").await.1).expect("csrf"),
    }
}

/// A spare office staff account of the own office, for `/admin/users/{id}`:
/// locking it locks out no role the matrix asks with.
fn spare_user(app: &TestApp, db: &mut Raw) -> String {
    use xieshang::kernel::audit::store::Who;
    use xieshang::kernel::auth::Role;
    use xieshang::kernel::auth::store::{NewAccount, insert_unscoped};
    let hash = xieshang::kernel::auth::password::hash("Spare@2026matrix").expect("hash");
    app.db
        .write_blocking(|c| {
            let committee = xieshang::org::store::committee_by_code_unscoped(c, xieshang::demo::COMMITTEE_CODE)?
                .expect("demo committee")
                .id;
            let office = xieshang::org::store::office_by_name(c, committee, "高庙乡")?.map(|o| o.id);
            let acc = NewAccount {
                username: "spare".into(),
                display_name: "备用".into(),
                role: Role::OfficeStaff,
                office_id: office,
            };
            insert_unscoped(
                c,
                Who::System { committee_id: Some(committee), name: "matrix" },
                committee,
                &acc,
                &hash,
                false,
            )
        })
        .expect("spare account");
    db.one("SELECT CAST(id AS TEXT) AS v FROM users WHERE username = 'spare'")
}

type Answers = BTreeMap<(String, String), Vec<String>>;

/// Asks every route as every role. Reads first; then the requests the table
/// expects refused, with the data compared before and after; then the rest.
async fn run(app: &TestApp, routes: &[(String, String)], table: &BTreeMap<(String, String), Vec<String>>) -> Answers {
    let mut db = Raw::open(app);
    let spare = spare_user(app, &mut db);
    let fill = Fill::new(&mut db, spare);
    let mut clients = BTreeMap::new();
    for role in ROLES {
        let c = if role == "anon" { app.client() } else { app.login_as(role).await };
        let token = csrf_of(&c).await;
        clients.insert(role, (c, token));
    }
    let blank = vec![String::new(); ROLES.len()];
    let mut got: Answers = routes.iter().map(|r| (r.clone(), blank.clone())).collect();
    // Logging out answers `login` and is no refusal: it goes last with the rest.
    let refused = |r: &(String, String), i: usize| r.1 != "/logout" && table.get(r).is_some_and(|a| a[i] != "ok");

    for r in routes.iter().filter(|r| r.0 == "GET") {
        for (i, role) in ROLES.iter().enumerate() {
            let (c, t) = &clients[role];
            got.get_mut(r).expect("route")[i] = ask(c, t, &r.0, &fill.path(&r.1)).await;
        }
    }
    let writes: Vec<_> = routes.iter().filter(|r| r.0 != "GET").collect();
    let before = db.snapshot();
    for r in &writes {
        for (i, role) in ROLES.iter().enumerate() {
            if refused(r, i) {
                let (c, t) = &clients[role];
                got.get_mut(*r).expect("route")[i] = ask(c, t, &r.0, &fill.path(&r.1)).await;
            }
        }
    }
    let after = db.snapshot();
    let changed: Vec<_> = before.keys().filter(|t| before.get(*t) != after.get(*t)).collect();
    assert!(changed.is_empty(), "refused requests changed these tables: {changed:?}");

    let mut last = writes.clone();
    last.sort_by_key(|r| r.1 == "/logout");
    for role in WRITE_ORDER {
        let i = ROLES.iter().position(|r| *r == role).expect("role");
        for r in &last {
            if !refused(r, i) {
                let (c, t) = &clients[role];
                got.get_mut(*r).expect("route")[i] = ask(c, t, &r.0, &fill.path(&r.1)).await;
            }
        }
    }
    got
}

fn line(route: &(String, String), answers: &[String]) -> String {
    let mut s = format!("{:<5} {:<46}", route.0, route.1);
    for a in answers {
        let _ = write!(s, " {a:<8}");
    }
    s.trim_end().to_string()
}

/// The table as the app answers: with `XS_MATRIX_WRITE=1`, written back for
/// review (new routes' lines, changed answers) instead of compared.
fn write_table(got: &Answers) {
    let text = std::fs::read_to_string(TABLE_PATH).expect("tests/it/matrix.table");
    let head: String = text.lines().take_while(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect();
    let body: String = got.iter().map(|(r, a)| line(r, a) + "\n").collect();
    std::fs::write(TABLE_PATH, head + &body).expect("write matrix.table");
}

async fn matrix(app: TestApp) {
    let started = std::time::Instant::now();
    let routes = served_routes(&app);
    let writing = std::env::var("XS_MATRIX_WRITE").as_deref() == Ok("1");
    // Writing asks everything in the one order that the table's answers do not steer.
    let table = if writing { BTreeMap::new() } else { read_table() };
    let got = run(&app, &routes, &table).await;
    if writing {
        write_table(&got);
        return;
    }
    let mut wrong = vec![];
    for (r, a) in &got {
        match table.get(r) {
            None => wrong.push(format!("missing, add (and check):\n{}", line(r, a))),
            Some(want) if want != a => wrong.push(format!("table:\n{}\napp:\n{}", line(r, want), line(r, a))),
            Some(_) => {}
        }
    }
    for r in table.keys().filter(|r| !got.contains_key(*r)) {
        wrong.push(format!("in the table but not served: {} {}", r.0, r.1));
    }
    eprintln!(
        "matrix: {} route-methods × {} roles = {} requests in {:.1} s",
        routes.len(),
        ROLES.len(),
        routes.len() * ROLES.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(wrong.is_empty(), "the app and matrix.table differ:\n{}", wrong.join("\n"));
}

crate::on_both_databases!(matrix);

#[test]
fn table_lines_are_well_formed() {
    let t = read_table();
    let known = ["ok", "login", "400", "401", "403", "404", "405", "409", "413", "415", "422", "429"];
    for (r, answers) in &t {
        assert!(["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&r.0.as_str()), "{r:?}");
        for a in answers {
            assert!(known.contains(&a.as_str()), "{r:?}: unknown answer {a}");
        }
    }
}
