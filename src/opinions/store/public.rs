//! The resident's side of the opinion box, with no login: the box's form and
//! its limits, filing a case with its photos, the tracking page and the
//! rating. Nothing here takes an actor: the committee's code (the box's
//! address) and the tracking code (the resident's only key to their case) are
//! the keys, and nothing here returns personal data in clear.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::cases::{self, Event, NewOpinion, Opinion, Step};
use super::catalog::{self, Category};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{files, localities, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{FileRow, Stored};
use crate::kernel::guard;
use crate::kernel::ids::{CommitteeId, FileId, LocalityId, OfficeId, OpinionId};
use crate::opinions::model::{self, Action, EventKind, FileRole, Party, Screen, Status};
use crate::org::store as org;

/// Who is submitting, as the limits count: the address, and the phone's blind
/// index (never the number).
#[derive(Debug, Clone)]
pub struct Sender {
    ip_key: String,
    phone_key: Option<String>,
}

impl Sender {
    pub fn new(ip: &str, phone_index: Option<&str>) -> Sender {
        Sender { ip_key: format!("submit:ip:{ip}"), phone_key: phone_index.map(|p| format!("submit:phone:{p}")) }
    }

    /// The address's submissions this hour.
    fn recent(&self, conn: &mut DbConn) -> AppResult<i32> {
        guard::count(conn, &self.ip_key, Duration::hours(1))
    }

    /// Counts one submission at `at` against the address and the phone, and
    /// returns their counts before it: what `model::screen` reads, without a read.
    fn hit(&self, conn: &mut DbConn, at: NaiveDateTime) -> AppResult<(i32, i32)> {
        let by_ip = guard::hit_count(conn, &self.ip_key, Duration::hours(1), at)?;
        let by_phone = match &self.phone_key {
            Some(k) => guard::hit_count(conn, k, Duration::days(1), at)?,
            None => 1,
        };
        Ok((by_ip - 1, by_phone - 1))
    }

    /// Takes back the submission `hit` counted at `at`: it was not made.
    fn take_back(&self, conn: &mut DbConn, at: NaiveDateTime) -> AppResult<()> {
        guard::take_back(conn, &self.ip_key, Duration::hours(1), at)?;
        if let Some(k) = &self.phone_key {
            guard::take_back(conn, k, Duration::days(1), at)?;
        }
        Ok(())
    }
}

/// The box's page: its committee, the place its QR code names, the categories
/// offered, and whether the resident must answer the question first.
#[derive(Debug, Clone)]
pub struct BoxForm {
    pub committee_name: String,
    pub office: Option<(OfficeId, String)>,
    pub locality: Option<(LocalityId, String)>,
    pub categories: Vec<Category>,
    pub ask_question: bool,
}

/// The box of the committee with code `code`, at the place its QR code names
/// (a locality implies its office; a place of another committee is ignored).
/// `sender`: count its submissions to decide on the question (none when the
/// form comes back after a refusal, which says itself whether to ask).
#[tracing::instrument(level = "debug", skip_all, fields(committee = code))]
pub fn box_form(
    conn: &mut DbConn,
    code: &str,
    office: Option<OfficeId>,
    locality: Option<LocalityId>,
    sender: Option<&Sender>,
) -> AppResult<BoxForm> {
    let c = org::committee_by_code_unscoped(conn, code)?.ok_or(AppError::NotFound)?;
    let locality: Option<(LocalityId, String, OfficeId)> = match locality {
        Some(l) => localities::table
            .filter(localities::id.eq(l).and(localities::committee_id.eq(c.id)))
            .select((localities::id, localities::name, localities::office_id))
            .get_result(conn)
            .optional()?,
        None => None,
    };
    let office: Option<(OfficeId, String)> = match locality.as_ref().map(|l| l.2).or(office) {
        Some(o) => offices::table
            .filter(offices::id.eq(o).and(offices::committee_id.eq(c.id)))
            .select((offices::id, offices::name))
            .get_result(conn)
            .optional()?,
        None => None,
    };
    let categories = catalog::of_committee(conn, c.id)?.into_iter().filter(|c| c.active).collect();
    let ask_question = match sender {
        Some(s) => model::asks_question(s.recent(conn)?),
        None => false,
    };
    Ok(BoxForm {
        committee_name: c.name,
        office,
        locality: locality.map(|(id, n, _)| (id, n)),
        categories,
        ask_question,
    })
}

/// What the box does with a submission (`model::screen`), from the address's
/// and the phone's counts; read before any photo is stored. `answered`: the
/// question was rightly answered.
#[tracing::instrument(level = "debug", skip_all, fields(answered))]
pub fn screen(conn: &mut DbConn, sender: &Sender, answered: bool) -> AppResult<Screen> {
    let recent = sender.recent(conn)?;
    let by_phone = match &sender.phone_key {
        Some(k) => guard::count(conn, k, Duration::days(1))?,
        None => 0,
    };
    Ok(model::screen(recent, by_phone, answered))
}

/// A refused attempt counts too: an address that keeps trying stays limited.
#[tracing::instrument(level = "debug", skip_all)]
pub fn count_refused(conn: &mut DbConn, sender: &Sender) -> AppResult<()> {
    sender.hit(conn, chrono::Utc::now().naive_utc())?;
    Ok(())
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Filed: the tracking code.
    Filed(String),
    /// The question is due and was not rightly answered; nothing written.
    Question,
    /// Over a limit; the attempt is counted.
    TooMany,
}

/// Files the resident's case with its photos (stored already) in the box of
/// committee `code`, counted against the limits and screened
/// (`model::screen`) in the same transaction: a submission is one write, and
/// on PostgreSQL the count's upsert also orders submissions racing this one.
/// `answered`: the question was rightly answered. `text_code`: text the code
/// and the tracking page's link to the phone left, if any (the site's public
/// address is known).
#[tracing::instrument(level = "debug", skip_all, fields(committee = code, photos = photos.len(), text_code))]
pub fn submit(
    conn: &mut DbConn,
    code: &str,
    sender: &Sender,
    answered: bool,
    n: &NewOpinion,
    photos: &[Stored],
    text_code: bool,
) -> AppResult<Submitted> {
    // Counted first: the counts before this one are what a read would have
    // given, and a refused attempt counts too. Only the question, due and not
    // answered, takes its count back: nothing of it is written.
    let at = chrono::Utc::now().naive_utc();
    let (recent, by_phone) = sender.hit(conn, at)?;
    match model::screen(recent, by_phone, answered) {
        Screen::Pass => {}
        Screen::Question => {
            sender.take_back(conn, at)?;
            return Ok(Submitted::Question);
        }
        Screen::TooMany => return Ok(Submitted::TooMany),
    }
    let committee = org::committee_by_code_unscoped(conn, code)?.ok_or(AppError::NotFound)?;
    let (id, tracking) = file(conn, committee.id, n)?;
    cases::attach_public_photos(conn, committee.id, id, photos)?;
    if text_code && n.phone_enc.is_some() {
        cases::notify_submitted(conn, id)?;
    }
    Ok(Submitted::Filed(tracking))
}

/// Files a resident's case with no limit counted: `submit`, and the demo and
/// the generator, which replay what residents sent.
#[tracing::instrument(level = "debug", skip_all, fields(committee = %committee))]
pub fn file(conn: &mut DbConn, committee: CommitteeId, n: &NewOpinion) -> AppResult<(OpinionId, String)> {
    cases::file(conn, committee, n, None)
}

/// What the tracking page shows. `opinion` is the resident's own case (its
/// code, text, photos, rating); `handled` is the case whose handling they
/// follow: their own, or for a merged duplicate the case it was merged into,
/// of which they see the status, the answer and its public files, never the
/// other resident's text, code, photos or rating.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub opinion: Opinion,
    pub handled: Opinion,
    pub events: Vec<Event>,
    pub category: Option<String>,
    pub office: Option<String>,
    /// The photos the resident sent: (file, name).
    pub photos: Vec<(FileId, String)>,
    /// The answer's files the handler made public, once the answer shows:
    /// (file, name, content type).
    pub answer_files: Vec<(FileId, String, String)>,
    /// The answer the resident rated 不满意, while the case is handled again.
    pub earlier_answer: Option<String>,
}

impl Tracked {
    /// The resident rates an answered case of their own (a merged duplicate's
    /// answer is rated by the resident of the case it was merged into).
    pub fn can_rate(&self) -> bool {
        self.opinion.merged_into.is_none() && self.handled.status == Status::Answered
    }

    /// Merged into another resident's case with the same concern.
    pub fn is_merged(&self) -> bool {
        self.opinion.id != self.handled.id
    }
}

/// The tracking page of the case with code `code` (normalised).
#[tracing::instrument(level = "debug", skip_all)]
pub fn track(conn: &mut DbConn, code: &str) -> AppResult<Tracked> {
    let o = cases::by_code(conn, code)?.ok_or(AppError::NotFound)?;
    let handled = match o.merged_into {
        Some(m) => cases::by_id_unscoped(conn, m)?.unwrap_or(o.clone()),
        None => o.clone(),
    };
    let mut events = cases::timeline(conn, o.id, true)?;
    if handled.id != o.id {
        // The other case's steps from the merge on; its submission and its
        // resident's rating are theirs.
        let merged_at = events.iter().filter(|e| e.kind == EventKind::Merged).map(|e| e.id).max().unwrap_or(0);
        events.extend(
            cases::timeline(conn, handled.id, true)?
                .into_iter()
                .filter(|e| e.id > merged_at && !matches!(e.kind, EventKind::Rated | EventKind::Submitted)),
        );
    }
    let names = cases::names(conn, &handled)?;
    let photos = cases::files_of(conn, o.id)?
        .into_iter()
        .filter(|f| f.1 == FileRole::Photo)
        .map(|(id, _, name, _, _)| (id, name))
        .collect();
    let answer_files = if handled.status.shows_answer() {
        cases::files_of(conn, handled.id)?
            .into_iter()
            .filter(|f| f.1 == FileRole::Answer && f.4)
            .map(|(id, _, name, kind, _)| (id, name, kind))
            .collect()
    } else {
        vec![]
    };
    // The approved answer is the note of its public 答复 step; the case's
    // answer field may already hold the next draft, not yet approved.
    let earlier_answer = if handled.status.shows_answer() {
        None
    } else {
        events.iter().rev().find(|e| e.kind == EventKind::Answered).map(|e| e.note.clone()).filter(|n| !n.is_empty())
    };
    Ok(Tracked {
        opinion: o,
        handled,
        events,
        category: names.category,
        office: names.office,
        photos,
        answer_files,
        earlier_answer,
    })
}

/// A file the tracking page shows, through the code only: a photo the
/// resident sent with this case, or a public file of the answer they see.
#[tracing::instrument(level = "debug", skip_all, fields(file = %file))]
pub fn tracked_file(conn: &mut DbConn, code: &str, file: FileId) -> AppResult<Option<FileRow>> {
    let t = track(conn, code)?;
    let shown = t.photos.iter().any(|(id, _)| *id == file) || t.answer_files.iter().any(|(id, _, _)| *id == file);
    if !shown {
        return Ok(None);
    }
    Ok(files::table.find(file).select(FileRow::as_select()).first(conn).optional()?)
}

/// The numbers residents may call about a case they cannot find: (committee,
/// phone), for every committee that gave one.
#[tracing::instrument(level = "debug", skip_all)]
pub fn help_phones(conn: &mut DbConn) -> AppResult<Vec<(String, String)>> {
    Ok(org::committees_unscoped(conn)?.into_iter().filter_map(|c| c.public_phone.map(|p| (c.name, p))).collect())
}

/// The resident's rating of the answer, through the tracking code.
#[tracing::instrument(level = "debug", skip_all, fields(action = ?step.action))]
pub fn rate(conn: &mut DbConn, code: &str, step: &Step) -> AppResult<Status> {
    let o = cases::by_code(conn, code)?.ok_or(AppError::NotFound)?;
    if !matches!(step.action, Action::Rate(_)) {
        return Err(AppError::Forbidden);
    }
    cases::apply(conn, None, &o, Party::Resident, step)
}
