//! The organisation a generated case loop runs in: the Hubin demo committee
//! (district scale) or province committees built through the roster's store
//! functions, and then each committee's `Cast` — who dispatches, who handles,
//! where cases come from — with the accounts the steps are taken as.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::names;
use crate::kernel::audit::store::Who;
use crate::kernel::auth::password::Hashed;
use crate::kernel::auth::store::{self as users, NewAccount};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    committees, departments, liaisons as links, localities, members, offices, opinion_categories, sectors as sectors_t,
    users as users_t,
};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CategoryId, CommitteeId, DepartmentId, LocalityId, MemberId, OfficeId, SectorId};
use crate::opinions::model::Assignee;
use crate::opinions::store::catalog;
use crate::org::model::{BirthDate, Gender, LocalityKind, OfficeKind, Phone};
use crate::org::store::departments as department_store;
use crate::org::store::{self as org, liaisons, localities as locs, members as mems};

/// A committee's handling units (承办单位), named after the committee's level
/// (区, 县 or 市), in the demo's order.
const DEPARTMENTS: [&str; 10] = [
    "住房和城乡建设局",
    "城市管理局",
    "民政局",
    "教育局",
    "卫生健康委员会",
    "交通运输局",
    "农业农村局",
    "生态环境分局",
    "市场监督管理局",
    "人力资源和社会保障局",
];

/// Major class → department index: the demo's routing table, used by the
/// province's committees too.
pub const ROUTES: [(&str, usize); 9] =
    [("01", 0), ("02", 7), ("03", 2), ("04", 3), ("05", 4), ("06", 6), ("07", 5), ("08", 8), ("09", 9)];

/// What one committee is to build: sizes drawn by the caller.
pub struct CommitteeSpec {
    pub index: usize,
    pub offices: usize,
    pub members: usize,
    pub localities: usize,
    /// When its liaison links start.
    pub since: NaiveDate,
}

/// Builds one province committee through the store: the standard lists
/// (`setup::new_committee`), offices, localities, members each linked to
/// localities of their office, departments and routes. Returns its id.
pub fn build_committee(conn: &mut DbConn, rng: &mut impl Rng, spec: &CommitteeSpec) -> AppResult<CommitteeId> {
    let (code, name) = names::committee(spec.index);
    let who = || Who::System { committee_id: None, name: "gen" };
    let committee = crate::setup::new_committee(conn, who, &code, &name)?;
    let who = || Who::System { committee_id: Some(committee), name: "gen" };
    // 郑州市中原区政协 → 中原区: the county is what units and employers are named after.
    let county = name.trim_end_matches("政协").split('市').nth(1).filter(|c| !c.is_empty()).unwrap_or(&name);
    let county = county.split('（').next().unwrap_or(county).to_string();
    let level = county.chars().last().map(String::from).unwrap_or_else(|| "区".into());

    let office_names = names::offices(rng, spec.offices.max(1));
    let mut office_ids = vec![];
    for n in &office_names {
        let kind = OfficeKind::from_name(n).unwrap_or(OfficeKind::Street);
        office_ids.push((org::create_office(conn, who(), committee, n, kind)?, kind));
    }
    let sector_ids: Vec<SectorId> = sectors_t::table
        .filter(sectors_t::committee_id.eq(committee))
        .order((sectors_t::sort_order.asc(), sectors_t::id.asc()))
        .select(sectors_t::id)
        .load(conn)?;
    let mut taken_names = HashSet::new();
    let mut by_office: Vec<Vec<MemberId>> = vec![vec![]; office_ids.len()];
    for i in 0..spec.members {
        let office = i % office_ids.len();
        let female = rng.random_bool(0.4);
        // Names must be told apart on the roster, as in the demo.
        let name = names::distinct_name(rng, &mut taken_names, female);
        let (employer, post) = names::employer_post(rng, &county);
        let party = *["中共党员", "中共党员", "群众", "无党派人士", "民盟盟员", "民建会员", "九三学社社员"]
            .choose(rng)
            .unwrap_or(&"群众");
        // 11 digits, unique in the committee: the committee and the member's number.
        let phone = format!("13{}{:04}{:04}", spec.index % 10, spec.index % 10_000, i % 10_000);
        let data = mems::MemberData {
            name,
            gender: if female { Gender::Female } else { Gender::Male },
            ethnicity: if rng.random_bool(0.05) { "回族" } else { "汉族" }.into(),
            birth_date: NaiveDate::from_ymd_opt(
                rng.random_range(1960..1992),
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            )
            .map(BirthDate::Day),
            party: party.into(),
            sector_id: sector_ids.choose(rng).copied(),
            employer,
            post,
            phone: Phone::parse(&phone).ok_or(AppError::BadRequest("gen.bad_phone"))?,
            term: "第十届".into(),
            office_id: Some(office_ids[office].0),
        };
        by_office[office].push(mems::insert_unscoped(conn, who(), committee, &data)?);
    }
    // Localities: streets serve communities, towns and townships mostly villages.
    let mut taken = HashSet::new();
    let mut locs_by_office: Vec<Vec<LocalityId>> = vec![vec![]; office_ids.len()];
    for i in 0..spec.localities {
        let office = i % office_ids.len();
        let village = match office_ids[office].1 {
            OfficeKind::Street => rng.random_bool(0.1),
            _ => rng.random_bool(0.85),
        };
        let (name, kind) = if village {
            (names::village(rng, &mut taken), LocalityKind::Village)
        } else {
            (names::community(rng, &mut taken), LocalityKind::Community)
        };
        let d = locs::LocalityData { name, kind, address: None, latitude: None, longitude: None };
        locs_by_office[office].push(locs::insert_unscoped(conn, who(), committee, office_ids[office].0, &d)?);
    }
    // Every member and every locality gets a link, as in the demo.
    for (ms, ls) in by_office.iter().zip(&locs_by_office) {
        if ms.is_empty() || ls.is_empty() {
            continue;
        }
        for j in 0..ms.len().max(ls.len()) {
            liaisons::insert_unscoped(conn, who(), committee, ls[j % ls.len()], ms[j % ms.len()], spec.since)?;
        }
    }
    let mut depts = vec![];
    for d in DEPARTMENTS {
        depts.push(department_store::create(conn, who(), committee, &format!("{level}{d}"))?);
    }
    catalog::class_routes_unscoped(
        conn,
        who,
        committee,
        ROUTES.map(|(code, d)| (code, Assignee::Department(depts[d]))),
    )?;
    Ok(committee)
}

/// A place cases come from.
pub struct Place {
    pub id: LocalityId,
    pub name: String,
    pub rural: bool,
    /// The members linked to it (定点联系), who visit it.
    pub members: Vec<MemberId>,
}

pub struct OfficeCast {
    pub id: OfficeId,
    /// Office staff: dispatch their township's cases, handle what is assigned to the office.
    pub staff: Actor,
    pub places: Vec<Place>,
    pub members: Vec<MemberId>,
}

pub struct DeptCast {
    pub id: DepartmentId,
    pub name: String,
    pub staff: Actor,
}

/// Who takes the steps in one committee, and where its cases come from.
pub struct Cast {
    pub committee: CommitteeId,
    pub admin: Actor,
    pub offices: Vec<OfficeCast>,
    pub depts: Vec<DeptCast>,
    /// Subclass code → category id.
    pub categories: HashMap<String, CategoryId>,
}

impl Cast {
    /// The department that handles a category by the routing table, as index.
    pub fn dept_for(&self, code: &str) -> usize {
        ROUTES
            .iter()
            .find(|(major, _)| code.starts_with(major))
            .map_or(0, |(_, d)| *d)
            .min(self.depts.len().saturating_sub(1))
    }
}

/// Reads a committee's organisation and makes sure every department and office
/// has an account to act as (created with `password_hash`, named
/// `<code>.dept01`, `<code>.office01`, `<code>.admin`), reusing existing ones
/// (the demo's `admin`, `dept`, `gaomiao`…).
pub fn cast(conn: &mut DbConn, committee: CommitteeId, password_hash: &Hashed) -> AppResult<Cast> {
    let code: String = committees::table.find(committee).select(committees::code).first(conn)?;
    let who = || Who::System { committee_id: Some(committee), name: "gen" };
    let account = |conn: &mut DbConn,
                   role: Role,
                   office: Option<OfficeId>,
                   existing: Option<i64>,
                   username: String,
                   name: String|
     -> AppResult<Actor> {
        let id = match existing {
            Some(id) => crate::kernel::ids::UserId(id),
            None => {
                let acc = NewAccount { username, display_name: name, role, office_id: office };
                users::insert_unscoped(conn, who(), committee, &acc, password_hash, false)?
            }
        };
        users::find_unscoped(conn, id)?
            .map(|u| u.actor(None))
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("gen: account {id} not found")))
    };
    let first_user = |conn: &mut DbConn,
                      role: Role,
                      office: Option<OfficeId>,
                      dept: Option<DepartmentId>|
     -> AppResult<Option<i64>> {
        let mut q = users_t::table
            .filter(users_t::committee_id.eq(committee).and(users_t::role.eq(role.as_str())))
            .filter(users_t::disabled.eq(false))
            .order(users_t::id.asc())
            .select(users_t::id)
            .into_boxed();
        if let Some(o) = office {
            q = q.filter(users_t::office_id.eq(o));
        }
        if let Some(d) = dept {
            q = q.filter(users_t::department_id.eq(d));
        }
        Ok(q.first::<crate::kernel::ids::UserId>(conn).optional()?.map(|u| u.0))
    };

    let existing = first_user(conn, Role::DistrictAdmin, None, None)?;
    let admin = account(conn, Role::DistrictAdmin, None, existing, format!("{code}.admin"), "区政协工作人员".into())?;

    let dept_rows: Vec<(DepartmentId, String)> = departments::table
        .filter(departments::committee_id.eq(committee).and(departments::active.eq(true)))
        .order(departments::id.asc())
        .select((departments::id, departments::name))
        .load(conn)?;
    let mut depts = vec![];
    for (i, (id, name)) in dept_rows.into_iter().enumerate() {
        let staff = match first_user(conn, Role::Department, None, Some(id))? {
            Some(u) => account(conn, Role::Department, None, Some(u), String::new(), String::new())?,
            None => {
                let a = account(
                    conn,
                    Role::Department,
                    None,
                    None,
                    format!("{code}.dept{:02}", i + 1),
                    format!("{name}经办人"),
                )?;
                department_store::set_user_department_unscoped(conn, who(), a.user_id, id)?;
                a
            }
        };
        depts.push(DeptCast { id, name, staff });
    }

    let office_rows: Vec<(OfficeId, String)> = offices::table
        .filter(offices::committee_id.eq(committee))
        .order(offices::id.asc())
        .select((offices::id, offices::name))
        .load(conn)?;
    let place_rows: Vec<(LocalityId, OfficeId, String, String)> = localities::table
        .filter(localities::committee_id.eq(committee))
        .order(localities::id.asc())
        .select((localities::id, localities::office_id, localities::name, localities::kind))
        .load(conn)?;
    let member_rows: Vec<(MemberId, Option<OfficeId>)> = members::table
        .filter(members::committee_id.eq(committee).and(members::status.eq("active")))
        .order(members::id.asc())
        .select((members::id, members::office_id))
        .load(conn)?;
    let link_rows: Vec<(LocalityId, MemberId)> = links::table
        .filter(links::committee_id.eq(committee).and(links::end_on.is_null()))
        .order(links::id.asc())
        .select((links::locality_id, links::member_id))
        .load(conn)?;
    let mut offices_cast = vec![];
    for (i, (id, name)) in office_rows.into_iter().enumerate() {
        let existing = first_user(conn, Role::OfficeStaff, Some(id), None)?;
        let staff = account(
            conn,
            Role::OfficeStaff,
            Some(id),
            existing,
            format!("{code}.office{:02}", i + 1),
            format!("{name}工作人员"),
        )?;
        let places = place_rows
            .iter()
            .filter(|p| p.1 == id)
            .map(|p| Place {
                id: p.0,
                name: p.2.clone(),
                rural: p.3 == LocalityKind::Village.as_str(),
                members: link_rows.iter().filter(|l| l.0 == p.0).map(|l| l.1).collect(),
            })
            .collect();
        let members = member_rows.iter().filter(|m| m.1 == Some(id)).map(|m| m.0).collect();
        offices_cast.push(OfficeCast { id, staff, places, members });
    }

    let categories = opinion_categories::table
        .filter(opinion_categories::committee_id.eq(committee))
        .select((opinion_categories::code, opinion_categories::id))
        .load::<(String, CategoryId)>(conn)?
        .into_iter()
        .collect();
    if depts.is_empty() || offices_cast.is_empty() {
        return Err(AppError::Internal(anyhow::anyhow!("gen: committee {code} has no departments or offices")));
    }
    Ok(Cast { committee, admin, offices: offices_cast, depts, categories })
}
