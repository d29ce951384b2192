//! The answers the committee made public (`/box/{code}/proposals`): the
//! proposal's number, its matter and suggestions, the lead unit and its
//! answer. Proposers are named only when they agreed to public names
//! (`members.public_name`); no files, no timeline, nothing internal.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{departments, members, proposals, sectors};
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, ProposalId};
use crate::proposals::model::{Kind, Status};

#[derive(Debug, Clone)]
pub struct Published {
    pub id: ProposalId,
    pub number: Option<i32>,
    pub title: String,
    pub suggestions: String,
    /// The member's name if public, the sector's for a sector's proposal.
    pub by: Option<String>,
    pub lead: String,
    pub answer: String,
    pub answered_at: Option<NaiveDateTime>,
}

impl Published {
    pub fn number_label(&self) -> String {
        crate::proposals::model::number_label(self.number)
    }
}

type Raw = (
    ProposalId,
    Option<i32>,
    String,
    String,
    Kind,
    String,
    bool,
    Option<String>,
    Option<String>,
    String,
    Option<NaiveDateTime>,
);

fn load(conn: &mut DbConn, committee: CommitteeId, one: Option<ProposalId>) -> AppResult<Vec<Published>> {
    let mut q = proposals::table
        .inner_join(members::table)
        .left_join(departments::table)
        .left_join(sectors::table.on(proposals::sector_id.eq(sectors::id.nullable())))
        .filter(proposals::committee_id.eq(committee).and(proposals::public.eq(true)).and(proposals::status.eq_any([
            Status::Answered,
            Status::Rated,
            Status::Closed,
        ])))
        .into_boxed();
    if let Some(id) = one {
        q = q.filter(proposals::id.eq(id));
    }
    let rows: Vec<Raw> = q
        .order(proposals::answered_at.desc())
        .limit(200)
        .select((
            proposals::id,
            proposals::number,
            proposals::title,
            proposals::suggestions,
            proposals::kind,
            members::name,
            members::public_name,
            sectors::name.nullable(),
            departments::name.nullable(),
            proposals::answer,
            proposals::answered_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, number, title, suggestions, kind, name, public_name, sector, lead, answer, answered_at)| {
            let by = match kind {
                Kind::Sector => sector,
                _ if public_name => Some(name),
                _ => None,
            };
            Published { id, number, title, suggestions, by, lead: lead.unwrap_or_default(), answer, answered_at }
        })
        .collect())
}

/// The committee's public answers, the latest first.
pub fn list(conn: &mut DbConn, committee: CommitteeId) -> AppResult<Vec<Published>> {
    load(conn, committee, None)
}

pub fn one(conn: &mut DbConn, committee: CommitteeId, id: ProposalId) -> AppResult<Option<Published>> {
    Ok(load(conn, committee, Some(id))?.into_iter().next())
}
