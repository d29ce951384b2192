//! Departments reply to their invitations from their list of agreed items.
//! (Members reply and sign in on the meeting routes: `crate::meetings`.)

use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::post;
use axum::{Form, Router};
use tower_sessions::Session;

use crate::consultations::store::departments;
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
use crate::kernel::ids::ConsultationId;
use crate::kernel::state::AppState;
use crate::kernel::web::page::form_done;
use crate::meetings::routes::ReplyForm;

pub fn router() -> Router<AppState> {
    Router::new().route("/consultations/{id}/department-reply", post(department_reply))
}

/// A department's reply, from its list of agreed items and invitations.
async fn department_reply(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ReplyForm>,
) -> AppResult<Redirect> {
    let result = match f.parse() {
        Ok((r, note)) => st.db.write(move |c| departments::reply(c, &me, ConsultationId(id), r, &note)).await,
        Err(e) => Err(e),
    };
    form_done(&session, result, "activity.replied", "/consultations/items").await
}
