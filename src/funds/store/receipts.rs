//! Receipts (票据): photos or PDFs of invoices on an expense, added while it
//! can still be edited (a draft, or returned) and fixed from its submission
//! on, like its amount. They are numbered in the order added, for the
//! receipts' binder and the year-end list (凭证 12 附件 1, 2 …).

use std::collections::HashMap;

use diesel::prelude::*;

use super::expenses::{self, Expense};
use crate::funds::model::ExpenseAction;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{expense_files, files};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::Stored;
use crate::kernel::ids::{ExpenseId, FileId};
use crate::kernel::time::now;

/// At most this many receipts on one expense.
pub const MAX_RECEIPTS: usize = 12;

/// One receipt: its number on the expense, file, name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub no: usize,
    pub file: FileId,
    pub name: String,
    pub content_type: String,
}

/// Links an uploaded receipt to expense `id` while the actor may edit it.
/// The signature is `kernel::files::routes::Attach`.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id))]
pub fn attach(conn: &mut DbConn, actor: &Actor, id: i64, file: FileId, _stored: &Stored) -> AppResult<()> {
    let e = expenses::get(conn, actor, ExpenseId(id))?;
    expenses::check(conn, actor, &e, ExpenseAction::Edit)?;
    let n: i64 = expense_files::table.filter(expense_files::expense_id.eq(e.id)).count().get_result(conn)?;
    if n >= MAX_RECEIPTS as i64 {
        return Err(AppError::BadRequest("expense.too_many_receipts"));
    }
    diesel::insert_into(expense_files::table)
        .values((
            expense_files::expense_id.eq(e.id),
            expense_files::file_id.eq(file),
            expense_files::created_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("expense.attach", "expense", e.id).after(serde_json::json!({ "file": file, "receipt_no": n + 1 })),
    )
}

/// The receipts of an expense, numbered from 1. An `Expense` comes only
/// from the store's reads, which checked that the actor may read it.
pub fn list(conn: &mut DbConn, e: &Expense) -> AppResult<Vec<Receipt>> {
    Ok(numbered(
        expense_files::table
            .inner_join(files::table)
            .filter(expense_files::expense_id.eq(e.id))
            .order(expense_files::id.asc())
            .select((files::id, files::original_name, files::content_type))
            .load(conn)?,
    ))
}

fn numbered(rows: Vec<(FileId, String, String)>) -> Vec<Receipt> {
    rows.into_iter()
        .enumerate()
        .map(|(i, (file, name, content_type))| Receipt { no: i + 1, file, name, content_type })
        .collect()
}

/// The receipts of each of `es`, numbered, in one query: for the books'
/// list and the year-end report.
pub fn of_expenses(conn: &mut DbConn, es: &[Expense]) -> AppResult<HashMap<ExpenseId, Vec<Receipt>>> {
    let ids: Vec<ExpenseId> = es.iter().map(|e| e.id).collect();
    let mut out: HashMap<ExpenseId, Vec<Receipt>> = HashMap::new();
    // Bounded batches: a bind list stays well under SQLite's limit.
    for chunk in ids.chunks(500) {
        let rows: Vec<(ExpenseId, FileId, String, String)> = expense_files::table
            .inner_join(files::table)
            .filter(expense_files::expense_id.eq_any(chunk))
            .order((expense_files::expense_id.asc(), expense_files::id.asc()))
            .select((expense_files::expense_id, files::id, files::original_name, files::content_type))
            .load(conn)?;
        for (e, file, name, content_type) in rows {
            let list = out.entry(e).or_default();
            list.push(Receipt { no: list.len() + 1, file, name, content_type });
        }
    }
    Ok(out)
}

/// Whether the actor may read expense `id` and `file` is one of its
/// receipts. The signature is `kernel::files::routes::Holds`.
pub fn holds(conn: &mut DbConn, actor: &Actor, id: i64, file: FileId) -> AppResult<bool> {
    match expenses::get(conn, actor, ExpenseId(id)) {
        Ok(_) => {}
        Err(AppError::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    }
    let n: i64 = expense_files::table
        .filter(expense_files::expense_id.eq(id).and(expense_files::file_id.eq(file)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
