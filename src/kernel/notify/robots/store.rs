//! Robots in the database: the district manages every unit's, an office's
//! staff their own office's; `fan_out` queues a unit's message for each of
//! its robots.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::model::{self, Kind};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::robots;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::CommitteeId;
use crate::kernel::jobs::store as jobs;
use crate::kernel::notify::Unit;
use crate::kernel::notify::outbox::{self, NewMessage};
use crate::kernel::personal::Vault;
use crate::kernel::time::now;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = robots)]
pub struct Robot {
    pub id: i64,
    pub committee_id: CommitteeId,
    pub unit: String,
    pub kind: Kind,
    /// The group's name, as staff know it: 「高庙乡政协工作群」.
    pub name: String,
    #[serde(skip)]
    pub webhook_enc: String,
    #[serde(skip)]
    pub secret_enc: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

/// What staff fill in (no `Debug`: it holds the key and the secret in clear).
#[derive(Clone)]
pub struct NewRobot {
    pub unit: Unit,
    pub kind: Kind,
    pub name: String,
    pub webhook: String,
    /// DingTalk's 加签 secret (`SEC…`), when the robot uses it.
    pub secret: Option<String>,
    /// `robots_allow_local` of the configuration.
    pub allow_local: bool,
}

/// The units of the committee a robot may belong to, with their names: the
/// district, each office, each active department.
pub fn unit_choices(conn: &mut DbConn, committee: CommitteeId) -> AppResult<Vec<(Unit, String)>> {
    use crate::kernel::db::schema::{departments, offices};
    let mut out = vec![(Unit::District, String::new())];
    let o: Vec<(crate::kernel::ids::OfficeId, String)> = offices::table
        .filter(offices::committee_id.eq(committee))
        .order(offices::id.asc())
        .select((offices::id, offices::name))
        .load(conn)?;
    out.extend(o.into_iter().map(|(id, n)| (Unit::Office(id), n)));
    let d: Vec<(crate::kernel::ids::DepartmentId, String)> = departments::table
        .filter(departments::committee_id.eq(committee).and(departments::active.eq(true)))
        .order(departments::id.asc())
        .select((departments::id, departments::name))
        .load(conn)?;
    out.extend(d.into_iter().map(|(id, n)| (Unit::Department(id), n)));
    Ok(out)
}

/// Whether the actor manages the robots of `unit`: the district any unit's
/// (departments' too: they are the committee's handling units), an office's
/// staff their own office's.
pub fn manages(actor: &Actor, unit: Unit) -> bool {
    match (actor.role, unit) {
        (Role::DistrictAdmin, Unit::District | Unit::Office(_) | Unit::Department(_)) => true,
        (Role::OfficeStaff, Unit::Office(o)) => actor.office_id == Some(o),
        _ => false,
    }
}

/// The robots the actor manages, each with its webhook masked.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn list(conn: &mut DbConn, actor: &Actor, vault: &Vault) -> AppResult<Vec<(Robot, String)>> {
    let rows: Vec<Robot> = robots::table
        .filter(robots::committee_id.eq(actor.committee_id))
        .order(robots::id.asc())
        .select(Robot::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| r.unit.parse().is_ok_and(|u| manages(actor, u)))
        .map(|r| {
            let shown = vault.decrypt(&r.webhook_enc).map(|u| model::masked_webhook(&u)).unwrap_or_default();
            (r, shown)
        })
        .collect())
}

/// A robot the actor manages, else not found.
fn managed(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Robot> {
    let r: Robot = robots::table
        .filter(robots::id.eq(id).and(robots::committee_id.eq(actor.committee_id)))
        .select(Robot::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    match r.unit.parse() {
        Ok(u) if manages(actor, u) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

/// Adds a robot; the webhook and the secret are kept encrypted.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn add(conn: &mut DbConn, actor: &Actor, vault: &Vault, r: &NewRobot) -> AppResult<i64> {
    if !manages(actor, r.unit) {
        return Err(AppError::Forbidden);
    }
    if !unit_choices(conn, actor.committee_id)?.iter().any(|(u, _)| *u == r.unit) {
        return Err(AppError::BadRequest("form.bad_choice"));
    }
    let name = r.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(AppError::BadRequest("robot.bad_name"));
    }
    if !model::valid_webhook(&r.webhook, r.allow_local) {
        return Err(AppError::BadRequest("robot.bad_webhook"));
    }
    let secret = r.secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if secret.is_some() && r.kind != Kind::Dingtalk {
        return Err(AppError::BadRequest("robot.secret_dingtalk_only"));
    }
    let id: i64 = diesel::insert_into(robots::table)
        .values((
            robots::committee_id.eq(actor.committee_id),
            robots::unit.eq(r.unit.to_string()),
            robots::kind.eq(r.kind),
            robots::name.eq(name),
            robots::webhook_enc.eq(vault.encrypt(r.webhook.trim())),
            robots::secret_enc.eq(secret.map(|s| vault.encrypt(s))),
            robots::active.eq(true),
            robots::created_by.eq(Some(actor.user_id.0)),
            robots::created_at.eq(now()),
        ))
        .returning(robots::id)
        .get_result(conn)?;
    let after = managed(conn, actor, id)?;
    audit::record(conn, Who::User(actor), Change::new("robot.add", "robot", id).after(after))?;
    Ok(id)
}

/// Stops or resumes a robot.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, robot = id, active))]
pub fn set_active(conn: &mut DbConn, actor: &Actor, id: i64, active: bool) -> AppResult<()> {
    let before = managed(conn, actor, id)?;
    diesel::update(robots::table.find(id)).set(robots::active.eq(active)).execute(conn)?;
    let after = managed(conn, actor, id)?;
    audit::record(conn, Who::User(actor), Change::new("robot.active", "robot", id).before(before).after(after))
}

/// A test message to one robot, through the same queue as the real ones.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, robot = id))]
pub fn test(conn: &mut DbConn, actor: &Actor, id: i64, text: &str) -> AppResult<()> {
    let r = managed(conn, actor, id)?;
    queue(conn, &r, "robot-test", text)?;
    audit::record(conn, Who::User(actor), Change::new("robot.test", "robot", id))
}

/// Queues `body` for every active robot of `to`: one outbox row each (shown
/// on the deliveries page) and the job that sends it, in the caller's
/// transaction. For `inapp::post`, which calls it for digests and alerts.
pub fn fan_out(conn: &mut DbConn, committee: CommitteeId, to: Unit, subject: &str, body: &str) -> AppResult<usize> {
    let list: Vec<Robot> = robots::table
        .filter(robots::committee_id.eq(committee).and(robots::unit.eq(to.to_string())).and(robots::active.eq(true)))
        .select(Robot::as_select())
        .load(conn)?;
    for r in &list {
        queue(conn, r, subject, body)?;
    }
    Ok(list.len())
}

fn queue(conn: &mut DbConn, r: &Robot, subject: &str, body: &str) -> AppResult<()> {
    let address = format!("robot:{}", r.id);
    let msg = NewMessage {
        committee_id: r.committee_id,
        channel: r.kind.channel(),
        recipient: &address,
        recipient_masked: &r.name,
        subject,
        body,
    };
    let id = outbox::queue(conn, &msg)?;
    let job = jobs::enqueue(conn, super::JOB, &serde_json::json!({ "outbox_id": id }), now(), None)?;
    if let Some(job) = job {
        outbox::set_job(conn, id, job)?;
    }
    Ok(())
}

/// The robot a queued message goes to, for the sender: (kind, webhook,
/// secret), still encrypted; none once it is stopped (a retry or a resend
/// then goes nowhere). Unscoped: the job has no acting user.
pub fn for_delivery_unscoped(conn: &mut DbConn, id: i64) -> AppResult<Option<(Kind, String, Option<String>)>> {
    Ok(robots::table
        .filter(robots::id.eq(id).and(robots::active.eq(true)))
        .select((robots::kind, robots::webhook_enc, robots::secret_enc))
        .get_result(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::{DepartmentId, OfficeId};

    #[test]
    fn who_manages_which_robots() {
        let district = Actor::sample(Role::DistrictAdmin, None);
        let office = Actor::sample(Role::OfficeStaff, Some(3));
        let (o3, o4, d5) = (Unit::Office(OfficeId(3)), Unit::Office(OfficeId(4)), Unit::Department(DepartmentId(5)));
        assert!(manages(&district, Unit::District) && manages(&district, o3) && manages(&district, d5));
        assert!(manages(&office, o3));
        assert!(!manages(&office, o4) && !manages(&office, Unit::District) && !manages(&office, d5));
        for role in [Role::Member, Role::Leader, Role::Department, Role::Sysadmin, Role::Auditor] {
            assert!(!manages(&Actor::sample(role, Some(3)), o3), "{role:?}");
        }
    }
}
