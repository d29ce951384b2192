//! The roster import and export against the database. Permission and scope are
//! checked here, not only in the handlers. Writes go through the org store
//! functions, which write the audit log; the caller runs `import` inside one
//! `Db::write` transaction, so a file goes in whole or not at all.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::plan::{self, Existing, LocalityRef, MemberRef, Plan, Report, Summary};
use super::sheet::{Cell, Problem, Workbook};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::members as mem;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{self, Stored};
use crate::kernel::ids::{LocalityId, MemberId, OfficeId};
use crate::org::model;
use crate::org::store::liaisons;
use crate::org::store::localities;
use crate::org::store::members::{self, Member};
use crate::org::store::{self as org, sectors};

/// Every member of the committee, in one query (the import looks them up by
/// phone; one `by_phone` per row made a 25,000-row file crawl).
fn all_members(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Member>> {
    Ok(mem::table
        .filter(mem::committee_id.eq(actor.committee_id))
        .order(mem::id.asc())
        .select(Member::as_select())
        .load(conn)?)
}

/// The committee as the import sees it. Only the district calls this, so the
/// office-scoped lists are the whole committee.
fn load_existing(conn: &mut DbConn, actor: &Actor) -> AppResult<Existing> {
    Ok(Existing {
        sectors: sectors::list(conn, actor)?.into_iter().map(|s| (s.name, s.id)).collect(),
        offices: org::list_offices(conn, actor)?.into_iter().map(|o| (o.name, o.id)).collect(),
        members: all_members(conn, actor)?,
        localities: localities::list(conn, actor, None)?,
        liaisons: liaisons::all(conn, actor)?,
    })
}

/// What an import does or would do: the counts, and every change, notice
/// and lookalike member to show.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub summary: Summary,
    pub report: Report,
}

/// What importing `wb` would do, or every problem in it. Writes nothing.
/// `merges`: phones of new rows to apply to their lookalike member instead.
#[tracing::instrument(level = "debug", skip(conn, actor, wb, merges))]
pub fn preview(
    conn: &mut DbConn,
    actor: &Actor,
    wb: &Workbook,
    merges: &HashSet<String>,
) -> AppResult<Result<Outcome, Vec<Problem>>> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    let ex = load_existing(conn, actor)?;
    Ok(plan::plan(&ex, wb, merges).map(|p| Outcome { summary: p.summary, report: p.report }))
}

/// Imports `wb`: plans again (the database may have changed since the
/// preview) and, only if the whole file is valid, writes it. `file` is the
/// uploaded file, kept with the import's audit entry when anything changed.
#[tracing::instrument(level = "debug", skip(conn, actor, wb, file, merges))]
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    wb: &Workbook,
    file: Option<&Stored>,
    merges: &HashSet<String>,
) -> AppResult<Result<Outcome, Vec<Problem>>> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    let ex = load_existing(conn, actor)?;
    let mut plan = match plan::plan(&ex, wb, merges) {
        Ok(p) => p,
        Err(problems) => return Ok(Err(problems)),
    };
    let summary = plan.summary;
    let report = std::mem::take(&mut plan.report);
    apply(conn, actor, plan)?;
    // An unchanged re-import leaves no trace at all, not even in the audit log.
    if summary.changes() > 0 {
        let file_id = file.map(|f| files::insert_row(conn, actor, f)).transpose()?;
        audit::record(
            conn,
            Who::User(actor),
            Change::new("roster.import", "roster", actor.committee_id)
                .after(serde_json::json!({ "summary": summary, "file_id": file_id })),
        )?;
    }
    Ok(Ok(Outcome { summary, report }))
}

fn apply(conn: &mut DbConn, actor: &Actor, plan: Plan) -> AppResult<()> {
    let committee = actor.committee_id;
    let mut new_members: HashMap<String, MemberId> = HashMap::new();
    for op in plan.members {
        match &op.existing {
            None => {
                let id = members::insert_unscoped(conn, Who::User(actor), committee, &op.data)?;
                new_members.insert(op.data.phone.as_str().to_string(), id);
            }
            Some(e) => {
                members::write_unscoped(conn, Who::User(actor), e, &op.data)?;
            }
        }
    }
    let mut new_localities: HashMap<(OfficeId, String), LocalityId> = HashMap::new();
    for op in plan.localities {
        match &op.existing {
            None => {
                let id = localities::insert_unscoped(conn, Who::User(actor), committee, op.office, &op.data)?;
                new_localities.insert((op.office, op.data.name.trim().to_string()), id);
            }
            Some(e) => {
                localities::write_unscoped(conn, Who::User(actor), e, &op.data)?;
            }
        }
    }
    for (id, end) in plan.ends {
        liaisons::end(conn, actor, id, end)?;
    }
    let missing = || AppError::Internal(anyhow::anyhow!("roster import: a planned reference was not created"));
    for link in plan.new_liaisons {
        let member = match &link.member {
            MemberRef::Id(id) => *id,
            MemberRef::New(phone) => *new_members.get(phone).ok_or_else(missing)?,
        };
        let locality = match &link.locality {
            LocalityRef::Id(id) => *id,
            LocalityRef::New(office, name) => *new_localities.get(&(*office, name.clone())).ok_or_else(missing)?,
        };
        let id = liaisons::insert_unscoped(conn, Who::User(actor), committee, locality, member, link.start)?;
        if let Some(end) = link.end {
            liaisons::end(conn, actor, id, end)?;
        }
    }
    Ok(())
}

/// The rows of the three sheets, as cells in the layout of `sheet.rs`.
#[derive(Debug, Default)]
pub struct ExportRows {
    pub members: Vec<Vec<Cell>>,
    pub localities: Vec<Vec<Cell>>,
    pub liaisons: Vec<Vec<Cell>>,
}

/// Names the template lists (and its drop-downs offer).
#[derive(Debug, Default)]
pub struct Choices {
    pub sectors: Vec<String>,
    pub offices: Vec<String>,
}

fn text(s: &str) -> Cell {
    if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) }
}

fn opt_text(s: Option<&str>) -> Cell {
    s.map(text).unwrap_or(Cell::Empty)
}

/// Who may download the roster: the district and leaders all of it, office
/// staff their own office's part; anyone else is refused.
fn check_reader(actor: &Actor) -> AppResult<()> {
    if model::can_read_roster(actor) { Ok(()) } else { Err(AppError::Forbidden) }
}

#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn choices(conn: &mut DbConn, actor: &Actor) -> AppResult<Choices> {
    check_reader(actor)?;
    Ok(Choices {
        sectors: sectors::list(conn, actor)?.into_iter().filter(|s| s.active).map(|s| s.name).collect(),
        offices: org::list_offices(conn, actor)?.into_iter().map(|o| o.name).collect(),
    })
}

/// The roster the actor may see, in the import's layout: export → import
/// changes nothing.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn export(conn: &mut DbConn, actor: &Actor) -> AppResult<ExportRows> {
    check_reader(actor)?;
    let scope = actor.office_scope();
    let office_names: HashMap<OfficeId, String> =
        org::list_offices(conn, actor)?.into_iter().map(|o| (o.id, o.name)).collect();
    let sector_names: HashMap<_, String> = sectors::list(conn, actor)?.into_iter().map(|s| (s.id, s.name)).collect();
    let everyone = all_members(conn, actor)?;
    let office_of = |o: Option<OfficeId>| o.and_then(|o| office_names.get(&o)).map(String::as_str);

    let mut out = ExportRows::default();
    for m in everyone.iter().filter(|m| match scope {
        OfficeScope::All => true,
        OfficeScope::One(o) => m.office_id == Some(o),
        OfficeScope::None => false,
    }) {
        out.members.push(vec![
            text(&m.name),
            text(m.gender.label()),
            text(&m.ethnicity),
            // 1975年3月 or 1975年3月12日: what the member's page shows and the
            // import reads back.
            m.birth_date.map(|b| Cell::Text(b.label())).unwrap_or(Cell::Empty),
            text(&m.party),
            opt_text(m.sector_id.and_then(|s| sector_names.get(&s)).map(String::as_str)),
            text(&m.employer),
            text(&m.post),
            text(&m.phone),
            text(&m.term),
            opt_text(office_of(m.office_id)),
        ]);
    }

    // `localities::list` is already scoped to the actor's office.
    let locs = localities::list(conn, actor, None)?;
    for l in &locs {
        out.localities.push(vec![
            opt_text(office_of(Some(l.office_id))),
            text(&l.name),
            text(l.kind.label()),
            opt_text(l.address.as_deref()),
            l.latitude.map(Cell::Number).unwrap_or(Cell::Empty),
            l.longitude.map(Cell::Number).unwrap_or(Cell::Empty),
        ]);
    }

    // Links at the visible localities; their members may belong to another
    // office (points are not always in the member's own township).
    let loc_by_id: HashMap<LocalityId, _> = locs.iter().map(|l| (l.id, l)).collect();
    let member_by_id: HashMap<MemberId, &Member> = everyone.iter().map(|m| (m.id, m)).collect();
    for li in liaisons::all(conn, actor)? {
        let (Some(l), Some(m)) = (loc_by_id.get(&li.locality_id), member_by_id.get(&li.member_id)) else { continue };
        out.liaisons.push(vec![
            text(&m.phone),
            text(&m.name),
            opt_text(office_of(Some(l.office_id))),
            text(&l.name),
            Cell::Date(li.start_on),
            li.end_on.map(Cell::Date).unwrap_or(Cell::Empty),
        ]);
    }
    Ok(out)
}
