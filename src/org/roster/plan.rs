//! What an import would do: every parsed row resolved against a snapshot of the
//! committee (sectors, offices, members by phone, localities, liaisons), as
//! new / changed / unchanged with every changed field, or the list of
//! problems. Pure, so the preview and the confirm compute exactly the same
//! thing, and tests need no database.
//!
//! A row changes only what it says: a blank cell or a missing column keeps
//! the stored value (`Field::Keep`), 「（清空）」 clears it. Only a new member
//! must have 性别, 民族, 政治面貌 and 届次; 姓名 and the phone every row has.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::sheet::{
    self, Field, LIAISON_COLUMNS, LOCALITY_COLUMNS, MEMBER_COLUMNS, Notice, Problem, SheetData, Workbook, k, l, m,
};
use crate::kernel::ids::{LiaisonId, LocalityId, MemberId, OfficeId, SectorId};
use crate::org::model::{BirthDate, MemberStatus};
use crate::org::store::liaisons::Liaison;
use crate::org::store::localities::{Locality, LocalityData};
use crate::org::store::members::{Member, MemberData};

/// The committee as the import sees it, loaded once (not one query per row).
#[derive(Debug, Default)]
pub struct Existing {
    pub sectors: HashMap<String, SectorId>,
    pub offices: HashMap<String, OfficeId>,
    pub members: Vec<Member>,
    pub localities: Vec<Locality>,
    pub liaisons: Vec<Liaison>,
}

/// New, changed and unchanged rows of one sheet; `present` is false when the
/// file has no such sheet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub present: bool,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Counts {
    fn present() -> Counts {
        Counts { present: true, ..Counts::default() }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub members: Counts,
    pub localities: Counts,
    pub liaisons: Counts,
    /// Template example rows left in the file and skipped.
    pub examples: usize,
}

impl Summary {
    pub fn changes(&self) -> usize {
        [self.members, self.localities, self.liaisons].iter().map(|c| c.new + c.updated).sum()
    }
}

/// One field of a record as it is and as the import would leave it, both as
/// the user reads them (names, 1975年3月).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The column's header.
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

/// The changes to one existing record, with warnings (`roster.note.*` keys)
/// for what the user should not miss.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowChange {
    pub sheet: String,
    pub row: u32,
    /// Whom or what the row is about: 王强, 高庙乡 高庙村, 王强 → 高庙村.
    pub who: String,
    pub fields: Vec<FieldChange>,
    pub warnings: Vec<(&'static str, String)>,
}

/// A new row that looks like an existing member: same name, same birth, a
/// phone the committee does not know. The user may choose to update that
/// member (with the new phone) instead of adding a second one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lookalike {
    pub row: u32,
    pub name: String,
    pub birth: String,
    /// The phone in the file, the key the choice is sent back with.
    pub phone: String,
    pub existing_phone: String,
    pub chosen: bool,
}

/// What the preview shows besides the counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub notices: Vec<Notice>,
    pub changes: Vec<RowChange>,
    pub lookalikes: Vec<Lookalike>,
}

#[derive(Debug, Clone)]
pub struct MemberOp {
    pub data: MemberData,
    /// None: a new member.
    pub existing: Option<Member>,
}

#[derive(Debug, Clone)]
pub struct LocalityOp {
    pub office: OfficeId,
    pub data: LocalityData,
    pub existing: Option<Locality>,
}

/// A member a liaison points at: one in the database, or one this file adds
/// (known by phone until it has an id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MemberRef {
    Id(MemberId),
    New(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalityRef {
    Id(LocalityId),
    New(OfficeId, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLiaison {
    pub member: MemberRef,
    pub locality: LocalityRef,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// The writes, in the order they must happen: members, localities, the ends
/// of existing liaisons, then new liaisons in file order (the store refuses a
/// link while an open one for the same pair exists, so ends come first).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub members: Vec<MemberOp>,
    pub localities: Vec<LocalityOp>,
    pub ends: Vec<(LiaisonId, NaiveDate)>,
    pub new_liaisons: Vec<NewLiaison>,
    pub summary: Summary,
    pub report: Report,
}

/// What a member's sector or office cell asks for, as an id: kept, set or
/// cleared; `None` with a problem at that cell when the system has no such
/// name.
fn known<T: Copy>(
    names: &HashMap<String, T>,
    field: &Field<String>,
    (sheet, row, col): (&SheetData, u32, usize),
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<Field<T>> {
    let resolved = field.clone().map(|n| names.get(&n).copied());
    if resolved.is_none()
        && let Field::Set(n) = field
    {
        problems.push(Problem::new(&sheet.name, row, &sheet.column_name(&MEMBER_COLUMNS[col]), key, n));
    }
    resolved
}

/// A field a new member must have: as the row says, else as the member found
/// has it; `None` with a problem at that cell for a new member without it.
fn required<T: Clone>(
    field: &Field<T>,
    old: Option<T>,
    (sheet, row, col): (&SheetData, u32, usize),
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let value = field.apply(old);
    if value.is_none() {
        let c = &MEMBER_COLUMNS[col];
        problems.push(Problem::new(
            &sheet.name,
            row,
            &sheet.column_name(c),
            "roster.err.new_member_required",
            c.header,
        ));
    }
    value
}

/// Ids back to the names the user knows, for showing changes.
struct Names {
    sectors: HashMap<SectorId, String>,
    offices: HashMap<OfficeId, String>,
}

impl Names {
    fn of(ex: &Existing) -> Names {
        Names {
            sectors: ex.sectors.iter().map(|(n, id)| (*id, n.clone())).collect(),
            offices: ex.offices.iter().map(|(n, id)| (*id, n.clone())).collect(),
        }
    }

    fn sector(&self, id: Option<SectorId>) -> String {
        id.and_then(|s| self.sectors.get(&s).cloned()).unwrap_or_default()
    }

    fn office(&self, id: Option<OfficeId>) -> String {
        id.and_then(|o| self.offices.get(&o).cloned()).unwrap_or_default()
    }
}

/// The birth date after a row: as `Field::apply`, except that a month the
/// stored day agrees with keeps the day (1975年3月 does not undo 1975年3月12日).
fn birth(field: &Field<BirthDate>, old: Option<BirthDate>) -> Option<BirthDate> {
    match (field, old) {
        (Field::Set(new @ BirthDate::Month { .. }), Some(old @ BirthDate::Day(_))) if new.agrees_with(old) => Some(old),
        _ => field.apply(old),
    }
}

fn birth_text(b: Option<BirthDate>) -> String {
    b.map(BirthDate::label).unwrap_or_default()
}

/// Every field `new` changes of member `old`, as the user reads them; empty
/// exactly when `old.unchanged_by(new)`.
fn member_changes(old: &Member, new: &MemberData, names: &Names) -> Vec<FieldChange> {
    let h = |i: usize| MEMBER_COLUMNS[i].header;
    let pairs = [
        (h(m::NAME), old.name.clone(), new.name.trim().to_string()),
        (h(m::GENDER), old.gender.label().to_string(), new.gender.label().to_string()),
        (h(m::ETHNICITY), old.ethnicity.clone(), new.ethnicity.trim().to_string()),
        (h(m::BIRTH), birth_text(old.birth_date), birth_text(new.birth_date)),
        (h(m::PARTY), old.party.clone(), new.party.trim().to_string()),
        (h(m::SECTOR), names.sector(old.sector_id), names.sector(new.sector_id)),
        (h(m::EMPLOYER), old.employer.clone(), new.employer.trim().to_string()),
        (h(m::POST), old.post.clone(), new.post.trim().to_string()),
        (h(m::PHONE), old.phone.clone(), new.phone.as_str().to_string()),
        (h(m::TERM), old.term.clone(), new.term.trim().to_string()),
        (h(m::OFFICE), names.office(old.office_id), names.office(new.office_id)),
    ];
    pairs.into_iter().filter(|(_, o, n)| o != n).map(|(field, old, new)| FieldChange { field, old, new }).collect()
}

fn coordinates(lat: Option<f64>, lng: Option<f64>) -> String {
    match (lat, lng) {
        (Some(a), Some(b)) => format!("{a}, {b}"),
        _ => String::new(),
    }
}

fn locality_changes(old: &Locality, new: &LocalityData) -> Vec<FieldChange> {
    let h = |i: usize| LOCALITY_COLUMNS[i].header;
    let pairs = [
        (h(l::KIND), old.kind.label().to_string(), new.kind.label().to_string()),
        (h(l::ADDRESS), old.address.clone().unwrap_or_default(), new.address.clone().unwrap_or_default()),
        (h(l::LATITUDE), coordinates(old.latitude, old.longitude), coordinates(new.latitude, new.longitude)),
    ];
    pairs.into_iter().filter(|(_, o, n)| o != n).map(|(field, old, new)| FieldChange { field, old, new }).collect()
}

/// A new row's lookalike: the one existing member with its name and a birth
/// that agrees, whose phone the file does not mention (else the file speaks
/// of them already).
fn lookalike<'a>(ex: &'a Existing, r: &sheet::MemberRow, file_phones: &HashSet<String>) -> Option<&'a Member> {
    let Field::Set(birth) = r.birth_date else { return None };
    let mut found = ex.members.iter().filter(|e| {
        e.name == r.name && e.birth_date.is_some_and(|b| b.agrees_with(birth)) && !file_phones.contains(&e.phone)
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Resolves the whole file, or returns every problem in it (sheet by sheet,
/// row by row). `merges`: phones of new rows the user chose to apply to
/// their lookalike member instead.
pub fn plan(ex: &Existing, wb: &Workbook, merges: &HashSet<String>) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut plan = Plan::default();
    let mut notices = wb.notices.clone();
    let names = Names::of(ex);

    let mut by_phone: HashMap<String, &Member> = ex.members.iter().map(|m| (m.phone.clone(), m)).collect();
    let loc_by_key: HashMap<(OfficeId, &str), &Locality> =
        ex.localities.iter().map(|l| ((l.office_id, l.name.as_str()), l)).collect();

    // Members: the phone is the key.
    let mut file_members: HashMap<String, String> = HashMap::new(); // phone → name
    let mut file_phones: HashSet<String> = HashSet::new();
    let mut merged: HashSet<MemberId> = HashSet::new();
    if let Some(s) = &wb.members {
        plan.summary.members = Counts::present();
        let parsed = sheet::parse_members(s, &mut problems, &mut notices);
        plan.summary.examples += parsed.examples;
        file_phones = parsed.phones;
        for r in parsed.rows {
            file_members.insert(r.phone.as_str().to_string(), r.name.clone());
            let mut found = by_phone.get(r.phone.as_str()).copied();
            if found.is_none()
                && let Some(like) = lookalike(ex, &r, &file_phones)
            {
                let chosen = merges.contains(r.phone.as_str()) && merged.insert(like.id);
                plan.report.lookalikes.push(Lookalike {
                    row: r.row,
                    name: r.name.clone(),
                    birth: birth_text(like.birth_date),
                    phone: r.phone.as_str().to_string(),
                    existing_phone: like.phone.clone(),
                    chosen,
                });
                if chosen {
                    found = Some(like);
                }
            }
            // Problems in column order.
            let at = |col| (s, r.row, col);
            let gender = required(&r.gender, found.map(|e| e.gender), at(m::GENDER), &mut problems);
            let ethnicity = required(&r.ethnicity, found.map(|e| e.ethnicity.clone()), at(m::ETHNICITY), &mut problems);
            let party = required(&r.party, found.map(|e| e.party.clone()), at(m::PARTY), &mut problems);
            let sector = known(&ex.sectors, &r.sector, at(m::SECTOR), "roster.err.sector", &mut problems);
            let term = required(&r.term, found.map(|e| e.term.clone()), at(m::TERM), &mut problems);
            let office = known(&ex.offices, &r.office, at(m::OFFICE), "roster.err.office", &mut problems);
            let (Some(gender), Some(ethnicity), Some(party), Some(sector), Some(term), Some(office)) =
                (gender, ethnicity, party, sector, term, office)
            else {
                continue;
            };
            let data = MemberData {
                name: r.name,
                gender,
                ethnicity,
                birth_date: birth(&r.birth_date, found.and_then(|e| e.birth_date)),
                party,
                sector_id: sector.apply(found.and_then(|e| e.sector_id)),
                employer: r.employer.apply(found.map(|e| e.employer.clone())).unwrap_or_default(),
                post: r.post.apply(found.map(|e| e.post.clone())).unwrap_or_default(),
                phone: r.phone,
                term,
                office_id: office.apply(found.and_then(|e| e.office_id)),
            };
            match found {
                None => {
                    plan.summary.members.new += 1;
                    plan.members.push(MemberOp { data, existing: None });
                }
                Some(e) if e.unchanged_by(&data) => plan.summary.members.unchanged += 1,
                Some(e) => {
                    let mut warnings = Vec::new();
                    if let Some(o) = e.office_id
                        && data.office_id != Some(o)
                    {
                        warnings.push(("roster.note.leaves_office", names.office(Some(o))));
                    }
                    plan.report.changes.push(RowChange {
                        sheet: s.name.clone(),
                        row: r.row,
                        who: data.name.clone(),
                        fields: member_changes(e, &data, &names),
                        warnings,
                    });
                    if e.phone != data.phone.as_str() {
                        // Liaisons in this file name the member by the new phone.
                        by_phone.insert(data.phone.as_str().to_string(), e);
                    }
                    plan.summary.members.updated += 1;
                    plan.members.push(MemberOp { data, existing: Some(e.clone()) });
                }
            }
        }
    }
    // Localities: office and name are the key.
    let mut file_localities: HashSet<(String, String)> = HashSet::new();
    if let Some(s) = &wb.localities {
        plan.summary.localities = Counts::present();
        let parsed = sheet::parse_localities(s, &mut problems, &mut notices);
        plan.summary.examples += parsed.examples;
        file_localities = parsed.keys;
        for r in parsed.rows {
            let Some(office) = ex.offices.get(&r.office).copied() else {
                let column = s.column_name(&LOCALITY_COLUMNS[l::OFFICE]);
                problems.push(Problem::new(&s.name, r.row, &column, "roster.err.office", &r.office));
                continue;
            };
            let found = loc_by_key.get(&(office, r.name.as_str())).copied();
            let coordinates = r.coordinates.apply(found.and_then(|e| e.latitude.zip(e.longitude)));
            let data = LocalityData {
                address: r.address.apply(found.and_then(|e| e.address.clone())),
                name: r.name,
                kind: r.kind,
                latitude: coordinates.map(|c| c.0),
                longitude: coordinates.map(|c| c.1),
            };
            match found {
                None => {
                    plan.summary.localities.new += 1;
                    plan.localities.push(LocalityOp { office, data, existing: None });
                }
                Some(e) if e.unchanged_by(&data) => plan.summary.localities.unchanged += 1,
                Some(e) => {
                    plan.report.changes.push(RowChange {
                        sheet: s.name.clone(),
                        row: r.row,
                        who: format!("{} {}", r.office, data.name),
                        fields: locality_changes(e, &data),
                        warnings: vec![],
                    });
                    plan.summary.localities.updated += 1;
                    plan.localities.push(LocalityOp { office, data, existing: Some(e.clone()) });
                }
            }
        }
    }

    if let Some(s) = &wb.liaisons {
        plan.summary.liaisons = Counts::present();
        let parsed = sheet::parse_liaisons(s, &mut problems, &mut notices);
        plan.summary.examples += parsed.examples;
        plan_liaisons(
            ex,
            s,
            &parsed.rows,
            &Lookups { by_phone, loc_by_key, file_members, file_phones, file_localities },
            &mut plan,
            &mut problems,
        );
    }

    if problems.is_empty() {
        plan.report.notices = notices;
        return Ok(plan);
    }
    // In the order the user reads the file: sheet by sheet, row by row (cell
    // checks and name checks of one row together).
    let rank = |name: &str| {
        [&wb.members, &wb.localities, &wb.liaisons].iter().position(|s| s.as_ref().is_some_and(|s| s.name == name))
    };
    problems.sort_by_key(|p| (rank(&p.sheet), p.row));
    Err(problems)
}

struct Lookups<'a> {
    by_phone: HashMap<String, &'a Member>,
    loc_by_key: HashMap<(OfficeId, &'a str), &'a Locality>,
    file_members: HashMap<String, String>,
    file_phones: HashSet<String>,
    file_localities: HashSet<(String, String)>,
}

/// A link as it will stand when the next one is inserted, for the store's
/// "no second open link for the same pair" rule.
struct Sim {
    start: NaiveDate,
    end: Option<NaiveDate>,
}

fn plan_liaisons(
    ex: &Existing,
    s: &SheetData,
    rows: &[sheet::LiaisonRow],
    lk: &Lookups<'_>,
    plan: &mut Plan,
    problems: &mut Vec<Problem>,
) {
    let col = |i: usize| s.column_name(&LIAISON_COLUMNS[i]);
    let sheet = s.name.as_str();
    // Pairs are keyed by member and (office, locality name): both exist for
    // database rows and for rows this file adds.
    type Pair = (MemberRef, OfficeId, String);
    let loc_of: HashMap<LocalityId, &Locality> = ex.localities.iter().map(|l| (l.id, l)).collect();
    let mut sims: HashMap<Pair, Vec<Sim>> = HashMap::new();
    let mut existing_by_key: HashMap<(Pair, NaiveDate), (LiaisonId, Option<NaiveDate>, usize)> = HashMap::new();
    for li in &ex.liaisons {
        let Some(loc) = loc_of.get(&li.locality_id) else { continue };
        let pair: Pair = (MemberRef::Id(li.member_id), loc.office_id, loc.name.clone());
        let v = sims.entry(pair.clone()).or_default();
        existing_by_key.insert((pair, li.start_on), (li.id, li.end_on, v.len()));
        v.push(Sim { start: li.start_on, end: li.end_on });
    }

    let mut new_rows = Vec::new();
    for r in rows {
        let phone = r.phone.as_str();
        // The member: in this file, or already in the committee.
        let file_name = lk.file_members.get(phone);
        let db_member = lk.by_phone.get(phone);
        let member = match (file_name, db_member) {
            (_, Some(m)) => Some((MemberRef::Id(m.id), file_name.cloned().unwrap_or_else(|| m.name.clone()))),
            (Some(name), None) => Some((MemberRef::New(phone.to_string()), name.clone())),
            (None, None) => None,
        };
        let mut bad = false;
        match &member {
            None if lk.file_phones.contains(phone) => bad = true, // its row in 委员 has problems already
            None => {
                problems.push(Problem::new(sheet, r.row, &col(k::PHONE), "roster.err.member_unknown", phone));
                bad = true;
            }
            Some((_, name)) => {
                if let Some(given) = &r.member_name
                    && given != name
                {
                    problems.push(Problem::new(sheet, r.row, &col(k::NAME), "roster.err.member_name", name));
                    bad = true;
                }
            }
        }
        // The locality: office + name, in this file or in the committee.
        let locality = match ex.offices.get(&r.office).copied() {
            None => {
                problems.push(Problem::new(sheet, r.row, &col(k::OFFICE), "roster.err.office", &r.office));
                None
            }
            Some(office) => match lk.loc_by_key.get(&(office, r.locality.as_str())) {
                Some(l) => Some((LocalityRef::Id(l.id), office)),
                None if lk.file_localities.contains(&(r.office.clone(), r.locality.clone())) => {
                    Some((LocalityRef::New(office, r.locality.clone()), office))
                }
                None => {
                    problems.push(Problem::new(
                        sheet,
                        r.row,
                        &col(k::LOCALITY),
                        "roster.err.locality_unknown",
                        &r.locality,
                    ));
                    None
                }
            },
        };
        let (Some((member, name)), Some((locality, office)), false) = (member, locality, bad) else { continue };
        let pair: Pair = (member.clone(), office, r.locality.clone());
        match existing_by_key.get(&(pair.clone(), r.start)) {
            // A blank end leaves the stored one as it is.
            Some((_, end, _)) if r.end.is_none() || *end == r.end => plan.summary.liaisons.unchanged += 1,
            Some((id, None, i)) => {
                let (id, i) = (*id, *i);
                // Ending an open link: `liaisons::end` takes it from here.
                if let (Some(end), Some(v)) = (r.end, sims.get_mut(&pair)) {
                    v[i].end = Some(end);
                    plan.ends.push((id, end));
                    plan.summary.liaisons.updated += 1;
                    plan.report.changes.push(RowChange {
                        sheet: sheet.to_string(),
                        row: r.row,
                        who: format!("{name} {} {}", r.office, r.locality),
                        fields: vec![FieldChange {
                            field: LIAISON_COLUMNS[k::END].header,
                            old: String::new(),
                            new: end.to_string(),
                        }],
                        warnings: vec![("roster.note.ends_liaison", r.locality.clone())],
                    });
                }
            }
            Some((_, Some(ended), _)) => {
                problems.push(Problem::new(
                    sheet,
                    r.row,
                    &col(k::END),
                    "roster.err.liaison_end_fixed",
                    ended.to_string(),
                ));
            }
            None => {
                if let Some(m) = db_member
                    && m.status == MemberStatus::Left
                {
                    problems.push(Problem::new(sheet, r.row, &col(k::PHONE), "roster.err.member_left", ""));
                    continue;
                }
                new_rows.push((r, pair, NewLiaison { member, locality, start: r.start, end: r.end }));
            }
        }
    }
    // New links in file order, each checked against the links that will be
    // there when it is inserted (existing ones with their new ends, and the
    // file's earlier ones).
    for (r, pair, link) in new_rows {
        let v = sims.entry(pair).or_default();
        if let Some(open) = v.iter().find(|s| s.end.is_none_or(|e| e > link.start)) {
            problems.push(Problem::new(
                sheet,
                r.row,
                &col(k::START),
                "roster.err.liaison_open",
                open.start.to_string(),
            ));
            continue;
        }
        v.push(Sim { start: link.start, end: link.end });
        plan.summary.liaisons.new += 1;
        plan.new_liaisons.push(link);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::CommitteeId;
    use crate::org::model::{BirthDate, Gender, LocalityKind};
    use crate::org::roster::sheet::{Cell, Column, LIAISONS, LOCALITIES, MEMBERS};
    use chrono::NaiveDateTime;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn d(s: &str) -> NaiveDate {
        crate::kernel::time::parse_date(s).expect("date")
    }

    fn sheet(columns: &[Column], rows: Vec<Vec<Cell>>) -> SheetData {
        let name = if columns[0].header == MEMBER_COLUMNS[0].header {
            MEMBERS
        } else if columns[1].header == LOCALITY_COLUMNS[1].header {
            LOCALITIES
        } else {
            LIAISONS
        };
        SheetData {
            name: name.into(),
            header_row: 1,
            headers: columns.iter().map(|c| c.header.to_string()).collect(),
            rows: rows.into_iter().enumerate().map(|(i, r)| (i as u32 + 2, r)).collect(),
        }
    }

    fn member_row(name: &str, phone: &str, sector: &str) -> Vec<Cell> {
        vec![
            t(name),
            t("男"),
            t("汉族"),
            Cell::Empty,
            t("群众"),
            t(sector),
            Cell::Empty,
            Cell::Empty,
            t(phone),
            t("第十届"),
            t("高庙乡"),
        ]
    }

    fn existing() -> Existing {
        let now = NaiveDateTime::default();
        let member = Member {
            id: MemberId(7),
            committee_id: CommitteeId(1),
            office_id: Some(OfficeId(1)),
            sector_id: Some(SectorId(3)),
            name: "王强".into(),
            gender: Gender::Male,
            ethnicity: "汉族".into(),
            birth_date: None,
            party: "群众".into(),
            employer: String::new(),
            post: String::new(),
            phone: "13839801234".into(),
            term: "第十届".into(),
            status: MemberStatus::Active,
            left_on: None,
            user_id: None,
            created_at: now,
            updated_at: now,
            public_name: false,
        };
        let locality = Locality {
            id: LocalityId(5),
            committee_id: CommitteeId(1),
            office_id: OfficeId(1),
            name: "高庙村".into(),
            kind: LocalityKind::Village,
            address: None,
            latitude: None,
            longitude: None,
            created_at: now,
            updated_at: now,
        };
        let liaison = Liaison {
            id: LiaisonId(9),
            committee_id: CommitteeId(1),
            member_id: MemberId(7),
            locality_id: LocalityId(5),
            start_on: d("2025-01-01"),
            end_on: None,
            created_at: now,
        };
        Existing {
            sectors: [("教育界".to_string(), SectorId(3))].into(),
            offices: [("高庙乡".to_string(), OfficeId(1))].into(),
            members: vec![member],
            localities: vec![locality],
            liaisons: vec![liaison],
        }
    }

    fn liaison(phone: &str, name: &str, loc: &str, start: &str, end: &str) -> Vec<Cell> {
        let opt = |s: &str| if s.is_empty() { Cell::Empty } else { t(s) };
        vec![t(phone), opt(name), t("高庙乡"), t(loc), t(start), opt(end)]
    }

    #[test]
    fn same_rows_are_unchanged_and_new_ones_new() {
        let wb = Workbook {
            members: Some(sheet(
                &MEMBER_COLUMNS,
                vec![member_row("王强", "13839801234", "教育界"), member_row("李梅", "13900001111", "")],
            )),
            localities: Some(sheet(
                &LOCALITY_COLUMNS,
                vec![vec![t("高庙乡"), t("高庙村"), t("村")], vec![t("高庙乡"), t("后川村"), t("村")]],
            )),
            liaisons: Some(sheet(
                &LIAISON_COLUMNS,
                vec![
                    liaison("13839801234", "王强", "高庙村", "2025-01-01", ""),
                    liaison("13900001111", "李梅", "后川村", "2026-03-01", ""),
                ],
            )),
            notices: vec![],
        };
        let p = plan(&existing(), &wb, &HashSet::new()).expect("valid");
        assert_eq!(p.summary.members, Counts { present: true, new: 1, updated: 0, unchanged: 1 });
        assert_eq!(p.summary.localities, Counts { present: true, new: 1, updated: 0, unchanged: 1 });
        assert_eq!(p.summary.liaisons, Counts { present: true, new: 1, updated: 0, unchanged: 1 });
        assert_eq!(
            p.new_liaisons,
            vec![NewLiaison {
                member: MemberRef::New("13900001111".into()),
                locality: LocalityRef::New(OfficeId(1), "后川村".into()),
                start: d("2026-03-01"),
                end: None
            }]
        );
        assert_eq!(p.summary.changes(), 3);
    }

    fn members_only(rows: Vec<Vec<Cell>>) -> Workbook {
        Workbook { members: Some(sheet(&MEMBER_COLUMNS, rows)), ..Workbook::default() }
    }

    #[test]
    fn blank_cells_and_missing_columns_keep_what_is_stored() {
        let mut ex = existing();
        ex.members[0].birth_date = BirthDate::month(1975, 3);
        ex.members[0].employer = "湖滨区实验小学".into();
        // Blank sector, birth, employer, post: nothing changes.
        let p = plan(&ex, &members_only(vec![member_row("王强", "13839801234", "")]), &HashSet::new()).expect("valid");
        assert_eq!(p.summary.members, Counts { present: true, new: 0, updated: 0, unchanged: 1 });
        // No optional column at all: nothing changes either.
        let required: Vec<Column> = MEMBER_COLUMNS.iter().copied().filter(|c| c.required).collect();
        let row = vec![t("王强"), t("男"), t("汉"), t("群众"), t("138 3980 1234"), t("十届")];
        let wb = Workbook { members: Some(sheet(&required, vec![row])), ..Workbook::default() };
        let p = plan(&ex, &wb, &HashSet::new()).expect("valid");
        assert_eq!(p.summary.members.unchanged, 1, "汉 and 十届 are the stored 汉族 and 第十届");
        assert!(p.report.changes.is_empty());
    }

    #[test]
    fn an_existing_member_keeps_required_fields_a_file_leaves_out() {
        let mut ex = existing();
        ex.members[0].party = "民盟盟员".into();
        let key: Vec<Column> = [m::NAME, m::PHONE].iter().map(|&i| MEMBER_COLUMNS[i]).collect();
        let wb =
            Workbook { members: Some(sheet(&key, vec![vec![t("王强"), t("13839801234")]])), ..Workbook::default() };
        let p = plan(&ex, &wb, &HashSet::new()).expect("valid");
        assert_eq!(p.summary.members, Counts { present: true, new: 0, updated: 0, unchanged: 1 });
        assert!(p.report.changes.is_empty());
        // Blank cells keep too, while a value given still changes.
        let mut row = member_row("王强", "13839801234", "");
        row[m::GENDER] = Cell::Empty;
        row[m::PARTY] = Cell::Empty;
        row[m::TERM] = t("第十一届");
        let p = plan(&ex, &members_only(vec![row]), &HashSet::new()).expect("valid");
        let data = &p.members[0].data;
        assert_eq!((data.gender, data.party.as_str()), (Gender::Male, "民盟盟员"));
        let fields: Vec<&str> = p.report.changes[0].fields.iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["届次"]);
    }

    #[test]
    fn a_new_member_without_a_required_field_is_a_problem_at_its_row() {
        let mut row = member_row("李梅", "13900001111", "");
        row[m::GENDER] = Cell::Empty;
        let wb = members_only(vec![member_row("王强", "13839801234", ""), row]);
        let problems = plan(&existing(), &wb, &HashSet::new()).expect_err("invalid");
        assert_eq!(problems, vec![Problem::new(MEMBERS, 3, "性别", "roster.err.new_member_required", "性别")]);
        // Without the columns at all: one problem per missing field, named
        // as the column is.
        let key: Vec<Column> = [m::NAME, m::PHONE, m::TERM].iter().map(|&i| MEMBER_COLUMNS[i]).collect();
        let mut s = sheet(&key, vec![vec![t("李梅"), t("13900001111"), t("十届")]]);
        s.headers[2] = "届别".into();
        let problems = plan(&existing(), &Workbook { members: Some(s), ..Workbook::default() }, &HashSet::new())
            .expect_err("invalid");
        let found: Vec<(u32, &str)> = problems.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(found, vec![(2, "性别"), (2, "民族"), (2, "政治面貌")]);
    }

    #[test]
    fn the_mark_clears_a_set_value_shows_and_leaving_an_office_is_flagged() {
        let mut row = member_row("王强", "13839801234", "（清空）");
        row[m::OFFICE] = t("(清空)");
        row[m::BIRTH] = t("1975年3月");
        let p = plan(&existing(), &members_only(vec![row]), &HashSet::new()).expect("valid");
        assert_eq!(p.summary.members.updated, 1);
        assert_eq!(p.members[0].existing.as_ref().map(|m| m.id), Some(MemberId(7)));
        let data = &p.members[0].data;
        assert_eq!((data.sector_id, data.office_id, data.birth_date), (None, None, BirthDate::month(1975, 3)));
        let change = &p.report.changes[0];
        assert_eq!((change.sheet.as_str(), change.row, change.who.as_str()), (MEMBERS, 2, "王强"));
        let fields: Vec<(&str, &str, &str)> =
            change.fields.iter().map(|f| (f.field, f.old.as_str(), f.new.as_str())).collect();
        assert_eq!(
            fields,
            vec![("出生日期", "", "1975年3月"), ("界别", "教育界", ""), ("所属工作办公室", "高庙乡", "")]
        );
        assert_eq!(change.warnings, vec![("roster.note.leaves_office", "高庙乡".to_string())]);
        assert!(!p.summary.localities.present);
    }

    #[test]
    fn a_lookalike_is_offered_and_updated_only_when_chosen() {
        let mut ex = existing();
        ex.members[0].birth_date = Some(BirthDate::Day(d("1975-03-12")));
        let mut row = member_row("王强", "13900009999", "");
        row[m::BIRTH] = t("1975年3月");
        let wb = Workbook {
            members: Some(sheet(&MEMBER_COLUMNS, vec![row])),
            liaisons: Some(sheet(&LIAISON_COLUMNS, vec![liaison("13900009999", "王强", "高庙村", "2025-01-01", "")])),
            ..Workbook::default()
        };
        // Not chosen: a new member, with the offer; the link is a new one
        // for that new member.
        let p = plan(&ex, &wb, &HashSet::new()).expect("valid");
        assert_eq!(p.summary.members.new, 1);
        let offer = &p.report.lookalikes[0];
        assert_eq!(
            (offer.row, offer.phone.as_str(), offer.existing_phone.as_str(), offer.birth.as_str(), offer.chosen),
            (2, "13900009999", "13839801234", "1975年3月12日", false)
        );
        assert_eq!(p.new_liaisons.len(), 1);
        // Chosen: the existing member is updated with the new phone, and the
        // link the file names by that phone is the one they have.
        let p = plan(&ex, &wb, &["13900009999".to_string()].into()).expect("valid");
        assert_eq!((p.summary.members.new, p.summary.members.updated), (0, 1));
        assert!(p.report.lookalikes[0].chosen);
        assert_eq!(p.members[0].data.phone.as_str(), "13900009999");
        assert_eq!(
            p.members[0].data.birth_date,
            Some(BirthDate::Day(d("1975-03-12"))),
            "a month does not undo a known day"
        );
        assert!(p.report.changes[0].fields.iter().any(|f| f.field == "手机号码" && f.new == "13900009999"));
        assert_eq!(p.summary.liaisons.unchanged, 1);
        // Another birth: no offer.
        ex.members[0].birth_date = Some(BirthDate::Day(d("1976-03-12")));
        assert!(plan(&ex, &wb, &HashSet::new()).expect("valid").report.lookalikes.is_empty());
    }

    #[test]
    fn unknown_names_are_problems_at_their_cells() {
        let wb = Workbook {
            members: Some(sheet(&MEMBER_COLUMNS, vec![member_row("李梅", "13900001111", "体育界")])),
            localities: Some(sheet(&LOCALITY_COLUMNS, vec![vec![t("湖滨乡"), t("后川村"), t("村")]])),
            liaisons: Some(sheet(
                &LIAISON_COLUMNS,
                vec![
                    liaison("13700000000", "", "高庙村", "2026-03-01", ""),
                    liaison("13839801234", "王刚", "高庙村", "2026-03-01", ""),
                    liaison("13839801234", "", "无名村", "2026-03-01", ""),
                    liaison("13900001111", "", "高庙村", "2026-03-01", ""),
                ],
            )),
            notices: vec![],
        };
        let problems = plan(&existing(), &wb, &HashSet::new()).expect_err("invalid");
        let found: Vec<(&str, u32, &str, &str, &str)> = problems
            .iter()
            .map(|p| (p.sheet.as_str(), p.row, p.column.as_str(), p.key.as_str(), p.arg.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("委员", 2, "界别", "roster.err.sector", "体育界"),
                ("村社区", 2, "所属工作办公室", "roster.err.office", "湖滨乡"),
                ("定点联系", 2, "委员手机号码", "roster.err.member_unknown", "13700000000"),
                ("定点联系", 3, "委员姓名", "roster.err.member_name", "王强"),
                ("定点联系", 4, "村社区名称", "roster.err.locality_unknown", "无名村"),
            ],
            "the last row's member has a bad row of its own: not blamed twice"
        );
    }

    #[test]
    fn problems_come_in_reading_order() {
        let mut bad_gender = member_row("李梅", "13900001111", "");
        bad_gender[m::GENDER] = t("未知");
        let wb = Workbook {
            members: Some(sheet(&MEMBER_COLUMNS, vec![member_row("王强", "13839801234", "体育界"), bad_gender])),
            ..Workbook::default()
        };
        let problems = plan(&existing(), &wb, &HashSet::new()).expect_err("invalid");
        let found: Vec<(u32, &str)> = problems.iter().map(|p| (p.row, p.key.as_str())).collect();
        assert_eq!(found, vec![(2, "roster.err.sector"), (3, "roster.err.gender")]);
    }

    #[test]
    fn links_follow_the_stores_rules() {
        let run = |rows: Vec<Vec<Cell>>| {
            plan(
                &existing(),
                &Workbook { liaisons: Some(sheet(&LIAISON_COLUMNS, rows)), ..Workbook::default() },
                &HashSet::new(),
            )
        };
        // A second open link for the same pair is refused ...
        let e = run(vec![liaison("13839801234", "", "高庙村", "2026-03-01", "")]).expect_err("open");
        assert_eq!((e[0].key.as_str(), e[0].arg.as_str()), ("roster.err.liaison_open", "2025-01-01"));
        // ... unless the file ends the first one before it starts.
        let p = run(vec![
            liaison("13839801234", "", "高庙村", "2026-03-01", ""),
            liaison("13839801234", "", "高庙村", "2025-01-01", "2026-02-28"),
        ])
        .expect("valid");
        assert_eq!(p.ends, vec![(LiaisonId(9), d("2026-02-28"))]);
        assert_eq!(p.report.changes[0].warnings, vec![("roster.note.ends_liaison", "高庙村".to_string())]);
        assert_eq!(p.summary.liaisons, Counts { present: true, new: 1, updated: 1, unchanged: 0 });
        // Two new open links for one pair in the file: the second is refused.
        let mut ex = existing();
        ex.liaisons.clear();
        let wb = Workbook {
            liaisons: Some(sheet(
                &LIAISON_COLUMNS,
                vec![
                    liaison("13839801234", "", "高庙村", "2026-01-01", ""),
                    liaison("13839801234", "", "高庙村", "2026-05-01", ""),
                ],
            )),
            ..Workbook::default()
        };
        let e = plan(&ex, &wb, &HashSet::new()).expect_err("open");
        assert_eq!((e[0].row, e[0].key.as_str()), (3, "roster.err.liaison_open"));
        // An ended link cannot get another end date.
        let mut ex = existing();
        ex.liaisons[0].end_on = Some(d("2025-06-30"));
        let wb = Workbook {
            liaisons: Some(sheet(
                &LIAISON_COLUMNS,
                vec![liaison("13839801234", "", "高庙村", "2025-01-01", "2025-12-31")],
            )),
            ..Workbook::default()
        };
        let e = plan(&ex, &wb, &HashSet::new()).expect_err("fixed");
        assert_eq!((e[0].key.as_str(), e[0].arg.as_str()), ("roster.err.liaison_end_fixed", "2025-06-30"));
        // ... and a blank end leaves it ended.
        let wb = Workbook {
            liaisons: Some(sheet(&LIAISON_COLUMNS, vec![liaison("13839801234", "", "高庙村", "2025-01-01", "")])),
            ..Workbook::default()
        };
        assert_eq!(plan(&ex, &wb, &HashSet::new()).expect("kept").summary.liaisons.unchanged, 1);
        // A member who left gets no new link.
        let mut ex = existing();
        ex.liaisons.clear();
        ex.members[0].status = MemberStatus::Left;
        let wb = Workbook {
            liaisons: Some(sheet(&LIAISON_COLUMNS, vec![liaison("13839801234", "", "高庙村", "2026-01-01", "")])),
            ..Workbook::default()
        };
        assert_eq!(plan(&ex, &wb, &HashSet::new()).expect_err("left")[0].key, "roster.err.member_left");
    }
}
