//! The Hubin demo committee (三门峡市湖滨区政协) as the article describes it: ten
//! township-level offices with conveners and staffers, 148 members across the
//! sectors linked to 47 villages and 47 communities, Members' Homes at various
//! stages of the 六有 standard, and one login per role. People's names are invented.

mod activities;
mod consultations;
pub(crate) mod funds;
mod inspections;
mod notices;
mod opinions;
mod proposals;
mod roster;
mod workbench;

use chrono::NaiveDate;

use crate::kernel::audit::store::Who;
use crate::kernel::auth::Role;
use crate::kernel::auth::store::{self as users, NewAccount};
use crate::kernel::db::{Db, DbConn};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, MemberId, OfficeId};
use crate::org::model::{BirthDate, OfficeKind, Phone};
use crate::org::store::{self as org, homes, liaisons, localities, members, sectors};

pub const COMMITTEE_CODE: &str = "hubin";
pub const COMMITTEE_NAME: &str = "三门峡市湖滨区政协";

/// The number residents of the demo may call about their cases.
pub const DEMO_PUBLIC_PHONE: &str = "0398-2812345";

/// The demo password of every demo login; demo accounts need not change it.
pub const PASSWORD: &str = "Hubin@2026demo";

/// 7 streets (街道) and 3 townships (乡), as domain.md lists them.
pub const OFFICES: [&str; 10] =
    ["湖滨街道", "车站街道", "前进街道", "涧河街道", "崖底街道", "会兴街道", "向阳街道", "交口乡", "磁钟乡", "高庙乡"];

pub struct DemoLogin {
    pub username: &'static str,
    pub role: Role,
    pub name: &'static str,
    pub office: Option<&'static str>,
}

pub const LOGINS: [DemoLogin; 9] = [
    DemoLogin { username: "admin", role: Role::DistrictAdmin, name: "王建国", office: None },
    DemoLogin { username: "gaomiao", role: Role::OfficeStaff, name: "刘晓燕", office: Some("高庙乡") },
    DemoLogin { username: "jianhe", role: Role::OfficeStaff, name: "赵文静", office: Some("涧河街道") },
    DemoLogin { username: "member", role: Role::Member, name: "张丽华", office: Some("高庙乡") },
    DemoLogin { username: "dept", role: Role::Department, name: "孙志强", office: None },
    DemoLogin { username: "leader", role: Role::Leader, name: "周文斌", office: None },
    DemoLogin { username: "auditor", role: Role::Auditor, name: "杜秀英", office: None },
    DemoLogin { username: "sysadmin", role: Role::Sysadmin, name: "马超", office: None },
    DemoLogin { username: "secadmin", role: Role::SecurityAdmin, name: "钱安平", office: None },
];

/// Loads the demo committee unless it is already there. Returns whether it loaded.
pub fn load(db: &Db) -> AppResult<bool> {
    if db.read_blocking(|c| org::committee_by_code_unscoped(c, COMMITTEE_CODE))?.is_some() {
        return Ok(false);
    }
    // Every demo login has the one password: hashed once, before the write
    // (which looks again, for two processes starting at once).
    let hash = crate::kernel::auth::password::hash(PASSWORD)?;
    db.write_blocking(|c| {
        if org::committee_by_code_unscoped(c, COMMITTEE_CODE)?.is_some() {
            return Ok(false);
        }
        let who = || Who::System { committee_id: None, name: "demo" };
        let committee = crate::setup::new_committee(c, who, COMMITTEE_CODE, COMMITTEE_NAME)?;
        // Made up, as every demo number is.
        org::write_public_phone(c, who(), committee, DEMO_PUBLIC_PHONE)?;
        let mut office_ids = vec![];
        for name in OFFICES {
            let kind = OfficeKind::from_name(name).unwrap_or(OfficeKind::Street);
            office_ids.push(org::create_office(c, who(), committee, name, kind)?);
        }
        for l in &LOGINS {
            let office_id = match l.office {
                Some(n) => org::office_by_name(c, committee, n)?.map(|o| o.id),
                None => None,
            };
            let acc = NewAccount { username: l.username.into(), display_name: l.name.into(), role: l.role, office_id };
            users::insert_unscoped(c, who(), committee, &acc, &hash, false)?;
        }
        load_roster(c, committee, &office_ids)?;
        opinions::load(c, committee, &office_ids)?;
        activities::load(c, &office_ids)?;
        consultations::load(c, committee)?;
        funds::load(c, &office_ids)?;
        notices::load(c)?;
        inspections::load(c)?;
        workbench::load(c)?;
        proposals::load(c, committee)?;
        Ok(true)
    })
}

fn load_roster(c: &mut DbConn, committee: CommitteeId, office_ids: &[OfficeId]) -> AppResult<()> {
    let who = || Who::System { committee_id: Some(committee), name: "demo" };
    let since = NaiveDate::from_ymd_opt(2026, 1, 1).ok_or(AppError::BadRequest("demo.bad_data"))?;

    // Members, office by office.
    let mut by_office: Vec<Vec<(MemberId, bool)>> = vec![vec![]; OFFICES.len()];
    // The member logins' people sit on the roster under their own names; no
    // one else on it shares a login's or a staffer's name.
    let seats: Vec<(usize, &str)> = LOGINS
        .iter()
        .filter(|l| l.role == Role::Member)
        .filter_map(|l| Some((OFFICES.iter().position(|o| Some(*o) == l.office)?, l.name)))
        .collect();
    let reserved: Vec<&str> = LOGINS.iter().map(|l| l.name).chain(roster::STAFFERS).collect();
    let mut logins = vec![];
    for m in roster::members(&OFFICES, &seats, &reserved) {
        let sector = sectors::by_name(c, committee, m.sector)?.map(|s| s.id);
        let data = members::MemberData {
            name: m.name.clone(),
            gender: m.gender,
            ethnicity: m.ethnicity.into(),
            birth_date: Some(BirthDate::Day(m.birth)),
            party: m.party.into(),
            sector_id: sector,
            employer: m.employer.clone(),
            post: m.post.clone(),
            phone: Phone::parse(&m.phone).ok_or(AppError::BadRequest("demo.bad_data"))?,
            term: "第十届".into(),
            office_id: Some(office_ids[m.office]),
        };
        let id = members::insert_unscoped(c, who(), committee, &data)?;
        if let Some(l) = LOGINS.iter().find(|l| l.role == Role::Member && l.name == m.name) {
            logins.push((l.username, id));
        }
        if m.convener {
            let post =
                if OFFICES[m.office].ends_with('乡') { "专职党委副书记" } else { "专职党工委副书记" };
            let upd = org::OfficeUpdate {
                address: Some(format!("三门峡市湖滨区{}便民服务中心二楼", OFFICES[m.office])),
                // 高庙乡's office was the last of the ten to open.
                established_on: NaiveDate::from_ymd_opt(2021, if m.office == 9 { 6 } else { 3 }, 1 + m.office as u32),
                convener_id: Some(id),
                convener_post: Some(post.into()),
            };
            org::set_office_details(c, who(), office_ids[m.office], &upd)?;
        }
        by_office[m.office].push((id, m.left));
    }
    // Each member login is its person's roster record (the `member` login is
    // 张丽华 of 高庙乡): what she sees as hers, and where she is marked present.
    if logins.len() != seats.len() {
        return Err(AppError::BadRequest("demo.bad_data"));
    }
    for (username, member) in logins {
        let user = users::find_by_username_unscoped(c, username)?.ok_or(AppError::BadRequest("demo.bad_data"))?;
        members::link_user(c, who(), member, user.id)?;
    }

    // Localities, each linked to at least one member of its office.
    let locs = roster::localities();
    for (office, ms) in by_office.iter().enumerate() {
        let mine: Vec<_> = locs.iter().filter(|l| l.office == office).collect();
        let mut ids = vec![];
        for l in &mine {
            let d = localities::LocalityData {
                name: l.name.clone(),
                kind: l.kind,
                address: None,
                latitude: None,
                longitude: None,
            };
            ids.push(localities::insert_unscoped(c, who(), committee, office_ids[office], &d)?);
        }
        if ids.is_empty() || ms.is_empty() {
            continue;
        }
        // Every member and every locality gets a link; a member who left shares
        // their point with another, so no point is left uncovered.
        for j in 0..ms.len().max(ids.len()) {
            let (member, _) = ms[j % ms.len()];
            liaisons::insert_unscoped(c, who(), committee, ids[j % ids.len()], member, since)?;
        }
    }
    for (office, ms) in by_office.iter().enumerate() {
        for &(member, left) in ms {
            if left {
                members::mark_left(
                    c,
                    who(),
                    member,
                    NaiveDate::from_ymd_opt(2026, 9, 30 - office as u32).unwrap_or(since),
                )?;
            }
        }
    }

    // Staffers and Members' Homes.
    for (i, &office) in office_ids.iter().enumerate() {
        let (name, employment) = roster::staffer(i);
        let phone = Phone::parse(&format!("1383981{:04}", 2000 + i)).ok_or(AppError::BadRequest("demo.bad_data"))?;
        org::add_staffer(c, who(), committee, office, name, &phone, employment)?;
        let home = homes::create(c, who(), committee, office, &format!("{}政协委员之家", OFFICES[i]))?;
        for (item, status, note) in roster::home_state(i) {
            homes::set_item(c, who(), home, item, status, note, !note.is_empty())?;
        }
    }
    Ok(())
}

/// What `serve --demo` prints so a newcomer can log in at once.
pub fn logins_banner(url: &str) -> String {
    let mut s = format!("\n  xieshang 协商 is running at {url}\n\n  Demo logins (password for all: {PASSWORD}):\n");
    for l in &LOGINS {
        let office = l.office.map(|o| format!(" · {o}")).unwrap_or_default();
        s.push_str(&format!("    {:<10} {:<16} {}{}\n", l.username, l.role.as_str(), l.name, office));
    }
    s
}
