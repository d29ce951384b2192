//! What the public sees of notices: published public notices, the
//! district's on the committee's front page and every office's on its
//! Members' Home page and in the committee's list. No account needed.

use diesel::prelude::*;

use super::notices::{Notice, office_name};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{files, notices};
use crate::kernel::error::AppResult;
use crate::kernel::files::FileRow;
use crate::kernel::ids::{CommitteeId, FileId, NoticeId, OfficeId};
use crate::notices::model::NoticeStatus;

/// Which public notices a list shows.
#[derive(Debug, Clone, Copy)]
pub enum Whose {
    /// Every public notice of the committee.
    All,
    /// The district's own (the front page).
    District,
    /// One office's (its Members' Home page).
    Office(OfficeId),
}

/// Published public notices, newest first, at most `limit`.
pub fn list(conn: &mut DbConn, committee: CommitteeId, whose: Whose, limit: i64) -> AppResult<Vec<Notice>> {
    let mut q = notices::table
        .filter(notices::committee_id.eq(committee))
        .filter(notices::public.eq(true).and(notices::status.eq(NoticeStatus::Published)))
        .into_boxed();
    q = match whose {
        Whose::All => q,
        Whose::District => q.filter(notices::office_id.is_null()),
        Whose::Office(o) => q.filter(notices::office_id.eq(o)),
    };
    Ok(q.order(notices::published_at.desc()).limit(limit).select(Notice::as_select()).load(conn)?)
}

/// A public notice as the public page shows it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub notice: Notice,
    /// The issuing office's name; `None`: the district.
    pub office: Option<String>,
    pub attached: Vec<FileRow>,
}

/// One published public notice of the committee, the issuing office's name
/// and its attachments.
pub fn one(conn: &mut DbConn, committee: CommitteeId, id: NoticeId) -> AppResult<Option<Shown>> {
    let n: Option<Notice> = notices::table
        .find(id)
        .filter(notices::committee_id.eq(committee))
        .filter(notices::public.eq(true).and(notices::status.eq(NoticeStatus::Published)))
        .select(Notice::as_select())
        .first(conn)
        .optional()?;
    let Some(n) = n else { return Ok(None) };
    let office = office_name(conn, n.office_id)?;
    let attached = super::files::list(conn, &n)?;
    Ok(Some(Shown { notice: n, office, attached }))
}

/// An attachment of a published public notice of the committee.
pub fn file(conn: &mut DbConn, committee: CommitteeId, id: NoticeId, file: FileId) -> AppResult<Option<FileRow>> {
    if one(conn, committee, id)?.is_none() || !super::files::is_attached(conn, id, file)? {
        return Ok(None);
    }
    Ok(files::table.find(file).select(FileRow::as_select()).first(conn).optional()?)
}
