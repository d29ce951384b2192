//! Names for a generated province: committees after Henan's county-level units
//! (the demo's 湖滨区 is one of them), township offices, villages and
//! communities, and people. Places follow real naming patterns; people are invented.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

/// Henan's cities and their districts and counties (about 150 county-level
/// committees, the province scale).
const COUNTIES: &[(&str, &[&str])] = &[
    (
        "郑州市",
        &[
            "中原区",
            "二七区",
            "管城回族区",
            "金水区",
            "上街区",
            "惠济区",
            "中牟县",
            "巩义市",
            "荥阳市",
            "新密市",
            "新郑市",
            "登封市",
        ],
    ),
    ("开封市", &["龙亭区", "顺河回族区", "鼓楼区", "禹王台区", "祥符区", "杞县", "通许县", "尉氏县", "兰考县"]),
    (
        "洛阳市",
        &[
            "老城区",
            "西工区",
            "瀍河回族区",
            "涧西区",
            "偃师区",
            "孟津区",
            "洛龙区",
            "新安县",
            "栾川县",
            "嵩县",
            "汝阳县",
            "宜阳县",
            "洛宁县",
            "伊川县",
        ],
    ),
    ("平顶山市", &["新华区", "卫东区", "石龙区", "湛河区", "宝丰县", "叶县", "鲁山县", "郏县", "舞钢市", "汝州市"]),
    ("安阳市", &["文峰区", "北关区", "殷都区", "龙安区", "安阳县", "汤阴县", "滑县", "内黄县", "林州市"]),
    ("鹤壁市", &["鹤山区", "山城区", "淇滨区", "浚县", "淇县"]),
    (
        "新乡市",
        &[
            "红旗区",
            "卫滨区",
            "凤泉区",
            "牧野区",
            "新乡县",
            "获嘉县",
            "原阳县",
            "延津县",
            "封丘县",
            "卫辉市",
            "辉县市",
            "长垣市",
        ],
    ),
    ("焦作市", &["解放区", "中站区", "马村区", "山阳区", "修武县", "博爱县", "武陟县", "温县", "沁阳市", "孟州市"]),
    ("濮阳市", &["华龙区", "清丰县", "南乐县", "范县", "台前县", "濮阳县"]),
    ("许昌市", &["魏都区", "建安区", "鄢陵县", "襄城县", "禹州市", "长葛市"]),
    ("漯河市", &["源汇区", "郾城区", "召陵区", "舞阳县", "临颍县"]),
    ("三门峡市", &["湖滨区", "陕州区", "渑池县", "卢氏县", "义马市", "灵宝市"]),
    (
        "南阳市",
        &[
            "宛城区",
            "卧龙区",
            "南召县",
            "方城县",
            "西峡县",
            "镇平县",
            "内乡县",
            "淅川县",
            "社旗县",
            "唐河县",
            "新野县",
            "桐柏县",
            "邓州市",
        ],
    ),
    ("商丘市", &["梁园区", "睢阳区", "民权县", "睢县", "宁陵县", "柘城县", "虞城县", "夏邑县", "永城市"]),
    ("信阳市", &["浉河区", "平桥区", "罗山县", "光山县", "新县", "商城县", "固始县", "潢川县", "淮滨县", "息县"]),
    ("周口市", &["川汇区", "淮阳区", "扶沟县", "西华县", "商水县", "沈丘县", "郸城县", "太康县", "鹿邑县", "项城市"]),
    ("驻马店市", &["驿城区", "西平县", "上蔡县", "平舆县", "正阳县", "确山县", "泌阳县", "汝南县", "遂平县", "新蔡县"]),
];

/// The `i`th committee's (code, name): `c001` 郑州市中原区政协, …; past the list the
/// names repeat with a number, so any count works.
pub fn committee(i: usize) -> (String, String) {
    let all: Vec<(&str, &str)> = COUNTIES.iter().flat_map(|(city, cs)| cs.iter().map(move |c| (*city, *c))).collect();
    let (city, county) = all[i % all.len()];
    let round = i / all.len();
    let name =
        if round == 0 { format!("{city}{county}政协") } else { format!("{city}{county}政协（{}）", round + 1) };
    (format!("c{:03}", i + 1), name)
}

const TOWN_STEMS: &[&str] = &[
    "城关",
    "东城",
    "西城",
    "南关",
    "北关",
    "新华",
    "人民",
    "解放",
    "建设",
    "文化",
    "光明",
    "朝阳",
    "东风",
    "胜利",
    "和平",
    "站前",
    "滨河",
    "工业",
    "开发",
    "铁西",
    "五里堡",
    "七里河",
    "十里铺",
    "白沙",
    "石桥",
    "柳林",
    "杨集",
    "马寺",
    "龙泉",
    "黄庄",
    "大营",
    "小店",
    "高庙",
    "王庄",
    "李村",
    "张店",
    "刘集",
    "陈楼",
    "孙寨",
    "周营",
    "赵堡",
    "槐树",
    "桃园",
    "杏花",
    "枣林",
    "梨园",
    "青龙",
    "白马",
    "金山",
    "银河",
    "凤凰",
    "卧龙",
    "双庙",
    "三官",
    "四合",
    "八里",
    "太平",
    "永安",
    "长乐",
    "丰收",
    "红星",
    "曙光",
    "前进",
    "团结",
    "回郭",
    "涧口",
    "河口",
    "坡头",
];

/// `n` distinct township-level office names: the first third or so streets
/// (街道), then towns (镇) and townships (乡).
pub fn offices(rng: &mut impl Rng, n: usize) -> Vec<String> {
    let mut stems: Vec<&str> = TOWN_STEMS.to_vec();
    stems.shuffle(rng);
    let streets = n.div_ceil(3);
    (0..n)
        .map(|i| {
            let stem = stems.get(i).copied().unwrap_or("新");
            let round = i / stems.len();
            let suffix = if i < streets {
                "街道"
            } else if i % 2 == 0 {
                "镇"
            } else {
                "乡"
            };
            if round == 0 { format!("{stem}{suffix}") } else { format!("{stem}{round}{suffix}") }
        })
        .collect()
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭",
    "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田",
    "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱",
];
const VILLAGE_SUFFIXES: &[&str] =
    &["庄", "家庄", "营", "寨", "沟", "湾", "岭", "坡", "店", "集", "楼", "屯", "洼", "河", "岗", "堡", "窑", "园"];
const PREFIXES: &[&str] = &["", "", "", "东", "西", "南", "北", "前", "后", "大", "小", "新", "老", "上", "下"];
const COMMUNITY_STEMS: &[&str] = &[
    "建设", "和平", "人民", "幸福", "光明", "朝阳", "文化", "友谊", "团结", "胜利", "解放", "健康", "育才", "新华",
    "春晓", "锦绣", "明珠", "绿洲", "康乐", "恒安", "滨河", "湖光", "金河", "银杏", "紫荆", "牡丹", "丁香", "迎宾",
    "花园", "嘉禾", "怡景", "翠苑", "泰和", "永安", "安居", "宏图", "兴业", "振兴", "东方", "长青",
];
const COMMUNITY_SUFFIXES: &[&str] = &["路", "街", "里", "苑", "园", "巷", "湾", "城", ""];

/// A village name not yet in `taken` (村).
pub fn village(rng: &mut impl Rng, taken: &mut HashSet<String>) -> String {
    unique(rng, taken, |rng| {
        format!(
            "{}{}{}村",
            PREFIXES.choose(rng).copied().unwrap_or(""),
            SURNAMES.choose(rng).copied().unwrap_or("王"),
            VILLAGE_SUFFIXES.choose(rng).copied().unwrap_or("庄")
        )
    })
}

/// A community name not yet in `taken` (社区).
pub fn community(rng: &mut impl Rng, taken: &mut HashSet<String>) -> String {
    unique(rng, taken, |rng| {
        format!(
            "{}{}{}社区",
            PREFIXES.choose(rng).copied().filter(|_| rng.random_bool(0.3)).unwrap_or(""),
            COMMUNITY_STEMS.choose(rng).copied().unwrap_or("幸福"),
            COMMUNITY_SUFFIXES.choose(rng).copied().unwrap_or("路")
        )
    })
}

fn unique<R: Rng>(rng: &mut R, taken: &mut HashSet<String>, mut make: impl FnMut(&mut R) -> String) -> String {
    for _ in 0..50 {
        let s = make(rng);
        if taken.insert(s.clone()) {
            return s;
        }
    }
    // The combinations run out only far beyond a district's few hundred places.
    let base = make(rng);
    let mut n = 2;
    loop {
        let s = match base.strip_suffix("社区") {
            Some(stem) => format!("{stem}{n}社区"),
            None => format!("{}{n}村", base.trim_end_matches('村')),
        };
        if taken.insert(s.clone()) {
            return s;
        }
        n += 1;
    }
}

/// Real compound surnames (复姓); rare, as in a real roster.
const COMPOUND_SURNAMES: &[&str] = &["欧阳", "司马", "上官", "诸葛", "东方", "司徒"];
/// Given names as people of the members' generations carry them: two
/// characters mostly, one sometimes. None makes a four-character name with a
/// single-character surname.
const MALE_TWO: &[&str] = &[
    "建国", "志强", "海涛", "国庆", "卫东", "红军", "永刚", "振华", "晓东", "立新", "德明", "俊杰", "文博", "宏伟",
    "新民", "保国", "胜利", "长青", "建军", "光辉", "学文", "明亮", "庆丰", "世杰", "志刚", "建华", "福生", "金海",
    "浩然", "子轩", "宇航", "国强", "建平", "永强", "小军", "海军", "建伟", "文军", "国华", "卫国", "红兵", "志勇",
    "晓明", "春生", "振宇", "鹏飞", "俊峰", "明辉", "博文", "一鸣", "晨阳", "向东", "跃进", "爱国", "国平", "国栋",
    "国良", "海峰", "立军", "长江", "铁军", "文斌", "建新", "永生", "学军", "志华", "红旗", "德胜", "宏亮", "家豪",
];
const MALE_ONE: &[&str] = &[
    "凯", "涛", "斌", "超", "亮", "杰", "刚", "波", "辉", "宁", "峰", "军", "磊", "伟", "强", "勇", "鹏", "浩", "洋",
    "毅",
];
const FEMALE_TWO: &[&str] = &[
    "秀英", "桂兰", "丽华", "晓燕", "淑珍", "雪梅", "慧敏", "玉兰", "春梅", "海燕", "丽娟", "红霞", "美玲", "文静",
    "艳芳", "晓丽", "婷婷", "梦瑶", "欣怡", "雨桐", "桂芝", "凤英", "秀兰", "秀珍", "玉梅", "玉珍", "丽萍", "丽霞",
    "红梅", "红英", "建英", "爱华", "爱玲", "淑华", "淑英", "素芳", "素梅", "彩霞", "翠英", "金凤", "秋菊", "冬梅",
    "晓红", "晓霞", "晓梅", "晓静", "亚楠", "佳怡", "思雨", "雅琪", "诗涵", "子涵", "梓萱", "欣悦", "静怡", "佳琪",
    "雪莹", "丹丹", "莉莉", "娟娟", "春燕", "小燕", "慧君", "瑞芳", "凤霞", "秀芳", "桂英", "玉芬", "美华", "丽君",
];
const FEMALE_ONE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "萍", "红", "洁", "琳", "英", "慧", "颖", "倩", "楠",
    "梅",
];

/// A person's name and whether she is a woman (two in five are).
pub fn person(rng: &mut impl Rng) -> (String, bool) {
    let female = rng.random_bool(0.4);
    (name_of(rng, female), female)
}

/// A name for a man or a woman: a surname (now and then a compound one) and a
/// given name of two characters, or of one in a quarter of cases.
pub fn name_of(rng: &mut impl Rng, female: bool) -> String {
    let surname = if rng.random_ratio(1, 150) {
        COMPOUND_SURNAMES.choose(rng).copied().unwrap_or("欧阳")
    } else {
        SURNAMES.choose(rng).copied().unwrap_or("王")
    };
    let (two, one) = if female { (FEMALE_TWO, FEMALE_ONE) } else { (MALE_TWO, MALE_ONE) };
    let given = if rng.random_ratio(1, 4) { one } else { two };
    format!("{surname}{}", given.choose(rng).copied().unwrap_or("伟"))
}

/// Whether a name ends in one of the women's given names (the demo seats its
/// logins' people with their gender).
pub fn is_female(name: &str) -> bool {
    FEMALE_TWO.iter().chain(FEMALE_ONE).any(|g| name.ends_with(g))
}

/// A name not yet in `taken` (which it joins): people on one roster must be
/// told apart. There are some ten thousand names per gender, so a committee's
/// few hundred members always find one; should they run out, a repeat is
/// allowed rather than a made-up name.
pub fn distinct_name(rng: &mut impl Rng, taken: &mut HashSet<String>, female: bool) -> String {
    let mut name = name_of(rng, female);
    for _ in 0..200 {
        if !taken.contains(&name) {
            break;
        }
        name = name_of(rng, female);
    }
    taken.insert(name.clone());
    name
}

/// A member's unit and post.
pub fn employer_post(rng: &mut impl Rng, county: &str) -> (String, String) {
    const PLACES: &[(&str, &[&str])] = &[
        ("{}第一高级中学", &["教师", "副校长", "校长"]),
        ("{}人民医院", &["主任医师", "副院长", "护士长"]),
        ("{}中医院", &["主治医师", "副院长"]),
        ("{}实验小学", &["教师", "校长"]),
        ("{}农业农村局", &["副局长", "农艺师"]),
        ("{}律师事务所", &["律师", "主任"]),
        ("{}商贸有限公司", &["总经理", "董事长"]),
        ("{}农业专业合作社", &["理事长"]),
        ("{}养老服务中心", &["主任"]),
        ("{}文化馆", &["馆长", "副研究馆员"]),
        ("{}妇联", &["副主席"]),
        ("{}科技有限公司", &["工程师", "总经理"]),
    ];
    let (unit, posts) = PLACES.choose(rng).copied().unwrap_or(PLACES[0]);
    (unit.replace("{}", county), posts.choose(rng).copied().unwrap_or("职员").to_string())
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn a_province_of_distinct_committees_and_places() {
        let codes: HashSet<String> = (0..150).map(|i| committee(i).0).collect();
        let names: HashSet<String> = (0..300).map(|i| committee(i).1).collect();
        assert_eq!(codes.len(), 150);
        assert_eq!(names.len(), 300, "names stay distinct past the list");
        assert_eq!(committee(0), ("c001".to_string(), "郑州市中原区政协".to_string()));
        let mut rng = StdRng::seed_from_u64(3);
        let offices = offices(&mut rng, 20);
        assert_eq!(offices.iter().collect::<HashSet<_>>().len(), 20);
        assert!(offices[0].ends_with("街道") && offices[19].ends_with('乡') || offices[19].ends_with('镇'));
        let mut taken = HashSet::new();
        for _ in 0..600 {
            let v = village(&mut rng, &mut taken);
            assert!(v.ends_with('村'));
        }
        for _ in 0..400 {
            assert!(community(&mut rng, &mut taken).ends_with("社区"));
        }
        assert_eq!(taken.len(), 1000);
    }

    #[test]
    fn plausible_distinct_names_by_seed() {
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut taken = HashSet::new();
            (0..2000).map(|i| distinct_name(&mut rng, &mut taken, i % 3 == 1)).collect::<Vec<_>>()
        };
        let names = run(7);
        assert_eq!(names, run(7), "the same seed, the same names");
        assert_ne!(names, run(8));
        assert_eq!(names.iter().collect::<HashSet<_>>().len(), 2000, "no two alike");
        for n in &names {
            let len = n.chars().count();
            let compound = COMPOUND_SURNAMES.iter().any(|s| n.starts_with(s));
            assert!((2..=3).contains(&len) || compound && len == 4, "{n}");
            assert!(!n.contains("新明亮"), "{n}");
        }
        assert!(names.iter().any(|n| n.chars().count() == 2) && names.iter().any(|n| n.chars().count() == 3));
        for given in MALE_TWO.iter().chain(FEMALE_TWO) {
            assert_eq!(given.chars().count(), 2, "{given}");
        }
        for given in MALE_ONE.iter().chain(FEMALE_ONE) {
            assert_eq!(given.chars().count(), 1, "{given}");
        }
    }
}
