//! 委员经费: a member's allocation for a year and what was spent of it, each
//! use one that the rules in force on its day allow. The member sees their
//! own; their office's staff, the district and leaders see every member they
//! may see on the roster. Corrections are reversing uses, as in the books.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::rules;
use crate::funds::money::Fen;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{member_fund_uses, member_funds, members};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, RuleId, UserId};
use crate::kernel::time::now;
use crate::kernel::web::form::bounded;
use crate::org::store::members as roster;

pub const MAX_NOTE: usize = 200;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = member_fund_uses)]
pub struct Use {
    pub id: i64,
    pub member_id: MemberId,
    pub year: i32,
    pub spent_on: NaiveDate,
    pub fund_use: String,
    #[diesel(column_name = amount_fen)]
    pub amount: Fen,
    pub note: String,
    pub rule_id: RuleId,
    pub reverses_id: Option<i64>,
    pub entered_by: UserId,
    pub entered_at: NaiveDateTime,
}

/// A member's year of funds.
#[derive(Debug, Clone)]
pub struct Account {
    pub member: MemberId,
    pub name: String,
    pub year: i32,
    pub allocated: Fen,
    pub used: Fen,
    pub left: Fen,
    pub uses: Vec<Use>,
    /// The uses reversed, by id: shown struck through.
    pub reversed: Vec<i64>,
}

impl Account {
    pub fn is_reversed(&self, id: &i64) -> bool {
        self.reversed.contains(id)
    }
}

/// The member's roster entry if the actor may see their funds: a member
/// their own only.
fn visible(conn: &mut DbConn, actor: &Actor, member: MemberId) -> AppResult<roster::Profile> {
    let p = roster::profile(conn, actor, member)?;
    if actor.role == Role::Member && !p.own {
        return Err(AppError::NotFound);
    }
    if !matches!(actor.role, Role::Member | Role::OfficeStaff | Role::DistrictAdmin | Role::Leader) {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// Whether the actor keeps the member's funds: the district, or staff of
/// the member's office.
fn keeps(actor: &Actor, p: &roster::Profile) -> bool {
    match actor.role {
        Role::DistrictAdmin => true,
        Role::OfficeStaff => p.member.office_id.is_some() && p.member.office_id == actor.office_id,
        _ => false,
    }
}

fn allocated(conn: &mut DbConn, member: MemberId, year: i32) -> AppResult<Fen> {
    Ok(member_funds::table
        .filter(member_funds::member_id.eq(member).and(member_funds::year.eq(year)))
        .select(member_funds::amount_fen)
        .first::<i64>(conn)
        .optional()?
        .map_or(Fen::ZERO, Fen))
}

fn uses(conn: &mut DbConn, member: MemberId, year: i32) -> AppResult<Vec<Use>> {
    Ok(member_fund_uses::table
        .filter(member_fund_uses::member_id.eq(member).and(member_fund_uses::year.eq(year)))
        .order((member_fund_uses::spent_on.asc(), member_fund_uses::id.asc()))
        .select(Use::as_select())
        .load(conn)?)
}

/// A member's year, for whoever may see it.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, member = %member, year))]
pub fn account(conn: &mut DbConn, actor: &Actor, member: MemberId, year: i32) -> AppResult<Account> {
    let p = visible(conn, actor, member)?;
    let allocated = allocated(conn, member, year)?;
    let uses = uses(conn, member, year)?;
    let used: Fen = uses.iter().map(|u| u.amount).sum();
    let reversed = uses.iter().filter_map(|u| u.reverses_id).collect();
    Ok(Account {
        member,
        name: p.member.name,
        year,
        allocated,
        used,
        left: Fen(allocated.0.saturating_sub(used.0)),
        uses,
        reversed,
    })
}

/// The signed-in member's own roster entry, if their account is a member's.
pub fn own_member(conn: &mut DbConn, actor: &Actor) -> AppResult<Option<MemberId>> {
    Ok(members::table
        .filter(members::user_id.eq(actor.user_id).and(members::committee_id.eq(actor.committee_id)))
        .select(members::id)
        .first(conn)
        .optional()?)
}

/// The district sets a member's allocation for a year.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, member = %member, year))]
pub fn allocate(conn: &mut DbConn, actor: &Actor, member: MemberId, year: i32, amount: Fen) -> AppResult<()> {
    visible(conn, actor, member)?;
    if actor.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    if !super::budgets::YEARS.contains(&year) {
        return Err(AppError::BadRequest("budget.bad_year"));
    }
    let before = allocated(conn, member, year)?;
    let t = now();
    let n =
        diesel::update(member_funds::table.filter(member_funds::member_id.eq(member).and(member_funds::year.eq(year))))
            .set((
                member_funds::amount_fen.eq(amount),
                member_funds::updated_by.eq(actor.user_id),
                member_funds::updated_at.eq(t),
            ))
            .execute(conn)?;
    if n == 0 {
        diesel::insert_into(member_funds::table)
            .values((
                member_funds::committee_id.eq(actor.committee_id),
                member_funds::member_id.eq(member),
                member_funds::year.eq(year),
                member_funds::amount_fen.eq(amount),
                member_funds::updated_by.eq(actor.user_id),
                member_funds::updated_at.eq(t),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("member_fund.allocate", "member", member)
            .before(serde_json::json!({ "amount_fen": before, "year": year }))
            .after(serde_json::json!({ "amount_fen": amount, "year": year })),
    )?;
    Ok(())
}

/// A use of member funds: allowed by the rules in force on its day, and
/// within what is left of the allocation.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, member = %member))]
pub fn spend(
    conn: &mut DbConn,
    actor: &Actor,
    member: MemberId,
    day: NaiveDate,
    fund_use: &str,
    amount: Fen,
    note: &str,
) -> AppResult<i64> {
    let p = visible(conn, actor, member)?;
    if !keeps(actor, &p) {
        return Err(AppError::Forbidden);
    }
    let rule = rules::in_force(conn, actor, day)?.ok_or(AppError::BadRequest("member_fund.no_rule"))?;
    let fund_use = fund_use.trim();
    if !rule.uses().contains(&fund_use) {
        return Err(AppError::BadRequest("member_fund.use_not_allowed"));
    }
    let year = day.year();
    super::lock_books(conn, actor, None, year)?;
    let left = account(conn, actor, member, year)?.left;
    if amount > left {
        return Err(AppError::Conflict("member_fund.over"));
    }
    let note = bounded(note, MAX_NOTE, "member_fund.note_too_long")?;
    let id: i64 = diesel::insert_into(member_fund_uses::table)
        .values((
            member_fund_uses::committee_id.eq(actor.committee_id),
            member_fund_uses::member_id.eq(member),
            member_fund_uses::year.eq(year),
            member_fund_uses::spent_on.eq(day),
            member_fund_uses::fund_use.eq(fund_use),
            member_fund_uses::amount_fen.eq(amount),
            member_fund_uses::note.eq(&note),
            member_fund_uses::rule_id.eq(rule.id),
            member_fund_uses::entered_by.eq(actor.user_id),
            member_fund_uses::entered_at.eq(now()),
        ))
        .returning(member_fund_uses::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("member_fund.spend", "member", member).after(serde_json::json!({
            "use": fund_use, "amount_fen": amount, "spent_on": day, "note": note, "rule": rule.title,
        })),
    )?;
    Ok(id)
}

/// Reverses a use (an entry in error), once; the reversal cites the same rule.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id))]
pub fn reverse(conn: &mut DbConn, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    let u: Use = member_fund_uses::table
        .find(id)
        .filter(member_fund_uses::committee_id.eq(actor.committee_id))
        .select(Use::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let p = visible(conn, actor, u.member_id)?;
    if !keeps(actor, &p) {
        return Err(AppError::Forbidden);
    }
    let again: i64 = member_fund_uses::table.filter(member_fund_uses::reverses_id.eq(id)).count().get_result(conn)?;
    if u.reverses_id.is_some() || again > 0 {
        return Err(AppError::Conflict("expense.is_reversal"));
    }
    let reason = bounded(reason, MAX_NOTE, "expense.reason_too_long")?;
    if reason.is_empty() {
        return Err(AppError::BadRequest("expense.reason_required"));
    }
    diesel::insert_into(member_fund_uses::table)
        .values((
            member_fund_uses::committee_id.eq(actor.committee_id),
            member_fund_uses::member_id.eq(u.member_id),
            member_fund_uses::year.eq(u.year),
            member_fund_uses::spent_on.eq(u.spent_on),
            member_fund_uses::fund_use.eq(&u.fund_use),
            member_fund_uses::amount_fen.eq(u.amount.negated()),
            member_fund_uses::note.eq(format!("冲销：{reason}")),
            member_fund_uses::rule_id.eq(u.rule_id),
            member_fund_uses::reverses_id.eq(Some(id)),
            member_fund_uses::entered_by.eq(actor.user_id),
            member_fund_uses::entered_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("member_fund.reverse", "member", u.member_id)
            .after(serde_json::json!({ "use": u.fund_use, "amount_fen": u.amount.negated(), "reason": reason })),
    )?;
    Ok(())
}

/// One member's line in the office's list.
#[derive(Debug, Clone)]
pub struct Line {
    pub member: MemberId,
    pub name: String,
    pub allocated: Fen,
    pub used: Fen,
}

impl Line {
    pub fn left(&self) -> Fen {
        Fen(self.allocated.0.saturating_sub(self.used.0))
    }
}

/// Every serving member of an office with their year's allocation and use,
/// by name, for the office's staff, the district and leaders.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, office = %office, year))]
pub fn of_office(
    conn: &mut DbConn,
    actor: &Actor,
    office: crate::kernel::ids::OfficeId,
    year: i32,
) -> AppResult<Vec<Line>> {
    if !super::may_read(actor, Some(office)) {
        return Err(AppError::NotFound);
    }
    let people: Vec<(MemberId, String)> = members::table
        .filter(members::committee_id.eq(actor.committee_id).and(members::office_id.eq(office)))
        .filter(members::status.eq(crate::org::model::MemberStatus::Active))
        .order(members::name.asc())
        .select((members::id, members::name))
        .load(conn)?;
    let ids: Vec<MemberId> = people.iter().map(|(id, _)| *id).collect();
    let given: Vec<(MemberId, i64)> = member_funds::table
        .filter(member_funds::member_id.eq_any(&ids).and(member_funds::year.eq(year)))
        .select((member_funds::member_id, member_funds::amount_fen))
        .load(conn)?;
    let spent: Vec<(MemberId, i64)> = member_fund_uses::table
        .filter(member_fund_uses::member_id.eq_any(&ids).and(member_fund_uses::year.eq(year)))
        .select((member_fund_uses::member_id, member_fund_uses::amount_fen))
        .load(conn)?;
    Ok(people
        .into_iter()
        .map(|(member, name)| Line {
            member,
            name,
            allocated: given.iter().filter(|(m, _)| *m == member).map(|(_, a)| Fen(*a)).sum(),
            used: spent.iter().filter(|(m, _)| *m == member).map(|(_, a)| Fen(*a)).sum(),
        })
        .collect())
}
