//! Offices as their pages show them: the list with what the district checks
//! at a glance, and one office with its convener, staffers and liaison points.
//! Each is one read of the stores it draws on, all scoped by the actor.

use super::liaisons::{self, Point};
use super::{Office, Staffer, get_office, homes, list_offices, members, staffers};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, OfficeId};
use crate::org::model;

/// An office in the list.
pub struct OfficeRow {
    pub office: Office,
    pub convener: Option<String>,
    pub localities: usize,
    /// Localities with no member linked today.
    pub gaps: usize,
    /// 六有 items met with evidence.
    pub home_met: usize,
}

/// The offices the actor may see, each with its convener, points, gaps and
/// Members' Home.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn overview(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<OfficeRow>> {
    let offices = list_offices(conn, actor)?;
    let points = liaisons::points(conn, actor, None)?;
    let board = homes::board(conn, actor)?;
    let names = convener_names(conn, actor, &offices)?;
    Ok(offices
        .into_iter()
        .map(|o| {
            let mine: Vec<&Point> = points.iter().filter(|p| p.locality.office_id == o.id).collect();
            OfficeRow {
                convener: name_of(&names, o.convener_id),
                localities: mine.len(),
                gaps: gaps(mine.into_iter()),
                home_met: board.iter().find(|b| b.office_id == o.id).map(|b| b.met()).unwrap_or(0),
                office: o,
            }
        })
        .collect())
}

/// One office as its page shows it.
pub struct OfficePage {
    pub office: Office,
    pub convener: Option<String>,
    pub staffers: Vec<Staffer>,
    pub points: Vec<Point>,
    pub gaps: usize,
    /// The district edits the office's details and staffers.
    pub can_edit_office: bool,
    /// The district and the office's staff manage its localities and links.
    pub can_manage: bool,
    /// Members to link to a locality, when the actor manages the office.
    pub member_choices: Vec<(MemberId, String)>,
}

/// One office the actor may see; any other is "not found".
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn page(conn: &mut DbConn, actor: &Actor, id: OfficeId) -> AppResult<OfficePage> {
    let office = get_office(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let convener = name_of(&convener_names(conn, actor, std::slice::from_ref(&office))?, office.convener_id);
    let staffers = staffers(conn, actor, id)?;
    let points = liaisons::points(conn, actor, Some(id))?;
    let can_manage = model::can_manage_office(actor, id);
    let member_choices = if can_manage { members::choices(conn, actor, Some(id))? } else { vec![] };
    Ok(OfficePage {
        gaps: gaps(points.iter()),
        can_edit_office: model::can_manage_roster(actor),
        can_manage,
        member_choices,
        office,
        convener,
        staffers,
        points,
    })
}

fn convener_names(conn: &mut DbConn, actor: &Actor, offices: &[Office]) -> AppResult<Vec<(MemberId, String)>> {
    let ids: Vec<MemberId> = offices.iter().filter_map(|o| o.convener_id).collect();
    members::names(conn, actor, &ids)
}

fn name_of(names: &[(MemberId, String)], id: Option<MemberId>) -> Option<String> {
    id.and_then(|m| names.iter().find(|(i, _)| *i == m).map(|(_, n)| n.clone()))
}

fn gaps<'a>(points: impl Iterator<Item = &'a Point>) -> usize {
    points.filter(|p| p.members.is_empty()).count()
}
