//! The routes of a record's files, for any area whose records carry photos and
//! documents: the upload form's `POST /…/{id}/…` and `GET /…/{id}/files/{file}`.
//! The area says how a file is attached and whether the actor may see it.

use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use tower_sessions::Session;

use super::{Accept, Stored, find_row, insert_row};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::FileId;
use crate::kernel::state::AppState;
use crate::kernel::web::page::form_done;

/// Links a newly stored file to record `id`, with the record's checks.
pub type Attach = fn(&mut DbConn, &Actor, i64, FileId, &Stored) -> AppResult<()>;

/// Whether the actor may see record `id` and the file is one of its own.
pub type Holds = fn(&mut DbConn, &Actor, i64, FileId) -> AppResult<bool>;

/// An upload form's `POST` (photos and documents, at most `max_files`);
/// then back to `back(id)`.
pub fn upload<B>(max_files: usize, attach: Attach, back: B) -> MethodRouter<AppState>
where
    B: Fn(i64) -> String + Clone + Send + Sync + 'static,
{
    post(move |st: State<AppState>, session: Session, me: CurrentUser, Path(id): Path<i64>, mp: Multipart| async move {
        let result = store_and_attach(&st, me.0, id, mp, max_files, attach).await;
        form_done(&session, result, "activity.files_added", &back(id)).await
    })
}

/// `GET` of one of a record's files, when `holds` says so.
pub fn download(holds: Holds) -> MethodRouter<AppState> {
    get(move |st: State<AppState>, me: CurrentUser, Path((id, file)): Path<(i64, i64)>| async move {
        send(&st, me.0, id, FileId(file), holds).await
    })
}

/// Each file is checked and stored first, then the file rows commit together
/// with `attach`, so that a refused file leaves no row.
async fn store_and_attach(
    st: &AppState,
    me: Actor,
    id: i64,
    mp: Multipart,
    max_files: usize,
    attach: Attach,
) -> AppResult<()> {
    let (_, stored) = st.files.read_and_store(mp, max_files, Accept::ImagesAndDocuments).await?;
    if stored.is_empty() {
        return Err(AppError::BadRequest("activity.no_file"));
    }
    st.db
        .write(move |c| {
            for s in &stored {
                let f = insert_row(c, &me, s)?;
                attach(c, &me, id, f, s)?;
            }
            Ok(())
        })
        .await
}

/// "Not found" unless `holds`, so that nobody learns which files exist.
async fn send(st: &AppState, me: Actor, id: i64, file: FileId, holds: Holds) -> AppResult<Response> {
    let row = st
        .db
        .read(move |c| {
            if !holds(c, &me, id, file)? {
                return Err(AppError::NotFound);
            }
            find_row(c, &me, file)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    st.files.respond(&row, crate::kernel::files::Audience::Private).await
}
