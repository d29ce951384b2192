//! Meetings in the database: invitations, replies, sign-in and attendance
//! (`attendees`), speakers' points (`speakers`) and the record's files
//! (`files`), one implementation over the link tables of activities and
//! consultations.
//!
//! The area that owns a meeting says, through `Host`, whether the actor may
//! see it, manage it, and what stage it is at; every function here that takes
//! a meeting's id asks its host before reading or writing, so a caller cannot
//! skip the check. The exceptions say so in their names or docs: a member's
//! own invitations (`attendees::upcoming`, by their member record) and the
//! photos of a public page (`files::*_unscoped`, after the area's public
//! store found the record public).

pub mod attendees;
pub mod files;
pub mod speakers;

use chrono::NaiveDateTime;

use super::model::Meeting;
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, OfficeId};

/// What an area tells the meetings module about one of its meetings, as one
/// actor may see it.
#[derive(Debug, Clone)]
pub struct Facts {
    pub meeting: Meeting,
    pub committee_id: CommitteeId,
    /// The office that holds it.
    pub office_id: OfficeId,
    pub title: String,
    pub planned_at: Option<NaiveDateTime>,
    pub held_at: Option<NaiveDateTime>,
    pub signin_token: String,
    /// Invitees may still answer (it is planned).
    pub replies_open: bool,
    /// The session may be signed into and its attendance and speakers kept
    /// (neither cancelled nor closed).
    pub session_open: bool,
    /// The actor manages it (its office's staff, the district).
    pub manage: bool,
}

impl Facts {
    pub fn require_manage(&self) -> AppResult<()> {
        if self.manage { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// Staff keep the session's attendance, speakers and files.
    pub fn require_session(&self) -> AppResult<()> {
        self.require_manage()?;
        if self.session_open { Ok(()) } else { Err(AppError::Conflict("meeting.session_closed")) }
    }
}

/// An area whose records are meetings.
pub trait Host: 'static {
    /// Its pages live at `/{AREA}/{id}`.
    const AREA: &'static str;
    /// The audit log's entity (`activity`, `consultation`); actions are
    /// `{ENTITY}.reply`, `{ENTITY}.sign_in`, `{ENTITY}.attendance`, ….
    const ENTITY: &'static str;

    /// The meeting if the actor may see it by the area's scope.
    fn visible(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Option<Facts>>;

    /// The meeting if it is in the actor's committee, whatever its office:
    /// an invitee from another office replies to it and signs in.
    fn in_committee(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Option<Facts>>;

    /// Where it is held, as members know the place (the sign-in page).
    fn place(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<String>;
}

/// The meeting the actor may see, else not found.
pub fn seen<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Facts> {
    H::visible(conn, actor, id)?.ok_or(AppError::NotFound)
}

/// Evaluates `$body` with `$t` naming the meeting's link table among the pair
/// given (the activity's, the consultation's) and `$col` its column holding
/// the meeting's id `$id`: diesel gives each table its own types, so a query
/// is written once here and compiled for each.
macro_rules! on_tables {
    ($m:expr, $activity:ident | $consultation:ident, $t:ident, $col:ident, $id:ident => $body:expr) => {
        match $m {
            $crate::meetings::model::Meeting::Activity($id) => {
                use $crate::kernel::db::schema::$activity as $t;
                let $col = $t::activity_id;
                $body
            }
            $crate::meetings::model::Meeting::Consultation($id) => {
                use $crate::kernel::db::schema::$consultation as $t;
                let $col = $t::consultation_id;
                $body
            }
        }
    };
}
pub(crate) use on_tables;
