//! Consultations as meetings (`crate::meetings`): who may see and manage a
//! session, and when its invitees may answer and sign in.

use super::consultations::{self as store, Consultation};
use crate::consultations::model::meeting_stage;
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::ConsultationId;
use crate::meetings::{Facts, Host, Meeting};

/// The consultations area as a host of meetings.
pub struct Consultations;

impl Host for Consultations {
    const AREA: &'static str = "consultations";
    const ENTITY: &'static str = "consultation";

    fn visible(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Option<Facts>> {
        Ok(store::get(conn, actor, ConsultationId(id))?.map(|c| facts(actor, c)))
    }

    fn in_committee(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Option<Facts>> {
        Ok(store::in_committee(conn, actor, ConsultationId(id))?.map(|c| facts(actor, c)))
    }

    fn place(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<String> {
        Ok(store::in_committee(conn, actor, ConsultationId(id))?.ok_or(AppError::NotFound)?.place)
    }
}

fn facts(actor: &Actor, c: Consultation) -> Facts {
    let (replies_open, session_open) = meeting_stage(c.status);
    Facts {
        meeting: Meeting::Consultation(c.id),
        committee_id: c.committee_id,
        office_id: c.office_id,
        planned_at: c.planned_at,
        held_at: c.held_at,
        replies_open,
        session_open,
        manage: store::can_manage(actor, c.office_id),
        title: c.title,
        signin_token: c.signin_token,
    }
}
