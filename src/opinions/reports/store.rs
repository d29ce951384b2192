//! 社情民意信息 reports in the database: compiled from the cases the actor
//! dispatches, moved on by the district, each change audited and noted on the
//! timeline of every case the report was written from.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::docx::Printed;
use super::model::{self, Counts, Level, Move, PrintSettings, Refused, ReportId, ReportStatus, ReportText};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::schema::{
    committees, members, opinion_report_cases, opinion_report_settings, opinion_reports, opinions, sectors,
};
use crate::kernel::db::{DbConn, MultiBackend};
use crate::kernel::docx::{Imprint, chinese_date};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, MemberId, OfficeId, OpinionId, UserId};
use crate::kernel::time::{now, year_bounds};
use crate::opinions::model::EventKind;
use crate::opinions::store::cases;
use crate::org::store::members::{self as roster, Member};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = opinion_reports)]
pub struct Report {
    pub id: ReportId,
    pub committee_id: CommitteeId,
    pub office_id: Option<OfficeId>,
    pub title: String,
    pub situation: String,
    pub analysis: String,
    pub suggestion: String,
    pub reporter_member_id: Option<MemberId>,
    pub reporter_name: String,
    pub status: ReportStatus,
    pub sent_to: Option<String>,
    pub adopted_level: Option<Level>,
    pub instruction: Option<String>,
    pub instruction_by: Option<String>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub report_to: String,
    pub deliver_to: String,
    pub copy_to: String,
}

impl Report {
    pub fn status_label_key(&self) -> String {
        self.status.label_key()
    }
    pub fn level_label_key(&self) -> Option<String> {
        self.adopted_level.map(Level::label_key)
    }
    pub fn text(&self) -> ReportText {
        ReportText {
            title: self.title.clone(),
            situation: self.situation.clone(),
            analysis: self.analysis.clone(),
            suggestion: self.suggestion.clone(),
            reporter_name: self.reporter_name.clone(),
            report_to: self.report_to.clone(),
            deliver_to: self.deliver_to.clone(),
            copy_to: self.copy_to.clone(),
        }
    }
    /// The Beijing date it was compiled: printed on it, and the year it counts in.
    pub fn date(&self) -> NaiveDate {
        model::local_date(self.created_at)
    }
}

/// What the compile and edit forms give.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub text: ReportText,
    pub reporter_member_id: Option<MemberId>,
}

/// Which reports an actor may see: the district and leaders all of the
/// committee's, office staff their office's, a member those they reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    All,
    Office(OfficeId),
    Member(MemberId),
    Nothing,
}

fn scope(conn: &mut DbConn, actor: &Actor) -> AppResult<Scope> {
    Ok(match actor.role {
        Role::DistrictAdmin | Role::Leader => Scope::All,
        Role::OfficeStaff => actor.office_id.map(Scope::Office).unwrap_or(Scope::Nothing),
        Role::Member => roster::own_record(conn, actor)?.map(|m| Scope::Member(m.id)).unwrap_or(Scope::Nothing),
        Role::Department | Role::Auditor | Role::Sysadmin | Role::SecurityAdmin => Scope::Nothing,
    })
}

type Boxed<'a> = opinion_reports::BoxedQuery<'a, MultiBackend>;

fn scoped(conn: &mut DbConn, actor: &Actor) -> AppResult<Option<Boxed<'static>>> {
    let q = opinion_reports::table.filter(opinion_reports::committee_id.eq(actor.committee_id)).into_boxed();
    Ok(match scope(conn, actor)? {
        Scope::All => Some(q),
        Scope::Office(o) => Some(q.filter(opinion_reports::office_id.eq(o))),
        Scope::Member(m) => Some(q.filter(opinion_reports::reporter_member_id.eq(m))),
        Scope::Nothing => None,
    })
}

/// One report, if the actor may see it.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, report = %id))]
pub fn get(conn: &mut DbConn, actor: &Actor, id: ReportId) -> AppResult<Option<Report>> {
    let Some(q) = scoped(conn, actor)? else { return Ok(None) };
    Ok(q.filter(opinion_reports::id.eq(id)).select(Report::as_select()).first(conn).optional()?)
}

/// May the actor change the report's text (while it is compiled)?
pub fn may_edit(actor: &Actor, r: &Report) -> bool {
    r.committee_id == actor.committee_id
        && match actor.role {
            Role::DistrictAdmin => true,
            Role::OfficeStaff => actor.office_id.is_some() && r.office_id == actor.office_id,
            _ => false,
        }
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<ReportStatus>,
    /// Compiled in this year (Beijing).
    pub year: Option<i32>,
}

/// Most reports a list shows (a committee writes some dozens a year).
pub const LIST_LIMIT: i64 = 500;

/// The reports the actor may see, newest first.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn list(conn: &mut DbConn, actor: &Actor, f: &ListFilter) -> AppResult<Vec<Report>> {
    let Some(mut q) = scoped(conn, actor)? else { return Ok(vec![]) };
    if let Some(s) = f.status {
        q = q.filter(opinion_reports::status.eq(s));
    }
    if let Some(y) = f.year {
        let Some((from, to)) = year_bounds(y) else { return Ok(vec![]) };
        q = q.filter(opinion_reports::created_at.ge(from).and(opinion_reports::created_at.lt(to)));
    }
    Ok(q.order(opinion_reports::id.desc()).limit(LIST_LIMIT).select(Report::as_select()).load(conn)?)
}

/// Its number in the committee's series for its year (第 N 期): the reports
/// compiled that year up to and including it. Reports are never deleted, so
/// the number never changes.
fn number(conn: &mut DbConn, r: &Report) -> AppResult<i64> {
    let (from, _) = year_bounds(r.date().year()).ok_or(AppError::Internal(anyhow::anyhow!("year out of range")))?;
    Ok(opinion_reports::table
        .filter(opinion_reports::committee_id.eq(r.committee_id))
        .filter(opinion_reports::created_at.ge(from))
        .filter(opinion_reports::id.le(r.id))
        .count()
        .get_result(conn)?)
}

fn committee_name(conn: &mut DbConn, committee_id: CommitteeId) -> AppResult<String> {
    Ok(committees::table.find(committee_id.0).select(committees::name).first(conn)?)
}

/// The cases a report the actor may see was written from: (id, tracking
/// code), oldest first.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, report = %id))]
pub fn cases_of(conn: &mut DbConn, actor: &Actor, id: ReportId) -> AppResult<Vec<(OpinionId, String)>> {
    get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    linked_cases(conn, id)
}

/// The cases of a report the caller has checked.
fn linked_cases(conn: &mut DbConn, id: ReportId) -> AppResult<Vec<(OpinionId, String)>> {
    let ids: Vec<OpinionId> = opinion_report_cases::table
        .filter(opinion_report_cases::report_id.eq(id))
        .select(opinion_report_cases::opinion_id)
        .load(conn)?;
    Ok(opinions::table
        .filter(opinions::id.eq_any(ids))
        .order(opinions::id.asc())
        .select((opinions::id, opinions::code))
        .load(conn)?)
}

/// A case the actor may write up: one they see and dispatch (the district, or
/// staff of the case's office). Out of sight is "not found", in sight but not
/// theirs "forbidden".
fn case_to_compile(conn: &mut DbConn, actor: &Actor, id: OpinionId) -> AppResult<cases::Opinion> {
    let o = cases::as_dispatcher(conn, actor, id)?;
    if !model::may_compile(actor.role) {
        return Err(AppError::Forbidden);
    }
    Ok(o)
}

/// The duplicates merged into a case the caller has checked: (id, tracking
/// code, text).
fn duplicates(conn: &mut DbConn, id: OpinionId) -> AppResult<Vec<(OpinionId, String, String)>> {
    Ok(opinions::table
        .filter(opinions::merged_into.eq(id))
        .order(opinions::id.asc())
        .select((opinions::id, opinions::code, opinions::body))
        .load(conn)?)
}

/// What the compile form starts from.
pub struct Prefill {
    pub case: cases::Opinion,
    /// Its merged duplicates (id, tracking code): written up with it.
    pub duplicates: Vec<(OpinionId, String)>,
    pub draft: Draft,
    /// Members who may be named as the reporter.
    pub members: Vec<(MemberId, String)>,
}

/// The compile form for a case: a first draft from its text and its merged
/// duplicates, the member who heard it as the reporter.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %case))]
pub fn prefill(conn: &mut DbConn, actor: &Actor, case: OpinionId) -> AppResult<Prefill> {
    let o = case_to_compile(conn, actor, case)?;
    let dups = duplicates(conn, o.id)?;
    let texts: Vec<String> = dups.iter().map(|(_, _, b)| b.clone()).collect();
    let reporter_name = match o.heard_by {
        Some(m) => members::table.find(m).select(members::name).first(conn).optional()?.unwrap_or_default(),
        None => String::new(),
    };
    let usual = settings_unscoped(conn, actor.committee_id)?;
    let draft = Draft {
        text: ReportText {
            title: model::title_from(&o.body),
            situation: model::situation_from(&o.body, &texts),
            reporter_name,
            report_to: usual.report_to,
            deliver_to: usual.deliver_to,
            copy_to: usual.copy_to,
            ..ReportText::default()
        },
        reporter_member_id: o.heard_by,
    };
    let members = roster::choices(conn, actor, o.office_id)?;
    Ok(Prefill { duplicates: dups.into_iter().map(|(id, code, _)| (id, code)).collect(), case: o, draft, members })
}

/// Further cases named by tracking code on the compile form (several residents'
/// concerns written up as one). Codes are read as people copy them — in groups
/// of five, with spaces, dashes or commas between — so separators are dropped
/// and the rest cut into codes. A code that is malformed, unknown, or names a
/// case the actor may not write up is one message, revealing nothing.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn resolve_codes(conn: &mut DbConn, actor: &Actor, codes: &str) -> AppResult<Vec<OpinionId>> {
    use crate::opinions::model::{CODE_LEN, normalize_code};
    const BAD: AppError = AppError::BadRequest("report.err.bad_code");
    let chars: Vec<char> = codes.chars().filter(|c| !(c.is_whitespace() || "-－，,、;；".contains(*c))).collect();
    if !chars.len().is_multiple_of(CODE_LEN) {
        return Err(BAD);
    }
    let mut out = vec![];
    for chunk in chars.chunks(CODE_LEN) {
        let code = normalize_code(&chunk.iter().collect::<String>()).ok_or(BAD)?;
        match cases::get_by_code(conn, actor, &code)? {
            Some(o) if cases::roles(conn, actor, &o)?.dispatcher => out.push(o.id),
            _ => return Err(BAD),
        }
    }
    Ok(out)
}

/// The reporter must be a member of the committee; with a member and no
/// printed name, the member's name is printed.
fn check_draft(conn: &mut DbConn, committee_id: CommitteeId, d: &Draft) -> AppResult<ReportText> {
    let mut text = d.text.trimmed();
    if let Some(m) = d.reporter_member_id {
        let name: Option<String> = members::table
            .filter(members::id.eq(m).and(members::committee_id.eq(committee_id)))
            .select(members::name)
            .first(conn)
            .optional()?;
        let name = name.ok_or(AppError::BadRequest("report.err.bad_reporter"))?;
        if text.reporter_name.is_empty() {
            text.reporter_name = name;
        }
    }
    text.check().map_err(AppError::BadRequest)?;
    Ok(text)
}

/// A note on the timeline of each case the report was written from, internal
/// (residents do not follow reports).
fn note_on_cases(conn: &mut DbConn, actor: &Actor, id: ReportId, kind: EventKind, note: &str) -> AppResult<()> {
    for (case, _) in linked_cases(conn, id)? {
        cases::event(conn, actor.committee_id, case, kind, None, Some(actor), &actor.display_name, false, note)?;
    }
    Ok(())
}

/// Writes up one or more cases (with the duplicates merged into them) as a
/// report. The first case gives the report its office.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, cases = case_ids.len()))]
pub fn compile(conn: &mut DbConn, actor: &Actor, case_ids: &[OpinionId], d: &Draft) -> AppResult<ReportId> {
    let first = *case_ids.first().ok_or(AppError::BadRequest("report.err.no_case"))?;
    let mut linked: Vec<OpinionId> = vec![];
    let mut office = None;
    for id in case_ids {
        let o = case_to_compile(conn, actor, *id)?;
        if o.id == first {
            office = o.office_id;
        }
        linked.push(o.id);
        linked.extend(duplicates(conn, o.id)?.into_iter().map(|(x, _, _)| x));
    }
    linked.sort();
    linked.dedup();
    let text = check_draft(conn, actor.committee_id, d)?;
    let t = now();
    let id: ReportId = diesel::insert_into(opinion_reports::table)
        .values((
            opinion_reports::committee_id.eq(actor.committee_id),
            opinion_reports::office_id.eq(office),
            opinion_reports::title.eq(&text.title),
            opinion_reports::situation.eq(&text.situation),
            opinion_reports::analysis.eq(&text.analysis),
            opinion_reports::suggestion.eq(&text.suggestion),
            opinion_reports::reporter_member_id.eq(d.reporter_member_id),
            opinion_reports::reporter_name.eq(&text.reporter_name),
            opinion_reports::report_to.eq(&text.report_to),
            opinion_reports::deliver_to.eq(&text.deliver_to),
            opinion_reports::copy_to.eq(&text.copy_to),
            opinion_reports::status.eq(ReportStatus::Compiled),
            opinion_reports::created_by.eq(actor.user_id),
            opinion_reports::created_at.eq(t),
            opinion_reports::updated_at.eq(t),
        ))
        .returning(opinion_reports::id)
        .get_result(conn)?;
    for case in &linked {
        diesel::insert_into(opinion_report_cases::table)
            .values((opinion_report_cases::report_id.eq(id), opinion_report_cases::opinion_id.eq(case)))
            .execute(conn)?;
    }
    note_on_cases(conn, actor, id, EventKind::ReportCompiled, &format!("《{}》", text.title))?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("opinion_report.compile", "opinion_report", id).after(serde_json::json!({
            "text": text,
            "reporter_member_id": d.reporter_member_id,
            "cases": linked,
        })),
    )?;
    Ok(id)
}

/// Changes the text while the report is compiled. An unchanged form writes
/// nothing, not even an audit entry.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, report = %id))]
pub fn update(conn: &mut DbConn, actor: &Actor, id: ReportId, d: &Draft) -> AppResult<()> {
    let r = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !may_edit(actor, &r) {
        return Err(AppError::Forbidden);
    }
    if !r.status.editable() {
        return Err(AppError::Conflict("report.err.not_editable"));
    }
    let text = check_draft(conn, actor.committee_id, d)?;
    if text == r.text() && d.reporter_member_id == r.reporter_member_id {
        return Ok(());
    }
    diesel::update(opinion_reports::table.find(id))
        .set((
            opinion_reports::title.eq(&text.title),
            opinion_reports::situation.eq(&text.situation),
            opinion_reports::analysis.eq(&text.analysis),
            opinion_reports::suggestion.eq(&text.suggestion),
            opinion_reports::reporter_member_id.eq(d.reporter_member_id),
            opinion_reports::reporter_name.eq(&text.reporter_name),
            opinion_reports::report_to.eq(&text.report_to),
            opinion_reports::deliver_to.eq(&text.deliver_to),
            opinion_reports::copy_to.eq(&text.copy_to),
            opinion_reports::updated_at.eq(now()),
        ))
        .execute(conn)?;
    note_on_cases(conn, actor, id, EventKind::ReportEdited, &format!("《{}》", text.title))?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("opinion_report.edit", "opinion_report", id)
            .before(serde_json::json!({ "text": r.text(), "reporter_member_id": r.reporter_member_id }))
            .after(serde_json::json!({ "text": text, "reporter_member_id": d.reporter_member_id })),
    )?;
    Ok(())
}

fn refused(e: Refused) -> AppError {
    match e {
        Refused::DistrictOnly => AppError::Forbidden,
        Refused::NeedsLevel | Refused::NeedsInstruction | Refused::NeedsInstructionBy | Refused::TooLong => {
            AppError::BadRequest(e.message_key())
        }
        _ => AppError::Conflict(e.message_key()),
    }
}

/// Moves a report on (报送, 采用, 不予采用, 批示): the district's job.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, report = %id, step = mv.as_str()))]
pub fn advance(conn: &mut DbConn, actor: &Actor, id: ReportId, mv: &Move) -> AppResult<ReportStatus> {
    let r = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let from = r.status;
    let to = model::next(from, mv, actor.role == Role::DistrictAdmin).map_err(refused)?;
    let target = opinion_reports::table.find(id);
    let title = format!("《{}》", r.title);
    let (kind, note) = match mv {
        Move::Send { to } => {
            let to = Some(to.trim()).filter(|s| !s.is_empty());
            diesel::update(target).set(opinion_reports::sent_to.eq(to)).execute(conn)?;
            (EventKind::ReportSent, to.map(|x| format!("{title} → {x}")).unwrap_or(title))
        }
        Move::Adopt { level } => {
            let level = level.ok_or(AppError::BadRequest(Refused::NeedsLevel.message_key()))?;
            diesel::update(target).set(opinion_reports::adopted_level.eq(Some(level))).execute(conn)?;
            (EventKind::ReportAdopted, format!("{title} · {}", level.name_zh()))
        }
        Move::Decline => (EventKind::ReportNotAdopted, title),
        Move::Instruct { text, by } => {
            let (text, by) = (text.trim(), by.trim());
            diesel::update(target)
                .set((opinion_reports::instruction.eq(Some(text)), opinion_reports::instruction_by.eq(Some(by))))
                .execute(conn)?;
            (EventKind::ReportInstructed, format!("{title} · {by}：{text}"))
        }
    };
    diesel::update(target)
        .set((opinion_reports::status.eq(to), opinion_reports::updated_at.eq(now())))
        .execute(conn)?;
    note_on_cases(conn, actor, id, kind, &note)?;
    let after = match mv {
        Move::Send { to: sent_to } => serde_json::json!({ "status": to.as_str(), "sent_to": sent_to.trim() }),
        Move::Adopt { level } => serde_json::json!({ "status": to.as_str(), "level": level.map(Level::as_str) }),
        Move::Decline => serde_json::json!({ "status": to.as_str() }),
        Move::Instruct { text, by } => {
            serde_json::json!({ "status": to.as_str(), "instruction": text.trim(), "instruction_by": by.trim() })
        }
    };
    audit::record(
        conn,
        Who::User(actor),
        Change::new(&format!("opinion_report.{}", mv.as_str()), "opinion_report", id)
            .before(serde_json::json!({ "status": from.as_str() }))
            .after(after),
    )?;
    Ok(to)
}

/// A member's reports compiled in `year` (Beijing), counted by how far they
/// went: (compiled, sent, adopted, instructed), each later stage included in
/// the earlier ones; `None` when the actor may not see the member.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, member = %member_id, year))]
pub fn count_for_member(
    conn: &mut DbConn,
    actor: &Actor,
    member_id: MemberId,
    year: i32,
) -> AppResult<Option<(i64, i64, i64, i64)>> {
    Ok(for_member(conn, actor, member_id, year)?.map(|(_, _, counts)| counts.as_tuple()))
}

/// A member's reports of a year with their counts, for whoever may see the
/// member (the member page's rule); `None` when out of scope.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, member = %member_id, year))]
pub fn for_member(
    conn: &mut DbConn,
    actor: &Actor,
    member_id: MemberId,
    year: i32,
) -> AppResult<Option<(Member, Vec<Report>, Counts)>> {
    let Some(m) = roster::get(conn, actor, member_id)? else { return Ok(None) };
    let Some((from, to)) = year_bounds(year) else { return Ok(Some((m, vec![], Counts::default()))) };
    let rows: Vec<Report> = opinion_reports::table
        .filter(opinion_reports::committee_id.eq(actor.committee_id))
        .filter(opinion_reports::reporter_member_id.eq(member_id))
        .filter(opinion_reports::created_at.ge(from).and(opinion_reports::created_at.lt(to)))
        .order(opinion_reports::id.desc())
        .select(Report::as_select())
        .load(conn)?;
    let counts = Counts::tally(rows.iter().map(|r| r.status));
    Ok(Some((m, rows, counts)))
}

/// What a report's page shows.
pub struct ReportPage {
    pub r: Report,
    /// Its number in the year's series (第N期).
    pub number: i64,
    pub cases: Vec<(OpinionId, String)>,
    /// The text may still change, and the actor may change it.
    pub editable: bool,
    /// Members who may be named as the reporter, while editable.
    pub members: Vec<(MemberId, String)>,
}

/// A report's page, if the actor may see the report.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, report = %id))]
pub fn page(conn: &mut DbConn, actor: &Actor, id: ReportId) -> AppResult<ReportPage> {
    let r = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let editable = may_edit(actor, &r) && r.status.editable();
    let members = if editable { roster::choices(conn, actor, r.office_id)? } else { vec![] };
    Ok(ReportPage { number: number(conn, &r)?, cases: linked_cases(conn, id)?, editable, members, r })
}

/// A committee's settings for printed reports (the defaults where it has
/// none). Unscoped: what every report of the committee prints, read for one
/// the caller has checked.
fn settings_unscoped(conn: &mut DbConn, committee_id: CommitteeId) -> AppResult<PrintSettings> {
    let row: Option<(String, String, String, String, Option<i64>)> = opinion_report_settings::table
        .find(committee_id.0)
        .select((
            opinion_report_settings::report_to,
            opinion_report_settings::deliver_to,
            opinion_report_settings::copy_to,
            opinion_report_settings::issuer,
            opinion_report_settings::total_before,
        ))
        .first(conn)
        .optional()?;
    Ok(row
        .map(|(report_to, deliver_to, copy_to, issuer, total_before)| PrintSettings {
            report_to,
            deliver_to,
            copy_to,
            issuer,
            total_before,
        })
        .unwrap_or_default())
}

/// The committee's settings for printed reports: the district's to see and set.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn print_settings(conn: &mut DbConn, actor: &Actor) -> AppResult<PrintSettings> {
    if actor.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    settings_unscoped(conn, actor.committee_id)
}

/// Sets the committee's settings for printed reports; audited. Reports
/// already compiled keep their own 报/送/抄送.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn set_print_settings(conn: &mut DbConn, actor: &Actor, s: &PrintSettings) -> AppResult<()> {
    let before = print_settings(conn, actor)?;
    if before == *s {
        return Ok(());
    }
    let values = (
        opinion_report_settings::report_to.eq(&s.report_to),
        opinion_report_settings::deliver_to.eq(&s.deliver_to),
        opinion_report_settings::copy_to.eq(&s.copy_to),
        opinion_report_settings::issuer.eq(&s.issuer),
        opinion_report_settings::total_before.eq(s.total_before),
    );
    let updated =
        diesel::update(opinion_report_settings::table.find(actor.committee_id.0)).set(values).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(opinion_report_settings::table)
            .values((opinion_report_settings::committee_id.eq(actor.committee_id.0), values))
            .execute(conn)?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("opinion_report.settings", "committee", actor.committee_id.0)
            .before(serde_json::json!(before))
            .after(serde_json::json!(s)),
    )?;
    Ok(())
}

/// The reports a committee issued up to and including `r`, in every year.
fn running_count(conn: &mut DbConn, r: &Report) -> AppResult<i64> {
    Ok(opinion_reports::table
        .filter(opinion_reports::committee_id.eq(r.committee_id))
        .filter(opinion_reports::id.le(r.id))
        .count()
        .get_result(conn)?)
}

/// What 反映人 prints after the name: 委员, the sector, the workplace and
/// post — when the reporter is a member of the committee.
fn reporter_status(conn: &mut DbConn, r: &Report) -> AppResult<Vec<String>> {
    let Some(m) = r.reporter_member_id else { return Ok(vec![]) };
    let row: Option<(Option<String>, String, String)> = members::table
        .left_join(sectors::table.on(sectors::id.nullable().eq(members::sector_id)))
        .filter(members::id.eq(m.0).and(members::committee_id.eq(r.committee_id.0)))
        .select((sectors::name.nullable(), members::employer, members::post))
        .first(conn)
        .optional()?;
    Ok(row
        .map(|(sector, employer, post)| model::reporter_status(true, sector.as_deref(), &employer, &post))
        .unwrap_or_default())
}

/// A report as printed in its Word file, if the actor may see it.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, report = %id))]
pub fn printed(conn: &mut DbConn, actor: &Actor, id: ReportId) -> AppResult<Printed> {
    let r = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let committee = committee_name(conn, r.committee_id)?;
    let usual = settings_unscoped(conn, r.committee_id)?;
    let number = number(conn, &r)?;
    let total = running_count(conn, &r)?;
    let date = r.date();
    Ok(Printed {
        issue: model::issue_line(date.year(), number, usual.total_before, total),
        imprint: Imprint {
            report_to: r.report_to.clone(),
            deliver_to: r.deliver_to.clone(),
            copy_to: r.copy_to.clone(),
            issuer: usual.issuer_or(&committee),
            date: chinese_date(date),
        },
        reporter_status: reporter_status(conn, &r)?,
        committee,
        number,
        date,
        created: now(),
        title: r.title,
        situation: r.situation,
        analysis: r.analysis,
        suggestion: r.suggestion,
        reporter: r.reporter_name,
    })
}

/// The reports written by any of `members` in `year`, for scores. Unscoped:
/// the caller has checked that the actor may see these members.
pub fn by_members_unscoped(
    conn: &mut DbConn,
    committee: CommitteeId,
    members: &[MemberId],
    year: i32,
) -> AppResult<Vec<Report>> {
    let Some((from, to)) = year_bounds(year) else { return Ok(vec![]) };
    let mut out = vec![];
    for chunk in members.chunks(500) {
        out.extend(
            opinion_reports::table
                .filter(opinion_reports::committee_id.eq(committee))
                .filter(opinion_reports::reporter_member_id.eq_any(chunk))
                .filter(opinion_reports::created_at.ge(from).and(opinion_reports::created_at.lt(to)))
                .select(Report::as_select())
                .load::<Report>(conn)?,
        );
    }
    Ok(out)
}
