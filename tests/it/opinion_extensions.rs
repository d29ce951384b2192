//! A handler's request for more time (延期) on both databases: asked once per
//! assignment, approved (the deadline moves) or refused by the dispatcher; and
//! the migration that carried the old encoded column (`requested:7`) over into
//! typed columns, both ways.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use xieshang::kernel::db::DbConn;
use xieshang::kernel::db::schema::{opinion_extensions, opinions};

use crate::on_both_databases;
use crate::support::{TestApp, assign_to_department, post_ok, submit_opinion};

on_both_databases!(
    more_time_is_asked_once_per_assignment_and_decided_by_the_dispatcher,
    the_migration_carries_old_extension_states_over,
);

type Row = (String, Option<i32>);

fn extension(app: &TestApp, id: i64) -> Option<Row> {
    app.db
        .read_blocking(move |c| {
            Ok(opinion_extensions::table
                .find(id)
                .select((opinion_extensions::state, opinion_extensions::days))
                .first(c)
                .optional()?)
        })
        .expect("extension")
}

fn due(app: &TestApp, id: i64) -> chrono::NaiveDateTime {
    app.db
        .read_blocking(move |c| Ok(opinions::table.find(id).select(opinions::due_at).first::<Option<_>>(c)?))
        .expect("case")
        .expect("a deadline")
}

async fn more_time_is_asked_once_per_assignment_and_decided_by_the_dispatcher(app: TestApp) {
    let code = submit_opinion(&app.client(), &[("body", "小区二次供水水箱需要清洗。")]).await;
    let id = app.opinion_id(&code);
    let (admin, dept) = (app.login_as("admin").await, app.login_as("dept").await);
    let housing = app.department_id("区住房和城乡建设局");
    assign_to_department(&admin, id, housing).await;
    let ask = |days: &'static str| [("days", days), ("reason", "需要协调供水公司排期。")];
    let url = format!("/opinions/{id}/extension");

    // Only the handler asks, within 1 to 30 working days.
    assert_eq!(admin.post_form(&url, &ask("5")).await.status(), 403, "the dispatcher does not ask");
    assert!(post_ok(&dept, &url, &ask("31")).await.contains("办理时限应为1到60个工作日（延期1到30个）"));
    assert_eq!(extension(&app, id), None);
    let page = post_ok(&dept, &url, &ask("5")).await;
    assert!(page.contains("延期申请已提交") && page.contains("5 · 需要协调供水公司排期。"), "flash and timeline");
    assert!(!page.contains(&format!("action=\"{url}\"")), "not offered again");
    assert_eq!(extension(&app, id), Some(("requested".into(), Some(5))));
    assert!(post_ok(&dept, &url, &ask("3")).await.contains("每件只能申请一次延期"));
    assert_eq!(extension(&app, id), Some(("requested".into(), Some(5))), "the first request stands");

    // The dispatcher sees it waiting and approves: the deadline moves.
    let before = due(&app, id);
    assert!(admin.get_text(&format!("/opinions/{id}")).await.1.contains("承办单位申请延期，请审批。"));
    let decide = format!("/opinions/{id}/extension/decide");
    assert_eq!(dept.post_form(&decide, &[("approve", "1")]).await.status(), 403, "not the handler's to decide");
    let page = post_ok(&admin, &decide, &[("approve", "1")]).await;
    assert!(page.contains("延期已批准") && !page.contains("承办单位申请延期，请审批。"));
    assert_eq!(extension(&app, id), Some(("approved".into(), Some(5))));
    assert!(due(&app, id) >= before + chrono::Duration::days(5), "five working days later");
    assert!(post_ok(&admin, &decide, &[("approve", "0")]).await.contains("没有待审批的延期申请"));
    assert!(post_ok(&dept, &url, &ask("3")).await.contains("每件只能申请一次延期"), "once per assignment");

    // A new assignment may ask again; a refusal leaves the deadline.
    let page = post_ok(
        &admin,
        &format!("/opinions/{id}/act"),
        &[("action", "reassign"), ("assignee", &format!("department:{housing}"))],
    )
    .await;
    assert!(page.contains("已改派"));
    assert_eq!(extension(&app, id), None, "cleared by the new assignment");
    post_ok(&dept, &url, &ask("3")).await;
    let before = due(&app, id);
    assert!(post_ok(&admin, &decide, &[("approve", "0")]).await.contains("延期未批准"));
    assert_eq!(extension(&app, id), Some(("refused".into(), Some(3))));
    assert_eq!(due(&app, id), before);
}

#[derive(QueryableByName)]
struct Old {
    #[diesel(sql_type = Nullable<Text>)]
    extension_state: Option<String>,
}

fn migration(conn: &DbConn) -> (&'static str, &'static str) {
    match conn {
        DbConn::Sqlite(_) => (
            include_str!("../../migrations/sqlite/2026-12-03-000016_opinion_states/up.sql"),
            include_str!("../../migrations/sqlite/2026-12-03-000016_opinion_states/down.sql"),
        ),
        DbConn::Pg(_) => (
            include_str!("../../migrations/postgres/2026-12-03-000016_opinion_states/up.sql"),
            include_str!("../../migrations/postgres/2026-12-03-000016_opinion_states/down.sql"),
        ),
    }
}

/// Down and up again on the demo's cases: an extension row becomes the old
/// encoded column and back, and each old value becomes its typed row.
async fn the_migration_carries_old_extension_states_over(app: TestApp) {
    let ids: Vec<i64> = app
        .db
        .read_blocking(|c| Ok(opinions::table.select(opinions::id).order(opinions::id.asc()).limit(4).load(c)?))
        .expect("demo cases");
    let &[a, b, c, d] = ids.as_slice() else { panic!("four demo cases") };
    let old = app
        .db
        .write_blocking(move |conn| {
            let (up, down) = migration(conn);
            conn.batch_execute(&format!(
                "INSERT INTO opinion_extensions (opinion_id, state, days) VALUES ({d}, 'requested', 5)"
            ))?;
            conn.batch_execute(down)?;
            let old: Vec<Option<String>> = [a, b, c, d]
                .iter()
                .map(|id| {
                    let q = format!("SELECT extension_state FROM opinions WHERE id = {id}");
                    diesel::sql_query(q).get_result::<Old>(conn).map(|o| o.extension_state)
                })
                .collect::<Result<_, _>>()?;
            conn.batch_execute(&format!(
                "UPDATE opinions SET extension_state = 'requested:7' WHERE id = {a}; \
                 UPDATE opinions SET extension_state = 'approved' WHERE id = {b}; \
                 UPDATE opinions SET extension_state = 'refused' WHERE id = {c};"
            ))?;
            conn.batch_execute(up)?;
            Ok(old)
        })
        .expect("down and up");
    assert_eq!(old, [None, None, None, Some("requested:5".to_string())], "down keeps the request");
    let rows: Vec<(i64, String, Option<i32>)> = app
        .db
        .read_blocking(|c| {
            Ok(opinion_extensions::table
                .order(opinion_extensions::opinion_id.asc())
                .select((opinion_extensions::opinion_id, opinion_extensions::state, opinion_extensions::days))
                .load(c)?)
        })
        .expect("rows");
    assert_eq!(
        rows,
        vec![
            (a, "requested".to_string(), Some(7)),
            (b, "approved".to_string(), None),
            (c, "refused".to_string(), None),
            (d, "requested".to_string(), Some(5)),
        ],
        "up types every old value (an old decision kept no days)"
    );
    // The dispatcher sees the carried-over request waiting for a decision.
    let (_, page) = app.login_as("admin").await.get_text(&format!("/opinions/{a}")).await;
    assert!(page.contains("承办单位申请延期，请审批。"));
}
