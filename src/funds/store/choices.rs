//! What an expense may rest on, for the expense form: the books' activities
//! and consultations of the year, and its Members' Home.

use std::collections::HashMap;

use chrono::Datelike;
use diesel::prelude::*;

use super::expenses::Expense;
use super::{Books, may_keep};
use crate::funds::model::ExpenseFor;
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activities, consultations, members_homes};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::time::{local_time, start_of_local_day};

/// One record to choose: its kind, id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub kind: ExpenseFor,
    pub id: i64,
    pub name: String,
}

impl Choice {
    /// The form's value: `activity:12`; the office's own running costs are `office`.
    pub fn value(&self) -> String {
        format!("{}:{}", self.kind, self.id)
    }
}

/// A form's value back as a kind and a record id; anything else is refused.
pub fn parse(value: &str) -> AppResult<(ExpenseFor, Option<i64>)> {
    let bad = AppError::BadRequest("expense.record_required");
    match value.trim().split_once(':') {
        None if value.trim() == ExpenseFor::Office.as_str() => Ok((ExpenseFor::Office, None)),
        Some((kind, id)) => {
            let kind = ExpenseFor::parse(kind).filter(|k| *k != ExpenseFor::Office).ok_or(bad)?;
            let id = id.parse::<i64>().map_err(|_| AppError::BadRequest("expense.record_required"))?;
            Ok((kind, Some(id)))
        }
        None => Err(bad),
    }
}

/// The records of the books' year that an expense may rest on, newest first.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, books = ?books, year))]
pub fn choices(conn: &mut DbConn, actor: &Actor, books: Books, year: i32) -> AppResult<Vec<Choice>> {
    if !may_keep(actor, books) {
        return Err(AppError::NotFound);
    }
    let Some(office) = books else { return Ok(vec![]) };
    let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1).map(start_of_local_day).ok_or(AppError::NotFound)?;
    let to = chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1).map(start_of_local_day).ok_or(AppError::NotFound)?;
    let acts: Vec<(i64, String, chrono::NaiveDateTime)> = activities::table
        .filter(activities::committee_id.eq(actor.committee_id).and(activities::office_id.eq(office)))
        .filter(activities::planned_at.ge(from).and(activities::planned_at.lt(to)))
        .order(activities::planned_at.desc())
        .select((activities::id, activities::title, activities::planned_at))
        .load(conn)?;
    let cons: Vec<(i64, String)> = consultations::table
        .filter(consultations::committee_id.eq(actor.committee_id).and(consultations::office_id.eq(office)))
        .filter(consultations::created_at.lt(to))
        .filter(consultations::closed_at.is_null().or(consultations::closed_at.ge(from)))
        .order(consultations::created_at.desc())
        .select((consultations::id, consultations::title))
        .load(conn)?;
    let homes: Vec<(i64, String)> = members_homes::table
        .filter(members_homes::office_id.eq(office))
        .select((members_homes::id, members_homes::name))
        .load(conn)?;
    let mut out: Vec<Choice> = acts
        .into_iter()
        .map(|(id, title, at)| {
            let d = local_time(&at);
            Choice { kind: ExpenseFor::Activity, id, name: format!("{}月{}日 {title}", d.month(), d.day()) }
        })
        .collect();
    out.extend(cons.into_iter().map(|(id, name)| Choice { kind: ExpenseFor::Consultation, id, name }));
    out.extend(homes.into_iter().map(|(id, name)| Choice { kind: ExpenseFor::Home, id, name }));
    Ok(out)
}

/// The names of the records the expenses rest on, in three queries
/// whatever their number: `(kind, id) → name`. The expenses come from the
/// store's checked reads, so their records are the books' own.
pub fn record_names(conn: &mut DbConn, es: &[Expense]) -> AppResult<HashMap<(ExpenseFor, i64), String>> {
    let ids = |f: fn(&Expense) -> Option<i64>| -> Vec<i64> { es.iter().filter_map(f).collect() };
    let acts = ids(|e| e.activity_id.map(|a| a.0));
    let cons = ids(|e| e.consultation_id.map(|c| c.0));
    let homes = ids(|e| e.home_id.map(|h| h.0));
    let mut out = HashMap::new();
    if !acts.is_empty() {
        let rows: Vec<(i64, String)> = activities::table
            .filter(activities::id.eq_any(&acts))
            .select((activities::id, activities::title))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, n)| ((ExpenseFor::Activity, id), n)));
    }
    if !cons.is_empty() {
        let rows: Vec<(i64, String)> = consultations::table
            .filter(consultations::id.eq_any(&cons))
            .select((consultations::id, consultations::title))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, n)| ((ExpenseFor::Consultation, id), n)));
    }
    if !homes.is_empty() {
        let rows: Vec<(i64, String)> = members_homes::table
            .filter(members_homes::id.eq_any(&homes))
            .select((members_homes::id, members_homes::name))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, n)| ((ExpenseFor::Home, id), n)));
    }
    Ok(out)
}

/// The record an expense rests on as `(kind, id)`, none for office costs.
pub fn record_of(e: &Expense) -> Option<(ExpenseFor, i64)> {
    match (e.activity_id, e.consultation_id, e.home_id) {
        (Some(a), _, _) => Some((ExpenseFor::Activity, a.0)),
        (_, Some(c), _) => Some((ExpenseFor::Consultation, c.0)),
        (_, _, Some(h)) => Some((ExpenseFor::Home, h.0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_round_trip() {
        let c = Choice { kind: ExpenseFor::Activity, id: 12, name: String::new() };
        assert_eq!(parse(&c.value()).ok(), Some((ExpenseFor::Activity, Some(12))));
        assert_eq!(parse("office").ok(), Some((ExpenseFor::Office, None)));
        for bad in ["", "activity", "activity:x", "office:3", "other:1", "activity:99999999999999999999"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
