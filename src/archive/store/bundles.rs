//! Bundle rows: asked for by a reader of the archive, built by a worker
//! (`archive::bundle`), kept for download.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Scope;
use crate::archive::model::{self, BundleStatus};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{archive_bundles, files, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{BundleId, CommitteeId, OfficeId, UserId};
use crate::kernel::jobs;
use crate::kernel::time::now;

/// The job that builds a bundle.
pub const JOB: &str = "archive.bundle";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = archive_bundles)]
pub struct Bundle {
    pub id: BundleId,
    pub committee_id: CommitteeId,
    pub office_id: OfficeId,
    pub year: i32,
    pub status: BundleStatus,
    pub files_done: i32,
    pub files_total: i32,
    pub pieces: i32,
    pub sha256: Option<String>,
    pub size: Option<i64>,
    pub error: Option<String>,
    pub requested_by: UserId,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl Bundle {
    pub fn percent(&self) -> i32 {
        model::percent(self.files_done, self.files_total, self.status)
    }
}

/// A bundle still unfinished after this long was left by a worker that
/// died; asking again builds a new one.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// Asks for the bundle of the scope's office and year. One being built
/// already is the answer (a second click does not build it twice).
#[tracing::instrument(level = "debug", skip_all, fields(user = %s.actor.user_id, office = %s.office, year = s.year))]
pub fn request(conn: &mut DbConn, s: &Scope) -> AppResult<BundleId> {
    let building: Option<BundleId> = archive_bundles::table
        .filter(archive_bundles::committee_id.eq(s.actor.committee_id))
        .filter(archive_bundles::office_id.eq(s.office).and(archive_bundles::year.eq(s.year)))
        .filter(archive_bundles::status.eq_any([BundleStatus::Queued, BundleStatus::Running]))
        .filter(archive_bundles::created_at.gt(now() - GIVE_UP_AFTER))
        .select(archive_bundles::id)
        .first(conn)
        .optional()?;
    if let Some(id) = building {
        return Ok(id);
    }
    let at = now();
    let id: BundleId = diesel::insert_into(archive_bundles::table)
        .values((
            archive_bundles::committee_id.eq(s.actor.committee_id),
            archive_bundles::office_id.eq(s.office),
            archive_bundles::year.eq(s.year),
            archive_bundles::status.eq(BundleStatus::Queued),
            archive_bundles::files_done.eq(0),
            archive_bundles::files_total.eq(0),
            archive_bundles::pieces.eq(0),
            archive_bundles::requested_by.eq(s.actor.user_id),
            archive_bundles::created_at.eq(at),
        ))
        .returning(archive_bundles::id)
        .get_result(conn)?;
    jobs::store::enqueue(conn, JOB, &serde_json::json!({ "bundle": id }), at, Some(&format!("{JOB}:{id}")))?;
    audit::record(
        conn,
        Who::User(&s.actor),
        Change::new("archive.bundle", "archive_bundle", id)
            .after(serde_json::json!({ "office": s.office, "year": s.year })),
    )?;
    Ok(id)
}

/// A bundle with its office's name, if the actor may read that office's archive.
pub fn get(conn: &mut DbConn, actor: &Actor, id: BundleId) -> AppResult<(Bundle, String)> {
    let (b, office): (Bundle, String) = archive_bundles::table
        .inner_join(offices::table)
        .filter(archive_bundles::id.eq(id).and(archive_bundles::committee_id.eq(actor.committee_id)))
        .select((Bundle::as_select(), offices::name))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if !model::may_read(actor, b.office_id) {
        return Err(AppError::NotFound);
    }
    Ok((b, office))
}

/// The latest bundles of the scope's office and year, newest first.
pub fn of_year(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Bundle>> {
    Ok(archive_bundles::table
        .filter(archive_bundles::committee_id.eq(s.actor.committee_id))
        .filter(archive_bundles::office_id.eq(s.office).and(archive_bundles::year.eq(s.year)))
        .order(archive_bundles::id.desc())
        .limit(5)
        .select(Bundle::as_select())
        .load(conn)?)
}

/// The bundle a worker builds (no reader: the job re-checks the requester).
pub fn for_worker(conn: &mut DbConn, id: BundleId) -> AppResult<Option<Bundle>> {
    Ok(archive_bundles::table.find(id).select(Bundle::as_select()).first(conn).optional()?)
}

pub fn started(conn: &mut DbConn, id: BundleId, pieces: i32, files_total: i32) -> AppResult<()> {
    diesel::update(archive_bundles::table.find(id))
        .set((
            archive_bundles::status.eq(BundleStatus::Running),
            archive_bundles::pieces.eq(pieces),
            archive_bundles::files_total.eq(files_total),
            archive_bundles::files_done.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn progress(conn: &mut DbConn, id: BundleId, files_done: i32) -> AppResult<()> {
    diesel::update(archive_bundles::table.find(id)).set(archive_bundles::files_done.eq(files_done)).execute(conn)?;
    Ok(())
}

/// Marks the bundle done and the office's older ones of that year beyond
/// [`model::BUNDLES_KEPT`] replaced. Returns the hashes of the zips no row
/// holds any more, for the caller to delete once this is committed (the
/// writer runs it in one transaction).
pub fn finished(conn: &mut DbConn, id: BundleId, sha256: &str, size: i64) -> AppResult<Vec<String>> {
    mark_done(conn, id, sha256, size)?;
    replace_older(conn, id)
}

fn mark_done(conn: &mut DbConn, id: BundleId, sha256: &str, size: i64) -> AppResult<()> {
    diesel::update(archive_bundles::table.find(id))
        .set((
            archive_bundles::status.eq(BundleStatus::Done),
            archive_bundles::sha256.eq(Some(sha256)),
            archive_bundles::size.eq(Some(size)),
            archive_bundles::files_done.eq(archive_bundles::files_total),
            archive_bundles::finished_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

fn replace_older(conn: &mut DbConn, id: BundleId) -> AppResult<Vec<String>> {
    let Some(b) = for_worker(conn, id)? else { return Ok(vec![]) };
    let done: Vec<(BundleId, Option<String>)> = archive_bundles::table
        .filter(archive_bundles::committee_id.eq(b.committee_id))
        .filter(archive_bundles::office_id.eq(b.office_id).and(archive_bundles::year.eq(b.year)))
        .filter(archive_bundles::status.eq(BundleStatus::Done))
        // Newest finished, not newest asked: a slow older one finishing last is the latest.
        .order((archive_bundles::finished_at.desc(), archive_bundles::id.desc()))
        .select((archive_bundles::id, archive_bundles::sha256))
        .load(conn)?;
    let old = model::to_replace(&done.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    if old.is_empty() {
        return Ok(vec![]);
    }
    diesel::update(archive_bundles::table.filter(archive_bundles::id.eq_any(&old)))
        .set((archive_bundles::status.eq(BundleStatus::Replaced), archive_bundles::sha256.eq(None::<String>)))
        .execute(conn)?;
    let mut gone = vec![];
    for sha in done.into_iter().filter(|(id, _)| old.contains(id)).filter_map(|(_, sha)| sha) {
        // Zips are kept by their hash: one still held by another bundle or
        // an uploaded file stays.
        let held: i64 = archive_bundles::table.filter(archive_bundles::sha256.eq(&sha)).count().get_result(conn)?;
        let uploaded: i64 = files::table.filter(files::sha256.eq(&sha)).count().get_result(conn)?;
        if held == 0 && uploaded == 0 && !gone.contains(&sha) {
            gone.push(sha);
        }
    }
    Ok(gone)
}

/// A bundle that could not be built: the reader sees that it failed and may
/// ask again; the reason stays for the operator.
pub fn failed(conn: &mut DbConn, id: BundleId, error: &str) -> AppResult<()> {
    let error: String = error.chars().take(500).collect();
    diesel::update(archive_bundles::table.find(id))
        .set((
            archive_bundles::status.eq(BundleStatus::Failed),
            archive_bundles::error.eq(Some(error)),
            archive_bundles::finished_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}
