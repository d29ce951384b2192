//! The archive's data: an office's records of a year gathered from every
//! area (`records`, `books`), and the bundles built from them (`bundles`).

pub mod books;
pub mod bundles;
pub mod records;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::model::{self, Category, Piece};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::offices;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::FileRow;
use crate::kernel::ids::OfficeId;
use crate::kernel::time::{today, year_bounds};
use crate::kernel::web::i18n::Lang;

/// What every source reads by: the office and year, in the actor's committee,
/// with the words of the reader's language.
pub struct Scope {
    pub actor: Actor,
    pub office: OfficeId,
    pub office_name: String,
    pub year: i32,
    /// `[start, end)` of the year in naive UTC (Beijing midnights).
    pub start: chrono::NaiveDateTime,
    pub end: chrono::NaiveDateTime,
    pub lang: Lang,
}

impl Scope {
    /// The last day a record of the year can carry: 31 December, or today
    /// for the year under way.
    pub fn last_day(&self) -> NaiveDate {
        self.dec31().min(today().max(self.first_day()))
    }

    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or_default()
    }

    pub fn dec31(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or_default()
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }
}

/// The scope of office `office`'s archive for `year` as the actor may read
/// it: another committee's office, or one the actor may not read, is "not
/// found"; a year outside 2000..=this year is a bad request.
pub fn scope(conn: &mut DbConn, actor: &Actor, office: OfficeId, year: i32, lang: Lang) -> AppResult<Scope> {
    if !model::may_read(actor, office) {
        return Err(AppError::NotFound);
    }
    if !model::year_ok(year, today().year()) {
        return Err(AppError::BadRequest("archive.bad_year"));
    }
    let office_name: String = offices::table
        .find(office)
        .filter(offices::committee_id.eq(actor.committee_id))
        .select(offices::name)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let (start, end) = year_bounds(year).ok_or(AppError::BadRequest("archive.bad_year"))?;
    Ok(Scope { actor: actor.clone(), office, office_name, year, start, end, lang })
}

/// Every record of the scope's office and year, numbered in archive order.
#[tracing::instrument(level = "debug", skip_all, fields(user = %s.actor.user_id, office = %s.office, year = s.year))]
pub fn pieces(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let mut all = books::roster(conn, s)?;
    all.extend(books::homes(conn, s)?);
    all.extend(records::activities(conn, s)?);
    all.extend(records::opinions(conn, s)?);
    all.extend(records::consultations(conn, s)?);
    all.extend(books::funds(conn, s)?);
    all.extend(books::duty(conn, s)?);
    all.extend(records::notices(conn, s)?);
    all.extend(records::inspections(conn, s)?);
    model::number(&mut all);
    Ok(all)
}

/// How many records each category holds, in the table of contents' order.
pub fn counts(pieces: &[Piece]) -> Vec<(Category, usize)> {
    Category::ALL.iter().map(|c| (*c, pieces.iter().filter(|p| p.category == *c).count())).collect()
}

/// Files of many records at once, grouped by the record's id.
pub(super) fn by_owner(rows: Vec<(i64, FileRow)>) -> HashMap<i64, Vec<FileRow>> {
    let mut out: HashMap<i64, Vec<FileRow>> = HashMap::new();
    for (owner, f) in rows {
        out.entry(owner).or_default().push(f);
    }
    for files in out.values_mut() {
        files.sort_by_key(|f| f.id);
    }
    out
}
