//! `xieshang gen` at a tiny size on both databases: the organisation's counts,
//! cases at every stage of the loop, search over the generated text as staff use
//! it, generated accounts that log in, and the same seed giving the same data.

use chrono::NaiveDate;
use diesel::prelude::*;
use xieshang::r#gen::{Load, Options, Scale, Summary, copy_from, run, run_with};
use xieshang::kernel::db::schema::{jobs, opinions};
use xieshang::kernel::db::{Backend, Db};
use xieshang::kernel::ids::CommitteeId;

use crate::on_both_databases;
use crate::support::{Kind, TestApp, drop_pg_database, fresh_database};

/// PostgreSQL's load (replayed into a SQLite file, copied, secondary indexes
/// built at the end) writes the rows the store writes on PostgreSQL itself,
/// with the same indexes, a chain that verifies and sequences past the ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bulk_load_writes_what_the_store_writes() {
    let Some(app) = TestApp::spawn(Kind::Postgres).await else { return };
    let o = options(Scale::Province, 400, Some(3));
    let mut tables = vec![];
    for load in [Load::Plain, Load::Copy] {
        let (url, _, name) = fresh_database(Kind::Postgres).expect("database");
        let db = Db::open(&url, 2).expect("open");
        let vault = app.state.personal.clone();
        let o = o.clone();
        let gen_db = db.clone();
        tokio::task::spawn_blocking(move || run_with(&gen_db, &vault, &o, load)).await.expect("task").expect("gen");
        let verdict = db.read_blocking(xieshang::kernel::audit::chain::verify).expect("verify");
        assert!(
            matches!(verdict, xieshang::kernel::audit::chain::Verdict::Intact { .. }),
            "{load:?}: the audit chain holds: {verdict:?}"
        );
        tables.push(db.read_blocking(|c| Ok(dump(c))).expect("dump"));
        drop(db);
        drop_pg_database(&name.expect("name"));
    }
    let (plain, copied) = (&tables[0], &tables[1]);
    assert_eq!(plain.len(), copied.len());
    for ((what, a), (_, b)) in plain.iter().zip(copied) {
        assert!(a.len() > 1, "{what}: {} rows", a.len());
        assert_eq!(a.len(), b.len(), "{what}: as many rows");
        if let Some((x, y)) = a.iter().zip(b).find(|(x, y)| x != y) {
            panic!("{what} differ:\n plain  {x}\n copied {y}");
        }
    }
}

/// `gen --from-sqlite` copies only into a fresh PostgreSQL: a second copy
/// into the same database is refused before anything changes, and the
/// first copy's cases, audit chain and indexes are all still there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_never_replaces_a_database_in_use() {
    let Some(app) = TestApp::spawn(Kind::Postgres).await else { return };
    let (src_url, _src_dir, _) = fresh_database(Kind::Sqlite).expect("sqlite");
    let src = Db::open(&src_url, 1).expect("open sqlite");
    let vault = app.state.personal.clone();
    let o = options(Scale::Province, 60, Some(1));
    let made = tokio::task::spawn_blocking(move || run(&src, &vault, &o).map(|s| (s, src)));
    let (summary, src) = made.await.expect("task").expect("gen on SQLite");
    drop(src);
    let (url, _, name) = fresh_database(Kind::Postgres).expect("database");
    let db = Db::open(&url, 2).expect("open");
    let file = std::path::PathBuf::from(&src_url);
    let copy = |db: Db, file: std::path::PathBuf| {
        tokio::task::spawn_blocking(move || copy_from(&db, &file, false, Summary::default()))
    };
    let first = copy(db.clone(), file.clone()).await.expect("task").expect("the first copy");
    assert_eq!(first.opinions, summary.opinions);
    let indexes = |db: &Db| -> i64 {
        db.read_blocking(|c| {
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let n: N = diesel::sql_query("SELECT count(*) AS n FROM pg_indexes WHERE schemaname = current_schema()")
                .get_result(c)?;
            Ok(n.n)
        })
        .expect("indexes")
    };
    let before = indexes(&db);
    let again = copy(db.clone(), file).await.expect("task");
    assert!(
        matches!(again, Err(xieshang::kernel::error::AppError::Conflict("gen.already_generated"))),
        "refused: {again:?}"
    );
    let cases: i64 = db.read_blocking(|c| Ok(opinions::table.count().get_result(c)?)).expect("count");
    assert_eq!(cases, summary.opinions, "the first copy's cases are all there");
    assert_eq!(indexes(&db), before, "no index was dropped");
    let verdict = db.read_blocking(xieshang::kernel::audit::chain::verify).expect("verify");
    assert!(matches!(verdict, xieshang::kernel::audit::chain::Verdict::Intact { .. }), "{verdict:?}");
    drop(db);
    drop_pg_database(&name.expect("name"));
}

/// Every table's rows as text, in an order and with ids that do not depend
/// on how the committees' ids interleaved: a case is named by its tracking
/// code, an event by its case and place in the timeline. The roster is made
/// on one connection either way, so its ids agree. Personal data is
/// encrypted with random nonces: only whether it is there is compared.
fn dump(c: &mut xieshang::kernel::db::DbConn) -> Vec<(String, Vec<String>)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        row: String,
    }
    let queries = [
        (
            "opinions",
            "SELECT (to_jsonb(o) - 'id' - 'merged_into' - 'submitter_name' - 'submitter_phone' \
             || jsonb_build_object('merged_into', m.code, 'name', o.submitter_name IS NOT NULL, \
             'phone', o.submitter_phone IS NOT NULL))::text AS row \
             FROM opinions o LEFT JOIN opinions m ON m.id = o.merged_into ORDER BY o.code",
        ),
        (
            "opinion_events",
            "SELECT (to_jsonb(e) - 'id' - 'opinion_id' || jsonb_build_object('case', o.code))::text AS row \
             FROM opinion_events e JOIN opinions o ON o.id = e.opinion_id ORDER BY o.code, e.id",
        ),
        (
            "opinion_event_units",
            "SELECT (to_jsonb(u) - 'event_id' - 'opinion_id' || jsonb_build_object('case', o.code, \
             'event', (SELECT count(*) FROM opinion_events x WHERE x.opinion_id = e.opinion_id AND x.id <= e.id)))::text \
             AS row FROM opinion_event_units u JOIN opinion_events e ON e.id = u.event_id \
             JOIN opinions o ON o.id = u.opinion_id ORDER BY 1",
        ),
        (
            "audit_log",
            "SELECT (to_jsonb(a) - 'id' - 'prev_hash' - 'row_hash' - 'entity_id' \
             || jsonb_build_object('entity_id', coalesce(o.code, a.entity_id)))::text AS row \
             FROM audit_log a LEFT JOIN opinions o ON a.entity = 'opinion' AND o.id::text = a.entity_id ORDER BY 1",
        ),
        (
            "search_docs",
            "SELECT (to_jsonb(s) - 'id' - 'ref_id' || jsonb_build_object('ref', coalesce(o.code, s.ref_id::text)))::text \
             AS row FROM search_docs s LEFT JOIN opinions o ON s.kind = 'opinion' AND o.id = s.ref_id ORDER BY 1",
        ),
        ("opinion_stats", "SELECT to_jsonb(s)::text AS row FROM opinion_stats s ORDER BY 1"),
        (
            "opinion_extensions",
            "SELECT (to_jsonb(x) - 'opinion_id' || jsonb_build_object('case', o.code))::text AS row \
             FROM opinion_extensions x JOIN opinions o ON o.id = x.opinion_id ORDER BY 1",
        ),
        // The same indexes and constraints, whatever was dropped for the load.
        (
            "indexes",
            "SELECT tablename || ' ' || indexdef AS row FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1",
        ),
        (
            "table sizes",
            "SELECT relname || ' ' || (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', relname), \
             false, true, '')))[1]::text AS row FROM pg_stat_user_tables ORDER BY 1",
        ),
        (
            "settings",
            "SELECT name || ' ' || setting AS row FROM pg_settings \
             WHERE name IN ('session_replication_role', 'synchronous_commit', 'maintenance_work_mem')",
        ),
    ];
    queries
        .into_iter()
        .map(|(what, sql)| {
            let rows: Vec<Row> = diesel::sql_query(sql).load(c).unwrap_or_else(|e| panic!("{what}: {e}"));
            (what.to_string(), rows.into_iter().map(|r| r.row).collect())
        })
        .collect()
}

on_both_databases!(the_district_s_years_of_history, a_small_province_twice_from_one_seed);

fn options(scale: Scale, opinions: usize, committees: Option<usize>) -> Options {
    Options {
        scale,
        opinions: Some(opinions),
        committees,
        seed: 7,
        until: NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
        // Two years keep the district's activities (a visit per point per quarter) quick.
        years: 2,
        progress: false,
        scratch: std::env::temp_dir(),
    }
}

async fn generate(app: &TestApp, db: Db, o: Options) -> Summary {
    let vault = app.state.personal.clone();
    tokio::task::spawn_blocking(move || run(&db, &vault, &o)).await.expect("task").expect("gen")
}

fn count(s: &Summary, status: &str) -> i64 {
    s.by_status.iter().find(|(st, _)| st == status).map_or(0, |(_, n)| *n)
}

/// (body, status, code) of a committee's cases, oldest first.
fn cases(db: &Db, committee: CommitteeId) -> Vec<(String, String, String)> {
    db.read_blocking(move |c| {
        Ok(opinions::table
            .filter(opinions::committee_id.eq(committee))
            .order(opinions::id.asc())
            .select((opinions::body, opinions::status, opinions::code))
            .load(c)?)
    })
    .expect("cases")
}

fn committee(db: &Db, code: &str) -> CommitteeId {
    let code = code.to_string();
    db.read_blocking(move |c| xieshang::org::store::committee_by_code_unscoped(c, &code))
        .expect("read")
        .expect("committee")
        .id
}

async fn the_district_s_years_of_history(app: TestApp) {
    // The test app has the demo loaded already: gen adds five years of history.
    let s = generate(&app, app.db.clone(), options(Scale::District, 200, None)).await;
    assert_eq!((s.committees, s.offices, s.members, s.localities), (1, 10, 148, 94));
    assert!(s.liaisons >= 94, "every locality linked: {}", s.liaisons);
    assert_eq!(s.opinions, 200 + 12, "the demo's 12 and 200 generated");
    for st in ["closed", "rejected", "merged"] {
        assert!(count(&s, st) > 0, "{st} among {:?}", s.by_status);
    }
    assert!(count(&s, "closed") > 100, "most old cases are closed: {:?}", s.by_status);
    assert!(s.public > 0 && s.events > 1000, "{} public, {} events", s.public, s.events);
    // Every point visited each quarter for two years, and a monthly Home activity per office.
    assert!(s.activities_held > 94 * 7 + 10 * 20, "{} activities held", s.activities_held);
    assert!(s.activities > s.activities_held, "some planned or cancelled");
    // The books: every office's six lines each year, a cost for about half the activities held.
    assert!(s.budget_lines >= 10 * 6 * 2, "{} budget lines", s.budget_lines);
    assert!(
        s.expenses as i64 > s.activities_held / 4 && (s.expenses as i64) < s.activities_held,
        "{} expenses for {} activities held",
        s.expenses,
        s.activities_held
    );
    let hubin = committee(&app.db, "hubin");
    let (ratings, oldest, reopened): (Vec<Option<String>>, chrono::NaiveDateTime, i64) = app
        .db
        .read_blocking(move |c| {
            let r = opinions::table.filter(opinions::committee_id.eq(hubin)).select(opinions::rating).load(c)?;
            let oldest = opinions::table
                .filter(opinions::committee_id.eq(hubin))
                .select(diesel::dsl::min(opinions::created_at))
                .first::<Option<chrono::NaiveDateTime>>(c)?
                .expect("cases");
            let reopened = opinions::table.filter(opinions::reopened.eq(true)).count().get_result(c)?;
            Ok((r, oldest, reopened))
        })
        .expect("ratings");
    for r in ["satisfied", "basic", "unrated"] {
        assert!(ratings.iter().any(|x| x.as_deref() == Some(r)), "some rated {r}");
    }
    assert!(reopened > 0, "不满意 reopened some");
    assert!(
        oldest < NaiveDate::from_ymd_opt(2025, 3, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("date"),
        "two years back: {oldest}"
    );

    // No replayed pushes or sync triggers are left waiting.
    let queued: i64 = app
        .db
        .read_blocking(|c| Ok(jobs::table.filter(jobs::status.eq("queued")).count().get_result(c)?))
        .expect("jobs");
    assert!(queued <= 2, "{queued} jobs left queued");

    // Staff find generated cases by a word: every case whose text has it, newest first.
    let admin = app.login_as("admin").await;
    let (status, page) = admin.get_text("/opinions").await;
    assert_eq!(status, 200);
    assert!(page.matches("/opinions/").count() >= 50, "a full first page");
    let (status, page) = admin.get_text("/funds").await;
    assert_eq!(status, 200, "the district's summary over the generated books");
    assert!(page.contains("id=\"office-summary\""));
    for word in ["物业", "垃圾", "路灯"] {
        let like = format!("%{word}%");
        let with_word: Vec<i64> = app
            .db
            .read_blocking(move |c| {
                Ok(opinions::table
                    .filter(opinions::committee_id.eq(hubin).and(opinions::body.like(like)))
                    .order(opinions::id.desc())
                    .select(opinions::id)
                    .load::<xieshang::kernel::ids::OpinionId>(c)?
                    .into_iter()
                    .map(|i| i.0)
                    .collect())
            })
            .expect("like");
        let w = word.to_string();
        let found = app
            .db
            .read_blocking(move |c| xieshang::kernel::search::search(c, hubin, "opinion", &w, 200, None))
            .expect("search");
        assert!(!with_word.is_empty(), "generated texts mention {word}");
        assert_eq!(found, with_word, "search finds exactly the cases that say {word}");
        let (status, page) = admin.get_text(&format!("/opinions?q={word}")).await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("/opinions/{}", with_word[0])), "the newest case with {word} on the page");
    }
}

async fn a_small_province_twice_from_one_seed(app: TestApp) {
    let kind = if app.db.backend == Backend::Sqlite { Kind::Sqlite } else { Kind::Postgres };
    let o = options(Scale::Province, 150, Some(2));
    let s = generate(&app, app.db.clone(), o.clone()).await;
    // 25,000 members and 50,000 localities over 150 committees; the first ones get the remainder.
    assert_eq!((s.committees, s.members, s.localities), (2, 2 * 167, 2 * 334));
    assert!((16..=40).contains(&s.offices), "8–20 offices each: {}", s.offices);
    assert_eq!(s.opinions, 150);
    assert!(count(&s, "closed") > 50 && count(&s, "rejected") + count(&s, "merged") > 0, "{:?}", s.by_status);

    // A generated account logs in with the demo password and sees its committee's cases.
    let staff = app.login_as("c001.admin").await;
    let (status, page) = staff.get_text("/opinions").await;
    assert_eq!(status, 200);
    assert!(page.contains("/opinions/"), "cases listed");
    assert!(!page.contains("五原路社区"), "not the demo committee's");

    // Again, from the same seed, into a fresh database: the same cases.
    let (url, _tmp, pg) = fresh_database(kind).expect("second database");
    let db = Db::open(&url, 2).expect("open");
    generate(&app, db.clone(), o).await;
    for code in ["c001", "c002"] {
        let (a, b) = (cases(&app.db, committee(&app.db, code)), cases(&db, committee(&db, code)));
        assert_eq!(a.len(), b.len());
        assert!(a == b, "same bodies, statuses and tracking codes in {code}");
    }
    drop(db);
    if let Some(name) = pg {
        drop_pg_database(&name);
    }
}
