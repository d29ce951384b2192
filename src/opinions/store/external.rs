//! Cases as other systems ask for them (Open311): by their tracking codes,
//! or received in a period, each with its office's name. Scoped by the
//! calling system's account, as every list.

use chrono::NaiveDateTime;

use super::cases::{self, InboxFilter, Opinion};
use super::pages;
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::ids::CategoryId;
use crate::kernel::time::local_time;
use crate::opinions::model::Status;

/// The most codes one query may name.
pub const MAX_CODES: usize = 100;

/// The cases among these tracking codes the actor sees (the others are left
/// out, as unknown), with their office's name.
pub fn by_codes(conn: &mut DbConn, actor: &Actor, codes: &[String]) -> AppResult<Vec<(Opinion, Option<String>)>> {
    let mut out = vec![];
    for code in codes.iter().take(MAX_CODES) {
        if let Some(o) = cases::get_by_code(conn, actor, code)? {
            let office = cases::names(conn, &o)?.office;
            out.push((o, office));
        }
    }
    Ok(out)
}

/// The newest cases (a page of the inbox) of a category and statuses,
/// received from `from` to `to` (UTC instants), with their office's name.
pub fn received_between(
    conn: &mut DbConn,
    actor: &Actor,
    category: Option<CategoryId>,
    statuses: Option<Vec<Status>>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> AppResult<Vec<(Opinion, Option<String>)>> {
    // The inbox filters by Beijing day; the exact instants are kept after.
    let day = |t: NaiveDateTime| local_time(&t).date();
    let filter = InboxFilter { category, statuses, from: from.map(day), to: to.map(day), ..InboxFilter::default() };
    Ok(pages::find(conn, actor, filter, None)?
        .into_iter()
        .filter(|r| from.is_none_or(|a| r.opinion.created_at >= a) && to.is_none_or(|b| r.opinion.created_at <= b))
        .map(|r| (r.opinion, r.office))
        .collect())
}
