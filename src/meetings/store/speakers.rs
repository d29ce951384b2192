//! Who spoke at a meeting and their points (发言要点), in the order spoken.

use diesel::prelude::*;

use super::{Host, on_tables, seen};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::time::now;
use crate::kernel::web::form::bounded;

pub const MAX_NAME: usize = 50;
pub const MAX_POINTS: usize = 2000;

/// A speaker and their points.
#[derive(Debug, Clone)]
pub struct Speaker {
    pub name: String,
    pub points: String,
}

/// The meeting's speakers, for whoever may see the meeting.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id = id, user = %actor.user_id))]
pub fn list<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Vec<Speaker>> {
    let f = seen::<H>(conn, actor, id)?;
    let rows: Vec<(String, String)> = on_tables!(f.meeting, activity_speakers | consultation_speakers, t, col, mid =>
        t::table.filter(col.eq(mid)).order(t::id.asc()).select((t::name, t::points)).load(conn)?);
    Ok(rows.into_iter().map(|(name, points)| Speaker { name, points }).collect())
}

/// Staff add a speaker and their points while the session is open.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id = id, user = %actor.user_id))]
pub fn add<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64, name: &str, points: &str) -> AppResult<()> {
    let f = seen::<H>(conn, actor, id)?;
    f.require_session()?;
    let name = bounded(name, MAX_NAME, "consultation.name_too_long")?;
    let points = bounded(points, MAX_POINTS, "consultation.text_too_long")?;
    if name.is_empty() || points.is_empty() {
        return Err(AppError::BadRequest("consultation.speaker_required"));
    }
    on_tables!(f.meeting, activity_speakers | consultation_speakers, t, col, mid => diesel::insert_into(t::table)
        .values((col.eq(mid), t::name.eq(&name), t::points.eq(&points), t::created_at.eq(now())))
        .execute(conn)?);
    audit::record(
        conn,
        Who::User(actor),
        Change::new(&format!("{}.speaker", H::ENTITY), H::ENTITY, id).after(serde_json::json!({ "name": name })),
    )
}

/// The speakers' names at each of these consultations, for scores (a
/// speaker is named as the record gives them). Unscoped: the caller found
/// the consultations through members it may see.
pub fn consultation_names_unscoped(conn: &mut DbConn, ids: &[i64]) -> AppResult<Vec<(i64, String)>> {
    use crate::kernel::db::schema::consultation_speakers as s;
    let mut out = vec![];
    for chunk in ids.chunks(500) {
        out.extend(s::table.filter(s::consultation_id.eq_any(chunk)).select((s::consultation_id, s::name)).load::<(
            i64,
            String,
        )>(
            conn
        )?);
    }
    Ok(out)
}
