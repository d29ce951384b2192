//! The committee's inspection checklist: the 六个有 from the committee's
//! start, renamed, added to or retired by the district.

use diesel::prelude::*;

use crate::inspections::model::{DEFAULT_CHECKLIST, MAX_LABEL, may_manage};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::inspection_checklist as cl;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::CommitteeId;
use crate::kernel::web::form;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cl)]
pub struct Item {
    pub id: i64,
    pub committee_id: CommitteeId,
    pub label: String,
    pub sort_order: i32,
    pub active: bool,
}

/// Every item, retired ones too, in order.
pub fn all(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Item>> {
    Ok(cl::table
        .filter(cl::committee_id.eq(actor.committee_id))
        .order((cl::sort_order.asc(), cl::id.asc()))
        .select(Item::as_select())
        .load(conn)?)
}

/// The items an inspection is recorded against.
pub fn active(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<String>> {
    Ok(all(conn, actor)?.into_iter().filter(|i| i.active).map(|i| i.label).collect())
}

/// A new committee's checklist: the 六个有 (committees older than the
/// checklist got it from its migration).
pub fn seed_unscoped(conn: &mut DbConn, committee: CommitteeId) -> AppResult<()> {
    for (i, l) in DEFAULT_CHECKLIST.iter().enumerate() {
        diesel::insert_into(cl::table)
            .values((
                cl::committee_id.eq(committee),
                cl::label.eq(*l),
                cl::sort_order.eq(i as i32 + 1),
                cl::active.eq(true),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn label(s: &str) -> AppResult<String> {
    let s = form::bounded(s, MAX_LABEL, "inspection.label_too_long")?;
    if s.is_empty() {
        return Err(AppError::BadRequest("inspection.label_required"));
    }
    Ok(s)
}

pub fn add(conn: &mut DbConn, actor: &Actor, text: &str) -> AppResult<()> {
    if !may_manage(actor) {
        return Err(AppError::Forbidden);
    }
    let text = label(text)?;
    let last: Option<i32> = cl::table
        .filter(cl::committee_id.eq(actor.committee_id))
        .select(diesel::dsl::max(cl::sort_order))
        .first(conn)?;
    let id: i64 = diesel::insert_into(cl::table)
        .values((
            cl::committee_id.eq(actor.committee_id),
            cl::label.eq(&text),
            cl::sort_order.eq(last.unwrap_or(0) + 1),
            cl::active.eq(true),
        ))
        .returning(cl::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("checklist.add", "checklist", id).after(serde_json::json!({ "label": text })),
    )
}

/// Renames or retires an item of the actor's committee.
pub fn update(conn: &mut DbConn, actor: &Actor, id: i64, text: &str, active: bool) -> AppResult<()> {
    if !may_manage(actor) {
        return Err(AppError::Forbidden);
    }
    let text = label(text)?;
    let item: Item = cl::table
        .find(id)
        .filter(cl::committee_id.eq(actor.committee_id))
        .select(Item::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    diesel::update(cl::table.find(item.id)).set((cl::label.eq(&text), cl::active.eq(active))).execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("checklist.update", "checklist", item.id)
            .before(serde_json::json!({ "label": item.label, "active": item.active }))
            .after(serde_json::json!({ "label": text, "active": active })),
    )
}
