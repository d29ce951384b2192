//! The Hubin demo committee (三门峡市湖滨区政协): its ten township-level offices
//! and one login per role. People's names are invented.

use crate::kernel::audit::store::Who;
use crate::kernel::auth::Role;
use crate::kernel::auth::store::{self as users, NewAccount};
use crate::kernel::db::Db;
use crate::kernel::error::AppResult;
use crate::org::model::OfficeKind;
use crate::org::store as org;

pub const COMMITTEE_CODE: &str = "hubin";
pub const COMMITTEE_NAME: &str = "三门峡市湖滨区政协";

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

pub const LOGINS: [DemoLogin; 8] = [
    DemoLogin { username: "admin", role: Role::DistrictAdmin, name: "王建国", office: None },
    DemoLogin { username: "gaomiao", role: Role::OfficeStaff, name: "刘晓燕", office: Some("高庙乡") },
    DemoLogin { username: "jianhe", role: Role::OfficeStaff, name: "赵文静", office: Some("涧河街道") },
    DemoLogin { username: "member", role: Role::Member, name: "张丽华", office: Some("高庙乡") },
    DemoLogin { username: "dept", role: Role::Department, name: "孙志强", office: None },
    DemoLogin { username: "leader", role: Role::Leader, name: "周文斌", office: None },
    DemoLogin { username: "auditor", role: Role::Auditor, name: "杜秀英", office: None },
    DemoLogin { username: "sysadmin", role: Role::Sysadmin, name: "马超", office: None },
];

/// Loads the demo committee unless it is already there. Returns whether it loaded.
pub fn load(db: &Db) -> AppResult<bool> {
    db.write_blocking(|c| {
        if org::committee_by_code(c, COMMITTEE_CODE)?.is_some() {
            return Ok(false);
        }
        let who = || Who::System { committee_id: None, name: "demo" };
        let committee = org::create_committee(c, who(), COMMITTEE_CODE, COMMITTEE_NAME)?;
        for name in OFFICES {
            let kind = OfficeKind::from_name(name).unwrap_or(OfficeKind::Street);
            org::create_office(c, who(), committee, name, kind)?;
        }
        for l in &LOGINS {
            let office_id = match l.office {
                Some(n) => org::office_by_name(c, committee, n)?.map(|o| o.id),
                None => None,
            };
            let acc = NewAccount { username: l.username.into(), display_name: l.name.into(), role: l.role, office_id };
            users::insert(c, who(), committee, &acc, PASSWORD, false)?;
        }
        Ok(true)
    })
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
