//! The handling units' figures for a session's proposals — 按时办复率 and
//! 满意率, ranked as the opinion box ranks its units (`opinions::stats`) —
//! and the session's catalogue (提案目录) rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::proposals::{Viewer, proposers, viewer};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{departments, proposals, sectors};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{DepartmentId, ProposalSessionId};
use crate::kernel::time::{local_time, today};
use crate::kernel::web::i18n::Lang;
use crate::opinions::model::{AssigneeKind, Rating};
use crate::opinions::stats::{Row, SortKey, Tally, rank};
use crate::proposals::model::{self, Kind, Status};

/// Days the lead unit has to sign for a proposal.
pub const SIGN_WITHIN_DAYS: i64 = 7;

type Handled = (
    DepartmentId,
    String,
    Status,
    Option<chrono::NaiveDate>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<Rating>,
);

/// Each lead unit's tally for the session, ranked by 按时办复率: an answer
/// by its deadline counts on time, one still missing after it counts late.
pub fn units(conn: &mut DbConn, actor: &Actor, session: ProposalSessionId) -> AppResult<Vec<Row>> {
    if viewer(conn, actor)? != Viewer::All {
        return Err(AppError::NotFound);
    }
    let rows: Vec<Handled> = proposals::table
        .inner_join(departments::table)
        .filter(proposals::committee_id.eq(actor.committee_id).and(proposals::session_id.eq(session)))
        .select((
            departments::id,
            departments::name,
            proposals::status,
            proposals::deadline,
            proposals::assigned_at,
            proposals::signed_at,
            proposals::answered_at,
            proposals::rating,
        ))
        .load(conn)?;
    let now = today();
    let mut by_unit: Vec<(DepartmentId, String, Tally)> = vec![];
    for (d, name, status, deadline, assigned, signed, answered, rating) in rows {
        if !status.is_filed() {
            continue;
        }
        let i = match by_unit.iter().position(|u| u.0 == d) {
            Some(i) => i,
            None => {
                by_unit.push((d, name, Tally::default()));
                by_unit.len() - 1
            }
        };
        let t = &mut by_unit[i].2;
        // Counted once signed, or once its days to sign are over (as the
        // opinion box counts an assignment whose window has closed).
        if let Some(a) = assigned {
            let window_over = (now - local_time(&a).date()).num_days() > SIGN_WITHIN_DAYS;
            if signed.is_some() || window_over {
                t.assigned += 1;
            }
            if signed.is_some_and(|s| (s - a).num_days() <= SIGN_WITHIN_DAYS) {
                t.signed_on_time += 1;
            }
        }
        match model::on_time(deadline, answered.map(|a| local_time(&a).date()), now) {
            Some(true) => {
                t.answered += 1;
                t.answered_on_time += 1;
            }
            Some(false) => t.answered += 1,
            None => {}
        }
        match rating {
            Some(Rating::Satisfied | Rating::Basic) => {
                t.rated += 1;
                t.satisfied += 1;
            }
            Some(Rating::Unsatisfied) => t.rated += 1,
            Some(Rating::Unrated) => t.unrated += 1,
            None => {}
        }
    }
    let mut out: Vec<Row> = by_unit
        .into_iter()
        .map(|(_, name, tally)| Row {
            name: Some(name),
            kind: Some(AssigneeKind::Department),
            unit: None,
            office: None,
            tally,
            rank: None,
        })
        .collect();
    rank(&mut out, SortKey::Answer);
    Ok(out)
}

/// A numbered proposal as the catalogue reads it: id, number, matter,
/// status, lead unit, key, the sector of a sector's proposal.
type Listed = (crate::kernel::ids::ProposalId, Option<i32>, String, Status, Option<String>, bool, Option<String>);

/// One line of the catalogue: 编号, 案由, 提案人, 承办单位, 办理情况.
pub fn catalogue(conn: &mut DbConn, actor: &Actor, session: ProposalSessionId) -> AppResult<Vec<[String; 5]>> {
    if viewer(conn, actor)? != Viewer::All {
        return Err(AppError::NotFound);
    }
    let rows: Vec<Listed> = proposals::table
        .left_join(departments::table)
        .left_join(
            sectors::table.on(proposals::sector_id.eq(sectors::id.nullable()).and(proposals::kind.eq(Kind::Sector))),
        )
        .filter(
            proposals::committee_id
                .eq(actor.committee_id)
                .and(proposals::session_id.eq(session))
                .and(proposals::number.is_not_null()),
        )
        .order(proposals::number.asc())
        .select((
            proposals::id,
            proposals::number,
            proposals::title,
            proposals::status,
            departments::name.nullable(),
            proposals::key_proposal,
            sectors::name.nullable(),
        ))
        .load(conn)?;
    let mut out = vec![];
    for (id, number, title, status, lead, key, sector) in rows {
        // A sector's proposal is the sector's, as the list shows it.
        let names: Vec<String> = match sector {
            Some(s) => vec![s],
            None => proposers(conn, id)?.into_iter().map(|p| p.1).collect(),
        };
        let mut units = lead.unwrap_or_default();
        let co: Vec<String> = super::proposals::co_units(conn, id)?.into_iter().map(|u| u.name).collect();
        if !co.is_empty() {
            units = format!("{units}\n会办：{}", co.join("、"));
        }
        let title = if key { format!("{title}（重点提案）") } else { title };
        out.push([model::number_label(number), title, names.join("、"), units, Lang::Zh.t(&status.label_key())]);
    }
    Ok(out)
}
