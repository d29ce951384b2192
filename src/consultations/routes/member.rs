//! Members: replying to an invitation and signing in by the consultation's QR
//! code (`activities::meeting`); departments reply from their list.

use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::post;
use axum::{Form, Router};
use tower_sessions::Session;

use crate::activities::meeting::{self, Facts, Meeting, reply_route, signin_routes};
use crate::consultations::model::Reply;
use crate::consultations::store::consultations as store;
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::ConsultationId;
use crate::kernel::state::AppState;
use crate::kernel::web::page::form_done;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consultations/{id}/reply", reply_route::<Consultations>())
        .route("/consultations/{id}/department-reply", post(department_reply))
        .route("/consultations/{id}/signin", signin_routes::<Consultations>())
}

/// A department's reply, from its list of agreed items and invitations.
async fn department_reply(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<meeting::ReplyForm>,
) -> AppResult<Redirect> {
    let result = async {
        let r = Consultations::parse_reply(&f)?;
        st.db.write(move |c| store::department_reply(c, &me, ConsultationId(id), r)).await
    }
    .await;
    form_done(&session, result, "activity.replied", "/consultations/items").await
}

struct Consultations;

impl Meeting for Consultations {
    const AREA: &'static str = "consultations";
    type Reply = Reply;

    /// Accepted or declined; no reason asked.
    fn parse_reply(f: &meeting::ReplyForm) -> AppResult<Reply> {
        Reply::parse(&f.reply).filter(|r| *r != Reply::Pending).ok_or(AppError::BadRequest("form.bad_choice"))
    }

    fn reply(conn: &mut DbConn, actor: &Actor, id: i64, reply: Reply) -> AppResult<()> {
        store::reply(conn, actor, ConsultationId(id), reply)
    }

    fn facts(conn: &mut DbConn, actor: &Actor, id: i64, token: &str) -> AppResult<Facts> {
        let c = store::for_sign_in(conn, actor, ConsultationId(id), token)?;
        let own = crate::org::store::members::own_record(conn, actor)?.map(|m| m.id);
        let done = store::attendees(conn, c.id)?.iter().any(|x| Some(x.member_id) == own && x.attended);
        Ok(Facts {
            open: store::may_sign_in(&c, crate::kernel::time::now()),
            title: c.title,
            place: c.place,
            planned_at: c.planned_at,
            done,
        })
    }

    fn sign_in(conn: &mut DbConn, actor: &Actor, id: i64, token: &str) -> AppResult<()> {
        store::sign_in(conn, actor, ConsultationId(id), token)
    }
}
