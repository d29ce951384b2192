//! Members' funds and the duty rules over HTTP on both databases: a member
//! sees their own funds and nobody else's; the office records uses the rules
//! allow and no more than is left; a new version of the rules takes effect
//! on its date.

use crate::on_both_databases;
use crate::support::{TestApp, location, post_ok};

on_both_databases!(a_member_sees_their_own_funds, uses_follow_the_rules);

/// The demo member's account page, from their own 我的经费.
async fn own_page(app: &TestApp) -> String {
    let member = app.login_as("member").await;
    let r = member.get("/funds/mine").await;
    assert_eq!(r.status(), 303);
    location(&r)
}

async fn a_member_sees_their_own_funds(app: TestApp) {
    let member = app.login_as("member").await;
    let mine = own_page(&app).await;
    let (status, page) = member.get_text(&mine).await;
    assert_eq!(status, 200);
    assert!(page.contains("2,000.00"), "the year's allocation");
    assert!(!page.contains("id=\"spend-form\"") && !page.contains("id=\"allocate-form\""), "a member only reads");

    // Someone else's account, the office's list, the books: not found.
    let other = app.login_as("gaomiao").await;
    let list = other.get_text("/funds/members").await.1;
    let first_other = list
        .split("href=\"/funds/members/")
        .skip(1)
        .filter_map(|s| s.split('?').next())
        .map(|id| format!("/funds/members/{id}"))
        .find(|href| *href != mine)
        .expect("another member of the office");
    assert_eq!(member.get(&first_other).await.status(), 404);
    assert_eq!(member.get("/funds/members").await.status(), 404);
    // Another office's staff: not found either.
    let jianhe = app.login_as("jianhe").await;
    assert_eq!(jianhe.get(&mine).await.status(), 404);
    // Members read the rules they are bound by.
    let rules = member.get_text("/funds/rules").await.1;
    assert!(rules.contains("湖滨区政协委员履职服务保障办法") && rules.contains("现行有效"));
    assert!(!rules.contains("id=\"rule-form\""), "only the district publishes");
}

async fn uses_follow_the_rules(app: TestApp) {
    let mine = own_page(&app).await;
    let staff = app.login_as("gaomiao").await;
    let spend = format!("{mine}/spend");
    let use_one = |what: &'static str, amount: &'static str| {
        vec![("spent_on", "2026-06-01"), ("fund_use", what), ("amount", amount), ("note", "赴村调研")]
    };

    // A use the rules allow, within what is left.
    let page = post_ok(&staff, &spend, &use_one("调研考察交通费", "120")).await;
    assert!(page.contains("已登记") && page.contains("120.00"), "recorded");
    // Not on the rules' list, or more than is left: refused, nothing recorded.
    let page = post_ok(&staff, &spend, &use_one("宴请", "10")).await;
    assert!(page.contains("不在现行履职规定允许的范围内"));
    let page = post_ok(&staff, &spend, &use_one("调研考察交通费", "99999")).await;
    assert!(page.contains("超出这位委员本年度经费的剩余额度"));
    assert_eq!(app.audit_count("member_fund.spend"), 1 + demo_uses(&app));

    // Another office's staff cannot record for this member.
    let jianhe = app.login_as("jianhe").await;
    assert_eq!(jianhe.post_form(&spend, &use_one("调研考察交通费", "1")).await.status(), 404);

    // A new version takes effect on its date: the uses it lists from then on.
    let admin = app.login_as("admin").await;
    let page = post_ok(
        &admin,
        "/funds/rules",
        &[
            ("title", "湖滨区政协委员履职服务保障办法（修订）"),
            ("doc_number", "湖政协发〔2099〕1号"),
            ("effective_from", "2099-01-01"),
            ("duty_days", "15"),
            ("fund_uses", "调研考察交通费\n委员培训费"),
            ("leave_clause", "委员所在单位应当保障委员履职时间。"),
            ("letter_prefix", "湖政协函"),
            ("body", ""),
        ],
    )
    .await;
    assert!(page.contains("新版本已发布") && page.contains("（修订）"));
    let page = post_ok(&staff, &spend, &use_one("委员培训费", "10")).await;
    assert!(page.contains("不在现行履职规定允许的范围内"), "not yet in force in 2026");
    // A version without its leave clause is refused.
    let page = post_ok(
        &admin,
        "/funds/rules",
        &[
            ("title", "缺条款"),
            ("doc_number", ""),
            ("effective_from", "2027-01-01"),
            ("duty_days", "12"),
            ("fund_uses", "调研考察交通费"),
            ("leave_clause", " "),
            ("letter_prefix", "湖政协函"),
            ("body", ""),
        ],
    )
    .await;
    assert!(page.contains("请填写请假保障条款"));
    assert_eq!(staff.post_form("/funds/rules", &[("title", "x")]).await.status(), 422);
}

/// Uses the demo recorded (one per office with members' funds).
fn demo_uses(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use xieshang::kernel::db::schema::member_fund_uses;
    let rows: i64 = app.db.read_blocking(|c| Ok(member_fund_uses::table.count().get_result(c)?)).expect("count");
    rows - 1
}
