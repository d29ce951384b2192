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
use crate::support::TestApp;

on_both_databases!(books_follow_the_approval_rules, each_sees_only_their_books);

/// The error as its message: "conflict: expense.locked", or "ok".
fn err<T>(r: Result<T, AppError>) -> String {
    r.err().map_or_else(|| "ok".to_string(), |e| e.to_string())
}

fn yuan(s: &str) -> Fen {
    Fen::parse(s).expect("amount")
}

fn entry(books: OfficeId, activity: i64, amount: &str) -> expenses::Entry {
    expenses::Entry {
        books: Some(books),
        line: BudgetLine::Activities,
        spent_on: NaiveDate::from_ymd_opt(2026, 3, 12).expect("date"),
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

fn totals(app: &TestApp, who: &Actor, books: Option<OfficeId>) -> Result<budgets::LineTotals, AppError> {
    let who = who.clone();
    app.db
        .read_blocking(move |c| budgets::totals(c, &who, books, 2026))
        .map(|t| t.into_iter().find(|l| l.line == BudgetLine::Activities).expect("the line"))
}

async fn books_follow_the_approval_rules(app: TestApp) {
    let (admin, staff) = (app.actor("admin"), app.actor("gaomiao"));
    let gaomiao = OfficeId(app.office_id("高庙乡"));
    let activity = activity_of(&app, gaomiao);
    let a = admin.clone();
    app.db
        .write_blocking(move |c| budgets::set(c, &a, Some(gaomiao), 2026, BudgetLine::Activities, yuan("1000")))
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
    let list = app.db.read_blocking(move |c| expenses::list(c, &s, Some(gaomiao), 2026)).expect("list");
    let vouchers: Vec<i32> = list.iter().map(|e| e.voucher_no).collect();
    assert_eq!(vouchers, [1, 2, 3, 4, 5, 6]);
    assert_eq!(app.audit_count("expense.approve"), 3);
    assert_eq!(app.audit_count("expense.reverse"), 1);
    assert_eq!(app.audit_count("budget.set"), 1);

    // Bad input changes nothing: another office's activity, no payee.
    let jianhe = OfficeId(app.office_id("涧河街道"));
    let elsewhere = activity_of(&app, jianhe);
    assert_eq!(err(create(&app, &staff, entry(gaomiao, elsewhere, "5"))), "bad request: expense.bad_record");
    let mut nameless = entry(gaomiao, activity, "5");
    nameless.payee = "  ".into();
    assert_eq!(err(create(&app, &staff, nameless)), "bad request: expense.payee_required");
    assert_eq!(app.audit_count("expense.create"), 6);
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
        err(app.db.write_blocking(move |c| budgets::set(c, &s, Some(gaomiao), 2026, BudgetLine::Home, Fen(1)))),
        "forbidden"
    );
    let s = staff.clone();
    let status = app.db.read_blocking(move |c| expenses::get(c, &s, id)).map(|e| e.status).expect("the draft");
    assert_eq!(status, ExpenseStatus::Draft, "unchanged by the refused attempts");
}
