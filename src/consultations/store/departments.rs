//! Departments (承办单位) invited to a consultation's session: who was
//! invited and how they answered, and a department's own invitations and
//! reply (it sees the invitation, not the consultation's page).

use diesel::prelude::*;

use super::consultations::{self as store, Consultation};
use crate::consultations::model::Status;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{consultation_departments as cd, consultations, departments};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ConsultationId, DepartmentId};
use crate::meetings::{Reply, model};
use crate::org::store::departments::department_of;

/// A department on a consultation's list.
#[derive(Debug, Clone, Queryable)]
pub struct Invited {
    pub id: DepartmentId,
    pub name: String,
    pub reply: Reply,
    pub reply_note: String,
}

/// The departments invited to a consultation the actor may see, by name.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn invited(conn: &mut DbConn, actor: &Actor, id: ConsultationId) -> AppResult<Vec<Invited>> {
    store::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    Ok(cd::table
        .inner_join(departments::table)
        .filter(cd::consultation_id.eq(id))
        .order(departments::name.asc())
        .select((departments::id, departments::name, cd::reply, cd::reply_note))
        .load(conn)?)
}

/// How many departments were invited, for the public page of a closed
/// consultation (no names). Unscoped: the public store checks the
/// consultation is closed and the committee's.
#[tracing::instrument(level = "debug", skip_all, fields(id = ?id))]
pub(super) fn count_unscoped(conn: &mut DbConn, id: ConsultationId) -> AppResult<i64> {
    Ok(cd::table.filter(cd::consultation_id.eq(id)).count().get_result(conn)?)
}

/// A department's invitations to planned consultations, soonest first, with its reply.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn invitations(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(Consultation, Reply)>> {
    let Some(dept) = department_of(conn, actor)? else { return Ok(vec![]) };
    Ok(consultations::table
        .inner_join(cd::table)
        .filter(cd::department_id.eq(dept).and(consultations::committee_id.eq(actor.committee_id)))
        .filter(consultations::status.eq(Status::Planned))
        .order(consultations::planned_at.asc())
        .limit(20)
        .select((Consultation::as_select(), cd::reply))
        .load(conn)?)
}

/// A department confirms, or sends apologies with the reason, for a
/// consultation it is invited to while it is planned.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id, reply = ?reply))]
pub fn reply(conn: &mut DbConn, actor: &Actor, id: ConsultationId, reply: Reply, note: &str) -> AppResult<()> {
    let dept = department_of(conn, actor)?.ok_or(AppError::Forbidden)?;
    let c = store::in_committee(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if c.status != Status::Planned {
        return Err(AppError::Conflict("consultation.wrong_state"));
    }
    let (reply, note) = model::reply(reply, note)?;
    let n = diesel::update(cd::table.filter(cd::consultation_id.eq(id).and(cd::department_id.eq(dept))))
        .set((cd::reply.eq(reply), cd::reply_note.eq(&note)))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("consultation.reply", "consultation", id)
            .after(serde_json::json!({ "department": dept, "reply": reply })),
    )
}
