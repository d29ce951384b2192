//! A notice's attachments: added to the draft, fixed once it is published,
//! read by whoever may read the notice (and by the public when it is public).

use diesel::prelude::*;

use super::notices::{self, Notice};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{files, notice_files};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{FileRow, Stored};
use crate::kernel::ids::{FileId, NoticeId};
use crate::kernel::time::now;
use crate::notices::model::{MAX_FILES, NoticeAction, allowed};

/// Links an uploaded file to draft `id`. The signature is
/// `kernel::files::routes::Attach`.
pub fn attach(conn: &mut DbConn, actor: &Actor, id: i64, file: FileId, _stored: &Stored) -> AppResult<()> {
    let shown = notices::get(conn, actor, NoticeId(id))?;
    if !shown.manage {
        return Err(AppError::NotFound);
    }
    if !allowed(shown.notice.status, NoticeAction::Edit) {
        return Err(AppError::Conflict("notice.wrong_state"));
    }
    let n: i64 = notice_files::table.filter(notice_files::notice_id.eq(id)).count().get_result(conn)?;
    if n >= MAX_FILES as i64 {
        return Err(AppError::BadRequest("notice.too_many_files"));
    }
    diesel::insert_into(notice_files::table)
        .values((notice_files::notice_id.eq(id), notice_files::file_id.eq(file), notice_files::created_at.eq(now())))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("notice.attach", "notice", id).after(serde_json::json!({ "file": file })),
    )
}

/// Whether the actor may read notice `id` and `file` is one of its
/// attachments. The signature is `kernel::files::routes::Holds`.
pub fn holds(conn: &mut DbConn, actor: &Actor, id: i64, file: FileId) -> AppResult<bool> {
    match notices::get(conn, actor, NoticeId(id)) {
        Ok(_) => is_attached(conn, NoticeId(id), file),
        Err(AppError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

pub(super) fn is_attached(conn: &mut DbConn, id: NoticeId, file: FileId) -> AppResult<bool> {
    let n: i64 = notice_files::table
        .filter(notice_files::notice_id.eq(id).and(notice_files::file_id.eq(file)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The attachments of a notice the caller has already read through the
/// store, in the order added.
pub fn list(conn: &mut DbConn, n: &Notice) -> AppResult<Vec<FileRow>> {
    Ok(notice_files::table
        .inner_join(files::table)
        .filter(notice_files::notice_id.eq(n.id))
        .order(notice_files::id.asc())
        .select(FileRow::as_select())
        .load(conn)?)
}
