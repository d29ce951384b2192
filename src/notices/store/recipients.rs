//! Who a published notice went to — units: offices, departments, members —
//! and each unit's receipt: when someone of the unit first opened it, and
//! its reply (回执). Anyone of the unit may read and reply for it.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{departments, members, notice_recipients, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{DepartmentId, MemberId, NoticeId, OfficeId, UserId};
use crate::kernel::jobs;
use crate::kernel::notify::{Unit, inapp};
use crate::kernel::time::now;
use crate::kernel::web::form;
use crate::kernel::web::i18n::Lang;
use crate::notices::model::{MAX_REPLY, NoticeAction, NoticeStatus, allowed};
use crate::org::model::MemberStatus;

use super::notices::{self, Notice};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notice_recipients)]
pub struct Recipient {
    pub id: i64,
    pub notice_id: NoticeId,
    /// `office:3`, `department:5`, `member:7` (`kernel::notify::Unit`).
    pub unit: String,
    pub unit_name: String,
    pub read_at: Option<NaiveDateTime>,
    pub read_by: Option<UserId>,
    pub reply: Option<String>,
    pub replied_at: Option<NaiveDateTime>,
    pub replied_by: Option<UserId>,
}

/// Units a notice went to, and how many have read and replied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub total: i64,
    pub read: i64,
    pub replied: i64,
}

/// The units `n`'s audience names, each once, with the name staff see:
/// offices and departments of the committee, active members (of the
/// issuing office only, when an office issues). A member chosen by id who
/// is not one of those is refused, not silently dropped.
pub fn resolve(conn: &mut DbConn, n: &Notice) -> AppResult<Vec<(Unit, String)>> {
    let a = n.audience();
    let mut out: BTreeMap<Unit, String> = BTreeMap::new();
    if a.all_offices || !a.offices.is_empty() {
        let mut q = offices::table.filter(offices::committee_id.eq(n.committee_id)).into_boxed();
        if !a.all_offices {
            q = q.filter(offices::id.eq_any(&a.offices));
        }
        for (id, name) in q.select((offices::id, offices::name)).load::<(OfficeId, String)>(conn)? {
            out.insert(Unit::Office(id), name);
        }
    }
    if a.all_departments {
        let rows: Vec<(DepartmentId, String)> = departments::table
            .filter(departments::committee_id.eq(n.committee_id).and(departments::active.eq(true)))
            .select((departments::id, departments::name))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, name)| (Unit::Department(id), name)));
    }
    let members_q = || {
        let mut q = members::table
            .filter(members::committee_id.eq(n.committee_id).and(members::status.eq(MemberStatus::Active)))
            .into_boxed();
        if let Some(o) = n.office_id {
            q = q.filter(members::office_id.eq(o));
        }
        q
    };
    let mut chosen: Vec<(MemberId, String)> = vec![];
    if a.all_members {
        chosen.extend(members_q().select((members::id, members::name)).load::<(MemberId, String)>(conn)?);
    }
    if !a.sectors.is_empty() {
        chosen.extend(
            members_q().filter(members::sector_id.eq_any(&a.sectors)).select((members::id, members::name)).load::<(
                MemberId,
                String,
            )>(
                conn
            )?,
        );
    }
    if !a.members.is_empty() {
        let found: Vec<(MemberId, String)> =
            members_q().filter(members::id.eq_any(&a.members)).select((members::id, members::name)).load(conn)?;
        if found.len() != a.members.iter().collect::<std::collections::BTreeSet<_>>().len() {
            return Err(AppError::BadRequest("notice.bad_member"));
        }
        chosen.extend(found);
    }
    out.extend(chosen.into_iter().map(|(id, name)| (Unit::Member(id), name)));
    Ok(out.into_iter().collect())
}

/// Fixes `n`'s recipients and tells each: an in-app message per unit, and
/// a job that texts the members when the notice asks for it.
pub(super) fn send(conn: &mut DbConn, actor: &Actor, n: &Notice) -> AppResult<usize> {
    let units = resolve(conn, n)?;
    if units.is_empty() {
        return Err(AppError::BadRequest("notice.nobody"));
    }
    // One row per unit: diesel's multi-row insert is not available over the
    // two backends' connection, and a committee's units are hundreds at most.
    for (u, name) in &units {
        diesel::insert_into(notice_recipients::table)
            .values((
                notice_recipients::committee_id.eq(n.committee_id),
                notice_recipients::notice_id.eq(n.id),
                notice_recipients::unit.eq(u.to_string()),
                notice_recipients::unit_name.eq(name.as_str()),
            ))
            .execute(conn)?;
    }
    let subject = format!("notice:{}", n.id);
    let body = match n.reply_by {
        Some(d) => Lang::Zh
            .t("notice.inapp_reply")
            .replace("%{title}", &n.title)
            .replace("%{date}", &crate::kernel::docx::chinese_date(d)),
        None => n.title.clone(),
    };
    for (u, name) in &units {
        inapp::post(conn, actor.committee_id, *u, name, &subject, &body)?;
    }
    if n.texted && units.iter().any(|(u, _)| matches!(u, Unit::Member(_))) {
        jobs::store::enqueue(
            conn,
            crate::notices::jobs::TEXT,
            &serde_json::json!({ "notice_id": n.id }),
            now(),
            Some(&format!("{}:{}", crate::notices::jobs::TEXT, n.id)),
        )?;
    }
    Ok(units.len())
}

/// The receipt of `unit` for notice `id`, if it was sent there.
pub fn of_unit(conn: &mut DbConn, id: NoticeId, unit: Unit) -> AppResult<Option<Recipient>> {
    Ok(notice_recipients::table
        .filter(notice_recipients::notice_id.eq(id).and(notice_recipients::unit.eq(unit.to_string())))
        .select(Recipient::as_select())
        .first(conn)
        .optional()?)
}

/// The actor's unit has opened the notice `shown` (as `notices::get` read
/// it): its read receipt, once (the first reader and time are kept). Nothing
/// for a unit it was not sent to, nor for a draft or a withdrawn notice.
/// Returns when the unit read it, for the page to show without a second read.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %shown.notice.id))]
pub fn mark_read(conn: &mut DbConn, actor: &Actor, shown: &notices::Shown) -> AppResult<Option<NaiveDateTime>> {
    let Some(mine) = &shown.mine else { return Ok(None) };
    if mine.read_at.is_some() || shown.notice.status != NoticeStatus::Published {
        return Ok(mine.read_at);
    }
    let at = now();
    let written = diesel::update(
        notice_recipients::table
            .find(mine.id)
            .filter(notice_recipients::committee_id.eq(actor.committee_id))
            .filter(notice_recipients::read_at.is_null()),
    )
    .set((notice_recipients::read_at.eq(at), notice_recipients::read_by.eq(actor.user_id)))
    .execute(conn)?;
    if written == 0 {
        // A colleague of the unit opened it a moment before: theirs counts.
        return Ok(notice_recipients::table.find(mine.id).select(notice_recipients::read_at).first(conn)?);
    }
    Ok(Some(at))
}

impl Tally {
    /// The counts of one notice's receipts, already loaded.
    pub fn of(receipts: &[Recipient]) -> Tally {
        Tally {
            total: receipts.len() as i64,
            read: receipts.iter().filter(|r| r.read_at.is_some()).count() as i64,
            replied: receipts.iter().filter(|r| r.replied_at.is_some()).count() as i64,
        }
    }
}

/// The actor's unit replies to notice `id` (回执); a second reply replaces
/// the first while the notice is out. Replying also counts as reading.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn reply(conn: &mut DbConn, actor: &Actor, id: NoticeId, text: &str) -> AppResult<()> {
    let shown = notices::get(conn, actor, id)?;
    let mine = shown.mine.ok_or(AppError::NotFound)?;
    if !allowed(shown.notice.status, NoticeAction::Reply) || shown.notice.public {
        return Err(AppError::Conflict("notice.wrong_state"));
    }
    let text = form::bounded(text, MAX_REPLY, "notice.reply_too_long")?;
    if text.is_empty() {
        return Err(AppError::BadRequest("notice.reply_required"));
    }
    let at = now();
    diesel::update(notice_recipients::table.find(mine.id))
        .set((
            notice_recipients::reply.eq(&text),
            notice_recipients::replied_at.eq(at),
            notice_recipients::replied_by.eq(actor.user_id),
            notice_recipients::read_at.eq(mine.read_at.unwrap_or(at)),
            notice_recipients::read_by.eq(mine.read_by.unwrap_or(actor.user_id)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("notice.reply", "notice", id)
            .before(serde_json::json!({ "reply": mine.reply }))
            .after(serde_json::json!({ "unit": mine.unit_name, "reply": text })),
    )
}

/// Every recipient of a notice the actor manages, those still to read or
/// reply first.
pub fn list(conn: &mut DbConn, actor: &Actor, n: &Notice) -> AppResult<Vec<Recipient>> {
    if !crate::notices::model::may_manage(actor, n.office_id) || n.committee_id != actor.committee_id {
        return Err(AppError::NotFound);
    }
    let mut rows: Vec<Recipient> = notice_recipients::table
        .filter(notice_recipients::notice_id.eq(n.id))
        .order(notice_recipients::id.asc())
        .select(Recipient::as_select())
        .load(conn)?;
    rows.sort_by_key(|r| (r.replied_at.is_some(), r.read_at.is_some()));
    Ok(rows)
}

/// Receipts' counts per notice, in one grouped query per batch.
pub fn tallies(conn: &mut DbConn, ids: &[NoticeId]) -> AppResult<HashMap<NoticeId, Tally>> {
    use diesel::dsl::count;
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(NoticeId, i64, i64, i64)> = notice_recipients::table
            .filter(notice_recipients::notice_id.eq_any(chunk))
            .group_by(notice_recipients::notice_id)
            .select((
                notice_recipients::notice_id,
                count(notice_recipients::id),
                count(notice_recipients::read_at),
                count(notice_recipients::replied_at),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, total, read, replied)| (id, Tally { total, read, replied })));
    }
    Ok(out)
}
