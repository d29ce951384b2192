//! Members' Homes (委员之家) and their 六有 checklist with evidence. A home's
//! items and evidence are read only through the home, after its office's
//! scope is checked. The writes that take `Who` are the demo's.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{files, home_evidence, home_items, members_homes, offices, users};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::FileRow;
use crate::kernel::ids::{CommitteeId, FileId, HomeId, HomeItemId, OfficeId, UserId};
use crate::kernel::time::now;
use crate::org::model::{self, Compliance, HomeItem, ItemStatus};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = members_homes)]
pub struct Home {
    pub id: HomeId,
    pub committee_id: CommitteeId,
    pub office_id: OfficeId,
    pub name: String,
    pub address: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = home_items)]
pub struct Item {
    pub id: HomeItemId,
    pub committee_id: CommitteeId,
    pub home_id: HomeId,
    pub item: HomeItem,
    pub status: ItemStatus,
    pub note: String,
    pub checked_by: Option<UserId>,
    pub checked_at: Option<NaiveDateTime>,
}

/// One piece of evidence: a file (photo, document) and/or a note.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub id: i64,
    pub note: String,
    pub file_id: Option<FileId>,
    pub file_name: Option<String>,
    pub is_image: bool,
    pub by: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub item: Item,
    pub checked_by_name: Option<String>,
    pub evidence: Vec<Evidence>,
}

impl ItemView {
    pub fn compliance(&self) -> Compliance {
        Compliance::of(self.item.status, self.evidence.len() as i64)
    }
}

/// Creates an office's Members' Home with all six items missing; the demo
/// only, which has no acting user.
#[tracing::instrument(level = "debug", skip(conn, who))]
pub fn create(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    office: OfficeId,
    name: &str,
) -> AppResult<HomeId> {
    let id: HomeId = diesel::insert_into(members_homes::table)
        .values((
            members_homes::committee_id.eq(committee_id),
            members_homes::office_id.eq(office),
            members_homes::name.eq(name),
            members_homes::created_at.eq(now()),
        ))
        .returning(members_homes::id)
        .get_result(conn)?;
    for item in HomeItem::ALL {
        diesel::insert_into(home_items::table)
            .values((
                home_items::committee_id.eq(committee_id),
                home_items::home_id.eq(id),
                home_items::item.eq(item),
                home_items::status.eq(ItemStatus::Missing),
                home_items::note.eq(""),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        who,
        Change::new("home.create", "members_home", id).after(serde_json::json!({ "name": name })),
    )?;
    Ok(id)
}

/// One row of the compliance board: an office and its six items.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub office_id: OfficeId,
    pub office_name: String,
    pub items: Vec<(HomeItem, Compliance)>,
}

impl BoardRow {
    pub fn met(&self) -> usize {
        self.items.iter().filter(|(_, c)| *c == Compliance::Met).count()
    }
}

fn scoped_homes(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(Home, String)>> {
    let q = members_homes::table
        .inner_join(offices::table)
        .filter(members_homes::committee_id.eq(actor.committee_id))
        .order(offices::id.asc())
        .select((Home::as_select(), offices::name))
        .into_boxed();
    Ok(match actor.office_scope() {
        OfficeScope::All => q.load(conn)?,
        OfficeScope::One(o) => q.filter(members_homes::office_id.eq(o)).load(conn)?,
        OfficeScope::None => vec![],
    })
}

/// The compliance board across the offices the actor may see: which items
/// are met, missing, or marked met without evidence.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn board(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<BoardRow>> {
    let homes = scoped_homes(conn, actor)?;
    let ids: Vec<HomeId> = homes.iter().map(|(h, _)| h.id).collect();
    let items: Vec<Item> =
        home_items::table.filter(home_items::home_id.eq_any(&ids)).select(Item::as_select()).load(conn)?;
    let item_ids: Vec<HomeItemId> = items.iter().map(|i| i.id).collect();
    let counts: Vec<(HomeItemId, i64)> = home_evidence::table
        .filter(home_evidence::home_item_id.eq_any(&item_ids))
        .group_by(home_evidence::home_item_id)
        .select((home_evidence::home_item_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(homes
        .into_iter()
        .map(|(h, office_name)| {
            let items = HomeItem::ALL
                .iter()
                .map(|kind| {
                    let it = items.iter().find(|i| i.home_id == h.id && i.item == *kind);
                    let c = match it {
                        Some(i) => {
                            let n = counts.iter().find(|(id, _)| *id == i.id).map(|(_, n)| *n).unwrap_or(0);
                            Compliance::of(i.status, n)
                        }
                        None => Compliance::Missing,
                    };
                    (*kind, c)
                })
                .collect();
            BoardRow { office_id: h.office_id, office_name, items }
        })
        .collect())
}

/// An office's home with every item and its evidence, if the actor may see it.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn detail(conn: &mut DbConn, actor: &Actor, office: OfficeId) -> AppResult<Option<(Home, Vec<ItemView>)>> {
    let Some(home) = scoped_homes(conn, actor)?.into_iter().map(|(h, _)| h).find(|h| h.office_id == office) else {
        return Ok(None);
    };
    let items: Vec<(Item, Option<String>)> = home_items::table
        .left_join(users::table.on(users::id.nullable().eq(home_items::checked_by)))
        .filter(home_items::home_id.eq(home.id))
        .order(home_items::id.asc())
        .select((Item::as_select(), users::display_name.nullable()))
        .load(conn)?;
    let item_ids: Vec<HomeItemId> = items.iter().map(|(i, _)| i.id).collect();
    #[allow(clippy::type_complexity)]
    let ev: Vec<(
        i64,
        HomeItemId,
        String,
        Option<FileId>,
        Option<String>,
        Option<String>,
        Option<String>,
        NaiveDateTime,
    )> = home_evidence::table
        .left_join(files::table)
        .left_join(users::table.on(users::id.nullable().eq(home_evidence::created_by)))
        .filter(home_evidence::home_item_id.eq_any(&item_ids))
        .order(home_evidence::id.desc())
        .select((
            home_evidence::id,
            home_evidence::home_item_id,
            home_evidence::note,
            home_evidence::file_id,
            files::original_name.nullable(),
            files::content_type.nullable(),
            users::display_name.nullable(),
            home_evidence::created_at,
        ))
        .load(conn)?;
    let views = items
        .into_iter()
        .map(|(item, checked_by_name)| {
            let evidence = ev
                .iter()
                .filter(|e| e.1 == item.id)
                .map(|(id, _, note, file_id, file_name, ct, by, at)| Evidence {
                    id: *id,
                    note: note.clone(),
                    file_id: *file_id,
                    file_name: file_name.clone(),
                    is_image: ct.as_deref().is_some_and(|c| c.starts_with("image/")),
                    by: by.clone(),
                    created_at: *at,
                })
                .collect();
            ItemView { item, checked_by_name, evidence }
        })
        .collect();
    Ok(Some((home, views)))
}

fn managed_item(conn: &mut DbConn, actor: &Actor, office: OfficeId, item: HomeItem) -> AppResult<Item> {
    if !model::can_manage_office(actor, office) {
        return Err(AppError::Forbidden);
    }
    home_items::table
        .inner_join(members_homes::table)
        .filter(members_homes::office_id.eq(office).and(members_homes::committee_id.eq(actor.committee_id)))
        .filter(home_items::item.eq(item))
        .select(Item::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Office staff (or the district) record an item's status and note; who and
/// when are kept.
#[tracing::instrument(level = "debug", skip(conn, actor, note))]
pub fn check_item(
    conn: &mut DbConn,
    actor: &Actor,
    office: OfficeId,
    item: HomeItem,
    status: ItemStatus,
    note: &str,
) -> AppResult<()> {
    if note.chars().count() > 1000 {
        return Err(AppError::BadRequest("home.note_too_long"));
    }
    let it = managed_item(conn, actor, office, item)?;
    diesel::update(home_items::table.find(it.id))
        .set((
            home_items::status.eq(status),
            home_items::note.eq(note.trim()),
            home_items::checked_by.eq(Some(actor.user_id)),
            home_items::checked_at.eq(Some(now())),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("home.check", "home_item", it.id)
            .before(serde_json::json!({ "status": it.status, "note": it.note }))
            .after(serde_json::json!({ "status": status, "note": note.trim() })),
    )?;
    Ok(())
}

/// Adds evidence (a stored file and/or a note) to an item.
#[tracing::instrument(level = "debug", skip(conn, actor, note))]
pub fn add_evidence(
    conn: &mut DbConn,
    actor: &Actor,
    office: OfficeId,
    item: HomeItem,
    file: Option<FileId>,
    note: &str,
) -> AppResult<i64> {
    if file.is_none() && note.trim().is_empty() {
        return Err(AppError::BadRequest("home.evidence_empty"));
    }
    if note.chars().count() > 1000 {
        return Err(AppError::BadRequest("home.note_too_long"));
    }
    let it = managed_item(conn, actor, office, item)?;
    let id: i64 = diesel::insert_into(home_evidence::table)
        .values((
            home_evidence::committee_id.eq(actor.committee_id),
            home_evidence::home_item_id.eq(it.id),
            home_evidence::file_id.eq(file),
            home_evidence::note.eq(note.trim()),
            home_evidence::created_by.eq(Some(actor.user_id)),
            home_evidence::created_at.eq(now()),
        ))
        .returning(home_evidence::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("home.evidence_add", "home_item", it.id)
            .after(serde_json::json!({ "file_id": file, "note": note.trim() })),
    )?;
    Ok(id)
}

/// The file behind a piece of evidence, if the actor may see that home.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn evidence_file(conn: &mut DbConn, actor: &Actor, evidence: i64) -> AppResult<Option<FileRow>> {
    let row: Option<(OfficeId, FileRow)> = home_evidence::table
        .inner_join(home_items::table.inner_join(members_homes::table))
        .inner_join(files::table)
        .filter(home_evidence::id.eq(evidence).and(home_evidence::committee_id.eq(actor.committee_id)))
        .filter(files::committee_id.eq(actor.committee_id))
        .select((members_homes::office_id, FileRow::as_select()))
        .first(conn)
        .optional()?;
    Ok(row.filter(|(office, _)| actor.sees_office(*office)).map(|(_, f)| f))
}

/// Sets an item's status and note, with the note as evidence when asked;
/// permission is the caller's: the demo only, which has no acting user.
#[tracing::instrument(level = "debug", skip(conn, who, note))]
pub fn set_item(
    conn: &mut DbConn,
    who: Who<'_>,
    home: HomeId,
    item: HomeItem,
    status: ItemStatus,
    note: &str,
    note_is_evidence: bool,
) -> AppResult<()> {
    let it: Item = home_items::table
        .filter(home_items::home_id.eq(home).and(home_items::item.eq(item)))
        .select(Item::as_select())
        .first(conn)?;
    diesel::update(home_items::table.find(it.id))
        .set((home_items::status.eq(status), home_items::note.eq(note), home_items::checked_at.eq(Some(now()))))
        .execute(conn)?;
    if note_is_evidence {
        diesel::insert_into(home_evidence::table)
            .values((
                home_evidence::committee_id.eq(it.committee_id),
                home_evidence::home_item_id.eq(it.id),
                home_evidence::note.eq(note),
                home_evidence::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        who,
        Change::new("home.check", "home_item", it.id).after(serde_json::json!({ "status": status })),
    )?;
    Ok(())
}
