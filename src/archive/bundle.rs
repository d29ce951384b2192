//! Building a bundle in the background: the office's records of the year
//! gathered as the requester may read them (their scope is checked again
//! here, since they may have lost it since asking), then one zip written to
//! a temporary file block by block — the contents, the lists and every
//! attachment named by its 档号 — and kept in the file store.

use std::io::Write;
use std::time::{Duration, Instant};

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::model::{Piece, attachment_name};
use super::store::bundles::{self, JOB};
use super::store::{self, books};
use super::toc::{self, Contents};
use crate::kernel::auth::store as accounts;
use crate::kernel::db::Db;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::FileStore;
use crate::kernel::ids::BundleId;
use crate::kernel::jobs::model::DEFAULT_MAX_ATTEMPTS;
use crate::kernel::jobs::worker::{JobCtx, Registry};
use crate::kernel::time::now;
use crate::kernel::web::i18n::Lang;

/// The progress shown is written at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

pub fn register(r: &mut Registry, files: FileStore) {
    r.register(JOB, move |ctx, payload| {
        let files = files.clone();
        async move { run(ctx, payload, files).await }
    });
}

/// A failure that trying again will not cure (the requester lost the right)
/// is shown on the bundle at once; anything else (the database away) is
/// retried by the queue, and shown as failed on the queue's last try, so a
/// bundle never stays "being built" and the reader can ask again.
async fn run(ctx: JobCtx, payload: serde_json::Value, files: FileStore) -> anyhow::Result<()> {
    let id = BundleId(payload.get("bundle").and_then(serde_json::Value::as_i64).unwrap_or_default());
    let db = ctx.db.clone();
    let Some(b) = db.read(move |c| bundles::for_worker(c, id)).await? else { return Ok(()) };
    if b.status.is_final() {
        return Ok(());
    }
    match build(&db, &files, id, b.requested_by, b.office_id, b.year).await {
        Ok((sha256, size)) => {
            for old in db.write(move |c| bundles::finished(c, id, &sha256, size)).await? {
                files.remove_made(&old).await;
            }
        }
        Err(e @ AppError::Internal(_)) if ctx.attempt < DEFAULT_MAX_ATTEMPTS => return Err(e.into()),
        Err(e) => {
            let reason = e.to_string();
            db.write(move |c| bundles::failed(c, id, &reason)).await?;
        }
    }
    Ok(())
}

async fn build(
    db: &Db,
    files: &FileStore,
    id: BundleId,
    requester: crate::kernel::ids::UserId,
    office: crate::kernel::ids::OfficeId,
    year: i32,
) -> AppResult<(String, i64)> {
    let (office_name, pieces, roster, duty) = db
        .read(move |c| {
            let user = accounts::find_unscoped(c, requester)?.filter(|u| !u.disabled).ok_or(AppError::NotFound)?;
            let s = store::scope(c, &user.actor(None), office, year, Lang::Zh)?;
            Ok((s.office_name.clone(), store::pieces(c, &s)?, books::roster_rows(c, &s)?, books::duty_rows(c, &s)?))
        })
        .await?;
    let names = attachment_names(&pieces, year, files);
    let total = names.iter().flatten().filter(|n| !n.ends_with(MISSING)).count();
    let (n_pieces, n_files) =
        (i32::try_from(pieces.len()).unwrap_or(i32::MAX), i32::try_from(total).unwrap_or(i32::MAX));
    db.write(move |c| bundles::started(c, id, n_pieces, n_files)).await?;

    let (spooled, file) = files.spool().create().await?;
    let file = file.into_std().await;
    let (db, files) = (db.clone(), files.clone());
    tokio::task::spawn_blocking(move || {
        let contents = Contents {
            office: &office_name,
            year,
            pieces: &pieces,
            names: &names,
            roster: &roster,
            duty: &duty,
            made: now(),
        };
        write_zip(file, &db, &files, id, &contents)?;
        files.put_made(spooled.path())
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("building bundle {id}: {e}")))?
}

/// What the contents say of an attachment missing from storage (lost from
/// the disk or the backup): the bundle is built without it and says so.
pub const MISSING: &str = "（缺失）";

/// Each piece's attachments as the bundle names them, under its category's
/// folder; one no longer in storage is named with [`MISSING`] and left out.
fn attachment_names(pieces: &[Piece], year: i32, files: &FileStore) -> Vec<Vec<String>> {
    pieces
        .iter()
        .map(|p| {
            let folder = format!("附件/{:02}{}", p.category.ordinal(), Lang::Zh.t(&p.category.label_key()));
            let reference = p.reference(year);
            p.files
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let name = format!("{folder}/{}", attachment_name(&reference, i + 1, &f.original_name));
                    let kept = files.local_path(&f.sha256).is_some_and(|p| p.is_file());
                    if kept { name } else { format!("{name}{MISSING}") }
                })
                .collect()
        })
        .collect()
}

fn zip_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing bundle: {e}"))
}

/// The zip: one folder named after the office and year, holding 目录.docx,
/// 清单.xlsx and 附件/. Attachments are stored as they are (photos and
/// documents are compressed already); the contents and lists are deflated.
fn write_zip(file: std::fs::File, db: &Db, files: &FileStore, id: BundleId, c: &Contents<'_>) -> AppResult<()> {
    let root = super::model::folder_name(&format!("{}{}年度政协工作档案", c.office, c.year));
    let mut zip = ZipWriter::new(std::io::BufWriter::new(file));
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).large_file(true);
    zip.start_file(format!("{root}/目录.docx"), deflated).map_err(zip_error)?;
    zip.write_all(&toc::docx(c)?).map_err(zip_error)?;
    zip.start_file(format!("{root}/清单.xlsx"), deflated).map_err(zip_error)?;
    zip.write_all(&toc::xlsx(c)?).map_err(zip_error)?;
    let (mut done, mut shown) = (0, Instant::now());
    for (p, names) in c.pieces.iter().zip(c.names) {
        for (f, name) in p.files.iter().zip(names).filter(|(_, n)| !n.ends_with(MISSING)) {
            let path = files.local_path(&f.sha256).ok_or(AppError::Conflict("archive.file_missing"))?;
            let mut from = std::fs::File::open(&path).map_err(zip_error)?;
            zip.start_file(format!("{root}/{name}"), stored).map_err(zip_error)?;
            std::io::copy(&mut from, &mut zip).map_err(zip_error)?;
            done += 1;
            if shown.elapsed() >= PROGRESS_EVERY {
                db.write_blocking(|conn| bundles::progress(conn, id, done))?;
                shown = Instant::now();
            }
        }
    }
    zip.finish().map_err(zip_error)?.flush().map_err(zip_error)?;
    Ok(())
}
