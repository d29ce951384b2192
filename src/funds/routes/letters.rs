//! Leave letters: asked for from a meeting's page (`POST /activities/{id}/leave-letter`,
//! the same under /consultations), then downloaded as Word
//! (`/leave-letters/{id}.docx`). Who may do which is `funds::store::letters`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::activities::store::Activities;
use crate::consultations::store::Consultations;
use crate::funds::leave;
use crate::funds::store::letters;
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{Kind as FileKind, attachment};
use crate::kernel::ids::{LetterId, MemberId};
use crate::kernel::state::AppState;
use crate::kernel::web::form;
use crate::kernel::web::page::form_done;
use crate::meetings::Host;
use crate::org::store::members;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities/{id}/leave-letter", issue::<Activities>())
        .route("/consultations/{id}/leave-letter", issue::<Consultations>())
        .route("/leave-letters/{file}", get(download))
}

#[derive(Deserialize)]
struct IssueForm {
    /// Staff issue for an invitee; a member asks for their own.
    member: Option<String>,
}

fn issue<H: Host>() -> MethodRouter<AppState> {
    post(
        move |State(st): State<AppState>,
              session: Session,
              CurrentUser(me): CurrentUser,
              Path(id): Path<i64>,
              Form(f): Form<IssueForm>| async move {
            let back = format!("/{}/{id}#leave-letters", H::AREA);
            let member = form::id(&f.member).map(|m| m.map(MemberId));
            let result = st
                .db
                .write(move |c| {
                    let member = match member? {
                        Some(m) => m,
                        None => members::own_id(c, &me)?,
                    };
                    letters::issue::<H>(c, &me, id, member)
                })
                .await;
            match result {
                Ok(letter) => Ok::<_, AppError>(Redirect::to(&format!("/leave-letters/{letter}.docx")).into_response()),
                Err(e) => Ok(form_done(&session, Err(e), "", &back).await?.into_response()),
            }
        },
    )
}

async fn download(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let id: i64 = file.strip_suffix(".docx").and_then(|n| n.parse().ok()).ok_or(AppError::NotFound)?;
    let (letter, issued_at) = st.db.read(move |c| letters::get(c, &me, LetterId(id))).await?;
    let name = format!("请假函_{}_{}.docx", crate::activities::export::file_part(&letter.member, 20), letter.number);
    let bytes = tokio::task::spawn_blocking(move || leave::docx(&letter, issued_at))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing a leave letter failed: {e}")))??;
    Ok(attachment(bytes, FileKind::Docx, &name))
}
