//! The archive's books of the office: its roster, its Members' Home's 六有
//! with their evidence, its expenses with their receipts, and its members'
//! duty for the year.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{Scope, by_owner};
use crate::archive::model::{Category, Piece};
use crate::duty::scores::{self, Ranked};
use crate::funds::model::{BudgetLine, ExpenseStatus};
use crate::funds::money::Fen;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    expense_files, expenses, files, home_evidence, home_items, members, members_homes, sectors,
};
use crate::kernel::error::AppResult;
use crate::kernel::files::FileRow;
use crate::kernel::ids::{ExpenseId, MemberId};
use crate::kernel::time::today;
use crate::org::model::{HomeItem, ItemStatus, MemberStatus};

/// One member on the year's roster: what an archivist's 名册 lists, no phone.
#[derive(Debug, Clone)]
pub struct OnRoster {
    pub id: MemberId,
    pub name: String,
    pub gender: String,
    pub sector: Option<String>,
    pub employer: String,
    pub post: String,
    pub status: MemberStatus,
    pub left_on: Option<NaiveDate>,
    /// Joined the roster during the year.
    pub new: bool,
}

/// The office's members during the year: those on the roster before its
/// end who had not left before it began.
pub fn roster_rows(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<OnRoster>> {
    let first = s.first_day();
    type Row =
        (MemberId, String, String, Option<String>, String, String, MemberStatus, Option<NaiveDate>, NaiveDateTime);
    let rows: Vec<Row> = members::table
        .left_join(sectors::table)
        .filter(members::committee_id.eq(s.actor.committee_id).and(members::office_id.eq(s.office)))
        .filter(members::created_at.lt(s.end))
        .filter(members::left_on.is_null().or(members::left_on.ge(first)))
        .order((members::name.asc(), members::id.asc()))
        .select((
            members::id,
            members::name,
            members::gender,
            sectors::name.nullable(),
            members::employer,
            members::post,
            members::status,
            members::left_on,
            members::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, gender, sector, employer, post, status, left_on, created_at)| OnRoster {
            id,
            name,
            gender,
            sector,
            employer,
            post,
            status,
            left_on,
            new: created_at >= s.start,
        })
        .collect())
}

/// The roster as one record: how many served, joined and left in the year.
pub fn roster(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let rows = roster_rows(conn, s)?;
    let joined = rows.iter().filter(|r| r.new).count();
    let left = rows.iter().filter(|r| r.left_on.is_some_and(|d| d <= s.dec31())).count();
    let note = s
        .t("archive.roster_note")
        .replace("{n}", &rows.len().to_string())
        .replace("{joined}", &joined.to_string())
        .replace("{left}", &left.to_string());
    Ok(vec![Piece {
        category: Category::Roster,
        source_id: 0,
        date: s.last_day(),
        title: s.t("archive.roster_title").replace("{year}", &s.year.to_string()),
        by: s.office_name.clone(),
        note,
        href: format!("/members?office={}", s.office),
        files: vec![],
        number: 0,
    }])
}

/// Each 六有 item of the office's Members' Homes with its evidence added up
/// to the year's end; the item's state is as it stands now (the checklist
/// keeps no history of its states).
pub fn homes(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let items: Vec<(i64, String, HomeItem, ItemStatus, String, Option<NaiveDateTime>)> = home_items::table
        .inner_join(members_homes::table)
        .filter(members_homes::committee_id.eq(s.actor.committee_id).and(members_homes::office_id.eq(s.office)))
        .filter(members_homes::created_at.lt(s.end))
        .order(home_items::id.asc())
        .select((
            home_items::id,
            members_homes::name,
            home_items::item,
            home_items::status,
            home_items::note,
            home_items::checked_at,
        ))
        .load(conn)?;
    let ids: Vec<i64> = items.iter().map(|i| i.0).collect();
    let found: Vec<(i64, FileRow)> = home_evidence::table
        .inner_join(files::table)
        .filter(home_evidence::home_item_id.eq_any(&ids))
        .filter(home_evidence::created_at.lt(s.end))
        .select((home_evidence::home_item_id, FileRow::as_select()))
        .load(conn)?;
    let mut files = by_owner(found);
    Ok(items
        .into_iter()
        .map(|(id, home, item, status, note, checked_at)| {
            let mut line = s.t(&status.label_key());
            if !note.trim().is_empty() {
                line = format!("{line}{}{}", s.t("archive.sep"), note.trim());
            }
            Piece {
                category: Category::Home,
                source_id: id,
                date: checked_at.filter(|t| *t < s.end).map(shanghai_date).unwrap_or_else(|| s.last_day()),
                title: format!("{home} {}", s.t(&item.label_key())),
                by: s.office_name.clone(),
                note: line,
                href: format!("/homes/{}", s.office),
                files: files.remove(&id).unwrap_or_default(),
                number: 0,
            }
        })
        .collect())
}

/// The office's expenses booked for the year (approved or paid), each with
/// its receipts.
pub fn funds(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let rows: Vec<(ExpenseId, i32, BudgetLine, NaiveDate, i64, String)> = expenses::table
        .filter(expenses::committee_id.eq(s.actor.committee_id).and(expenses::office_id.eq(s.office)))
        .filter(expenses::year.eq(s.year))
        .filter(expenses::status.eq_any([ExpenseStatus::Approved, ExpenseStatus::Paid]))
        .select((
            expenses::id,
            expenses::voucher_no,
            expenses::line,
            expenses::spent_on,
            expenses::amount_fen,
            expenses::purpose,
        ))
        .load(conn)?;
    let ids: Vec<ExpenseId> = rows.iter().map(|r| r.0).collect();
    let found: Vec<(ExpenseId, FileRow)> = expense_files::table
        .inner_join(files::table)
        .filter(expense_files::expense_id.eq_any(&ids))
        .select((expense_files::expense_id, FileRow::as_select()))
        .load(conn)?;
    let mut files = by_owner(found.into_iter().map(|(id, f)| (id.0, f)).collect());
    Ok(rows
        .into_iter()
        .map(|(id, voucher, line, spent_on, fen, purpose)| Piece {
            category: Category::Funds,
            source_id: id.0,
            date: spent_on,
            title: s.t("archive.voucher_title").replace("{n}", &voucher.to_string()).replace("{purpose}", &purpose),
            by: s.office_name.clone(),
            note: format!(
                "{}{}{}",
                s.t(&line.label_key()),
                s.t("archive.sep"),
                s.t("archive.yuan").replace("{n}", &Fen(fen).figures())
            ),
            href: format!("/funds/expenses/{id}"),
            files: files.remove(&id.0).unwrap_or_default(),
            number: 0,
        })
        .collect())
}

/// The members' duty and scores for the year, ranked as the duty page ranks them.
pub fn duty_rows(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Ranked>> {
    let day = today();
    let expected = scores::expected_days(conn, &s.actor, s.year, day)?;
    scores::ranking(conn, &s.actor, Some(s.office), s.year, expected, day)
}

/// The duty table as one record.
pub fn duty(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let rows = duty_rows(conn, s)?;
    let half_days: i32 = rows.iter().map(|r| r.half_days).sum();
    let note = s
        .t("archive.duty_note")
        .replace("{n}", &rows.len().to_string())
        .replace("{days}", &crate::duty::time::days_text(half_days));
    Ok(vec![Piece {
        category: Category::Duty,
        source_id: 0,
        date: s.last_day(),
        title: s.t("archive.duty_title").replace("{year}", &s.year.to_string()),
        by: s.office_name.clone(),
        note,
        href: format!("/duty/scores?office={}&year={}", s.office, s.year),
        files: vec![],
        number: 0,
    }])
}
