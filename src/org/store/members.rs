//! Members (委员). Never deleted once they have records: they leave (离任) and
//! keep their history. The writes that take `Who` instead of an actor serve
//! the roster import (which checks its permission first) and the loaders.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::schema::{liaisons, members, offices, sectors, users};
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, MemberId, OfficeId, SectorId, UserId};
use crate::kernel::time::now;
use crate::kernel::web::paging;
use crate::org::model::{self, BirthDate, Gender, MemberStatus, Phone, mask_phone};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = members)]
pub struct Member {
    pub id: MemberId,
    pub committee_id: CommitteeId,
    pub office_id: Option<OfficeId>,
    pub sector_id: Option<SectorId>,
    pub name: String,
    pub gender: Gender,
    pub ethnicity: String,
    #[diesel(
        select_expression = (members::birth_date, members::birth_month_only),
        select_expression_type = (members::birth_date, members::birth_month_only),
        deserialize_as = StoredBirth
    )]
    pub birth_date: Option<BirthDate>,
    pub party: String,
    pub employer: String,
    pub post: String,
    pub phone: String,
    pub term: String,
    pub status: MemberStatus,
    pub left_on: Option<NaiveDate>,
    pub user_id: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Agreed to have their name on public pages (activity results).
    pub public_name: bool,
}

/// The two columns a birth date is stored in (see `BirthDate::stored`).
#[derive(Queryable)]
pub struct StoredBirth {
    date: Option<NaiveDate>,
    month_only: bool,
}

impl From<StoredBirth> for Option<BirthDate> {
    fn from(b: StoredBirth) -> Self {
        b.date.map(|d| BirthDate::from_stored(d, b.month_only))
    }
}

impl Member {
    pub fn is_active(&self) -> bool {
        self.status == MemberStatus::Active
    }

    /// Whether writing `d` would change nothing (the roster import's preview
    /// counts these, and `write_unscoped` skips them).
    pub fn unchanged_by(&self, d: &MemberData) -> bool {
        self.name == d.name.trim()
            && self.gender == d.gender
            && self.ethnicity == d.ethnicity.trim()
            && self.birth_date == d.birth_date
            && self.party == d.party.trim()
            && self.sector_id == d.sector_id
            && self.employer == d.employer.trim()
            && self.post == d.post.trim()
            && self.phone == d.phone.as_str()
            && self.term == d.term.trim()
            && self.office_id == d.office_id
    }
}

/// What a form or an imported row gives for a member.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemberData {
    pub name: String,
    pub gender: Gender,
    pub ethnicity: String,
    pub birth_date: Option<BirthDate>,
    pub party: String,
    pub sector_id: Option<SectorId>,
    pub employer: String,
    pub post: String,
    #[serde(skip)]
    pub phone: Phone,
    pub term: String,
    pub office_id: Option<OfficeId>,
}

impl MemberData {
    /// Required fields and lengths; each problem is a message key.
    pub fn check(&self) -> Result<(), &'static str> {
        let name = self.name.trim().chars().count();
        if name == 0 || name > 30 {
            return Err("member.bad_name");
        }
        if !crate::org::roster::normalize::is_ethnic_group(self.ethnicity.trim()) {
            return Err("member.bad_ethnicity");
        }
        if self.party.trim().is_empty() || self.party.chars().count() > 30 {
            return Err("member.bad_party");
        }
        if self.employer.chars().count() > 100 || self.post.chars().count() > 100 || self.term.chars().count() > 30 {
            return Err("member.too_long");
        }
        if self.term.trim().is_empty() {
            return Err("member.bad_term");
        }
        Ok(())
    }
}

/// A row of the member list: personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub id: MemberId,
    pub name: String,
    pub gender: Gender,
    pub party: String,
    pub sector: Option<String>,
    pub office: Option<String>,
    pub phone_masked: String,
    pub status: MemberStatus,
}

#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Part of the name, or of the phone number.
    pub q: Option<String>,
    pub sector: Option<SectorId>,
    pub office: Option<OfficeId>,
    pub party: Option<String>,
    pub status: Option<MemberStatus>,
    /// 1-based.
    pub page: i64,
}

pub const PAGE_SIZE: i64 = 30;

/// The member list the actor may see, filtered and paginated; returns the page
/// and the total count. District and leaders see all; office staff their
/// office's members; a member only themselves; other roles nothing.
#[tracing::instrument(level = "debug", skip(conn, actor, f), fields(page = f.page))]
pub fn search(conn: &mut DbConn, actor: &Actor, f: &MemberFilter) -> AppResult<(Vec<MemberRow>, i64)> {
    let mut q = members::table.filter(members::committee_id.eq(actor.committee_id)).into_boxed();
    let mut count_q = members::table.filter(members::committee_id.eq(actor.committee_id)).into_boxed();
    match actor.role {
        Role::DistrictAdmin | Role::Leader => {}
        Role::OfficeStaff => {
            let office = actor.office_id.ok_or(AppError::Forbidden)?;
            q = q.filter(members::office_id.eq(office));
            count_q = count_q.filter(members::office_id.eq(office));
        }
        Role::Member => {
            q = q.filter(members::user_id.eq(actor.user_id));
            count_q = count_q.filter(members::user_id.eq(actor.user_id));
        }
        _ => return Ok((vec![], 0)),
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", text.replace(['%', '_'], ""));
        q = q.filter(members::name.like(pattern.clone()).or(members::phone.like(pattern.clone())));
        count_q = count_q.filter(members::name.like(pattern.clone()).or(members::phone.like(pattern)));
    }
    if let Some(s) = f.sector {
        q = q.filter(members::sector_id.eq(s));
        count_q = count_q.filter(members::sector_id.eq(s));
    }
    if let Some(o) = f.office {
        q = q.filter(members::office_id.eq(o));
        count_q = count_q.filter(members::office_id.eq(o));
    }
    if let Some(p) = f.party.as_deref().filter(|p| !p.is_empty()) {
        q = q.filter(members::party.eq(p.to_string()));
        count_q = count_q.filter(members::party.eq(p.to_string()));
    }
    if let Some(s) = f.status {
        q = q.filter(members::status.eq(s));
        count_q = count_q.filter(members::status.eq(s));
    }
    let total: i64 = count_q.count().get_result(conn)?;
    let rows: Vec<Member> = q
        .order(members::id.asc())
        .limit(PAGE_SIZE)
        .offset(paging::offset(f.page, PAGE_SIZE))
        .select(Member::as_select())
        .load(conn)?;
    // Names of the page's sectors and offices in two small queries, not one per row.
    let sector_ids: Vec<SectorId> = rows.iter().filter_map(|m| m.sector_id).collect();
    let office_ids: Vec<OfficeId> = rows.iter().filter_map(|m| m.office_id).collect();
    let sector_names: Vec<(SectorId, String)> =
        sectors::table.filter(sectors::id.eq_any(sector_ids)).select((sectors::id, sectors::name)).load(conn)?;
    let office_names: Vec<(OfficeId, String)> =
        offices::table.filter(offices::id.eq_any(office_ids)).select((offices::id, offices::name)).load(conn)?;
    let rows = rows
        .into_iter()
        .map(|m| MemberRow {
            id: m.id,
            sector: m.sector_id.and_then(|s| sector_names.iter().find(|(id, _)| *id == s).map(|(_, n)| n.clone())),
            office: m.office_id.and_then(|o| office_names.iter().find(|(id, _)| *id == o).map(|(_, n)| n.clone())),
            phone_masked: mask_phone(&m.phone),
            name: m.name,
            gender: m.gender,
            party: m.party,
            status: m.status,
        })
        .collect();
    Ok((rows, total))
}

/// One member, if the actor may see them (same rules as `search`).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn get(conn: &mut DbConn, actor: &Actor, id: MemberId) -> AppResult<Option<Member>> {
    let m: Option<Member> = members::table
        .find(id)
        .filter(members::committee_id.eq(actor.committee_id))
        .select(Member::as_select())
        .first(conn)
        .optional()?;
    Ok(m.filter(|m| match actor.role {
        Role::DistrictAdmin | Role::Leader => true,
        Role::OfficeStaff => actor.office_id.is_some() && m.office_id == actor.office_id,
        Role::Member => m.user_id == Some(actor.user_id),
        _ => false,
    }))
}

/// One member of the committee whatever the actor's scope, for a caller
/// that has established why (a leave letter for an invitee of a meeting
/// the actor manages, who may belong to another office).
pub fn get_unscoped(conn: &mut DbConn, committee: CommitteeId, id: MemberId) -> AppResult<Option<Member>> {
    Ok(members::table
        .find(id)
        .filter(members::committee_id.eq(committee))
        .select(Member::as_select())
        .first(conn)
        .optional()?)
}

/// The member record of a logged-in member.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn own_record(conn: &mut DbConn, actor: &Actor) -> AppResult<Option<Member>> {
    Ok(members::table
        .filter(members::user_id.eq(actor.user_id).and(members::committee_id.eq(actor.committee_id)))
        .select(Member::as_select())
        .first(conn)
        .optional()?)
}

/// The actor's own member record's id, for what only a member does (replying
/// to an invitation, signing in); a clear refusal for other accounts.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn own_id(conn: &mut DbConn, actor: &Actor) -> AppResult<MemberId> {
    own_record(conn, actor)?.map(|m| m.id).ok_or(AppError::BadRequest("activity.not_a_member"))
}

fn check_refs(conn: &mut DbConn, committee_id: CommitteeId, d: &MemberData) -> AppResult<()> {
    d.check().map_err(AppError::BadRequest)?;
    if let Some(s) = d.sector_id {
        let n: i64 = sectors::table
            .filter(sectors::id.eq(s).and(sectors::committee_id.eq(committee_id)))
            .count()
            .get_result(conn)?;
        if n == 0 {
            return Err(AppError::BadRequest("member.bad_sector"));
        }
    }
    if let Some(o) = d.office_id {
        let n: i64 = offices::table
            .filter(offices::id.eq(o).and(offices::committee_id.eq(committee_id)))
            .count()
            .get_result(conn)?;
        if n == 0 {
            return Err(AppError::BadRequest("member.bad_office"));
        }
    }
    Ok(())
}

/// The columns a member's data fills, as stored (trimmed): written alike when
/// a member is added and when they change. `None` writes NULL, on insert as on
/// update, so the statement's SQL stays one text.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = members, treat_none_as_default_value = false, treat_none_as_null = true)]
struct Fields<'a> {
    office_id: Option<OfficeId>,
    sector_id: Option<SectorId>,
    name: &'a str,
    gender: Gender,
    ethnicity: &'a str,
    birth_date: Option<NaiveDate>,
    birth_month_only: bool,
    party: &'a str,
    employer: &'a str,
    post: &'a str,
    phone: &'a str,
    term: &'a str,
}

impl<'a> From<&'a MemberData> for Fields<'a> {
    fn from(d: &'a MemberData) -> Self {
        Fields {
            office_id: d.office_id,
            sector_id: d.sector_id,
            name: d.name.trim(),
            gender: d.gender,
            ethnicity: d.ethnicity.trim(),
            birth_date: d.birth_date.map(|b| b.stored().0),
            birth_month_only: d.birth_date.is_some_and(|b| b.stored().1),
            party: d.party.trim(),
            employer: d.employer.trim(),
            post: d.post.trim(),
            phone: d.phone.as_str(),
            term: d.term.trim(),
        }
    }
}

fn phone_conflict(e: diesel::result::Error) -> AppError {
    if is_unique_violation(&e) { AppError::Conflict("member.phone_taken") } else { e.into() }
}

/// Inserts a member. Unscoped, permission is the caller's: `create`, the
/// roster import (the district's, checked before it plans), the loaders.
#[tracing::instrument(level = "debug", skip(conn, who, d))]
pub fn insert_unscoped(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    d: &MemberData,
) -> AppResult<MemberId> {
    check_refs(conn, committee_id, d)?;
    let now = now();
    let id: MemberId = diesel::insert_into(members::table)
        .values((
            members::committee_id.eq(committee_id),
            Fields::from(d),
            members::status.eq(MemberStatus::Active),
            members::created_at.eq(now),
            members::updated_at.eq(now),
        ))
        .returning(members::id)
        .get_result(conn)
        .map_err(phone_conflict)?;
    audit::record(conn, who, Change::new("member.create", "member", id).after(d))?;
    Ok(id)
}

#[tracing::instrument(level = "debug", skip(conn, actor, d))]
pub fn create(conn: &mut DbConn, actor: &Actor, d: &MemberData) -> AppResult<MemberId> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    insert_unscoped(conn, Who::User(actor), actor.committee_id, d)
}

/// Writes a member's fields; returns whether anything changed (an unchanged
/// re-import writes nothing, not even an audit entry). Unscoped, permission
/// is the caller's: `update`, and the roster import.
#[tracing::instrument(level = "debug", skip(conn, who, existing, d), fields(id = %existing.id))]
pub fn write_unscoped(conn: &mut DbConn, who: Who<'_>, existing: &Member, d: &MemberData) -> AppResult<bool> {
    check_refs(conn, existing.committee_id, d)?;
    if existing.unchanged_by(d) {
        return Ok(false);
    }
    diesel::update(members::table.find(existing.id))
        .set((Fields::from(d), members::updated_at.eq(now())))
        .execute(conn)
        .map_err(phone_conflict)?;
    audit::record(conn, who, Change::new("member.update", "member", existing.id).before(existing).after(d))?;
    Ok(true)
}

#[tracing::instrument(level = "debug", skip(conn, actor, d))]
pub fn update(conn: &mut DbConn, actor: &Actor, id: MemberId, d: &MemberData) -> AppResult<()> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    let existing = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    write_unscoped(conn, Who::User(actor), &existing, d)?;
    Ok(())
}

/// Whether the member's name may appear on public pages (activity results):
/// their own choice, or recorded by roster staff on their word.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn set_public_name(conn: &mut DbConn, actor: &Actor, id: MemberId, on: bool) -> AppResult<()> {
    let own = own_record(conn, actor)?.is_some_and(|m| m.id == id);
    if !own && !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    if !own {
        get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    }
    diesel::update(members::table.find(id)).set(members::public_name.eq(on)).execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("member.public_name", "member", id).after(serde_json::json!({ "public_name": on })),
    )?;
    Ok(())
}

/// 离任: the member leaves on `on`; their current liaisons end that day. Their
/// records stay.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn leave(conn: &mut DbConn, actor: &Actor, id: MemberId, on: NaiveDate) -> AppResult<()> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    mark_left(conn, Who::User(actor), id, on)
}

/// Records that a member left. Permission is the caller's: `leave`, and the
/// demo, which has no acting user.
#[tracing::instrument(level = "debug", skip(conn, who))]
pub fn mark_left(conn: &mut DbConn, who: Who<'_>, id: MemberId, on: NaiveDate) -> AppResult<()> {
    let m: Member = members::table.find(id).select(Member::as_select()).first(conn)?;
    if !m.is_active() {
        return Err(AppError::Conflict("member.already_left"));
    }
    diesel::update(members::table.find(id))
        .set((members::status.eq(MemberStatus::Left), members::left_on.eq(Some(on)), members::updated_at.eq(now())))
        .execute(conn)?;
    let ended = diesel::update(liaisons::table.filter(liaisons::member_id.eq(id).and(liaisons::end_on.is_null())))
        .set(liaisons::end_on.eq(Some(on)))
        .execute(conn)?;
    audit::record(
        conn,
        who,
        Change::new("member.leave", "member", id)
            .before(serde_json::json!({ "status": m.status }))
            .after(serde_json::json!({ "status": MemberStatus::Left, "left_on": on, "liaisons_ended": ended })),
    )?;
    Ok(())
}

/// Links a member record to a login (the member then sees their own record);
/// the demo only, which has no acting user (the district uses `set_login`).
#[tracing::instrument(level = "debug", skip(conn, who))]
pub fn link_user(conn: &mut DbConn, who: Who<'_>, id: MemberId, user: UserId) -> AppResult<()> {
    diesel::update(members::table.find(id)).set(members::user_id.eq(Some(user))).execute(conn)?;
    audit::record(
        conn,
        who,
        Change::new("member.link_user", "member", id).after(serde_json::json!({ "user_id": user })),
    )?;
    Ok(())
}

/// The district links a member record to a login of role `member` (or unlinks
/// it with `None`); one login belongs to one member.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn set_login(conn: &mut DbConn, actor: &Actor, id: MemberId, username: Option<&str>) -> AppResult<()> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    let m = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let user = match username.map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(u) => {
            let user = crate::kernel::auth::store::colleague(conn, actor, &u.to_lowercase())?
                .ok_or(AppError::BadRequest("member.no_such_login"))?;
            if user.role != Role::Member {
                return Err(AppError::BadRequest("member.login_not_member"));
            }
            Some(user.id)
        }
    };
    diesel::update(members::table.find(id))
        .set(members::user_id.eq(user))
        .execute(conn)
        .map_err(|e| if is_unique_violation(&e) { AppError::Conflict("member.login_taken") } else { e.into() })?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("member.link_user", "member", id)
            .before(serde_json::json!({ "user_id": m.user_id }))
            .after(serde_json::json!({ "user_id": user })),
    )?;
    Ok(())
}

/// Names of members of the actor's committee by id, for labels (an office's
/// convener is a member of any office).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn names(conn: &mut DbConn, actor: &Actor, ids: &[MemberId]) -> AppResult<Vec<(MemberId, String)>> {
    Ok(members::table
        .filter(members::id.eq_any(ids).and(members::committee_id.eq(actor.committee_id)))
        .select((members::id, members::name))
        .load(conn)?)
}

/// A member's record as their page shows it.
pub struct Profile {
    pub member: Member,
    pub sector: Option<String>,
    pub office: Option<(OfficeId, String)>,
    pub links: Vec<super::liaisons::MemberLink>,
    /// The user name of the member's login, if linked.
    pub login: Option<String>,
    /// The actor's own record: they choose whether their name is public.
    pub own: bool,
}

/// A member the actor may see, with their sector, office, liaison points and login.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn profile(conn: &mut DbConn, actor: &Actor, id: MemberId) -> AppResult<Profile> {
    let member = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let sector = match member.sector_id {
        Some(s) => sectors::table
            .find(s)
            .filter(sectors::committee_id.eq(actor.committee_id))
            .select(sectors::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    let office = match member.office_id {
        Some(o) => super::office_name(conn, actor, o)?.map(|n| (o, n)),
        None => None,
    };
    let links = super::liaisons::links_of(conn, actor.committee_id, member.id)?;
    let login = match member.user_id {
        Some(u) => users::table.find(u).select(users::username).first(conn).optional()?,
        None => None,
    };
    Ok(Profile { own: member.user_id == Some(actor.user_id), member, sector, office, links, login })
}

/// Active members for choosing (a convener, a liaison, a proposal's
/// co-signers): id and name, by office first.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn choices(conn: &mut DbConn, actor: &Actor, office: Option<OfficeId>) -> AppResult<Vec<(MemberId, String)>> {
    if !matches!(actor.role, Role::DistrictAdmin | Role::OfficeStaff | Role::Member) {
        return Ok(vec![]);
    }
    // Office staff link members of any office to their localities: liaison
    // points are not always in the member's own township.
    let mut q = members::table
        .filter(members::committee_id.eq(actor.committee_id).and(members::status.eq(MemberStatus::Active)))
        .into_boxed();
    if let Some(o) = office {
        q = q.order((members::office_id.eq(o).desc(), members::name.asc()));
    } else {
        q = q.order(members::name.asc());
    }
    Ok(q.select((members::id, members::name)).load(conn)?)
}
