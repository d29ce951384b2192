//! Budgets and expenses through their store on both databases: the approval
//! rules with real books (four eyes, overspend to the district, reversal
//! instead of edit), who sees which books, voucher numbers, the audit trail.

use chrono::NaiveDate;
use diesel::prelude::*;
use xieshang::funds::model::{BudgetLine, ExpenseAction, ExpenseFor, ExpenseStatus};
use xieshang::funds::money::Fen;
use xieshang::funds::store::{budgets, expenses};
use xieshang::kernel::auth::Actor;
use xieshang::kernel::db::schema::activities;
use xieshang::kernel::error::AppError;
use xieshang::kernel::ids::{ExpenseId, OfficeId};

use crate::on_both_databases;
use crate::support::{TestApp, location, post_ok};

on_both_databases!(books_follow_the_approval_rules, each_sees_only_their_books, an_expense_over_http);

/// The error as its message: "conflict: expense.locked", or "ok".
fn err<T>(r: Result<T, AppError>) -> String {
    r.err().map_or_else(|| "ok".to_string(), |e| e.to_string())
}

/// Last year's books: the demo keeps this year's.
const YEAR: i32 = 2025;

fn yuan(s: &str) -> Fen {
    Fen::parse(s).expect("amount")
}

fn entry(books: OfficeId, activity: i64, amount: &str) -> expenses::Entry {
    expenses::Entry {
        books: Some(books),
        line: BudgetLine::Activities,
        spent_on: NaiveDate::from_ymd_opt(YEAR, 3, 12).expect("date"),
        amount: yuan(amount),
        payee: "高庙乡文印店".into(),
        purpose: "联系活动资料印制".into(),
        for_kind: ExpenseFor::Activity,
        record: Some(activity),
    }
}

fn activity_of(app: &TestApp, office: OfficeId) -> i64 {
    app.db
        .read_blocking(move |c| {
            Ok(activities::table.filter(activities::office_id.eq(office)).select(activities::id).first(c)?)
        })
        .expect("an activity of the office")
}

fn create(app: &TestApp, who: &Actor, e: expenses::Entry) -> Result<ExpenseId, AppError> {
    let who = who.clone();
    app.db.write_blocking(move |c| expenses::create(c, &who, &e))
}

fn act(app: &TestApp, who: &Actor, id: ExpenseId, action: ExpenseAction) -> Result<(), AppError> {
    let who = who.clone();
    app.db.write_blocking(move |c| expenses::act(c, &who, id, action, "凭证不全"))
}

fn totals(app: &TestApp, who: &Actor, books: Option<OfficeId>) -> Result<budgets::Sums, AppError> {
    let who = who.clone();
    app.db
        .read_blocking(move |c| budgets::totals(c, &who, books, YEAR))
        .map(|t| t.into_iter().find(|l| l.line == BudgetLine::Activities).expect("the line").sums)
}

async fn books_follow_the_approval_rules(app: TestApp) {
    let (admin, staff) = (app.actor("admin"), app.actor("gaomiao"));
    let gaomiao = OfficeId(app.office_id("高庙乡"));
    let activity = activity_of(&app, gaomiao);
    let audited = |action: &str| app.audit_count(action);
    let before: Vec<i64> = ["expense.approve", "expense.reverse", "budget.set", "expense.create"].map(audited).to_vec();
    let a = admin.clone();
    app.db
        .write_blocking(move |c| budgets::set(c, &a, Some(gaomiao), YEAR, BudgetLine::Activities, yuan("1000")))
        .expect("the district sets the budget");

    // The office enters and submits; it cannot approve its own entry.
    let first = create(&app, &staff, entry(gaomiao, activity, "600")).expect("entered");
    act(&app, &staff, first, ExpenseAction::Submit).expect("submitted");
    assert_eq!(err(act(&app, &staff, first, ExpenseAction::Approve)), "conflict: expense.own_entry");
    act(&app, &admin, first, ExpenseAction::Approve).expect("the district approves");

    // Entered by the district, approved by the office: within budget, exactly.
    let second = create(&app, &admin, entry(gaomiao, activity, "400")).expect("entered");
    act(&app, &admin, second, ExpenseAction::Submit).expect("submitted");
    act(&app, &staff, second, ExpenseAction::Approve).expect("the office approves within budget");
    let t = totals(&app, &staff, Some(gaomiao)).expect("totals");
    assert_eq!((t.budget, t.spent, t.left), (yuan("1000"), yuan("1000"), Fen::ZERO));

    // One fen over: only the district approves it, even what the district entered.
    let over_by_district = create(&app, &admin, entry(gaomiao, activity, "0.01")).expect("entered");
    act(&app, &admin, over_by_district, ExpenseAction::Submit).expect("submitted");
    assert_eq!(totals(&app, &staff, Some(gaomiao)).expect("totals").pending, Fen(1));
    assert_eq!(err(act(&app, &staff, over_by_district, ExpenseAction::Approve)), "conflict: expense.needs_district");
    act(&app, &admin, over_by_district, ExpenseAction::Return).expect_err("nor by the one who entered it");
    let over = create(&app, &staff, entry(gaomiao, activity, "0.01")).expect("entered");
    act(&app, &staff, over, ExpenseAction::Submit).expect("submitted");
    act(&app, &admin, over, ExpenseAction::Approve).expect("the district approves the overspend");
    assert_eq!(totals(&app, &staff, Some(gaomiao)).expect("totals").left, Fen(-1));

    // An approved amount is never edited: it is reversed, once, and the
    // books show both entries.
    assert_eq!(
        err({
            let s = staff.clone();
            let e = entry(gaomiao, activity, "350");
            app.db.write_blocking(move |c| expenses::edit(c, &s, second, &e))
        }),
        "conflict: expense.locked"
    );
    let s = staff.clone();
    let reversal = app.db.write_blocking(move |c| expenses::reverse(c, &s, second, "金额录错")).expect("reversed");
    let s = staff.clone();
    assert_eq!(
        err(app.db.write_blocking(move |c| expenses::reverse(c, &s, second, "再次"))),
        "conflict: expense.wrong_state",
        "reversed once only"
    );
    let s = staff.clone();
    let r = app.db.read_blocking(move |c| expenses::get(c, &s, reversal)).expect("the reversal");
    assert_eq!((r.amount, r.status, r.reverses_id), (Fen(-40_000), ExpenseStatus::Approved, Some(second)));
    assert!(r.purpose.contains("金额录错"), "{}", r.purpose);
    assert_eq!(totals(&app, &staff, Some(gaomiao)).expect("totals").spent, yuan("600.01"));

    // Returned with a reason, edited, submitted again; a draft may be deleted.
    let third = create(&app, &staff, entry(gaomiao, activity, "20")).expect("entered");
    act(&app, &staff, third, ExpenseAction::Submit).expect("submitted");
    act(&app, &admin, third, ExpenseAction::Return).expect("returned");
    let s = staff.clone();
    let e = entry(gaomiao, activity, "25.5");
    app.db.write_blocking(move |c| expenses::edit(c, &s, third, &e)).expect("a returned expense is edited");
    act(&app, &staff, third, ExpenseAction::Pay).expect_err("not approved: not paid");
    let draft = create(&app, &staff, entry(gaomiao, activity, "1")).expect("entered");
    act(&app, &staff, draft, ExpenseAction::Delete).expect("a draft goes");

    // Voucher numbers run 1, 2, … in the office's year (the deleted draft's, 7, is gone).
    let s = staff.clone();
    let list = app.db.read_blocking(move |c| expenses::list(c, &s, Some(gaomiao), YEAR)).expect("list");
    let vouchers: Vec<i32> = list.iter().map(|e| e.voucher_no).collect();
    assert_eq!(vouchers, [1, 2, 3, 4, 5, 6]);
    let after: Vec<i64> = ["expense.approve", "expense.reverse", "budget.set"].map(audited).to_vec();
    assert_eq!(after, [before[0] + 3, before[1] + 1, before[2] + 1], "approvals, the reversal, the budget");

    // Bad input changes nothing: another office's activity, no payee.
    let jianhe = OfficeId(app.office_id("涧河街道"));
    let elsewhere = activity_of(&app, jianhe);
    assert_eq!(err(create(&app, &staff, entry(gaomiao, elsewhere, "5"))), "bad request: expense.bad_record");
    let mut nameless = entry(gaomiao, activity, "5");
    nameless.payee = "  ".into();
    assert_eq!(err(create(&app, &staff, nameless)), "bad request: expense.payee_required");
    assert_eq!(audited("expense.create"), before[3] + 6, "the refused entries left no trace");
}

async fn each_sees_only_their_books(app: TestApp) {
    let (admin, staff, other, leader, member) =
        (app.actor("admin"), app.actor("gaomiao"), app.actor("jianhe"), app.actor("leader"), app.actor("member"));
    let gaomiao = OfficeId(app.office_id("高庙乡"));
    let activity = activity_of(&app, gaomiao);
    let id = create(&app, &staff, entry(gaomiao, activity, "88.8")).expect("entered");

    // Another office: not found, whether reading or acting; nothing changes.
    assert_eq!(err(totals(&app, &other, Some(gaomiao))), "not found");
    assert_eq!(err(act(&app, &other, id, ExpenseAction::Submit)), "not found");
    assert_eq!(err(create(&app, &other, entry(gaomiao, activity, "1"))), "not found");
    let o = other.clone();
    assert!(app.db.read_blocking(move |c| expenses::get(c, &o, id)).is_err());
    // Members see their own funds, not the office's books; leaders read all.
    assert_eq!(err(totals(&app, &member, Some(gaomiao))), "not found");
    assert!(totals(&app, &leader, Some(gaomiao)).is_ok());
    assert_eq!(err(act(&app, &leader, id, ExpenseAction::Submit)), "forbidden", "leaders read only");
    // The district's own books: the district's and leaders', no office's.
    assert!(totals(&app, &admin, None).is_ok());
    assert_eq!(err(totals(&app, &staff, None)), "not found");
    // Only the district sets budgets.
    let s = staff.clone();
    assert_eq!(
        err(app.db.write_blocking(move |c| budgets::set(c, &s, Some(gaomiao), YEAR, BudgetLine::Home, Fen(1)))),
        "forbidden"
    );
    let s = staff.clone();
    let status = app.db.read_blocking(move |c| expenses::get(c, &s, id)).map(|e| e.status).expect("the draft");
    assert_eq!(status, ExpenseStatus::Draft, "unchanged by the refused attempts");
}

/// The office enters an expense as a staffer types it, the district approves
/// it, the amount is locked; over budget waits for the district; another
/// office and a member see nothing of it.
async fn an_expense_over_http(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let gaomiao = app.office_id("高庙乡");
    let activity = activity_of(&app, OfficeId(gaomiao));
    let books = gaomiao.to_string();
    let (status, page) = staff.get_text("/funds").await;
    assert_eq!(status, 200);
    assert!(page.contains("高庙乡") && page.contains("活动经费") && page.contains("20,000.00"), "the demo budget");

    // Full-width digits and 。 as a Chinese keyboard types them.
    let record = format!("activity:{activity}");
    let fields = |amount: &'static str| {
        vec![
            ("books", books.clone()),
            ("line", "activities".to_string()),
            ("spent_on", "2026-03-12".to_string()),
            ("amount", amount.to_string()),
            ("payee", "高庙乡文印店".to_string()),
            ("purpose", "联系活动资料印制".to_string()),
            ("record", record.clone()),
        ]
    };
    let form = fields("１２８０。５");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = staff.post_form("/funds/expenses", &form).await;
    assert_eq!(r.status(), 303);
    let href = location(&r);
    assert!(href.starts_with("/funds/expenses/"), "{href}");
    let page = staff.get_text(&href).await.1;
    assert!(page.contains("1,280.50") && page.contains("壹仟贰佰捌拾元伍角整"), "amount in figures and capitals");
    let page = post_ok(&staff, &format!("{href}/submit"), &[]).await;
    assert!(page.contains("待审批") && page.contains("id=\"why-not\""), "the office is told why it cannot approve");

    // Bad amounts are refused in Chinese and change nothing.
    let before = app.audit_count("expense.create");
    for bad in ["12.345", "abc", "-5", "0"] {
        let form = fields(bad);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = post_ok(&staff, "/funds/expenses", &form).await;
        assert!(page.contains("金额"), "{bad}: the form says what is wrong");
    }
    assert_eq!(app.audit_count("expense.create"), before);

    // Another office and a member: not found.
    let other = app.login_as("jianhe").await;
    assert_eq!(other.get(&href).await.status(), 404);
    assert_eq!(other.post_form(&format!("{href}/approve"), &[]).await.status(), 404);
    assert_eq!(other.get(&format!("/funds?books={gaomiao}")).await.status(), 404);
    let member = app.login_as("member").await;
    assert_eq!(member.get("/funds").await.status(), 404);
    assert_eq!(member.get(&href).await.status(), 404);

    // The district approves; the amount can no longer be edited.
    let admin = app.login_as("admin").await;
    let page = post_ok(&admin, &format!("{href}/approve"), &[]).await;
    assert!(page.contains("已审批"), "approved");
    let form = fields("1");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = post_ok(&staff, &href, &form).await;
    assert!(page.contains("已审批的金额不能修改") && page.contains("1,280.50"), "locked");

    // Over budget: the office cannot approve what the district entered; the district can.
    let r = admin
        .post_form("/funds/budgets", &[("books", &books), ("year", "2026"), ("line", "training"), ("amount", "100")])
        .await;
    assert_eq!(r.status(), 303);
    let mut over = fields("150");
    over[1].1 = "training".into();
    over[6].1 = "office".into();
    let over: Vec<(&str, &str)> = over.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = admin.post_form("/funds/expenses", &over).await;
    let over_href = location(&r);
    post_ok(&admin, &format!("{over_href}/submit"), &[]).await;
    let page = post_ok(&staff, &format!("{over_href}/approve"), &[]).await;
    assert!(page.contains("须由区政协审批") && page.contains("待审批"), "blocked without the district");
    let page = staff.get_text("/funds?year=2026").await.1;
    assert!(page.contains("150.00"), "pending on the training line");
}
