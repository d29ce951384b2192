//! Activities as meetings (`crate::meetings`): who may see and manage one, and
//! when its invitees may answer and sign in.

use super::activities::{self as store, Activity};
use crate::activities::model::Status;
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::ActivityId;
use crate::meetings::{Facts, Host, Meeting};

/// The activities area as a host of meetings.
pub struct Activities;

impl Host for Activities {
    const AREA: &'static str = "activities";
    const ENTITY: &'static str = "activity";

    fn visible(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Option<Facts>> {
        Ok(store::get(conn, actor, ActivityId(id))?.map(|a| facts(actor, a)))
    }

    fn in_committee(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Option<Facts>> {
        Ok(store::in_committee(conn, actor, ActivityId(id))?.map(|a| facts(actor, a)))
    }

    /// The village or community visited, else the office.
    fn place(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<String> {
        let a = store::in_committee(conn, actor, ActivityId(id))?.ok_or(AppError::NotFound)?;
        let (office, locality, _) = store::place_names(conn, &a)?;
        Ok(locality.unwrap_or(office))
    }
}

fn facts(actor: &Actor, a: Activity) -> Facts {
    Facts {
        meeting: Meeting::Activity(a.id),
        committee_id: a.committee_id,
        office_id: a.office_id,
        planned_at: Some(a.planned_at),
        held_at: a.held_at,
        replies_open: a.status == Status::Planned,
        session_open: a.status != Status::Cancelled,
        manage: store::can_manage(actor, a.office_id),
        title: a.title,
        signin_token: a.signin_token,
    }
}
