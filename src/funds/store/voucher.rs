//! 支出凭单: what an expense's printed voucher shows — whose books, the
//! record it rests on, who entered and who approved it, and its receipts.

use diesel::prelude::*;

use super::choices::{record_names, record_of};
use super::expenses::{self, Expense};
use super::receipts::{self, Receipt};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, offices, users};
use crate::kernel::error::AppResult;
use crate::kernel::ids::{ExpenseId, UserId};

pub struct Voucher {
    pub e: Expense,
    pub committee: String,
    /// The office whose books these are; `None`: the district's own.
    pub office: Option<String>,
    /// The name of the activity, consultation or Home it rests on.
    pub record: Option<String>,
    pub entered_by: String,
    pub decided_by: Option<String>,
    pub receipts: Vec<Receipt>,
}

fn name_of(conn: &mut DbConn, actor: &Actor, id: UserId) -> AppResult<String> {
    Ok(users::table
        .find(id)
        .filter(users::committee_id.eq(actor.committee_id))
        .select(users::display_name)
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

/// The voucher of an expense the actor may read.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn voucher(conn: &mut DbConn, actor: &Actor, id: ExpenseId) -> AppResult<Voucher> {
    let e = expenses::get(conn, actor, id)?;
    let committee: String = committees::table.find(e.committee_id).select(committees::name).first(conn)?;
    let office = match e.office_id {
        Some(o) => Some(offices::table.find(o).select(offices::name).first::<String>(conn)?),
        None => None,
    };
    let record = match record_of(&e) {
        Some(key) => record_names(conn, std::slice::from_ref(&e))?.remove(&key),
        None => None,
    };
    let entered_by = name_of(conn, actor, e.entered_by)?;
    let decided_by = match e.decided_by {
        Some(u) => Some(name_of(conn, actor, u)?),
        None => None,
    };
    let receipts = receipts::list(conn, &e)?;
    Ok(Voucher { e, committee, office, record, entered_by, decided_by, receipts })
}
