//! Members: replying to an invitation and signing in by the activity's QR code
//! (`activities::meeting`).

use axum::Router;

use crate::activities::meeting::{Facts, Meeting, ReplyForm, reply_route, signin_routes};
use crate::activities::model::{self, Reply};
use crate::activities::store::{activities, attendance};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::ActivityId;
use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities/{id}/reply", reply_route::<Activities>())
        .route("/activities/{id}/signin", signin_routes::<Activities>())
}

struct Activities;

impl Meeting for Activities {
    const AREA: &'static str = "activities";
    /// Confirmed, or an apology with its reason.
    type Reply = (Reply, String);

    fn parse_reply(f: &ReplyForm) -> AppResult<(Reply, String)> {
        let r =
            Reply::parse(&f.reply).filter(|r| *r != Reply::Pending).ok_or(AppError::BadRequest("form.bad_choice"))?;
        Ok((r, f.note.clone().unwrap_or_default()))
    }

    fn reply(conn: &mut DbConn, actor: &Actor, id: i64, (reply, note): (Reply, String)) -> AppResult<()> {
        attendance::reply(conn, actor, ActivityId(id), reply, &note)
    }

    fn facts(conn: &mut DbConn, actor: &Actor, id: i64, token: &str) -> AppResult<Facts> {
        let a = attendance::for_sign_in(conn, actor, ActivityId(id), token)?;
        let (office, locality, _) = activities::place_names(conn, &a)?;
        let own = crate::org::store::members::own_record(conn, actor)?.map(|m| m.id);
        let done = attendance::list(conn, a.id)?.iter().any(|x| Some(x.member_id) == own && x.attended);
        Ok(Facts {
            open: model::may_sign_in(a.planned_at, a.held_at, crate::kernel::time::now()),
            title: a.title,
            place: locality.unwrap_or(office),
            planned_at: Some(a.planned_at),
            done,
        })
    }

    fn sign_in(conn: &mut DbConn, actor: &Actor, id: i64, token: &str) -> AppResult<()> {
        attendance::sign_in(conn, actor, ActivityId(id), token).map(|_| ())
    }
}
