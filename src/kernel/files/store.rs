//! `files` rows: one per upload, in the uploader's committee.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::Stored;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::files;
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, FileId, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = files)]
pub struct FileRow {
    pub id: FileId,
    pub committee_id: CommitteeId,
    pub sha256: String,
    pub content_type: String,
    pub size: i64,
    pub original_name: String,
    pub uploaded_by: Option<UserId>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = files)]
struct NewRow<'a> {
    committee_id: CommitteeId,
    sha256: &'a str,
    content_type: &'a str,
    size: i64,
    original_name: &'a str,
    uploaded_by: Option<UserId>,
    created_at: NaiveDateTime,
}

/// Records an upload by `actor` in its committee, with an audit entry. Call it
/// in the transaction that attaches the file to its record.
#[tracing::instrument(level = "debug", skip(conn, actor, stored), fields(sha256 = %stored.sha256, size = stored.size))]
pub fn insert_row(conn: &mut DbConn, actor: &Actor, stored: &Stored) -> AppResult<FileId> {
    let id: FileId = diesel::insert_into(files::table)
        .values(NewRow {
            committee_id: actor.committee_id,
            sha256: &stored.sha256,
            content_type: &stored.content_type,
            size: stored.size,
            original_name: &stored.original_name,
            uploaded_by: Some(actor.user_id),
            created_at: Utc::now().naive_utc(),
        })
        .returning(files::id)
        .get_result(conn)?;
    audit::record(conn, Who::User(actor), Change::new("file.upload", "file", id).after(stored))?;
    Ok(id)
}

/// Records a file a resident sent through a public form (no account).
#[tracing::instrument(level = "debug", skip(conn, stored), fields(sha256 = %stored.sha256, size = stored.size))]
pub fn insert_public_row(conn: &mut DbConn, committee_id: CommitteeId, stored: &Stored) -> AppResult<FileId> {
    let id: FileId = diesel::insert_into(files::table)
        .values(NewRow {
            committee_id,
            sha256: &stored.sha256,
            content_type: &stored.content_type,
            size: stored.size,
            original_name: &stored.original_name,
            uploaded_by: None,
            created_at: Utc::now().naive_utc(),
        })
        .returning(files::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::System { committee_id: Some(committee_id), name: "public form" },
        Change::new("file.upload", "file", id).after(stored),
    )?;
    Ok(id)
}

/// A file row of the actor's committee; any other committee's id is `None`.
/// Office scope is the business of the record the file belongs to: callers
/// reach a file through that record, and this is the second fence.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn find_row(conn: &mut DbConn, actor: &Actor, id: FileId) -> AppResult<Option<FileRow>> {
    Ok(files::table
        .find(id)
        .filter(files::committee_id.eq(actor.committee_id))
        .select(FileRow::as_select())
        .first(conn)
        .optional()?)
}
