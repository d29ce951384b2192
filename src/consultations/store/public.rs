//! What the public sees of consultations: closed ones only, with the topic,
//! who took part by sector and in numbers, what was agreed and what has been
//! done. No personal data: no names of members, residents or staff.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;

use super::consultations::{self as cstore, Consultation};
use super::items::{self, ItemRow};
use crate::consultations::model::{Status, Tally};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{consultation_members as cm, consultations, members, sectors};
use crate::kernel::error::AppResult;
use crate::kernel::files::FileRow;
use crate::kernel::ids::{CommitteeId, ConsultationId, FileId};
use crate::meetings::Meeting;
use crate::meetings::store::files;

/// A closed consultation as the public page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub c: Consultation,
    pub office: String,
    /// Members present per sector (界别), with counts.
    pub by_sector: Vec<(String, usize)>,
    pub members_present: usize,
    pub departments: usize,
    pub items: Vec<ItemRow>,
    pub tally: Tally,
    pub photos: Vec<FileId>,
}

/// The committee's closed consultations, newest first: (consultation, office, tally).
#[tracing::instrument(level = "debug", skip_all, fields(committee = ?committee))]
pub fn closed(conn: &mut DbConn, committee: CommitteeId) -> AppResult<Vec<(Consultation, String, Tally)>> {
    let rows: Vec<Consultation> = consultations::table
        .filter(consultations::committee_id.eq(committee).and(consultations::status.eq(Status::Closed)))
        .order(consultations::closed_at.desc())
        .limit(100)
        .select(Consultation::as_select())
        .load(conn)?;
    let ids: Vec<ConsultationId> = rows.iter().map(|c| c.id).collect();
    let tallies = items::tallies(conn, &ids)?;
    let mut out = vec![];
    for c in rows {
        let office = cstore::office_name(conn, &c)?;
        out.push((tallies.get(&c.id).copied().unwrap_or_default(), office, c));
    }
    Ok(out.into_iter().map(|(t, o, c)| (c, o, t)).collect())
}

/// One closed consultation of the committee.
#[tracing::instrument(level = "debug", skip_all, fields(committee = ?committee, id = ?id))]
pub fn shown(conn: &mut DbConn, committee: CommitteeId, id: ConsultationId) -> AppResult<Option<Shown>> {
    let c: Option<Consultation> = consultations::table
        .find(id)
        .filter(consultations::committee_id.eq(committee).and(consultations::status.eq(Status::Closed)))
        .select(Consultation::as_select())
        .first(conn)
        .optional()?;
    let Some(c) = c else { return Ok(None) };
    let present: Vec<Option<String>> = cm::table
        .inner_join(members::table.left_join(sectors::table))
        .filter(cm::consultation_id.eq(id).and(cm::attended.eq(true)))
        .select(sectors::name.nullable())
        .load(conn)?;
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    for s in &present {
        *by.entry(s.clone().unwrap_or_else(|| "—".into())).or_default() += 1;
    }
    let items = items::of_consultation_unscoped(conn, id)?;
    let tally = items::tally_of(conn, &c)?;
    Ok(Some(Shown {
        office: cstore::office_name(conn, &c)?,
        by_sector: by.into_iter().collect(),
        members_present: present.len(),
        departments: super::departments::count_unscoped(conn, id)? as usize,
        items,
        tally,
        photos: files::photos_unscoped(conn, Meeting::Consultation(id))?,
        c,
    }))
}

/// A photo of a closed consultation, for the public page; nothing else.
#[tracing::instrument(level = "debug", skip_all, fields(committee = ?committee, id = ?id, file = ?file))]
pub fn photo(
    conn: &mut DbConn,
    committee: CommitteeId,
    id: ConsultationId,
    file: FileId,
) -> AppResult<Option<FileRow>> {
    let shown: i64 = consultations::table
        .find(id)
        .filter(consultations::committee_id.eq(committee).and(consultations::status.eq(Status::Closed)))
        .count()
        .get_result(conn)?;
    if shown == 0 {
        return Ok(None);
    }
    files::photo_unscoped(conn, Meeting::Consultation(id), file)
}
