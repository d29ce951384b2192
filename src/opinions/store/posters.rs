//! What a printed poster next to the physical box says: the committee, the
//! place as residents know it, and the box's query for that place. Who may
//! print follows who may see the place (out of scope is not found).

use diesel::prelude::*;

use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::members_homes;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{LocalityId, OfficeId};
use crate::org::store as org;

/// Where a poster hangs and where its QR code points.
#[derive(Debug, Clone)]
pub struct Poster {
    pub committee_name: String,
    pub committee_code: String,
    /// The place as residents know it: the Home's name, or office · locality.
    pub place: String,
    /// The box's query for the place, e.g. `office=3`.
    pub query: String,
    /// The page the poster was opened from.
    pub back: String,
}

/// A Members' Home's poster: the office must be one the actor may see.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, office = %office))]
pub fn home(conn: &mut DbConn, actor: &Actor, office: OfficeId) -> AppResult<Poster> {
    let o = org::get_office(conn, actor, office)?.ok_or(AppError::NotFound)?;
    let home: Option<String> = members_homes::table
        .filter(members_homes::office_id.eq(o.id).and(members_homes::committee_id.eq(actor.committee_id)))
        .select(members_homes::name)
        .first(conn)
        .optional()?;
    let committee = org::committee(conn, actor)?;
    Ok(Poster {
        committee_name: committee.name,
        committee_code: committee.code,
        place: home.unwrap_or(o.name),
        query: format!("office={}", o.id),
        back: format!("/homes/{}", o.id),
    })
}

/// A village's or community's poster: the locality must be one the actor may see.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, locality = %id))]
pub fn locality(conn: &mut DbConn, actor: &Actor, id: LocalityId) -> AppResult<Poster> {
    let l = org::localities::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let office = org::office_name(conn, actor, l.office_id)?;
    let committee = org::committee(conn, actor)?;
    Ok(Poster {
        committee_name: committee.name,
        committee_code: committee.code,
        place: match office {
            Some(o) => format!("{o} · {}", l.name),
            None => l.name,
        },
        query: format!("locality={}", l.id),
        back: format!("/localities/{}", l.id),
    })
}
