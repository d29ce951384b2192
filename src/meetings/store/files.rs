//! The files of a meeting's record: photos and documents of the session, and
//! a consultation's materials sent beforehand. Each kind of meeting has its
//! own link table (`activity_files`, `consultation_files`) with the same
//! columns; these functions serve both.

use diesel::prelude::*;

use super::{Host, on_tables, seen};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::files;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{FileRow, Stored};
use crate::kernel::ids::FileId;
use crate::kernel::time::now;
use crate::meetings::model::Meeting;

/// A photo or document: (file id, role, name, content type).
pub type Attachment = (FileId, String, String, String);

/// At most this many files on one record.
pub const MAX_FILES: usize = 24;

/// The role of an upload that did not come with one: photos are photos,
/// anything else an attachment.
pub fn role_of(s: &Stored) -> &'static str {
    if s.content_type.starts_with("image/") { "photo" } else { "attachment" }
}

/// Links an uploaded file to the meeting's record, with an audit entry.
/// Whether the record takes files now (and which role) is the area's rule,
/// checked before.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id = id, user = %actor.user_id))]
pub fn attach<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64, file: FileId, role: &str) -> AppResult<()> {
    let f = seen::<H>(conn, actor, id)?;
    f.require_manage()?;
    let n: i64 = on_tables!(f.meeting, activity_files | consultation_files, t, col, mid =>
        t::table.filter(col.eq(mid)).count().get_result(conn)?);
    if n >= MAX_FILES as i64 {
        return Err(AppError::BadRequest("activity.too_many_files"));
    }
    on_tables!(f.meeting, activity_files | consultation_files, t, col, mid => diesel::insert_into(t::table)
        .values((
            t::committee_id.eq(f.committee_id),
            col.eq(mid),
            t::file_id.eq(file),
            t::role.eq(role),
            t::created_at.eq(now()),
        ))
        .execute(conn)?);
    audit::record(
        conn,
        Who::User(actor),
        Change::new(&format!("{}.attach", H::ENTITY), H::ENTITY, id).after(serde_json::json!({ "file": file })),
    )
}

/// The record's files in the order they were attached, for whoever may see
/// the meeting.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id = id, user = %actor.user_id))]
pub fn list<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Vec<Attachment>> {
    let f = seen::<H>(conn, actor, id)?;
    Ok(on_tables!(f.meeting, activity_files | consultation_files, t, col, mid => t::table
        .inner_join(files::table)
        .filter(col.eq(mid))
        .order(t::id.asc())
        .select((files::id, t::role, files::original_name, files::content_type))
        .load(conn)?))
}

/// Whether the actor may see the meeting and `file` is one of its files.
pub fn holds<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64, file: FileId) -> AppResult<bool> {
    let Some(f) = H::visible(conn, actor, id)? else { return Ok(false) };
    let n: i64 = on_tables!(f.meeting, activity_files | consultation_files, t, col, mid => t::table
        .filter(col.eq(mid).and(t::file_id.eq(file)))
        .count()
        .get_result(conn)?);
    Ok(n > 0)
}

/// The record's photos in order, for its public page. Unscoped: the area's
/// public store shows only records it has found public.
pub fn photos_unscoped(conn: &mut DbConn, m: Meeting) -> AppResult<Vec<FileId>> {
    Ok(on_tables!(m, activity_files | consultation_files, t, col, mid => t::table
        .filter(col.eq(mid).and(t::role.eq("photo")))
        .order(t::id.asc())
        .select(t::file_id)
        .load(conn)?))
}

/// One of the record's photos, for its public page: nothing but a photo of
/// this record. Unscoped like `photos_unscoped`.
pub fn photo_unscoped(conn: &mut DbConn, m: Meeting, file: FileId) -> AppResult<Option<FileRow>> {
    let attached: i64 = on_tables!(m, activity_files | consultation_files, t, col, mid => t::table
        .filter(col.eq(mid).and(t::file_id.eq(file)).and(t::role.eq("photo")))
        .count()
        .get_result(conn)?);
    if attached == 0 {
        return Ok(None);
    }
    Ok(files::table.find(file).select(FileRow::as_select()).first(conn).optional()?)
}
