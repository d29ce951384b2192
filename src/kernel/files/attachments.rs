//! Files attached to a record: an activity's or a consultation's photos,
//! documents and materials. Each kind of record has its own link table
//! (`activity_files`, `consultation_files`) with the same columns; these
//! functions serve both. Whether the actor may change or see the record is
//! the area's check, made before calling them.

use diesel::prelude::*;

use super::{FileRow, Stored};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::files;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, CommitteeId, ConsultationId, FileId};
use crate::kernel::time::now;

/// A photo or document: (file id, role, name, content type).
pub type Attachment = (FileId, String, String, String);

/// The record files hang on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Activity(ActivityId),
    Consultation(ConsultationId),
}

impl Owner {
    /// The audit entry's action and entity, and the record's id.
    fn audit(self) -> (&'static str, &'static str, i64) {
        match self {
            Owner::Activity(id) => ("activity.attach", "activity", id.0),
            Owner::Consultation(id) => ("consultation.attach", "consultation", id.0),
        }
    }
}

/// Evaluates `$body` with `$links` naming the owner's link table and `$col` its
/// column that holds the owner's `$id`: diesel gives each table its own types,
/// so a query is written once here and compiled for each table.
macro_rules! on_links {
    ($owner:expr, $links:ident, $col:ident, $id:ident => $body:expr) => {
        match $owner {
            Owner::Activity($id) => {
                use crate::kernel::db::schema::activity_files as $links;
                let $col = $links::activity_id;
                $body
            }
            Owner::Consultation($id) => {
                use crate::kernel::db::schema::consultation_files as $links;
                let $col = $links::consultation_id;
                $body
            }
        }
    };
}

/// The role of an upload that did not come with one: photos are photos,
/// anything else an attachment.
pub fn role_of(s: &Stored) -> &'static str {
    if s.content_type.starts_with("image/") { "photo" } else { "attachment" }
}

/// Links an uploaded file to the record, at most `max` files a record, with
/// an audit entry. `committee` is the record's.
pub fn attach(
    conn: &mut DbConn,
    actor: &Actor,
    committee: CommitteeId,
    owner: Owner,
    file: FileId,
    role: &str,
    max: usize,
) -> AppResult<()> {
    let n: i64 = on_links!(owner, l, owner_id, id => l::table.filter(owner_id.eq(id)).count().get_result(conn)?);
    if n >= max as i64 {
        return Err(AppError::BadRequest("activity.too_many_files"));
    }
    on_links!(owner, l, owner_id, id => diesel::insert_into(l::table)
        .values((
            l::committee_id.eq(committee),
            owner_id.eq(id),
            l::file_id.eq(file),
            l::role.eq(role),
            l::created_at.eq(now()),
        ))
        .execute(conn)?);
    let (action, entity, id) = owner.audit();
    audit::record(conn, Who::User(actor), Change::new(action, entity, id).after(serde_json::json!({ "file": file })))?;
    Ok(())
}

/// The record's files in the order they were attached.
pub fn list(conn: &mut DbConn, owner: Owner) -> AppResult<Vec<Attachment>> {
    Ok(on_links!(owner, l, owner_id, id => l::table
        .inner_join(files::table)
        .filter(owner_id.eq(id))
        .order(l::id.asc())
        .select((files::id, l::role, files::original_name, files::content_type))
        .load(conn)?))
}

/// Whether `file` is attached to the record.
pub fn holds(conn: &mut DbConn, owner: Owner, file: FileId) -> AppResult<bool> {
    let n: i64 = on_links!(owner, l, owner_id, id => l::table
        .filter(owner_id.eq(id).and(l::file_id.eq(file)))
        .count()
        .get_result(conn)?);
    Ok(n > 0)
}

/// The record's photos in order, for its public page.
pub fn photos(conn: &mut DbConn, owner: Owner) -> AppResult<Vec<FileId>> {
    Ok(on_links!(owner, l, owner_id, id => l::table
        .filter(owner_id.eq(id).and(l::role.eq("photo")))
        .order(l::id.asc())
        .select(l::file_id)
        .load(conn)?))
}

/// One of the record's photos, for its public page: nothing but a photo of
/// this record. Whether the record is public is the caller's check.
pub fn photo(conn: &mut DbConn, owner: Owner, file: FileId) -> AppResult<Option<FileRow>> {
    let attached: i64 = on_links!(owner, l, owner_id, id => l::table
        .filter(owner_id.eq(id).and(l::file_id.eq(file)).and(l::role.eq("photo")))
        .count()
        .get_result(conn)?);
    if attached == 0 {
        return Ok(None);
    }
    Ok(files::table.find(file).select(FileRow::as_select()).first(conn).optional()?)
}
