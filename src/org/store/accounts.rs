//! Accounts as the sysadmin makes them: the kernel's account store plus what
//! the organisation adds — the office a user works in, the department a
//! department account answers for, and the member a member account is.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::store::{self as accounts, NewAccount, UserSummary};
use crate::kernel::auth::{Actor, Role, password::Hashed};
use crate::kernel::db::schema::{departments, members, offices, users};
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{DepartmentId, MemberId, OfficeId, UserId};
use crate::kernel::time::now;
use crate::org::model::MemberStatus;

/// One account in the list, with what it is linked to: its member's name, its
/// department's, or its office's.
pub struct AccountRow {
    pub user: UserSummary,
    pub linked: Option<String>,
}

/// What the account page lists and offers: the accounts, the offices and the
/// active departments to choose from.
pub struct AccountsPage {
    pub users: Vec<AccountRow>,
    pub offices: Vec<(OfficeId, String)>,
    pub departments: Vec<(DepartmentId, String)>,
}

/// A member to link an account to, as the choice list shows them.
pub struct MemberChoice {
    pub id: MemberId,
    pub name: String,
    pub office: Option<String>,
}

impl MemberChoice {
    /// What the searchable field holds once chosen: the name, the office and
    /// the record's number, which tells apart two members of one name.
    pub fn label(&self) -> String {
        match &self.office {
            Some(o) => format!("{}（{o}，编号{}）", self.name, self.id.0),
            None => format!("{}（编号{}）", self.name, self.id.0),
        }
    }
}

/// One account's page: the account, its links, and the choices.
pub struct AccountView {
    pub user: UserSummary,
    pub member: Option<MemberChoice>,
    pub department_id: Option<DepartmentId>,
    pub members: Vec<MemberChoice>,
    pub offices: Vec<(OfficeId, String)>,
    pub departments: Vec<(DepartmentId, String)>,
}

#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn page(conn: &mut DbConn, actor: &Actor) -> AppResult<AccountsPage> {
    let list = accounts::list(conn, actor)?;
    let by_member: HashMap<UserId, String> = members::table
        .filter(members::committee_id.eq(actor.committee_id).and(members::user_id.is_not_null()))
        .select((members::user_id.assume_not_null(), members::name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    let by_department: HashMap<UserId, String> = users::table
        .inner_join(departments::table.on(users::department_id.eq(departments::id.nullable())))
        .filter(users::committee_id.eq(actor.committee_id))
        .select((users::id, departments::name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    let users = list
        .into_iter()
        .map(|u| {
            let linked = match u.role {
                Role::Member => by_member.get(&u.id).cloned(),
                Role::Department => by_department.get(&u.id).cloned(),
                Role::OfficeStaff => u.office_name.clone(),
                _ => None,
            };
            AccountRow { user: u, linked }
        })
        .collect();
    Ok(AccountsPage {
        users,
        offices: super::names_for_accounts(conn, actor)?,
        departments: super::departments::choices(conn, actor)?,
    })
}

/// The committee's members an account may be linked to (those still serving),
/// in office order. The sysadmin sees their names and offices only.
fn member_choices(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<MemberChoice>> {
    let rows: Vec<(MemberId, String, Option<String>)> = members::table
        .left_join(offices::table.on(members::office_id.eq(offices::id.nullable())))
        .filter(members::committee_id.eq(actor.committee_id).and(members::status.eq(MemberStatus::Active)))
        .order((members::office_id.asc(), members::id.asc()))
        .select((members::id, members::name, offices::name.nullable()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, name, office)| MemberChoice { id, name, office }).collect())
}

fn member_of_account(conn: &mut DbConn, user: UserId) -> AppResult<Option<MemberChoice>> {
    let row: Option<(MemberId, String, Option<String>)> = members::table
        .left_join(offices::table.on(members::office_id.eq(offices::id.nullable())))
        .filter(members::user_id.eq(Some(user)))
        .select((members::id, members::name, offices::name.nullable()))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, name, office)| MemberChoice { id, name, office }))
}

/// One account of the sysadmin's committee, with its links and the choices.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn account(conn: &mut DbConn, actor: &Actor, id: UserId) -> AppResult<AccountView> {
    let user = accounts::managed_user(conn, actor, id)?;
    let office_name = match user.office_id {
        Some(o) => offices::table.find(o).select(offices::name).first::<String>(conn).optional()?,
        None => None,
    };
    let department_id: Option<DepartmentId> = users::table.find(id).select(users::department_id).first(conn)?;
    Ok(AccountView {
        member: member_of_account(conn, id)?,
        department_id,
        members: member_choices(conn, actor)?,
        offices: super::names_for_accounts(conn, actor)?,
        departments: super::departments::choices(conn, actor)?,
        user: user.summary(office_name),
    })
}

/// A new account; a department account needs one of the committee's
/// departments (it sees the cases assigned to that unit).
#[tracing::instrument(level = "debug", skip(conn, actor, acc, hash), fields(username = %acc.username))]
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    acc: &NewAccount,
    department: Option<DepartmentId>,
    hash: &Hashed,
) -> AppResult<UserId> {
    let dept = match (acc.role, department) {
        (Role::Department, None) => return Err(AppError::BadRequest("account.department_required")),
        (Role::Department, Some(d)) => {
            if !super::departments::is_ours(conn, actor, d)? {
                return Err(AppError::BadRequest("account.bad_department"));
            }
            Some(d)
        }
        _ => None,
    };
    let id = accounts::create(conn, actor, acc, hash)?;
    if let Some(d) = dept {
        super::departments::set_user_department_unscoped(conn, Who::User(actor), id, d)?;
    }
    Ok(id)
}

/// What the sysadmin picked as an account's link; which part counts depends
/// on the account's role.
#[derive(Debug)]
pub struct LinkChoice {
    /// The member field's text: a choice's label, a record number, or a name.
    pub member: String,
    pub office: Option<OfficeId>,
    pub department: Option<DepartmentId>,
}

/// A member named in the member field: by the record number of a label or
/// typed alone, else by the exact name.
#[derive(Debug, PartialEq, Eq)]
pub enum MemberRef {
    Nobody,
    Id(i64),
    Name(String),
}

impl MemberRef {
    pub fn parse(text: &str) -> MemberRef {
        let text = text.trim();
        if text.is_empty() {
            return MemberRef::Nobody;
        }
        let number = text.rsplit_once("编号").map_or(text, |(_, n)| n);
        let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
        match digits.parse() {
            Ok(n) if digits.len() == number.trim_end_matches('）').len() => MemberRef::Id(n),
            _ => MemberRef::Name(text.to_string()),
        }
    }
}

#[derive(Clone, Serialize)]
struct LinkState {
    member_id: Option<MemberId>,
    display_name: String,
    office_id: Option<OfficeId>,
    department_id: Option<DepartmentId>,
}

/// The sysadmin sets what an account is: a member account its member (whose
/// name and office it then carries), a department account its department, an
/// office account its office. One member has one account: a member already
/// linked to another account is refused, nothing changed.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn set_link(conn: &mut DbConn, actor: &Actor, id: UserId, choice: &LinkChoice) -> AppResult<()> {
    let user = accounts::managed_user(conn, actor, id)?;
    let department_id: Option<DepartmentId> = users::table.find(id).select(users::department_id).first(conn)?;
    let before = LinkState {
        member_id: member_of_account(conn, id)?.map(|m| m.id),
        display_name: user.display_name.clone(),
        office_id: user.office_id,
        department_id,
    };
    let mut after = before.clone();
    match user.role {
        Role::Member => match find_member(conn, actor, &choice.member)? {
            None => {
                diesel::update(members::table.filter(members::user_id.eq(Some(id))))
                    .set(members::user_id.eq(None::<UserId>))
                    .execute(conn)?;
                after.member_id = None;
            }
            Some((member, name, office, linked)) => {
                if linked.is_some_and(|u| u != id) {
                    return Err(AppError::Conflict("account.member_taken"));
                }
                diesel::update(members::table.filter(members::user_id.eq(Some(id)).and(members::id.ne(member))))
                    .set(members::user_id.eq(None::<UserId>))
                    .execute(conn)?;
                diesel::update(members::table.find(member)).set(members::user_id.eq(Some(id))).execute(conn).map_err(
                    |e| if is_unique_violation(&e) { AppError::Conflict("account.member_taken") } else { e.into() },
                )?;
                // The account is that person: their name and office come with the roster.
                diesel::update(users::table.find(id))
                    .set((users::display_name.eq(&name), users::office_id.eq(office), users::updated_at.eq(now())))
                    .execute(conn)?;
                after = LinkState { member_id: Some(member), display_name: name, office_id: office, ..after };
            }
        },
        Role::Department => {
            let d = choice.department.ok_or(AppError::BadRequest("account.department_required"))?;
            if !super::departments::is_ours(conn, actor, d)? {
                return Err(AppError::BadRequest("account.bad_department"));
            }
            diesel::update(users::table.find(id))
                .set((users::department_id.eq(Some(d)), users::updated_at.eq(now())))
                .execute(conn)?;
            after.department_id = Some(d);
        }
        Role::OfficeStaff => {
            let o = choice.office.ok_or(AppError::BadRequest("account.office_required"))?;
            if !super::names_for_accounts(conn, actor)?.iter().any(|(id, _)| *id == o) {
                return Err(AppError::BadRequest("account.bad_office"));
            }
            diesel::update(users::table.find(id))
                .set((users::office_id.eq(Some(o)), users::updated_at.eq(now())))
                .execute(conn)?;
            after.office_id = Some(o);
        }
        _ => return Err(AppError::BadRequest("account.no_link")),
    }
    audit::record(conn, Who::User(actor), Change::new("user.link", "user", id).before(&before).after(&after))?;
    Ok(())
}

/// A member as linking needs them: id, name, office, the account linked.
type FoundMember = (MemberId, String, Option<OfficeId>, Option<UserId>);

/// The member the field names, in the actor's committee. Unknown or ambiguous
/// names are refused.
fn find_member(conn: &mut DbConn, actor: &Actor, text: &str) -> AppResult<Option<FoundMember>> {
    let ours = members::committee_id.eq(actor.committee_id);
    let cols = (members::id, members::name, members::office_id, members::user_id);
    let mut found: Vec<FoundMember> = match MemberRef::parse(text) {
        MemberRef::Nobody => return Ok(None),
        MemberRef::Id(n) => members::table.filter(ours.and(members::id.eq(MemberId(n)))).select(cols).load(conn)?,
        MemberRef::Name(name) => members::table
            .filter(ours.and(members::name.eq(name)).and(members::status.eq(MemberStatus::Active)))
            .select(cols)
            .limit(2)
            .load(conn)?,
    };
    match found.len() {
        0 => Err(AppError::BadRequest("account.no_such_member")),
        1 => Ok(found.pop()),
        _ => Err(AppError::BadRequest("account.member_ambiguous")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_member_field() {
        assert_eq!(MemberRef::parse("  "), MemberRef::Nobody);
        assert_eq!(MemberRef::parse("张丽华（高庙乡，编号42）"), MemberRef::Id(42));
        assert_eq!(MemberRef::parse("张丽华（编号7）"), MemberRef::Id(7));
        assert_eq!(MemberRef::parse("42"), MemberRef::Id(42));
        assert_eq!(MemberRef::parse("张丽华"), MemberRef::Name("张丽华".into()));
        assert_eq!(MemberRef::parse("编号x"), MemberRef::Name("编号x".into()));
        let c = MemberChoice { id: MemberId(42), name: "张丽华".into(), office: Some("高庙乡".into()) };
        assert_eq!(MemberRef::parse(&c.label()), MemberRef::Id(42));
    }
}
