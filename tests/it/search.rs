//! Full-text search and near-duplicates on both databases: words found newest
//! first, committee and kind scoping, re-indexing and removal, SimHash lookups, and
//! the `search.sync` job that fills SQLite's FTS5 index.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use xieshang::kernel::audit::store::Who;
use xieshang::kernel::db::schema::jobs;
use xieshang::kernel::db::{Backend, Db};
use xieshang::kernel::ids::CommitteeId;
use xieshang::kernel::jobs::model::JobStatus;
use xieshang::kernel::jobs::{Registry, Worker};
use xieshang::kernel::search;
use xieshang::org::store as org;

use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    words_are_found_newest_first_within_scope,
    reindex_remove_and_similar,
    the_sync_job_makes_documents_searchable
);

fn committees(db: &Db) -> (CommitteeId, CommitteeId) {
    db.write_blocking(|c| {
        let hubin = org::committee_by_code_unscoped(c, xieshang::demo::COMMITTEE_CODE)?.expect("demo committee").id;
        let other =
            org::create_committee(c, Who::System { committee_id: None, name: "test" }, "lingbao", "灵宝市政协")?;
        Ok((hubin, other))
    })
    .expect("committees")
}

fn index(db: &Db, committee: CommitteeId, kind: &str, docs: &[(i64, &str)]) {
    db.write_blocking(|c| {
        for (id, text) in docs {
            search::index(c, committee, kind, *id, text)?;
        }
        Ok(())
    })
    .expect("index");
}

/// What the search.sync job does, without waiting for it.
fn sync(db: &Db) {
    db.write_blocking(|c| search::sync(c, 100_000)).expect("sync");
}

fn find(db: &Db, committee: CommitteeId, kind: &str, query: &str, limit: i64, before: Option<i64>) -> Vec<i64> {
    db.read_blocking(|c| search::search(c, committee, kind, query, limit, before)).expect("search")
}

async fn words_are_found_newest_first_within_scope(app: TestApp) {
    let db = &app.db;
    let (hubin, lingbao) = committees(db);
    index(
        db,
        hubin,
        "opinion",
        &[
            (1, "小区路灯坏了三个月没人修"),
            (2, "五原路社区的路灯不亮，请尽快维修"),
            (3, "建议在涧河街道增设公交站点"),
            (4, "路灯维修后又坏了，维修质量太差！"),
            (5, "菜市场周边占道经营严重"),
        ],
    );
    index(db, lingbao, "opinion", &[(7, "路灯维修不及时")]);
    index(db, hubin, "notice", &[(8, "关于路灯维修的通知")]);
    if db.backend == Backend::Sqlite {
        assert!(find(db, hubin, "opinion", "路灯", 20, None).is_empty(), "FTS5 is filled by the sync job");
    }
    sync(db);

    assert_eq!(find(db, hubin, "opinion", "路灯 维修", 20, None), [4, 2], "both words, newest first");
    assert_eq!(find(db, hubin, "opinion", "路灯维修", 20, None), [4, 2], "unspaced query, same words");
    assert_eq!(find(db, hubin, "opinion", "路灯", 20, None), [4, 2, 1]);
    assert_eq!(find(db, hubin, "opinion", "路灯 维修", 1, None), [4], "limit");
    assert_eq!(find(db, hubin, "opinion", "路灯 维修", 20, Some(4)), [2], "keyset page");
    assert_eq!(find(db, hubin, "opinion", "路灯 暖气", 20, None), Vec::<i64>::new(), "a missing word finds none");
    assert_eq!(find(db, hubin, "opinion", "，的了", 20, None), Vec::<i64>::new(), "no searchable words");
    assert_eq!(find(db, hubin, "opinion", "ＳＥＬＥＣＴ \" OR * NEAR(", 20, None), Vec::<i64>::new(), "syntax is text");
    // Other committees and other kinds are never returned.
    assert_eq!(find(db, lingbao, "opinion", "路灯 维修", 20, None), [7]);
    assert_eq!(find(db, hubin, "notice", "路灯 维修", 20, None), [8]);
    // Not even when a text spells another scope's token (each document's scope
    // sits in the index beside its words).
    let token = format!("_c{}_kopinion _c{}_k1", hubin.0, hubin.0);
    index(db, lingbao, "opinion", &[(9, &format!("路灯 {token}"))]);
    sync(db);
    assert_eq!(find(db, hubin, "opinion", "路灯", 20, None), [4, 2, 1]);
    assert_eq!(find(db, hubin, "opinion", &format!("路灯 {token}"), 20, None), Vec::<i64>::new());
    assert_eq!(find(db, lingbao, "opinion", "路灯", 20, None), [9, 7]);
    let r = db.read_blocking(|c| search::search(c, hubin, "no-such-kind", "路灯", 20, None));
    assert!(r.is_err(), "unknown kinds are a programming error");
}

async fn reindex_remove_and_similar(app: TestApp) {
    let db = &app.db;
    let (hubin, lingbao) = committees(db);
    let long = "我们小区的路灯已经坏了三个多月了，晚上老人孩子出门很不方便，多次向物业反映都没有人来修，\
                希望政协委员能帮忙协调有关部门尽快解决。";
    let copy = "我们小区的路灯已经坏了三个多月了！晚上老人孩子出门很不方便。多次向物业反映都没有人来修，\
                希望政协委员能帮忙协调有关部门尽快解决";
    index(
        db,
        hubin,
        "opinion",
        &[
            (10, long),
            (11, copy),
            (12, "农村饮水工程水压不足，夏季经常停水，请水务部门检修管网。"),
            (13, "建议增设公交站点"),
        ],
    );
    index(db, lingbao, "opinion", &[(14, long)]);
    sync(db);

    let near = db.read_blocking(move |c| search::similar(c, hubin, "opinion", long, 3, 10)).expect("similar");
    let ids: Vec<i64> = near.iter().map(|(r, _)| *r).collect();
    assert_eq!(ids, [11, 10], "the copy and the text itself, newest first at equal distance: {near:?}");
    assert!(near.iter().all(|(_, d)| *d == 0));
    let none =
        db.read_blocking(|c| search::similar(c, hubin, "opinion", "学校门口车辆乱停乱放", 3, 10)).expect("similar");
    assert!(none.is_empty(), "{none:?}");

    // Re-indexing replaces the words (and the SimHash).
    index(db, hubin, "opinion", &[(11, "公交线路调整后换乘不便")]);
    if db.backend == Backend::Sqlite {
        assert!(!find(db, hubin, "opinion", "路灯", 20, None).contains(&11), "old words are gone before the sync");
    }
    sync(db);
    assert_eq!(find(db, hubin, "opinion", "路灯 物业", 20, None), [10]);
    assert_eq!(find(db, hubin, "opinion", "公交", 20, None), [13, 11]);
    let near = db.read_blocking(move |c| search::similar(c, hubin, "opinion", long, 3, 10)).expect("similar");
    assert_eq!(near, [(10, 0)]);
    // Indexing the same text again changes nothing.
    index(db, hubin, "opinion", &[(13, "建议增设公交站点")]);
    assert_eq!(find(db, hubin, "opinion", "公交", 20, None), [13, 11]);

    // Removal: of a searchable document, of a pending one, of one never indexed.
    db.write_blocking(|c| search::remove(c, "opinion", 13)).expect("remove");
    assert_eq!(find(db, hubin, "opinion", "公交", 20, None), [11]);
    index(db, hubin, "opinion", &[(15, "公交车站没有遮雨棚")]);
    db.write_blocking(|c| {
        search::remove(c, "opinion", 15)?;
        search::remove(c, "opinion", 999)
    })
    .expect("remove");
    sync(db);
    assert_eq!(find(db, hubin, "opinion", "公交", 20, None), [11]);
    let near = db.read_blocking(|c| search::similar(c, hubin, "opinion", "公交站点", 3, 10)).expect("similar");
    assert!(near.is_empty(), "removed documents have no SimHash either: {near:?}");
}

async fn the_sync_job_makes_documents_searchable(app: TestApp) {
    let db = &app.db;
    let (hubin, _) = committees(db);
    index(db, hubin, "opinion", &[(20, "排水管道堵塞，下雨天积水严重"), (21, "积水路段需要排水改造")]);
    let worker = Worker::new(db.clone(), Arc::new(Registry::standard()), "test-worker");
    // The job is due at the start of the next second.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while find(db, hubin, "opinion", "积水 排水", 20, None).is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "not searchable after the job ran");
        if !worker.run_once().await.expect("run") {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(find(db, hubin, "opinion", "积水 排水", 20, None), [21, 20]);
    if db.backend == Backend::Sqlite {
        let done: i64 = db
            .read(|c| {
                Ok(jobs::table
                    .filter(jobs::kind.eq(search::SYNC_JOB))
                    .filter(jobs::status.eq(JobStatus::Done))
                    .count()
                    .get_result(c)?)
            })
            .await
            .expect("count");
        assert!(done >= 1, "documents indexed in the same second share one sync job");
        let pending = db.read_blocking(|c| Ok(db_pending(c))).expect("pending");
        assert_eq!(pending, 0);
        // The sync walks the queue and looks each document up, never the other
        // way round (which read every document at 10^6).
        #[derive(diesel::QueryableByName)]
        struct Step {
            #[diesel(sql_type = diesel::sql_types::Text)]
            detail: String,
        }
        let plan: Vec<Step> = db
            .read_blocking(|c| {
                Ok(diesel::sql_query(format!("EXPLAIN QUERY PLAN {}", search::store::SYNC_SQL))
                    .bind::<diesel::sql_types::BigInt, _>(1_i64)
                    .load(c)?)
            })
            .expect("plan");
        let steps: Vec<&str> = plan.iter().map(|s| s.detail.as_str()).collect();
        assert!(steps.first().is_some_and(|s| s.starts_with("SEARCH p ")), "{steps:?}");
    }
}

fn db_pending(c: &mut xieshang::kernel::db::DbConn) -> i64 {
    use xieshang::kernel::db::schema::search_pending;
    search_pending::table.count().get_result(c).unwrap_or(-1)
}
