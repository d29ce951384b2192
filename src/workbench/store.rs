//! The workbench in one read, through the areas' stores (each scopes by the
//! acting member), and the one write it adds: a member files what they heard.

use chrono::{Datelike, Duration};

use super::model::{self, SignIn};
use crate::activities::model::{Mark, Quarter};
use crate::activities::store::{Activities, coverage, heard};
use crate::consultations::store::Consultations;
use crate::duty::scores;
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::Stored;
use crate::kernel::ids::{ActivityId, CategoryId, OpinionId};
use crate::kernel::time::{now, start_of_local_day, today};
use crate::meetings::Reply;
use crate::meetings::store::Host;
use crate::meetings::store::attendees::{self, Invitation, Kind, Line};
use crate::opinions::model::Status;
use crate::opinions::store::cases::{self, HeardByMember, HeardCase, InboxFilter, InboxRow};
use crate::opinions::store::catalog::{self, Category};
use crate::opinions::store::links;
use crate::org::store::members;
use crate::proposals::model::Status as ProposalStatus;
use crate::proposals::store::proposals::{self as proposal_store, Filter as ProposalFilter, Proposal};

/// How many of the member's own filings the page lists.
const MINE_SHOWN: usize = 5;

/// A meeting of today on the member's list.
#[derive(Debug, Clone)]
pub struct TodayMeeting {
    pub line: Line,
    pub place: String,
    pub sign_in: SignIn,
}

impl TodayMeeting {
    /// Its page (`/activities/3`), whose area also names its reply route.
    pub fn area(&self) -> &'static str {
        area(self.line.kind)
    }
    pub fn signed_in(&self) -> bool {
        self.sign_in == SignIn::Done
    }
    pub fn sign_in_open(&self) -> bool {
        self.sign_in == SignIn::Open
    }
    pub fn ended(&self) -> bool {
        self.sign_in == SignIn::Ended
    }
}

/// An invitation to come, with the kind of meeting it is to.
#[derive(Debug, Clone)]
pub struct Invited {
    pub kind: Kind,
    pub invitation: Invitation,
}

impl Invited {
    pub fn area(&self) -> &'static str {
        area(self.kind)
    }
    pub fn pending(&self) -> bool {
        self.invitation.reply == Reply::Pending
    }
}

fn area(kind: Kind) -> &'static str {
    match kind {
        Kind::Activity => Activities::AREA,
        Kind::Consultation => Consultations::AREA,
    }
}

pub use crate::dashboard::queue::Point;

/// Everything the member's phone shows.
#[derive(Debug, Clone)]
pub struct Workbench {
    pub name: String,
    pub office: Option<String>,
    pub today: Vec<TodayMeeting>,
    /// Invitations to meetings from today on, to answer or answered.
    pub invited: Vec<Invited>,
    /// Cases routed to the member, to sign for or to answer.
    pub cases: Vec<InboxRow>,
    /// The member's proposals answered by their unit, for them to rate.
    pub to_rate: Vec<Proposal>,
    pub quarter: Quarter,
    pub points: Vec<Point>,
    /// Activities the member was at lately, to name where an opinion was heard.
    pub heard_at: Vec<Line>,
    pub categories: Vec<Category>,
    /// The member's latest filings, newest first.
    pub mine: Vec<HeardCase>,
    pub year: i32,
    pub score: i32,
    pub half_days: i32,
    pub expected_days: i32,
}

impl Workbench {
    /// How many things wait for the member: replies, cases, points without a visit.
    pub fn waiting(&self) -> usize {
        self.invited.iter().filter(|i| i.pending()).count()
            + self.cases.len()
            + self.to_rate.len()
            + self.points.iter().filter(|p| p.mark == Mark::Missing).count()
    }
}

/// The acting member's record; a workbench is a member's alone.
fn own(conn: &mut DbConn, actor: &Actor) -> AppResult<members::Member> {
    if actor.role != Role::Member {
        return Err(AppError::NotFound);
    }
    members::own_record(conn, actor)?.ok_or(AppError::NotFound)
}

/// The acting member's workbench; not found for anyone else.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn gather(conn: &mut DbConn, actor: &Actor) -> AppResult<Workbench> {
    let me = own(conn, actor)?;
    let profile = members::profile(conn, actor, me.id)?;
    let day = today();
    let (start, end) = (start_of_local_day(day), start_of_local_day(day + Duration::days(1)));
    let mut todays = vec![];
    for kind in [Kind::Activity, Kind::Consultation] {
        for line in attendees::lines_between(conn, actor, kind, start, end)? {
            let (open, place) = match kind {
                Kind::Activity => (
                    attendees::sign_in_open::<Activities>(conn, actor, line.id)?,
                    Activities::place(conn, actor, line.id)?,
                ),
                Kind::Consultation => (
                    attendees::sign_in_open::<Consultations>(conn, actor, line.id)?,
                    Consultations::place(conn, actor, line.id)?,
                ),
            };
            // Under way or over, and no longer open: ended for the member.
            let ended = line.held_at.is_some() || line.planned_at.is_some_and(|p| p <= now());
            todays.push(TodayMeeting { sign_in: SignIn::of(line.attended, open, ended), place, line });
        }
    }
    todays.sort_by_key(|t| t.line.at());
    let mut invited = vec![];
    for kind in [Kind::Activity, Kind::Consultation] {
        invited
            .extend(attendees::upcoming(conn, actor, kind)?.into_iter().map(|invitation| Invited { kind, invitation }));
    }
    invited.sort_by_key(|i| (!i.pending(), i.invitation.planned_at));
    let routed = InboxFilter {
        mine: true,
        statuses: Some(vec![Status::Assigned, Status::InProgress]),
        ..InboxFilter::default()
    };
    let quarter = Quarter::of(day);
    let points = coverage::own_points(conn, actor, quarter)?
        .into_iter()
        .map(|(place, office, mark)| Point { place, office, mark })
        .collect();
    let (since, until) = heard::heard_window(day);
    let heard_at = attendees::lines_between(conn, actor, Kind::Activity, since, until)?;
    let year = day.year();
    let mut mine = cases::heard_by_unscoped(conn, me.id, year)?;
    mine.reverse();
    mine.truncate(MINE_SHOWN);
    let score = scores::member_score(conn, actor, me.id, year)?;
    // A co-signer sees the answer; the proposer rates it.
    let answered = ProposalFilter { status: Some(ProposalStatus::Answered), ..ProposalFilter::default() };
    let to_rate = proposal_store::list(conn, actor, &answered)?
        .into_iter()
        .map(|r| r.p)
        .filter(|p| p.member_id == me.id)
        .collect();
    Ok(Workbench {
        name: me.name,
        office: profile.office.map(|(_, name)| name),
        today: todays,
        invited,
        cases: cases::inbox(conn, actor, &routed)?,
        to_rate,
        quarter,
        points,
        heard_at,
        categories: catalog::categories(conn, actor)?.into_iter().filter(|c| c.active).collect(),
        mine,
        year,
        score: score.total,
        half_days: score.half_days,
        expected_days: scores::expected_days(conn, actor, year, day)?,
    })
}

/// What the member filed, with the resident's contact already encrypted.
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub key: String,
    pub body: String,
    pub activity: Option<ActivityId>,
    pub category: Option<CategoryId>,
    pub name_enc: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_index: Option<String>,
}

/// A filed case: its id and tracking code, and whether this send made it
/// (false: the same draft came before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub id: OpinionId,
    pub code: String,
    pub new: bool,
}

/// The acting member files an opinion they heard, with its photos, once per
/// draft key: heard at an activity they were at lately, it goes to that
/// activity's office and place and is listed on it; otherwise to their own
/// office. The case is the opinion box's (`cases::enter_heard_by_member`),
/// named as heard by the member, never urgent.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, photos = photos.len()))]
pub fn file(conn: &mut DbConn, actor: &Actor, f: &Filing, photos: &[Stored]) -> AppResult<Filed> {
    let me = own(conn, actor)?;
    if !model::valid_key(&f.key) {
        return Err(AppError::BadRequest("workbench.bad_key"));
    }
    let system = model::system(me.id);
    // Sent before: the first case, whatever this send says.
    if let Some(first) = filed_by_key(conn, actor, &f.key)? {
        return Ok(first);
    }
    let at = match f.activity {
        Some(a) => Some(heard::heard_at_own(conn, actor, a)?),
        None => None,
    };
    let h = HeardByMember {
        category_id: f.category,
        body: f.body.clone(),
        name_enc: f.name_enc.clone(),
        phone_enc: f.phone_enc.clone(),
        phone_index: f.phone_index.clone(),
    };
    let (id, new) = links::enter_heard_by_member_once(conn, actor, at, &h, photos, &system, &f.key)?;
    let code = cases::get(conn, actor, id)?.ok_or(AppError::NotFound)?.code;
    Ok(Filed { id, code, new })
}

/// The case a draft key filed for the acting member, if any: the answer to a
/// second send, looked up before its photos are read, or one that raced the
/// first (`links::enter_heard_by_member_once` refuses it).
pub fn filed_by_key(conn: &mut DbConn, actor: &Actor, key: &str) -> AppResult<Option<Filed>> {
    let me = own(conn, actor)?;
    let Some(id) = links::find_unscoped(conn, actor.committee_id, &model::system(me.id), key)? else { return Ok(None) };
    Ok(cases::get(conn, actor, id)?.map(|o| Filed { id, code: o.code, new: false }))
}
