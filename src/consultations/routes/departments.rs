//! Departments reply to their invitations from their list of agreed items.
//! (Members reply and sign in on the meeting routes: `crate::meetings`.)

use axum::Router;

use crate::consultations::store::departments;
use crate::kernel::ids::ConsultationId;
use crate::kernel::state::AppState;
use crate::kernel::web::action::action;
use crate::meetings::routes::ReplyForm;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/consultations/{id}/department-reply",
        action(
            "activity.replied",
            |_| "/consultations/items".into(),
            |c, me, id, f: ReplyForm| {
                let (reply, note) = f.parse()?;
                departments::reply(c, me, ConsultationId(id), reply, &note)
            },
        ),
    )
}
