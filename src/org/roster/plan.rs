//! What an import would do: every parsed row resolved against a snapshot of the
//! committee (sectors, offices, members by phone, localities, liaisons), as
//! new / changed / unchanged, or the list of problems. Pure, so the preview and
//! the confirm compute exactly the same thing, and tests need no database.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::sheet::{self, LIAISON_COLUMNS, LIAISONS, LOCALITIES, MEMBER_COLUMNS, MEMBERS, Problem, Workbook, k, l, m};
use crate::kernel::ids::{LiaisonId, LocalityId, MemberId, OfficeId, SectorId};
use crate::org::model::MemberStatus;
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// The id a member's sector or office name stands for (`Some(None)` when the
/// cell is blank), or `None` with a problem at that cell when the system has
/// no such name.
fn known<T: Copy>(
    names: &HashMap<String, T>,
    name: &Option<String>,
    row: u32,
    col: usize,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<Option<T>> {
    let Some(n) = name else { return Some(None) };
    let id = names.get(n).copied();
    if id.is_none() {
        problems.push(Problem::new(MEMBERS, row, MEMBER_COLUMNS[col].header, key, n));
    }
    id.map(Some)
}

/// Resolves the whole file, or returns every problem in it (sheet by sheet,
/// row by row).
pub fn plan(ex: &Existing, wb: &Workbook) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut plan = Plan::default();

    let by_phone: HashMap<&str, &Member> = ex.members.iter().map(|m| (m.phone.as_str(), m)).collect();
    let loc_by_key: HashMap<(OfficeId, &str), &Locality> =
        ex.localities.iter().map(|l| ((l.office_id, l.name.as_str()), l)).collect();

    // Members: the phone is the key.
    let mut file_members: HashMap<String, String> = HashMap::new(); // phone → name
    let mut file_phones: HashSet<String> = HashSet::new();
    if let Some(s) = &wb.members {
        plan.summary.members = Counts::present();
        let parsed = sheet::parse_members(s, &mut problems);
        plan.summary.examples += parsed.examples;
        file_phones = parsed.phones;
        for r in parsed.rows {
            let sector_id = known(&ex.sectors, &r.sector, r.row, m::SECTOR, "roster.err.sector", &mut problems);
            let office_id = known(&ex.offices, &r.office, r.row, m::OFFICE, "roster.err.office", &mut problems);
            let bad = sector_id.is_none() || office_id.is_none();
            let (sector_id, office_id) = (sector_id.flatten(), office_id.flatten());
            file_members.insert(r.phone.as_str().to_string(), r.name.clone());
            if bad {
                continue;
            }
            let data = MemberData {
                name: r.name,
                gender: r.gender,
                ethnicity: r.ethnicity,
                birth_date: r.birth_date,
                party: r.party,
                sector_id,
                employer: r.employer,
                post: r.post,
                phone: r.phone,
                term: r.term,
                office_id,
            };
            let found = by_phone.get(data.phone.as_str()).copied();
            match found {
                None => {
                    plan.summary.members.new += 1;
                    plan.members.push(MemberOp { data, existing: None });
                }
                Some(e) if e.unchanged_by(&data) => plan.summary.members.unchanged += 1,
                Some(e) => {
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
        let parsed = sheet::parse_localities(s, &mut problems);
        plan.summary.examples += parsed.examples;
        file_localities = parsed.keys;
        for r in parsed.rows {
            let Some(office) = ex.offices.get(&r.office).copied() else {
                problems.push(Problem::new(
                    LOCALITIES,
                    r.row,
                    sheet::LOCALITY_COLUMNS[l::OFFICE].header,
                    "roster.err.office",
                    &r.office,
                ));
                continue;
            };
            let data = LocalityData {
                name: r.name,
                kind: r.kind,
                address: r.address,
                latitude: r.latitude,
                longitude: r.longitude,
            };
            let found = loc_by_key.get(&(office, data.name.as_str())).copied();
            match found {
                None => {
                    plan.summary.localities.new += 1;
                    plan.localities.push(LocalityOp { office, data, existing: None });
                }
                Some(e) if e.unchanged_by(&data) => plan.summary.localities.unchanged += 1,
                Some(e) => {
                    plan.summary.localities.updated += 1;
                    plan.localities.push(LocalityOp { office, data, existing: Some(e.clone()) });
                }
            }
        }
    }

    if let Some(s) = &wb.liaisons {
        plan.summary.liaisons = Counts::present();
        let parsed = sheet::parse_liaisons(s, &mut problems);
        plan.summary.examples += parsed.examples;
        plan_liaisons(
            ex,
            &parsed.rows,
            &Lookups { by_phone, loc_by_key, file_members, file_phones, file_localities },
            &mut plan,
            &mut problems,
        );
    }

    if problems.is_empty() {
        return Ok(plan);
    }
    // In the order the user reads the file: sheet by sheet, row by row (cell
    // checks and name checks of one row together).
    let rank = |sheet: &str| [MEMBERS, LOCALITIES, LIAISONS].iter().position(|s| *s == sheet);
    problems.sort_by_key(|p| (rank(&p.sheet), p.row));
    Err(problems)
}

struct Lookups<'a> {
    by_phone: HashMap<&'a str, &'a Member>,
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
    rows: &[sheet::LiaisonRow],
    lk: &Lookups<'_>,
    plan: &mut Plan,
    problems: &mut Vec<Problem>,
) {
    let col = |i: usize| LIAISON_COLUMNS[i].header;
    // Pairs are keyed by phone and (office, locality name): both exist for
    // database rows and for rows this file adds.
    type Pair = (String, OfficeId, String);
    let phone_of: HashMap<MemberId, &str> = ex.members.iter().map(|m| (m.id, m.phone.as_str())).collect();
    let loc_of: HashMap<LocalityId, &Locality> = ex.localities.iter().map(|l| (l.id, l)).collect();
    let mut sims: HashMap<Pair, Vec<Sim>> = HashMap::new();
    let mut existing_by_key: HashMap<(Pair, NaiveDate), (LiaisonId, Option<NaiveDate>, usize)> = HashMap::new();
    for li in &ex.liaisons {
        let (Some(phone), Some(loc)) = (phone_of.get(&li.member_id), loc_of.get(&li.locality_id)) else { continue };
        let pair: Pair = (phone.to_string(), loc.office_id, loc.name.clone());
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
                problems.push(Problem::new(LIAISONS, r.row, col(k::PHONE), "roster.err.member_unknown", phone));
                bad = true;
            }
            Some((_, name)) => {
                if let Some(given) = &r.member_name
                    && given != name
                {
                    problems.push(Problem::new(LIAISONS, r.row, col(k::NAME), "roster.err.member_name", name));
                    bad = true;
                }
            }
        }
        // The locality: office + name, in this file or in the committee.
        let locality = match ex.offices.get(&r.office).copied() {
            None => {
                problems.push(Problem::new(LIAISONS, r.row, col(k::OFFICE), "roster.err.office", &r.office));
                None
            }
            Some(office) => match lk.loc_by_key.get(&(office, r.locality.as_str())) {
                Some(l) => Some((LocalityRef::Id(l.id), office)),
                None if lk.file_localities.contains(&(r.office.clone(), r.locality.clone())) => {
                    Some((LocalityRef::New(office, r.locality.clone()), office))
                }
                None => {
                    problems.push(Problem::new(
                        LIAISONS,
                        r.row,
                        col(k::LOCALITY),
                        "roster.err.locality_unknown",
                        &r.locality,
                    ));
                    None
                }
            },
        };
        let (Some((member, _)), Some((locality, office)), false) = (member, locality, bad) else { continue };
        let pair: Pair = (phone.to_string(), office, r.locality.clone());
        match existing_by_key.get(&(pair.clone(), r.start)) {
            Some((_, end, _)) if *end == r.end => plan.summary.liaisons.unchanged += 1,
            Some((id, None, i)) => {
                let (id, i) = (*id, *i);
                // Ending an open link: `liaisons::end` takes it from here.
                if let (Some(end), Some(v)) = (r.end, sims.get_mut(&pair)) {
                    v[i].end = Some(end);
                    plan.ends.push((id, end));
                    plan.summary.liaisons.updated += 1;
                }
            }
            Some((_, Some(ended), _)) => {
                problems.push(Problem::new(
                    LIAISONS,
                    r.row,
                    col(k::END),
                    "roster.err.liaison_end_fixed",
                    ended.to_string(),
                ));
            }
            None => {
                if let Some(m) = db_member
                    && m.status == MemberStatus::Left
                {
                    problems.push(Problem::new(LIAISONS, r.row, col(k::PHONE), "roster.err.member_left", ""));
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
                LIAISONS,
                r.row,
                col(k::START),
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
    use crate::org::model::{Gender, LocalityKind};
    use crate::org::roster::sheet::{Cell, Column, LOCALITY_COLUMNS, SheetData};
    use chrono::NaiveDateTime;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn d(s: &str) -> NaiveDate {
        crate::kernel::time::parse_date(s).expect("date")
    }

    fn sheet(columns: &[Column], rows: Vec<Vec<Cell>>) -> SheetData {
        SheetData {
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
        };
        let p = plan(&existing(), &wb).expect("valid");
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

    #[test]
    fn a_changed_field_is_an_update() {
        let wb = Workbook {
            members: Some(sheet(&MEMBER_COLUMNS, vec![member_row("王强", "13839801234", "")])),
            ..Workbook::default()
        };
        let p = plan(&existing(), &wb).expect("valid");
        assert_eq!(p.summary.members.updated, 1);
        assert_eq!(p.members[0].existing.as_ref().map(|m| m.id), Some(MemberId(7)));
        assert_eq!(p.members[0].data.sector_id, None);
        assert!(!p.summary.localities.present);
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
        };
        let problems = plan(&existing(), &wb).expect_err("invalid");
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
        let problems = plan(&existing(), &wb).expect_err("invalid");
        let found: Vec<(u32, &str)> = problems.iter().map(|p| (p.row, p.key.as_str())).collect();
        assert_eq!(found, vec![(2, "roster.err.sector"), (3, "roster.err.gender")]);
    }

    #[test]
    fn links_follow_the_stores_rules() {
        let run = |rows: Vec<Vec<Cell>>| {
            plan(&existing(), &Workbook { liaisons: Some(sheet(&LIAISON_COLUMNS, rows)), ..Workbook::default() })
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
        let e = plan(&ex, &wb).expect_err("open");
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
        let e = plan(&ex, &wb).expect_err("fixed");
        assert_eq!((e[0].key.as_str(), e[0].arg.as_str()), ("roster.err.liaison_end_fixed", "2025-06-30"));
        // A member who left gets no new link.
        let mut ex = existing();
        ex.liaisons.clear();
        ex.members[0].status = MemberStatus::Left;
        let wb = Workbook {
            liaisons: Some(sheet(&LIAISON_COLUMNS, vec![liaison("13839801234", "", "高庙村", "2026-01-01", "")])),
            ..Workbook::default()
        };
        assert_eq!(plan(&ex, &wb).expect_err("left")[0].key, "roster.err.member_left");
    }
}
