//! Leave letters (请假函) in the database: issued for an invited member from
//! the meeting's page — by the member for themself, or by the staff who
//! manage the meeting — numbered per committee and Beijing year under the
//! prefix of the rules in force, kept as issued (the text is stored, so the
//! archive does not change when the roster does), and downloaded again as
//! often as needed. One letter per member and meeting: asking again gives
//! the same letter.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::rules;
use crate::funds::leave::{self, Letter};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activities, committees, consultations, leave_letters, members};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, ConsultationId, LetterId, MemberId, OfficeId};
use crate::kernel::time::now;
use crate::meetings::store::attendees;
use crate::meetings::{Facts, Host, Meeting};
use crate::org::store::members as roster;

/// A letter as listed on its meeting's page.
#[derive(Debug, Clone, Queryable)]
pub struct Issued {
    pub id: LetterId,
    pub number: String,
    pub member_id: MemberId,
    pub member: String,
    pub issued_at: NaiveDateTime,
}

impl Issued {
    pub fn href(&self) -> String {
        format!("/leave-letters/{}.docx", self.id)
    }
}

/// What a meeting's page shows of its letters: the actor's own, whether
/// they may ask for one, and (to those who manage it) every letter issued.
#[derive(Debug, Clone, Default)]
pub struct Letters {
    pub mine: Option<Issued>,
    /// The actor is an invited member of this meeting without a letter yet.
    pub may_ask: bool,
    pub manage: bool,
    pub list: Vec<Issued>,
}

fn issued_of(conn: &mut DbConn, m: Meeting) -> AppResult<Vec<Issued>> {
    let q = leave_letters::table
        .inner_join(members::table.on(members::id.eq(leave_letters::member_id)))
        .order(leave_letters::id.asc())
        .select((
            leave_letters::id,
            leave_letters::number,
            leave_letters::member_id,
            members::name,
            leave_letters::issued_at,
        ))
        .into_boxed();
    Ok(match m {
        Meeting::Activity(a) => q.filter(leave_letters::activity_id.eq(a)).load(conn)?,
        Meeting::Consultation(c) => q.filter(leave_letters::consultation_id.eq(c)).load(conn)?,
    })
}

/// The letters of meeting `id` as the actor may see them.
pub fn of_meeting<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Letters> {
    let Some(f) = H::in_committee(conn, actor, id)? else { return Ok(Letters::default()) };
    let all = issued_of(conn, f.meeting)?;
    let own = match actor.role {
        Role::Member => roster::own_record(conn, actor)?.map(|m| m.id),
        _ => None,
    };
    let invited = match own {
        Some(m) => attendees::entry(conn, &f, m)?.is_some_and(|a| a.invited),
        None => false,
    };
    let mine = own.and_then(|m| all.iter().find(|l| l.member_id == m).cloned());
    Ok(Letters {
        may_ask: invited && mine.is_none() && open(&f),
        mine,
        manage: f.manage,
        list: if f.manage { all } else { vec![] },
    })
}

/// Letters are for meetings to come or held, never for a cancelled one.
fn open(f: &Facts) -> bool {
    f.replies_open || f.session_open
}

/// The meeting's kind as the letter names it, and its length in minutes.
fn duty_of(conn: &mut DbConn, m: Meeting) -> AppResult<(&'static str, Option<i32>)> {
    Ok(match m {
        Meeting::Activity(a) => {
            ("委员活动", activities::table.find(a).select(activities::duration_minutes).first(conn)?)
        }
        Meeting::Consultation(c) => {
            ("协商议事", consultations::table.find(c).select(consultations::duration_minutes).first(conn)?)
        }
    })
}

/// Issues (or finds) the letter of `member` for meeting `id`: the member
/// for themself, or staff who manage the meeting for an invitee. Returns
/// the letter's id.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id, user = %actor.user_id))]
pub fn issue<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64, member: MemberId) -> AppResult<LetterId> {
    let f = H::in_committee(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let own = roster::own_record(conn, actor)?.map(|m| m.id);
    if !f.manage && own != Some(member) {
        return Err(AppError::NotFound);
    }
    let entry = attendees::entry(conn, &f, member)?;
    if !entry.is_some_and(|a| a.invited) {
        return Err(AppError::BadRequest("leave.not_invited"));
    }
    if let Some(l) = issued_of(conn, f.meeting)?.into_iter().find(|l| l.member_id == member) {
        return Ok(l.id);
    }
    if !open(&f) {
        return Err(AppError::Conflict("leave.cancelled"));
    }
    let m = roster::get_unscoped(conn, actor.committee_id, member)?.ok_or(AppError::NotFound)?;
    if m.employer.trim().is_empty() {
        return Err(AppError::BadRequest("leave.no_employer"));
    }
    let at = now();
    let issued = shanghai_date(at);
    let rule = rules::in_force(conn, actor, issued)?.ok_or(AppError::Conflict("leave.no_rule"))?;
    let (kind, minutes) = duty_of(conn, f.meeting)?;
    let from = shanghai_date(f.held_at.or(f.planned_at).unwrap_or(at));
    let days = i64::from(minutes.unwrap_or(0).clamp(0, crate::duty::time::MAX_MINUTES)).div_euclid(24 * 60);
    let to = from + Duration::days(days);
    let (committee, phone): (String, Option<String>) =
        committees::table.find(actor.committee_id).select((committees::name, committees::public_phone)).first(conn)?;
    let issuer = format!("{committee}办公室");
    let year = leave::letter_year(at);
    crate::kernel::db::serialise(conn, &format!("leave letters {} {year}", actor.committee_id))?;
    let highest: Option<i32> = leave_letters::table
        .filter(leave_letters::committee_id.eq(actor.committee_id).and(leave_letters::year.eq(year)))
        .select(diesel::dsl::max(leave_letters::serial))
        .first(conn)?;
    let serial = leave::next_serial(highest);
    let letter = Letter {
        number: leave::doc_number(&rule.letter_prefix, year, serial),
        employer: m.employer.trim().to_string(),
        member: m.name.clone(),
        committee: committee.clone(),
        duty: f.title.clone(),
        kind: kind.to_string(),
        from,
        to,
        place: H::place(conn, actor, id)?,
        rule_title: rule.title.clone(),
        rule_clause: rule.leave_clause.clone(),
        issuer: issuer.clone(),
        issued,
        contact: phone.map(|p| format!("{issuer} {p}")).unwrap_or_default(),
    };
    let body = serde_json::to_string(&letter).map_err(|e| AppError::Internal(e.into()))?;
    let (activity, consultation) = match f.meeting {
        Meeting::Activity(a) => (Some(a), None::<ConsultationId>),
        Meeting::Consultation(c) => (None::<ActivityId>, Some(c)),
    };
    let new: LetterId = diesel::insert_into(leave_letters::table)
        .values((
            leave_letters::committee_id.eq(actor.committee_id),
            leave_letters::office_id.eq(Some(f.office_id)),
            leave_letters::year.eq(year),
            leave_letters::serial.eq(serial),
            leave_letters::number.eq(&letter.number),
            leave_letters::member_id.eq(member),
            leave_letters::activity_id.eq(activity),
            leave_letters::consultation_id.eq(consultation),
            leave_letters::rule_id.eq(rule.id),
            leave_letters::employer.eq(&letter.employer),
            leave_letters::body.eq(&body),
            leave_letters::issued_by.eq(actor.user_id),
            leave_letters::issued_at.eq(at),
        ))
        .returning(leave_letters::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("leave_letter.issue", "leave_letter", new).after(serde_json::json!({
            "number": letter.number, "member_id": member, "activity_id": activity, "consultation_id": consultation,
        })),
    )?;
    Ok(new)
}

/// A letter as issued, for its member, the staff of the meeting's office,
/// the district and leaders; not found for anyone else.
pub fn get(conn: &mut DbConn, actor: &Actor, id: LetterId) -> AppResult<(Letter, NaiveDateTime)> {
    let (office, member, body, issued_at): (Option<OfficeId>, MemberId, String, NaiveDateTime) = leave_letters::table
        .find(id)
        .filter(leave_letters::committee_id.eq(actor.committee_id))
        .select((leave_letters::office_id, leave_letters::member_id, leave_letters::body, leave_letters::issued_at))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let own = roster::own_record(conn, actor)?.is_some_and(|m| m.id == member);
    let staff = matches!(actor.role, Role::DistrictAdmin | Role::Leader | Role::OfficeStaff)
        && office.is_none_or(|o| actor.sees_office(o));
    if !(own || staff) {
        return Err(AppError::NotFound);
    }
    let letter: Letter = serde_json::from_str(&body).map_err(|e| AppError::Internal(e.into()))?;
    Ok((letter, issued_at))
}
