//! Expenses: entered as drafts, submitted, approved (by the district when the
//! line would go over budget), paid; corrected only by reversing entries.
//! The rules are `funds::model::next`; this module applies them to rows and
//! writes each change with its audit entry in the same transaction.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::{Books, budgets, lock_books, may_keep, may_read};
use crate::funds::model::{self, BudgetLine, ExpenseAction, ExpenseFacts, ExpenseFor, ExpenseStatus, Party};
use crate::funds::money::Fen;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activities, consultations, expenses, members_homes};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, CommitteeId, ConsultationId, ExpenseId, HomeId, OfficeId, UserId};
use crate::kernel::time::now;
use crate::kernel::web::form::bounded;

pub const MAX_PAYEE: usize = 100;
pub const MAX_PURPOSE: usize = 500;
pub const MAX_REASON: usize = 200;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = expenses)]
pub struct Expense {
    pub id: ExpenseId,
    pub committee_id: CommitteeId,
    pub office_id: Option<OfficeId>,
    pub year: i32,
    /// 凭证号: numbers the office's expenses per year, for the receipts' binder.
    pub voucher_no: i32,
    pub line: BudgetLine,
    pub spent_on: NaiveDate,
    #[diesel(column_name = amount_fen)]
    pub amount: Fen,
    pub payee: String,
    pub purpose: String,
    pub for_kind: ExpenseFor,
    pub activity_id: Option<ActivityId>,
    pub consultation_id: Option<ConsultationId>,
    pub home_id: Option<HomeId>,
    pub status: ExpenseStatus,
    pub reverses_id: Option<ExpenseId>,
    pub entered_by: UserId,
    pub entered_at: NaiveDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub return_reason: String,
    pub paid_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl Expense {
    pub fn href(&self) -> String {
        format!("/funds/expenses/{}", self.id)
    }
}

/// What a form gives for a new expense or a draft's edit.
#[derive(Debug, Clone)]
pub struct Entry {
    pub books: Books,
    pub line: BudgetLine,
    pub spent_on: NaiveDate,
    pub amount: Fen,
    pub payee: String,
    pub purpose: String,
    pub for_kind: ExpenseFor,
    /// The record it rests on, for the kinds that have one.
    pub record: Option<i64>,
}

/// The record's columns, checked to be the books' own.
struct RestsOn {
    activity: Option<ActivityId>,
    consultation: Option<ConsultationId>,
    home: Option<HomeId>,
}

fn rests_on(conn: &mut DbConn, actor: &Actor, e: &Entry) -> AppResult<RestsOn> {
    let none = RestsOn { activity: None, consultation: None, home: None };
    let bad = AppError::BadRequest("expense.bad_record");
    let Some(office) = e.books else {
        // The district's own expenses rest on the district's office work.
        return if e.for_kind == ExpenseFor::Office { Ok(none) } else { Err(bad) };
    };
    let id = match (e.for_kind, e.record) {
        (ExpenseFor::Office, _) => return Ok(none),
        (_, Some(id)) => id,
        (_, None) => return Err(AppError::BadRequest("expense.record_required")),
    };
    let found: i64 = match e.for_kind {
        ExpenseFor::Activity => activities::table
            .filter(activities::id.eq(id).and(activities::committee_id.eq(actor.committee_id)))
            .filter(activities::office_id.eq(office))
            .count()
            .get_result(conn)?,
        ExpenseFor::Consultation => consultations::table
            .filter(consultations::id.eq(id).and(consultations::committee_id.eq(actor.committee_id)))
            .filter(consultations::office_id.eq(office))
            .count()
            .get_result(conn)?,
        ExpenseFor::Home => members_homes::table
            .filter(members_homes::id.eq(id).and(members_homes::office_id.eq(office)))
            .count()
            .get_result(conn)?,
        ExpenseFor::Office => 0,
    };
    if found == 0 {
        return Err(bad);
    }
    Ok(match e.for_kind {
        ExpenseFor::Activity => RestsOn { activity: Some(ActivityId(id)), ..none },
        ExpenseFor::Consultation => RestsOn { consultation: Some(ConsultationId(id)), ..none },
        _ => RestsOn { home: Some(HomeId(id)), ..none },
    })
}

/// The texts of an entry, trimmed and bounded; a payee and a purpose are
/// required (finance asks for both).
fn texts(e: &Entry) -> AppResult<(String, String)> {
    let payee = bounded(&e.payee, MAX_PAYEE, "expense.payee_too_long")?;
    let purpose = bounded(&e.purpose, MAX_PURPOSE, "expense.purpose_too_long")?;
    if payee.is_empty() {
        return Err(AppError::BadRequest("expense.payee_required"));
    }
    if purpose.is_empty() {
        return Err(AppError::BadRequest("expense.purpose_required"));
    }
    if !budgets::YEARS.contains(&e.spent_on.year()) {
        return Err(AppError::BadRequest("expense.bad_date"));
    }
    Ok((payee, purpose))
}

/// The next voucher number of the books' year; the caller holds the books' lock.
fn next_voucher(conn: &mut DbConn, actor: &Actor, books: Books, year: i32) -> AppResult<i32> {
    let q = expenses::table
        .filter(expenses::committee_id.eq(actor.committee_id))
        .filter(expenses::year.eq(year))
        .select(diesel::dsl::max(expenses::voucher_no))
        .into_boxed();
    let highest: Option<i32> = match books {
        Some(o) => q.filter(expenses::office_id.eq(o)).first(conn)?,
        None => q.filter(expenses::office_id.is_null()).first(conn)?,
    };
    Ok(highest.unwrap_or(0) + 1)
}

/// A new row of the books: an entry's draft, or a reversal made approved.
#[derive(Insertable)]
#[diesel(table_name = expenses)]
struct NewExpense<'a> {
    committee_id: CommitteeId,
    office_id: Option<OfficeId>,
    year: i32,
    voucher_no: i32,
    line: BudgetLine,
    spent_on: NaiveDate,
    amount_fen: Fen,
    payee: &'a str,
    purpose: &'a str,
    for_kind: ExpenseFor,
    activity_id: Option<ActivityId>,
    consultation_id: Option<ConsultationId>,
    home_id: Option<HomeId>,
    status: ExpenseStatus,
    reverses_id: Option<ExpenseId>,
    entered_by: UserId,
    entered_at: NaiveDateTime,
    decided_by: Option<UserId>,
    decided_at: Option<NaiveDateTime>,
    return_reason: &'a str,
    updated_at: NaiveDateTime,
}

impl<'a> NewExpense<'a> {
    /// A row on the same books, line, payee and record as `e`.
    fn like(e: &'a Expense) -> NewExpense<'a> {
        NewExpense {
            committee_id: e.committee_id,
            office_id: e.office_id,
            year: e.year,
            voucher_no: e.voucher_no,
            line: e.line,
            spent_on: e.spent_on,
            amount_fen: e.amount,
            payee: &e.payee,
            purpose: &e.purpose,
            for_kind: e.for_kind,
            activity_id: e.activity_id,
            consultation_id: e.consultation_id,
            home_id: e.home_id,
            status: e.status,
            reverses_id: e.reverses_id,
            entered_by: e.entered_by,
            entered_at: e.entered_at,
            decided_by: e.decided_by,
            decided_at: e.decided_at,
            return_reason: "",
            updated_at: e.updated_at,
        }
    }
}

/// Enters a draft expense in books the actor keeps.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn create(conn: &mut DbConn, actor: &Actor, e: &Entry) -> AppResult<ExpenseId> {
    if !may_keep(actor, e.books) {
        return Err(if may_read(actor, e.books) { AppError::Forbidden } else { AppError::NotFound });
    }
    let (payee, purpose) = texts(e)?;
    let on = rests_on(conn, actor, e)?;
    let year = e.spent_on.year();
    lock_books(conn, actor, e.books, year)?;
    let voucher = next_voucher(conn, actor, e.books, year)?;
    let t = now();
    let id: ExpenseId = diesel::insert_into(expenses::table)
        .values(NewExpense {
            committee_id: actor.committee_id,
            office_id: e.books,
            year,
            voucher_no: voucher,
            line: e.line,
            spent_on: e.spent_on,
            amount_fen: e.amount,
            payee: &payee,
            purpose: &purpose,
            for_kind: e.for_kind,
            activity_id: on.activity,
            consultation_id: on.consultation,
            home_id: on.home,
            status: ExpenseStatus::Draft,
            reverses_id: None,
            entered_by: actor.user_id,
            entered_at: t,
            decided_by: None,
            decided_at: None,
            return_reason: "",
            updated_at: t,
        })
        .returning(expenses::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("expense.create", "expense", id).after(serde_json::json!({
            "office_id": e.books, "year": year, "voucher_no": voucher, "budget_line": e.line, "spent_on": e.spent_on,
            "amount_fen": e.amount, "payee": payee, "purpose": purpose, "for": e.for_kind,
        })),
    )?;
    Ok(id)
}

/// An expense the actor may read; not found otherwise.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn get(conn: &mut DbConn, actor: &Actor, id: ExpenseId) -> AppResult<Expense> {
    let e: Expense = expenses::table
        .find(id)
        .filter(expenses::committee_id.eq(actor.committee_id))
        .select(Expense::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if may_read(actor, e.office_id) { Ok(e) } else { Err(AppError::NotFound) }
}

/// A year's expenses in the books, by voucher number.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, books = ?books, year))]
pub fn list(conn: &mut DbConn, actor: &Actor, books: Books, year: i32) -> AppResult<Vec<Expense>> {
    if !may_read(actor, books) {
        return Err(AppError::NotFound);
    }
    let q = expenses::table
        .filter(expenses::committee_id.eq(actor.committee_id))
        .filter(expenses::year.eq(year))
        .select(Expense::as_select())
        .order(expenses::voucher_no.asc())
        .into_boxed();
    Ok(match books {
        Some(o) => q.filter(expenses::office_id.eq(o)).load(conn)?,
        None => q.filter(expenses::office_id.is_null()).load(conn)?,
    })
}

/// Whether a reversing entry exists for `id`.
fn reversed(conn: &mut DbConn, id: ExpenseId) -> AppResult<bool> {
    let n: i64 = expenses::table.filter(expenses::reverses_id.eq(id)).count().get_result(conn)?;
    Ok(n > 0)
}

/// The party the actor is for this expense, or why they are no party to it.
fn party(actor: &Actor, e: &Expense) -> AppResult<Party> {
    if !may_keep(actor, e.office_id) {
        return Err(if may_read(actor, e.office_id) { AppError::Forbidden } else { AppError::NotFound });
    }
    Ok(Party { district: actor.role == Role::DistrictAdmin, entrant: e.entered_by == actor.user_id })
}

/// The facts the rule needs about `e` now. The overspend matters only to an
/// approval, so it is read from the books only while `e` awaits one; `lock`
/// holds the books until the transaction ends, for the approval itself.
fn facts(conn: &mut DbConn, actor: &Actor, e: &Expense, lock: bool) -> AppResult<ExpenseFacts> {
    let overspends = if e.status == ExpenseStatus::Submitted {
        if lock {
            lock_books(conn, actor, e.office_id, e.year)?;
        }
        let budget = budgets::budget(conn, actor, e.office_id, e.year, e.line)?;
        let spent = budgets::spent(conn, actor, e.office_id, e.year, e.line)?;
        model::overspends(budget, spent, e.amount)
    } else {
        false
    };
    Ok(ExpenseFacts {
        status: e.status,
        reversal: e.reverses_id.is_some(),
        reversed: reversed(conn, e.id)?,
        overspends,
    })
}

/// The rule's answer for `action` on `e` now.
pub(crate) fn check(conn: &mut DbConn, actor: &Actor, e: &Expense, action: ExpenseAction) -> AppResult<ExpenseStatus> {
    let who = party(actor, e)?;
    let facts = facts(conn, actor, e, action == ExpenseAction::Approve)?;
    model::next(facts, action, who).map_err(|r| AppError::Conflict(r.message_key()))
}

/// What the actor may do with `e` now, for the page's buttons, and why an
/// approval is not theirs when it is waiting (their own entry, or over
/// budget): the page says so instead of offering a button that fails.
pub fn allowed(conn: &mut DbConn, actor: &Actor, e: &Expense) -> AppResult<(Vec<ExpenseAction>, Option<&'static str>)> {
    use ExpenseAction::*;
    let Ok(who) = party(actor, e) else {
        return Ok((vec![], None));
    };
    let facts = facts(conn, actor, e, false)?;
    let mut can = vec![];
    let mut why_not = None;
    for a in [Edit, Submit, Approve, Return, Pay, Reverse, Delete] {
        match model::next(facts, a, who) {
            Ok(_) => can.push(a),
            Err(r) if a == Approve && e.status == ExpenseStatus::Submitted => why_not = Some(r.message_key()),
            Err(_) => {}
        }
    }
    Ok((can, why_not))
}

/// The reversing entry of `id`, if it was reversed.
pub fn reversal_of(conn: &mut DbConn, actor: &Actor, id: ExpenseId) -> AppResult<Option<Expense>> {
    let r: Option<Expense> = expenses::table
        .filter(expenses::reverses_id.eq(id))
        .filter(expenses::committee_id.eq(actor.committee_id))
        .select(Expense::as_select())
        .first(conn)
        .optional()?;
    Ok(r.filter(|r| may_read(actor, r.office_id)))
}

/// Changes a draft or returned expense.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn edit(conn: &mut DbConn, actor: &Actor, id: ExpenseId, e: &Entry) -> AppResult<()> {
    let old = get(conn, actor, id)?;
    check(conn, actor, &old, ExpenseAction::Edit)?;
    if e.books != old.office_id || e.spent_on.year() != old.year {
        // The voucher number belongs to the books' year: a move is a new entry.
        return Err(AppError::BadRequest("expense.other_books"));
    }
    let (payee, purpose) = texts(e)?;
    let on = rests_on(conn, actor, e)?;
    diesel::update(expenses::table.find(id))
        .set((
            expenses::line.eq(e.line),
            expenses::spent_on.eq(e.spent_on),
            expenses::amount_fen.eq(e.amount),
            expenses::payee.eq(&payee),
            expenses::purpose.eq(&purpose),
            expenses::for_kind.eq(e.for_kind),
            expenses::activity_id.eq(on.activity),
            expenses::consultation_id.eq(on.consultation),
            expenses::home_id.eq(on.home),
            expenses::updated_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("expense.edit", "expense", id)
            .before(serde_json::json!({
                "budget_line": old.line, "spent_on": old.spent_on, "amount_fen": old.amount, "payee": old.payee, "purpose": old.purpose,
            }))
            .after(serde_json::json!({
                "budget_line": e.line, "spent_on": e.spent_on, "amount_fen": e.amount, "payee": payee, "purpose": purpose,
            })),
    )?;
    Ok(())
}

/// Submits, approves, returns (with a reason), pays or deletes a draft.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id, action = ?action))]
pub fn act(conn: &mut DbConn, actor: &Actor, id: ExpenseId, action: ExpenseAction, reason: &str) -> AppResult<()> {
    let e = get(conn, actor, id)?;
    let to = check(conn, actor, &e, action)?;
    let t = now();
    let reason = bounded(reason, MAX_REASON, "expense.reason_too_long")?;
    let row = expenses::table.find(id);
    match action {
        ExpenseAction::Delete => {
            files_of_draft_go(conn, id)?;
            diesel::delete(row).execute(conn)?;
        }
        ExpenseAction::Submit => {
            diesel::update(row).set((expenses::status.eq(to), expenses::updated_at.eq(t))).execute(conn)?;
        }
        ExpenseAction::Approve | ExpenseAction::Return => {
            if action == ExpenseAction::Return && reason.is_empty() {
                return Err(AppError::BadRequest("expense.reason_required"));
            }
            diesel::update(row)
                .set((
                    expenses::status.eq(to),
                    expenses::decided_by.eq(actor.user_id),
                    expenses::decided_at.eq(t),
                    expenses::return_reason.eq(if action == ExpenseAction::Return { reason.as_str() } else { "" }),
                    expenses::updated_at.eq(t),
                ))
                .execute(conn)?;
        }
        ExpenseAction::Pay => {
            diesel::update(row)
                .set((expenses::status.eq(to), expenses::paid_at.eq(t), expenses::updated_at.eq(t)))
                .execute(conn)?;
        }
        ExpenseAction::Edit | ExpenseAction::Reverse => return Err(AppError::BadRequest("form.bad_choice")),
    }
    let verb = match action {
        ExpenseAction::Delete => "expense.delete",
        ExpenseAction::Submit => "expense.submit",
        ExpenseAction::Approve => "expense.approve",
        ExpenseAction::Return => "expense.return",
        _ => "expense.pay",
    };
    audit::record(
        conn,
        Who::User(actor),
        Change::new(verb, "expense", id)
            .before(serde_json::json!({ "status": e.status, "amount_fen": e.amount }))
            .after(serde_json::json!({ "status": to, "reason": reason })),
    )?;
    Ok(())
}

/// Deleting a draft takes its receipts' links with it (the files stay in
/// the store, which keeps what the audit log may point to).
fn files_of_draft_go(conn: &mut DbConn, id: ExpenseId) -> AppResult<()> {
    use crate::kernel::db::schema::expense_files;
    diesel::delete(expense_files::table.filter(expense_files::expense_id.eq(id))).execute(conn)?;
    Ok(())
}

/// A reversal is dated today, within the books' year of the original (a
/// correction of last year's books in January is dated 31 December).
fn reversal_date(today: NaiveDate, e: &Expense) -> NaiveDate {
    let year_end = NaiveDate::from_ymd_opt(e.year, 12, 31).unwrap_or(e.spent_on);
    today.min(year_end).max(e.spent_on)
}

/// 冲销: a reversing entry with the negative amount against an approved or
/// paid expense, approved as it is made (it can only lower the spending),
/// with the reason in its purpose.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn reverse(conn: &mut DbConn, actor: &Actor, id: ExpenseId, reason: &str) -> AppResult<ExpenseId> {
    let e = get(conn, actor, id)?;
    check(conn, actor, &e, ExpenseAction::Reverse)?;
    let reason = bounded(reason, MAX_REASON, "expense.reason_too_long")?;
    if reason.is_empty() {
        return Err(AppError::BadRequest("expense.reason_required"));
    }
    lock_books(conn, actor, e.office_id, e.year)?;
    let voucher = next_voucher(conn, actor, e.office_id, e.year)?;
    let t = now();
    let purpose = format!("冲销{}号凭证：{reason}", e.voucher_no);
    let new: ExpenseId = diesel::insert_into(expenses::table)
        .values(NewExpense {
            voucher_no: voucher,
            spent_on: reversal_date(crate::kernel::time::today(), &e),
            amount_fen: e.amount.negated(),
            purpose: &purpose,
            status: ExpenseStatus::Approved,
            reverses_id: Some(id),
            entered_by: actor.user_id,
            entered_at: t,
            decided_by: Some(actor.user_id),
            decided_at: Some(t),
            updated_at: t,
            ..NewExpense::like(&e)
        })
        .returning(expenses::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("expense.reverse", "expense", id).after(serde_json::json!({
            "reversal": new, "voucher_no": voucher, "amount_fen": e.amount.negated(), "reason": reason,
        })),
    )?;
    Ok(new)
}

/// What an activity's or consultation's page shows of its costs: the
/// expenses resting on it, for those who read the office's books.
#[derive(Debug, Clone, Default)]
pub struct Costs {
    /// Whether the actor reads the books at all (members do not).
    pub shown: bool,
    /// Whether the actor may enter an expense for it.
    pub can_enter: bool,
    /// The form's preselection: `activity:12`.
    pub record: String,
    pub books: Option<OfficeId>,
    pub list: Vec<Expense>,
}

impl Costs {
    /// Approved and paid, reversals netted.
    pub fn spent(&self) -> Fen {
        self.list
            .iter()
            .filter(|e| matches!(e.status, ExpenseStatus::Approved | ExpenseStatus::Paid))
            .map(|e| e.amount)
            .sum()
    }
}

/// The costs of record `id` of `kind` (an activity, a consultation) held by
/// `office`, as the actor may see them.
pub fn costs(conn: &mut DbConn, actor: &Actor, kind: ExpenseFor, id: i64, office: OfficeId) -> AppResult<Costs> {
    let books = Some(office);
    if !may_read(actor, books) {
        return Ok(Costs::default());
    }
    let q = expenses::table
        .filter(expenses::committee_id.eq(actor.committee_id))
        .filter(expenses::office_id.eq(office))
        .select(Expense::as_select())
        .order((expenses::year.asc(), expenses::voucher_no.asc()))
        .into_boxed();
    let list = match kind {
        ExpenseFor::Activity => q.filter(expenses::activity_id.eq(id)).load(conn)?,
        ExpenseFor::Consultation => q.filter(expenses::consultation_id.eq(id)).load(conn)?,
        ExpenseFor::Home => q.filter(expenses::home_id.eq(id)).load(conn)?,
        ExpenseFor::Office => vec![],
    };
    Ok(Costs { shown: true, can_enter: may_keep(actor, books), record: format!("{kind}:{id}"), books, list })
}
