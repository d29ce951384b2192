//! The committee's duty rules (规范性文件) as versions with effective dates:
//! the version in force on a day is the latest that took effect on or
//! before it. Versions are added, never edited: a leave letter and a fund
//! use keep citing the version they were made under.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::duty_rules;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, RuleId, UserId};
use crate::kernel::time::now;
use crate::kernel::web::form::bounded;

pub const MAX_TITLE: usize = 100;
pub const MAX_NUMBER: usize = 50;
pub const MAX_BODY: usize = 20_000;
pub const MAX_CLAUSE: usize = 500;
pub const MAX_USE: usize = 50;
pub const MAX_USES: usize = 30;
/// The most duty days a year a rule may expect.
pub const MAX_DAYS: i32 = 200;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = duty_rules)]
pub struct Rule {
    pub id: RuleId,
    pub committee_id: CommitteeId,
    /// 湖滨区政协委员履职服务保障办法.
    pub title: String,
    /// 湖政协发〔2026〕3号.
    pub doc_number: String,
    pub effective_from: NaiveDate,
    pub body: String,
    /// Duty days expected of a member per year.
    pub duty_days: i32,
    /// What member funds may pay for, one use a line.
    pub fund_uses: String,
    /// The sentence leave letters cite.
    pub leave_clause: String,
    /// Leave letters' number prefix: 湖政协函.
    pub letter_prefix: String,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
}

impl Rule {
    /// The allowed uses of member funds, in the rule's order.
    pub fn uses(&self) -> Vec<&str> {
        uses_of(&self.fund_uses)
    }
}

fn uses_of(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// A new version as the form gives it.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub title: String,
    pub doc_number: String,
    pub effective_from: Option<NaiveDate>,
    pub body: String,
    pub duty_days: i32,
    pub fund_uses: String,
    pub leave_clause: String,
    pub letter_prefix: String,
}

/// The rule's texts checked: everything a letter or a fund form will cite
/// must be there.
fn checked(d: &Draft) -> AppResult<Draft> {
    let required = |s: String, key| if s.is_empty() { Err(AppError::BadRequest(key)) } else { Ok(s) };
    let uses: Vec<String> = uses_of(&d.fund_uses).into_iter().map(str::to_string).collect();
    if uses.is_empty() {
        return Err(AppError::BadRequest("rule.uses_required"));
    }
    if uses.len() > MAX_USES || uses.iter().any(|u| u.chars().count() > MAX_USE) {
        return Err(AppError::BadRequest("rule.uses_too_long"));
    }
    if !(0..=MAX_DAYS).contains(&d.duty_days) {
        return Err(AppError::BadRequest("rule.bad_days"));
    }
    Ok(Draft {
        title: required(bounded(&d.title, MAX_TITLE, "rule.title_too_long")?, "rule.title_required")?,
        doc_number: bounded(&d.doc_number, MAX_NUMBER, "rule.number_too_long")?,
        effective_from: Some(d.effective_from.ok_or(AppError::BadRequest("rule.date_required"))?),
        body: bounded(&d.body, MAX_BODY, "rule.body_too_long")?,
        duty_days: d.duty_days,
        fund_uses: uses.join("\n"),
        leave_clause: required(bounded(&d.leave_clause, MAX_CLAUSE, "rule.clause_too_long")?, "rule.clause_required")?,
        letter_prefix: required(bounded(&d.letter_prefix, 20, "rule.prefix_too_long")?, "rule.prefix_required")?,
    })
}

/// The district adds a version; it is in force from its date on.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn add(conn: &mut DbConn, actor: &Actor, d: &Draft) -> AppResult<RuleId> {
    if actor.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    let d = checked(d)?;
    let t = now();
    let id: RuleId = diesel::insert_into(duty_rules::table)
        .values((
            duty_rules::committee_id.eq(actor.committee_id),
            duty_rules::title.eq(&d.title),
            duty_rules::doc_number.eq(&d.doc_number),
            duty_rules::effective_from.eq(d.effective_from.unwrap_or_default()),
            duty_rules::body.eq(&d.body),
            duty_rules::duty_days.eq(d.duty_days),
            duty_rules::fund_uses.eq(&d.fund_uses),
            duty_rules::leave_clause.eq(&d.leave_clause),
            duty_rules::letter_prefix.eq(&d.letter_prefix),
            duty_rules::created_by.eq(actor.user_id),
            duty_rules::created_at.eq(t),
        ))
        .returning(duty_rules::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("rule.add", "rule", id).after(serde_json::json!({
            "title": d.title, "doc_number": d.doc_number, "effective_from": d.effective_from,
            "duty_days": d.duty_days, "fund_uses": d.fund_uses, "leave_clause": d.leave_clause,
        })),
    )?;
    Ok(id)
}

/// Every version, newest in force first: anyone signed in to the committee
/// may read its rules (members are bound by them).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Rule>> {
    Ok(duty_rules::table
        .filter(duty_rules::committee_id.eq(actor.committee_id))
        .order((duty_rules::effective_from.desc(), duty_rules::id.desc()))
        .select(Rule::as_select())
        .load(conn)?)
}

/// The version in force on `day`, if any took effect by then.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, day = %day))]
pub fn in_force(conn: &mut DbConn, actor: &Actor, day: NaiveDate) -> AppResult<Option<Rule>> {
    in_force_unscoped(conn, actor.committee_id, day)
}

/// `in_force` for a committee, for the jobs that run without a user.
pub fn in_force_unscoped(conn: &mut DbConn, committee: CommitteeId, day: NaiveDate) -> AppResult<Option<Rule>> {
    Ok(duty_rules::table
        .filter(duty_rules::committee_id.eq(committee))
        .filter(duty_rules::effective_from.le(day))
        .order((duty_rules::effective_from.desc(), duty_rules::id.desc()))
        .select(Rule::as_select())
        .first(conn)
        .optional()?)
}

/// One version by id, of the actor's committee.
pub fn get(conn: &mut DbConn, actor: &Actor, id: RuleId) -> AppResult<Rule> {
    duty_rules::table
        .find(id)
        .filter(duty_rules::committee_id.eq(actor.committee_id))
        .select(Rule::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            title: "湖滨区政协委员履职服务保障办法".into(),
            doc_number: "湖政协发〔2026〕3号".into(),
            effective_from: NaiveDate::from_ymd_opt(2026, 1, 1),
            body: "第一条 ……".into(),
            duty_days: 12,
            fund_uses: " 调研交通费\n\n资料印制费 \n".into(),
            leave_clause: "委员所在单位应当支持委员履行职责。".into(),
            letter_prefix: "湖政协函".into(),
        }
    }

    #[test]
    fn a_version_has_what_letters_and_forms_cite() {
        let ok = checked(&draft()).expect("a complete rule");
        assert_eq!(ok.fund_uses, "调研交通费\n资料印制费", "one use a line, blanks dropped");
        for (broken, key) in [
            (Draft { fund_uses: " \n".into(), ..draft() }, "rule.uses_required"),
            (Draft { leave_clause: " ".into(), ..draft() }, "rule.clause_required"),
            (Draft { letter_prefix: String::new(), ..draft() }, "rule.prefix_required"),
            (Draft { effective_from: None, ..draft() }, "rule.date_required"),
            (Draft { duty_days: 366, ..draft() }, "rule.bad_days"),
            (Draft { duty_days: -1, ..draft() }, "rule.bad_days"),
            (Draft { title: "  ".into(), ..draft() }, "rule.title_required"),
        ] {
            match checked(&broken) {
                Err(AppError::BadRequest(k)) => assert_eq!(k, key),
                other => panic!("{key}: {other:?}"),
            }
        }
    }
}
