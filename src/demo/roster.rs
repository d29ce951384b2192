//! The Hubin demo roster, generated deterministically: the same database every
//! time. Place names follow the district's pattern; people's names are invented.

use std::collections::HashSet;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::r#gen::names;
use crate::org::model::{Employment, Gender, HomeItem, ItemStatus, LocalityKind};

/// Per office (in `super::OFFICES` order): villages, communities, members.
pub const LAYOUT: [(usize, usize, usize); 10] = [
    (0, 8, 12),  // 湖滨街道
    (0, 7, 11),  // 车站街道
    (0, 7, 11),  // 前进街道
    (0, 8, 13),  // 涧河街道
    (3, 5, 12),  // 崖底街道
    (6, 4, 16),  // 会兴街道
    (2, 6, 12),  // 向阳街道
    (12, 1, 20), // 交口乡
    (12, 1, 20), // 磁钟乡
    (12, 0, 21), // 高庙乡
];

/// In office order: 崖底街道 3, 会兴街道 6, 向阳街道 2, 交口乡 12, 磁钟乡 12, 高庙乡 12.
const VILLAGES: [&str; 47] = [
    "崖底",
    "七里",
    "湾头", // 崖底街道
    "会兴",
    "庙洼",
    "上村",
    "桥头",
    "石桥",
    "西坡", // 会兴街道
    "向阳",
    "后川", // 向阳街道
    "交口",
    "南岭",
    "北原",
    "柳林",
    "大营",
    "刘家渠",
    "张湾",
    "赵家沟",
    "前营",
    "槐树",
    "寨子",
    "枣园", // 交口乡
    "磁钟",
    "桃园",
    "杏园",
    "陈岭",
    "孙沟",
    "马家",
    "东凡",
    "水泉",
    "窑头",
    "卢家店",
    "土桥",
    "东坡", // 磁钟乡
    "高庙",
    "王官",
    "杨家",
    "李家窑",
    "新庄",
    "老庄",
    "吴家",
    "郑家",
    "韩营",
    "何家湾",
    "吕家",
    "西沟", // 高庙乡
];

const COMMUNITIES: [&str; 47] = [
    "黄河路",
    "崤山路",
    "六峰路",
    "文明路",
    "和平路",
    "建设路",
    "大岭路",
    "甘棠路",
    "上阳路",
    "陕州",
    "车站",
    "前进",
    "新华",
    "东风",
    "红旗",
    "劳动",
    "团结",
    "幸福",
    "迎宾路",
    "友谊",
    "春晓",
    "朝阳",
    "光明",
    "滨河",
    "金河湾",
    "天鹅",
    "城西",
    "城东",
    "南苑",
    "北苑",
    "育才",
    "文化",
    "花园",
    "明珠",
    "锦绣",
    "虢国",
    "永安",
    "青龙",
    "湖光",
    "绿洲",
    "康乐",
    "长寿",
    "恒安",
    "涧滨",
    "崖北",
    "会兴",
    "向阳路",
];

/// (sector, party, employer, post): who sits in which sector.
const PROFILES: [(&str, &str, &str, &str); 16] = [
    ("中国共产党", "中共党员", "湖滨区教育局", "副局长"),
    ("中国民主同盟", "民盟盟员", "三门峡市第一高级中学", "教师"),
    ("中国民主建国会", "民建会员", "河南崤函实业有限公司", "董事长"),
    ("中国民主促进会", "民进会员", "湖滨区实验小学", "副校长"),
    ("中国农工民主党", "农工党党员", "湖滨区人民医院", "主任医师"),
    ("九三学社", "九三学社社员", "三门峡职业技术学院", "副教授"),
    ("中国国民党革命委员会", "民革党员", "河南天鹅律师事务所", "律师"),
    ("无党派人士", "无党派人士", "三门峡黄河湿地管理处", "工程师"),
    ("经济界", "群众", "三门峡金河湾商贸有限公司", "总经理"),
    ("农业界", "中共党员", "湖滨区苹果种植专业合作社", "理事长"),
    ("教育界", "中共党员", "湖滨区第二中学", "校长"),
    ("医药卫生界", "群众", "湖滨区中医院", "副院长"),
    ("社会福利和社会保障界", "中共党员", "湖滨区养老服务中心", "主任"),
    ("文化艺术界", "民进会员", "湖滨区文化馆", "馆长"),
    ("中华全国妇女联合会", "中共党员", "湖滨区妇联", "副主席"),
    ("中华全国工商业联合会", "群众", "三门峡陕州餐饮有限公司", "经理"),
];

pub struct DemoMember {
    pub name: String,
    pub gender: Gender,
    pub ethnicity: &'static str,
    pub birth: NaiveDate,
    pub sector: &'static str,
    pub party: &'static str,
    pub employer: String,
    pub post: String,
    pub phone: String,
    pub office: usize,
    /// The office's convener (召集人): its full-time deputy party secretary.
    pub convener: bool,
    /// Left the committee this year (keeps its history).
    pub left: bool,
}

pub struct DemoLocality {
    pub office: usize,
    pub name: String,
    pub kind: LocalityKind,
}

pub fn localities() -> Vec<DemoLocality> {
    let (mut v, mut c) = (VILLAGES.iter(), COMMUNITIES.iter());
    let mut out = vec![];
    for (office, &(villages, communities, _)) in LAYOUT.iter().enumerate() {
        for _ in 0..villages {
            let stem = v.next().copied().unwrap_or("新");
            out.push(DemoLocality { office, name: format!("{stem}村"), kind: LocalityKind::Village });
        }
        for i in 0..communities {
            // The article's 五原路社区 (金河湾小区) belongs to 涧河街道.
            let stem = if office == 3 && i == 0 { "五原路" } else { c.next().copied().unwrap_or("新") };
            out.push(DemoLocality { office, name: format!("{stem}社区"), kind: LocalityKind::Community });
        }
    }
    out
}

/// The seed of the roster's names: the same demo every time.
const NAMES_SEED: u64 = 20_261_203;

/// The roster: 148 members, office by office, the first of each office its
/// convener. `seats` are (office, name) of the demo logins that are members:
/// the office's second, third… member carries that name, so the login and its
/// roster record are one person. No generated name repeats another, nor any of
/// `reserved` (the other logins' and the staffers' names).
pub fn members(offices: &[&str], seats: &[(usize, &str)], reserved: &[&str]) -> Vec<DemoMember> {
    let mut rng = StdRng::seed_from_u64(NAMES_SEED);
    let mut taken: HashSet<String> =
        reserved.iter().chain(seats.iter().map(|(_, n)| n)).map(|n| n.to_string()).collect();
    let mut out = vec![];
    let mut n = 0usize;
    for (office, &(_, _, count)) in LAYOUT.iter().enumerate() {
        let mut seated = seats.iter().filter(|(o, _)| *o == office).map(|(_, name)| *name);
        for k in 0..count {
            let (name, female) = match if k > 0 { seated.next() } else { None } {
                Some(name) => (name.to_string(), names::is_female(name)),
                None => {
                    let female = n % 3 == 1;
                    (names::distinct_name(&mut rng, &mut taken, female), female)
                }
            };
            let (sector, party, employer, post) = PROFILES[(n * 5) % PROFILES.len()];
            let convener = k == 0;
            let office_name = offices.get(office).copied().unwrap_or("");
            let (employer, post, sector, party) = if convener {
                let post = if office_name.ends_with('乡') { "党委副书记" } else { "党工委副书记" };
                (format!("湖滨区{office_name}"), post.to_string(), "中国共产党", "中共党员")
            } else {
                (employer.to_string(), post.to_string(), sector, party)
            };
            let birth =
                NaiveDate::from_ymd_opt(1962 + (n * 13 % 29) as i32, (n % 12) as u32 + 1, (n * 7 % 28) as u32 + 1)
                    .unwrap_or_default();
            out.push(DemoMember {
                name,
                gender: if female { Gender::Female } else { Gender::Male },
                ethnicity: match n % 17 {
                    5 => "回族",
                    11 => "满族",
                    _ => "汉族",
                },
                birth,
                sector,
                party,
                employer,
                post,
                phone: format!("1393980{:04}", 1000 + n),
                office,
                convener,
                // The last member of two offices left this year.
                left: k + 1 == count && (office == 1 || office == 5),
            });
            n += 1;
        }
    }
    out
}

/// Office staffers' names, by office (see `staffer`).
pub const STAFFERS: [&str; 10] =
    ["郭丽", "宋晓明", "韩雪", "赵文静", "曹建华", "彭小燕", "袁志刚", "沈玉洁", "罗海军", "刘晓燕"];

/// Staffers per office: (name, employment). The first is the `gaomiao`
/// login's person for 高庙乡 and `jianhe`'s for 涧河街道.
pub fn staffer(office: usize) -> (&'static str, Employment) {
    (
        STAFFERS[office % STAFFERS.len()],
        if office.is_multiple_of(2) { Employment::FullTime } else { Employment::PartTime },
    )
}

/// How far each office's Members' Home is with the 六有 standard:
/// (item, status, evidence note or empty for none).
pub fn home_state(office: usize) -> Vec<(HomeItem, ItemStatus, &'static str)> {
    use HomeItem::*;
    use ItemStatus::*;
    let note = |i: HomeItem| match i {
        Signage => "大门悬挂“政协委员之家”标牌，室内有统一标识",
        Venue => "活动室约80平方米，可容纳40人",
        Rules => "委员活动制度、学习制度、协商议事规则已上墙",
        OpinionBox => "社情民意征集箱设在一楼大厅，每周开箱一次",
        Records => "活动记录本、签到表按季度装订",
        Results => "成果展示栏展示本年度协商成果",
    };
    HomeItem::ALL
        .iter()
        .enumerate()
        .map(|(i, &item)| match office {
            0..=4 => (item, Met, note(item)),
            5..=7 => match i {
                4 => (item, Partial, "活动记录不全"),
                5 => (item, Missing, ""),
                _ => (item, Met, note(item)),
            },
            8 => match i {
                0..=2 => (item, Met, note(item)),
                3 => (item, Met, ""),
                _ => (item, Missing, ""),
            },
            // 高庙乡's office opened last: the home is just starting.
            _ => match i {
                0 | 1 => (item, Met, note(item)),
                _ => (item, Missing, ""),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_article_s_numbers() {
        let locs = localities();
        assert_eq!(locs.iter().filter(|l| l.kind == LocalityKind::Village).count(), 47);
        assert_eq!(locs.iter().filter(|l| l.kind == LocalityKind::Community).count(), 47);
        let names: std::collections::HashSet<_> = locs.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names.len(), 94, "unique names");
        assert!(locs.iter().any(|l| l.office == 3 && l.name == "五原路社区"));
        assert!(locs.iter().any(|l| l.office == 9 && l.name == "高庙村"));
        assert!(locs.iter().any(|l| l.office == 8 && l.name == "磁钟村"));
        let ms = members(&super::super::OFFICES, &[(9, "张丽华")], &STAFFERS);
        assert_eq!(ms.len(), 148);
        assert_eq!(ms.iter().filter(|m| m.name == "张丽华").count(), 1);
        let seat = ms.iter().find(|m| m.name == "张丽华").expect("seated");
        assert!(seat.office == 9 && !seat.convener && seat.gender == Gender::Female);
        assert!(ms.iter().all(|m| !STAFFERS.contains(&m.name.as_str())), "no member shares a staffer's name");
        assert!(ms.iter().all(|m| (2..=4).contains(&m.name.chars().count())));
        assert_eq!(ms.iter().filter(|m| m.convener).count(), 10);
        let names: std::collections::HashSet<_> = ms.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names.len(), 148);
        let phones: std::collections::HashSet<_> = ms.iter().map(|m| m.phone.as_str()).collect();
        assert_eq!(phones.len(), 148);
        assert!(ms.iter().all(|m| crate::org::model::Phone::parse(&m.phone).is_some()));
    }
}
