//! The agreed items (协商成果) and their follow-up. A department user sees and
//! updates only the items it owns; office staff the items their office owns
//! or whose consultation is theirs; the district all of them.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::consultations::{Consultation, can_manage};
use crate::consultations::model::{self, ItemStatus, Status, Tally};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::calendar::Quarter;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    consultation_item_notes as notes, consultation_items as items, consultations, departments, files, offices,
};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, ConsultationId, DepartmentId, FileId, ItemId, OfficeId};
use crate::kernel::notify::Unit;
use crate::kernel::time::{now, today};
use crate::kernel::web::form::bounded;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = items)]
pub struct Item {
    pub id: ItemId,
    pub committee_id: CommitteeId,
    pub consultation_id: ConsultationId,
    pub body: String,
    pub owner_department_id: Option<DepartmentId>,
    pub owner_office_id: Option<OfficeId>,
    pub deadline: NaiveDate,
    pub status: ItemStatus,
    pub explanation: String,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

impl Item {
    pub fn status_label_key(&self) -> String {
        self.status.label_key()
    }
    pub fn overdue(&self) -> bool {
        model::overdue(self.status, self.deadline, today())
    }
    pub fn is_open(&self) -> bool {
        self.status == ItemStatus::Open
    }
    /// The unit its owner's messages go to.
    pub fn owner_unit(&self) -> Unit {
        match (self.owner_department_id, self.owner_office_id) {
            (Some(d), _) => Unit::Department(d),
            (None, Some(o)) => Unit::Office(o),
            _ => Unit::District,
        }
    }
}

/// Who owns an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Department(DepartmentId),
    Office(OfficeId),
}

impl Owner {
    /// `department:3` or `office:5`, as the form's select sends it.
    pub fn parse(s: &str) -> Option<Owner> {
        let (kind, id) = s.split_once(':')?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "department" => Some(Owner::Department(DepartmentId(id))),
            "office" => Some(Owner::Office(OfficeId(id))),
            _ => None,
        }
    }
}

/// An item with its names, for lists.
#[derive(Debug, Clone, Serialize)]
pub struct ItemRow {
    pub item: Item,
    pub title: String,
    pub owner: String,
    pub overdue: bool,
}

/// Adds an agreed item to a held consultation.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn add(
    conn: &mut DbConn,
    actor: &Actor,
    id: ConsultationId,
    body: &str,
    owner: Owner,
    deadline: NaiveDate,
) -> AppResult<ItemId> {
    let c = super::consultations::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !can_manage(actor, c.office_id) {
        return Err(AppError::Forbidden);
    }
    if c.status != Status::Held {
        return Err(AppError::Conflict("consultation.wrong_state"));
    }
    let body = bounded(body, 1000, "consultation.text_too_long")?;
    if body.is_empty() {
        return Err(AppError::BadRequest("consultation.item_required"));
    }
    if !model::deadline_ok(deadline, today()) {
        return Err(AppError::BadRequest("consultation.bad_deadline"));
    }
    let ok: i64 = match owner {
        Owner::Department(d) => departments::table
            .filter(departments::id.eq(d).and(departments::committee_id.eq(c.committee_id)))
            .count()
            .get_result(conn)?,
        Owner::Office(o) => offices::table
            .filter(offices::id.eq(o).and(offices::committee_id.eq(c.committee_id)))
            .count()
            .get_result(conn)?,
    };
    if ok == 0 {
        return Err(AppError::BadRequest("consultation.bad_owner"));
    }
    let (dept, office) = match owner {
        Owner::Department(d) => (Some(d), None),
        Owner::Office(o) => (None, Some(o)),
    };
    let item: ItemId = diesel::insert_into(items::table)
        .values((
            items::committee_id.eq(c.committee_id),
            items::consultation_id.eq(id),
            items::body.eq(&body),
            items::owner_department_id.eq(dept),
            items::owner_office_id.eq(office),
            items::deadline.eq(deadline),
            items::status.eq(ItemStatus::Open),
            items::explanation.eq(""),
            items::created_at.eq(now()),
        ))
        .returning(items::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("consultation.item", "consultation", id)
            .after(serde_json::json!({ "item": item, "deadline": deadline, "department": dept, "office": office })),
    )?;
    Ok(item)
}

/// Which items the actor sees: all for the district and leaders, its own for
/// a department, its office's (owned, or of its consultations) for office
/// staff; nothing for anyone else.
enum ItemScope {
    All,
    Department(DepartmentId),
    Office(OfficeId),
    Nothing,
}

fn scope(conn: &mut DbConn, actor: &Actor) -> AppResult<ItemScope> {
    Ok(match actor.role {
        Role::DistrictAdmin | Role::Leader => ItemScope::All,
        Role::Department => match crate::org::store::departments::department_of(conn, actor)? {
            Some(d) => ItemScope::Department(d),
            None => ItemScope::Nothing,
        },
        Role::OfficeStaff => actor.office_id.map(ItemScope::Office).unwrap_or(ItemScope::Nothing),
        _ => ItemScope::Nothing,
    })
}

fn in_scope(s: &ItemScope, item: &Item, consultation_office: OfficeId) -> bool {
    match s {
        ItemScope::All => true,
        ItemScope::Department(d) => item.owner_department_id == Some(*d),
        ItemScope::Office(o) => item.owner_office_id == Some(*o) || consultation_office == *o,
        ItemScope::Nothing => false,
    }
}

/// The list's filters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemFilter {
    pub status: Option<ItemStatus>,
    /// Open past its deadline (Beijing dates).
    pub overdue: bool,
    /// Open and due within `model::REMIND_DAYS` (its owner's reminder days).
    pub due_soon: bool,
    /// Closed from this Beijing day on …
    pub closed_from: Option<NaiveDate>,
    /// … to this one, included.
    pub closed_to: Option<NaiveDate>,
}

impl ItemFilter {
    /// The list's address that shows this filter (the route reads it back).
    pub fn href(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![];
        if let Some(s) = self.status {
            pairs.push(("status", s.as_str().into()));
        }
        if self.overdue {
            pairs.push(("overdue", "1".into()));
        }
        if self.due_soon {
            pairs.push(("due_soon", "1".into()));
        }
        if let Some(d) = self.closed_from {
            pairs.push(("closed_from", d.to_string()));
        }
        if let Some(d) = self.closed_to {
            pairs.push(("closed_to", d.to_string()));
        }
        match serde_urlencoded::to_string(pairs) {
            Ok(q) if !q.is_empty() => format!("/consultations/items?{q}"),
            _ => "/consultations/items".into(),
        }
    }
}

type Boxed<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::InnerJoin<items::table, consultations::table>,
    crate::kernel::db::MultiBackend,
>;

/// The items the actor sees narrowed by `f` (`None`: none).
fn filtered(conn: &mut DbConn, actor: &Actor, f: &ItemFilter) -> AppResult<Option<Boxed<'static>>> {
    let s = scope(conn, actor)?;
    let mut q = items::table.inner_join(consultations::table).into_boxed();
    q = q.filter(items::committee_id.eq(actor.committee_id));
    match s {
        ItemScope::All => {}
        ItemScope::Department(d) => q = q.filter(items::owner_department_id.eq(d)),
        ItemScope::Office(o) => q = q.filter(items::owner_office_id.eq(o).or(consultations::office_id.eq(o))),
        ItemScope::Nothing => return Ok(None),
    }
    if let Some(st) = f.status {
        q = q.filter(items::status.eq(st));
    }
    if f.overdue {
        q = q.filter(items::status.eq(ItemStatus::Open).and(items::deadline.lt(today())));
    }
    if f.due_soon {
        let t = today();
        q = q
            .filter(items::status.eq(ItemStatus::Open))
            .filter(items::deadline.ge(t).and(items::deadline.le(t + chrono::Duration::days(model::REMIND_DAYS))));
    }
    let day = crate::kernel::time::start_of_local_day;
    if let Some(d) = f.closed_from {
        q = q.filter(items::closed_at.ge(day(d)));
    }
    if let Some(d) = f.closed_to {
        q = q.filter(items::closed_at.lt(day(d + chrono::Duration::days(1))));
    }
    Ok(Some(q))
}

/// How many of the actor's items `f` lets through (one COUNT).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn count(conn: &mut DbConn, actor: &Actor, f: &ItemFilter) -> AppResult<i64> {
    let Some(q) = filtered(conn, actor, f)? else { return Ok(0) };
    Ok(q.count().get_result(conn)?)
}

/// The items the actor sees, open ones first by deadline.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn mine(conn: &mut DbConn, actor: &Actor, f: &ItemFilter) -> AppResult<Vec<ItemRow>> {
    let Some(q) = filtered(conn, actor, f)? else { return Ok(vec![]) };
    let rows: Vec<(Item, String)> = q
        .order((items::status.desc(), items::deadline.asc(), items::id.asc()))
        .limit(1000)
        .select((Item::as_select(), consultations::title))
        .load(conn)?;
    rows_with_names(conn, actor.committee_id, rows)
}

fn rows_with_names(conn: &mut DbConn, committee: CommitteeId, rows: Vec<(Item, String)>) -> AppResult<Vec<ItemRow>> {
    let depts: Vec<(DepartmentId, String)> = departments::table
        .filter(departments::committee_id.eq(committee))
        .select((departments::id, departments::name))
        .load(conn)?;
    let offs: Vec<(OfficeId, String)> =
        offices::table.filter(offices::committee_id.eq(committee)).select((offices::id, offices::name)).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(item, title)| {
            let owner = match (item.owner_department_id, item.owner_office_id) {
                (Some(d), _) => depts.iter().find(|(i, _)| *i == d).map(|(_, n)| n.clone()),
                (None, Some(o)) => offs.iter().find(|(i, _)| *i == o).map(|(_, n)| n.clone()),
                _ => None,
            }
            .unwrap_or_default();
            ItemRow { overdue: item.overdue(), item, title, owner }
        })
        .collect())
}

/// A consultation's items, with owners' names, for whoever may see the
/// consultation.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn of_consultation(conn: &mut DbConn, actor: &Actor, id: ConsultationId) -> AppResult<Vec<ItemRow>> {
    super::consultations::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    of_consultation_unscoped(conn, id)
}

/// A consultation's items for its public page: the public store shows them
/// only for a closed consultation of the committee whose page it is.
#[tracing::instrument(level = "debug", skip_all, fields(id = ?id))]
pub(super) fn of_consultation_unscoped(conn: &mut DbConn, id: ConsultationId) -> AppResult<Vec<ItemRow>> {
    let rows: Vec<(Item, String)> = items::table
        .inner_join(consultations::table)
        .filter(items::consultation_id.eq(id))
        .order(items::id.asc())
        .select((Item::as_select(), consultations::title))
        .load(conn)?;
    let committee = match rows.first() {
        Some((i, _)) => i.committee_id,
        None => return Ok(vec![]),
    };
    rows_with_names(conn, committee, rows)
}

/// The tally of a consultation's items (one the caller found in scope).
#[tracing::instrument(level = "debug", skip_all)]
pub fn tally_of(conn: &mut DbConn, c: &Consultation) -> AppResult<Tally> {
    Ok(tallies(conn, &[c.id])?.remove(&c.id).unwrap_or_default())
}

/// Each consultation's tally of items, for consultations the caller listed
/// in scope.
#[tracing::instrument(level = "debug", skip_all)]
pub(super) fn tallies(conn: &mut DbConn, ids: &[ConsultationId]) -> AppResult<HashMap<ConsultationId, Tally>> {
    let rows: Vec<(ConsultationId, ItemStatus, NaiveDate)> = items::table
        .filter(items::consultation_id.eq_any(ids))
        .select((items::consultation_id, items::status, items::deadline))
        .load(conn)?;
    let mut by: HashMap<ConsultationId, Vec<(ItemStatus, NaiveDate)>> = HashMap::new();
    for (c, s, d) in rows {
        by.entry(c).or_default().push((s, d));
    }
    let t = today();
    Ok(by.into_iter().map(|(c, v)| (c, Tally::of(&v, t))).collect())
}

/// An item the actor may see, with its consultation, and whether it may update it.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn get(conn: &mut DbConn, actor: &Actor, id: ItemId) -> AppResult<Option<(Item, Consultation, bool)>> {
    let found: Option<(Item, Consultation)> = items::table
        .inner_join(consultations::table)
        .filter(items::id.eq(id).and(items::committee_id.eq(actor.committee_id)))
        .select((Item::as_select(), Consultation::as_select()))
        .first(conn)
        .optional()?;
    let Some((item, c)) = found else { return Ok(None) };
    let s = scope(conn, actor)?;
    if !in_scope(&s, &item, c.office_id) {
        return Ok(None);
    }
    // Leaders read; everyone else in scope follows the item up.
    let may_update = actor.role != Role::Leader;
    Ok(Some((item, c, may_update)))
}

fn for_update(conn: &mut DbConn, actor: &Actor, id: ItemId) -> AppResult<Item> {
    let (item, _, may) = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !may {
        return Err(AppError::Forbidden);
    }
    if item.status != ItemStatus::Open {
        return Err(AppError::Conflict("consultation.item_closed"));
    }
    Ok(item)
}

fn add_note(conn: &mut DbConn, actor: &Actor, item: ItemId, note: &str, file: Option<FileId>) -> AppResult<()> {
    diesel::insert_into(notes::table)
        .values((
            notes::item_id.eq(item),
            notes::note.eq(note),
            notes::file_id.eq(file),
            notes::author.eq(&actor.display_name),
            notes::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A progress note, with an optional evidence file.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id, file = ?file))]
pub fn progress(conn: &mut DbConn, actor: &Actor, id: ItemId, note: &str, file: Option<FileId>) -> AppResult<()> {
    let item = for_update(conn, actor, id)?;
    let note = bounded(note, 2000, "consultation.text_too_long")?;
    if note.is_empty() {
        return Err(AppError::BadRequest("consultation.note_required"));
    }
    add_note(conn, actor, id, &note, file)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("consultation.progress", "consultation", item.consultation_id)
            .after(serde_json::json!({ "item": id, "file": file })),
    )?;
    Ok(())
}

/// Closes an item: done, or explained (说明, which needs the explanation).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id, done = ?done))]
pub fn finish(conn: &mut DbConn, actor: &Actor, id: ItemId, done: bool, explanation: &str) -> AppResult<()> {
    let item = for_update(conn, actor, id)?;
    let explanation = bounded(explanation, 2000, "consultation.text_too_long")?;
    if !done && explanation.is_empty() {
        return Err(AppError::BadRequest("consultation.explanation_required"));
    }
    let to = if done { ItemStatus::Done } else { ItemStatus::Explained };
    diesel::update(items::table.find(id))
        .set((items::status.eq(to), items::explanation.eq(&explanation), items::closed_at.eq(Some(now()))))
        .execute(conn)?;
    if !explanation.is_empty() {
        add_note(conn, actor, id, &explanation, None)?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("consultation.finish", "consultation", item.consultation_id)
            .after(serde_json::json!({ "item": id, "status": to })),
    )?;
    Ok(())
}

/// A follow-up note: (note, file id, file name, author, when).
pub type Note = (String, Option<FileId>, Option<String>, String, NaiveDateTime);

/// An item's follow-up notes, for whoever may see the item.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn notes_of(conn: &mut DbConn, actor: &Actor, id: ItemId) -> AppResult<Vec<Note>> {
    get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    Ok(notes::table
        .left_join(files::table.on(notes::file_id.eq(files::id.nullable())))
        .filter(notes::item_id.eq(id))
        .order(notes::id.asc())
        .select((notes::note, notes::file_id, files::original_name.nullable(), notes::author, notes::created_at))
        .load(conn)?)
}

/// Who may be named as an item's owner in the actor's committee: (value
/// for the form, name).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn owner_choices(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(String, String)>> {
    let committee = actor.committee_id;
    let mut out: Vec<(String, String)> = departments::table
        .filter(departments::committee_id.eq(committee).and(departments::active.eq(true)))
        .order(departments::name.asc())
        .select((departments::id, departments::name))
        .load::<(DepartmentId, String)>(conn)?
        .into_iter()
        .map(|(id, n)| (format!("department:{id}"), n))
        .collect();
    let offs: Vec<(OfficeId, String)> = offices::table
        .filter(offices::committee_id.eq(committee))
        .order(offices::id.asc())
        .select((offices::id, offices::name))
        .load(conn)?;
    out.extend(offs.into_iter().map(|(id, n)| (format!("office:{id}"), n)));
    Ok(out)
}

/// A line of the district's overview: one office in one quarter.
#[derive(Debug, Clone, Serialize)]
pub struct OverviewRow {
    pub office_id: OfficeId,
    pub office: String,
    pub quarter: Quarter,
    pub consultations: usize,
    pub held: usize,
    pub closed: usize,
    pub effective: usize,
    pub tally: Tally,
}

/// Consultations per office and quarter (of when they were held, planned or
/// proposed), with their items open, overdue, done and explained: every office
/// in every quarter from the first consultation to `today`'s, newest quarter
/// first, so an office that held none shows a row of zeros. The district and
/// leaders only.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn overview(conn: &mut DbConn, actor: &Actor, today: NaiveDate) -> AppResult<Vec<OverviewRow>> {
    if !matches!(actor.role, Role::DistrictAdmin | Role::Leader) {
        return Err(AppError::Forbidden);
    }
    let offices: Vec<(OfficeId, String)> = offices::table
        .filter(offices::committee_id.eq(actor.committee_id))
        .order(offices::id.asc())
        .select((offices::id, offices::name))
        .load(conn)?;
    let rows: Vec<Consultation> = consultations::table
        .filter(consultations::committee_id.eq(actor.committee_id))
        .filter(consultations::status.ne(Status::Rejected))
        .select(Consultation::as_select())
        .load(conn)?;
    let ids: Vec<ConsultationId> = rows.iter().map(|c| c.id).collect();
    let tallies = tallies(conn, &ids)?;
    let now = Quarter::of(today);
    let first = rows.iter().map(|c| Quarter::at(c.when())).min().unwrap_or(now).min(now);
    let last = rows.iter().map(|c| Quarter::at(c.when())).max().unwrap_or(now).max(now);
    // Newest quarter first; offices in their order within a quarter.
    let mut by: BTreeMap<(Reverse<Quarter>, OfficeId), OverviewRow> = BTreeMap::new();
    let mut q = first;
    while q <= last {
        for (id, name) in &offices {
            let row = OverviewRow {
                office_id: *id,
                office: name.clone(),
                quarter: q,
                consultations: 0,
                held: 0,
                closed: 0,
                effective: 0,
                tally: Tally::default(),
            };
            by.insert((Reverse(q), *id), row);
        }
        q = q.next();
    }
    for c in rows {
        let Some(r) = by.get_mut(&(Reverse(Quarter::at(c.when())), c.office_id)) else { continue };
        r.consultations += 1;
        if matches!(c.status, Status::Held | Status::Closed) {
            r.held += 1;
        }
        if c.status == Status::Closed {
            r.closed += 1;
        }
        let t = tallies.get(&c.id).copied().unwrap_or_default();
        if t.effective() {
            r.effective += 1;
        }
        r.tally.open += t.open;
        r.tally.overdue += t.overdue;
        r.tally.done += t.done;
        r.tally.explained += t.explained;
    }
    Ok(by.into_values().collect())
}

/// Open items of every committee: (item, consultation title), for the
/// reminders job (the system, across committees).
#[tracing::instrument(level = "debug", skip_all)]
pub fn open_items_unscoped(conn: &mut DbConn) -> AppResult<Vec<(Item, String)>> {
    Ok(items::table
        .inner_join(consultations::table)
        .filter(items::status.eq(ItemStatus::Open))
        .select((Item::as_select(), consultations::title))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_parse_from_the_form() {
        assert_eq!(Owner::parse("department:3"), Some(Owner::Department(DepartmentId(3))));
        assert_eq!(Owner::parse("office:5"), Some(Owner::Office(OfficeId(5))));
        for bad in ["", "office", "office:", "office:x", "member:1", "district:1"] {
            assert_eq!(Owner::parse(bad), None, "{bad}");
        }
    }
}
