//! What residents write, and what units answer: opinion bodies of 20–400
//! characters put together from real phrases per category (roads, lights,
//! property management, elderly care, schools, noise, garbage, irrigation…), so
//! that search, near-duplicates and the figures see text like the real box's.
//! Everything is drawn from the caller's seeded generator: same seed, same text.

use std::sync::LazyLock;

use rand::Rng;
use rand::seq::IndexedRandom;

/// Shortest and longest body the generator writes (the box accepts up to 2000).
pub const MIN_CHARS: usize = 20;
pub const MAX_CHARS: usize = 400;

/// One subclass of the standard categories (`opinions::model::STANDARD_CATEGORIES`)
/// with what people say about it: complaints, the details they add, what they ask for.
#[derive(serde::Deserialize)]
struct Topic {
    code: String,
    /// Relative frequency in a town (communities) and in the countryside (villages).
    town: u32,
    country: u32,
    issues: Vec<String>,
    details: Vec<String>,
    asks: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Phrases {
    topic: Vec<Topic>,
}

/// The phrases, kept as data in `topics.toml` (read once, compiled in).
static TOPICS: LazyLock<Vec<Topic>> = LazyLock::new(|| {
    use figment::providers::{Format, Toml};
    // Compiled in, and read by the unit tests: a broken file fails them first.
    figment::Figment::from(Toml::string(include_str!("topics.toml")))
        .extract::<Phrases>()
        .map(|p| p.topic)
        .expect("src/gen/topics.toml is valid")
});

/// Sentences any opinion may carry, whatever its subject.
const OPENERS: &[&str] = &["我是这里的居民，", "我们是附近的住户，", "我想反映一个问题：", "各位委员好，", "", "", ""];
const DURATIONS: &[&str] = &[
    "已经两个多月了",
    "这个问题存在好几年了",
    "从去年冬天到现在一直这样",
    "前前后后反映了三四次",
    "最近半个月越来越严重",
    "今年开春以来就这样",
];
const HISTORY: &[&str] = &[
    "打过12345热线，也找过社区，一直没有解决",
    "向村委会反映过，说要上报",
    "找过物业，物业说不归他们管",
    "之前有人来看过，后来就没下文了",
    "群众自己想办法也解决不了",
    "在业主群里说过很多次",
];
/// What people add about their place and themselves, whatever the subject.
const CONTEXT: &[&str] = &[
    "我们小区是九十年代建的老小区，住的大多是退休老人",
    "村里常住的大多是老人和孩子，年轻人都在外面打工",
    "周边有两所学校和一个菜市场，每天人来人往",
    "这一片住着两千多户人家",
    "这个问题关系到大家的切身利益",
    "我们也理解政府有难处，资金紧张",
    "很多邻居都让我来反映一下",
    "希望委员们能到现场看一看",
    "大家都愿意配合，出工出力都行",
    "前几年政府办了不少实事，群众是看在眼里的",
    "这事说大不大，说小也不小，天天影响生活",
    "村干部也很着急，但是解决不了",
    "社区工作人员态度挺好，就是解决不了实际问题",
    "听说别的地方已经解决了类似的问题",
    "希望这次能有个结果，不要再拖了",
    "我们村离镇上有十几里路",
];
const CLOSINGS: &[&str] =
    &["谢谢！", "盼复。", "麻烦了，谢谢。", "希望能得到重视。", "请委员们帮忙反映。", "感谢政协提供这个渠道。"];

/// A subclass code and an opinion body about it; `place` (a village or a
/// community) is mentioned when given; `rural` draws country topics.
pub fn opinion(rng: &mut impl Rng, place: Option<&str>, rural: bool) -> (&'static str, String) {
    let topics: &'static Vec<Topic> = LazyLock::force(&TOPICS);
    let weights: Vec<u32> = topics.iter().map(|t| if rural { t.country } else { t.town }).collect();
    let total: u32 = weights.iter().sum();
    let mut pick = rng.random_range(0..total.max(1));
    let mut topic = &topics[0];
    for (t, w) in topics.iter().zip(&weights) {
        if pick < *w {
            topic = t;
            break;
        }
        pick -= w;
    }
    (topic.code.as_str(), body(rng, topic, place, rural))
}

/// Most opinions are short; some are long letters. Target length in characters.
fn target_len(rng: &mut impl Rng) -> usize {
    match rng.random_range(0..100) {
        0..=44 => rng.random_range(MIN_CHARS..80),
        45..=79 => rng.random_range(80..160),
        80..=94 => rng.random_range(160..280),
        _ => rng.random_range(280..MAX_CHARS),
    }
}

fn pick<'a, S: AsRef<str>>(rng: &mut impl Rng, list: &'a [S]) -> &'a str {
    list.choose(rng).map_or("", AsRef::as_ref)
}

/// A phrase that fits the place: no 村 in a town community, no 小区 or 物业 in a
/// village (any phrase if none fits).
fn pick_for<'a, S: AsRef<str>>(rng: &mut impl Rng, list: &'a [S], rural: bool) -> &'a str {
    let fits = |p: &&str| {
        if rural { !p.contains("小区") && !p.contains("物业") && !p.contains("业主") } else { !p.contains('村') }
    };
    let fitting: Vec<&str> = list.iter().map(AsRef::as_ref).filter(fits).collect();
    fitting.choose(rng).copied().unwrap_or_else(|| pick(rng, list))
}

fn body(rng: &mut impl Rng, t: &Topic, place: Option<&str>, rural: bool) -> String {
    let target = target_len(rng);
    let mut s = String::from(pick(rng, OPENERS));
    if let Some(p) = place {
        s.push_str(p);
        s.push_str(pick(rng, &["", "这边", "一带", "的", "附近"]));
    }
    let first = pick_for(rng, &t.issues, rural);
    s.push_str(first);
    s.push('，');
    s.push_str(pick(rng, DURATIONS));
    s.push('。');
    // Then details, history, another issue and asks until the text is as long as
    // this resident would write; never past MAX_CHARS, no phrase twice.
    let mut used: Vec<&str> = vec![first];
    let mut asked = false;
    for _ in 0..40 {
        let len = s.chars().count();
        if len >= target && asked {
            break;
        }
        let (phrase, prefix, ask) = match rng.random_range(0..12) {
            0..=3 => (pick_for(rng, &t.details, rural), "", false),
            4 => (pick_for(rng, HISTORY, rural), "", false),
            5..=7 => (pick_for(rng, CONTEXT, rural), "", false),
            8 => (pick_for(rng, &t.issues, rural), "另外，", false),
            _ => (pick_for(rng, &t.asks, rural), "", true),
        };
        if used.contains(&phrase) {
            continue;
        }
        if len + prefix.chars().count() + phrase.chars().count() + 1 > MAX_CHARS - 10 {
            break;
        }
        used.push(phrase);
        asked |= ask;
        s.push_str(prefix);
        s.push_str(phrase);
        s.push('。');
    }
    if rng.random_bool(0.4) {
        let closing = pick(rng, CLOSINGS);
        if s.chars().count() + closing.chars().count() <= MAX_CHARS {
            s.push_str(closing);
        }
    }
    let s = fit(s);
    if s.chars().count() < MIN_CHARS { format!("{s}{}。", pick(rng, &t.asks)) } else { s }
}

/// Cut to MAX_CHARS at a sentence end (the loop above keeps it under already).
fn fit(s: String) -> String {
    if s.chars().count() <= MAX_CHARS {
        return s;
    }
    let cut: String = s.chars().take(MAX_CHARS).collect();
    match cut.rfind('。') {
        Some(i) => cut[..i + '。'.len_utf8()].to_string(),
        None => cut,
    }
}

/// A duplicate of an earlier opinion by another resident: the same complaint,
/// written again with a word changed here and there (what `similar` finds).
pub fn near_copy(rng: &mut impl Rng, body: &str) -> String {
    let mut s = body.to_string();
    for (from, to) in [("希望", "盼望"), ("很", "非常"), ("。", "！"), ("一直", "始终")] {
        if rng.random_bool(0.3) {
            s = s.replacen(from, to, 1);
        }
    }
    if rng.random_bool(0.5) {
        s = format!("{}{}", pick(rng, &["同样的问题，", "我也反映一下，", "再次反映："]), s);
    }
    fit(s)
}

/// The unit's answer, as staff release it to the resident.
pub fn answer(rng: &mut impl Rng, unit: &str) -> String {
    const FOUND: &[&str] = &[
        "经现场核实，反映情况属实",
        "接到交办后，我单位第一时间安排人员到现场查看",
        "经调查了解，该问题涉及多个部门",
        "经与街道、社区共同核查",
        "我单位高度重视，专门召开会议研究",
    ];
    const DONE: &[&str] = &[
        "已于本周完成维修，并将纳入日常巡查",
        "已责成相关责任单位限期整改，目前已整改到位",
        "已列入本年度民生实事项目，预计年底前完成",
        "已协调资金，近期开工建设",
        "已约谈相关企业负责人，督促其落实整改",
        "已向群众解释相关政策，并安排专人跟踪办理",
        "因涉及规划调整，暂时无法解决，我们将积极向上级争取",
    ];
    const THANKS: &[&str] = &["感谢您对我们工作的监督和支持。", "如有问题，欢迎继续反映。", "欢迎您继续监督。", ""];
    format!("{}。{}{}。{}", pick(rng, FOUND), unit_said(rng, unit), pick(rng, DONE), pick(rng, THANKS))
}

fn unit_said(rng: &mut impl Rng, unit: &str) -> String {
    if unit.is_empty() || rng.random_bool(0.5) { String::new() } else { unit.to_string() }
}

pub fn reject_reason(rng: &mut impl Rng) -> &'static str {
    pick(
        rng,
        &[
            "反映内容不具体，无法核实，请补充具体地点后重新提交。",
            "该事项属于司法程序处理范围，依法不予受理，请通过诉讼途径解决。",
            "不属于社情民意征集范围，已建议通过12345热线反映。",
            "同一事项已答复办结，无新的情况。",
        ],
    )
}

pub fn return_reason(rng: &mut impl Rng) -> &'static str {
    pick(
        rng,
        &[
            "该事项不属于我单位职责范围，请重新交办。",
            "经核实该路段归市里管理，建议转交市级部门。",
            "涉及多个部门，请明确牵头单位。",
        ],
    )
}

pub fn send_back_reason(rng: &mut impl Rng) -> &'static str {
    pick(
        rng,
        &[
            "答复内容过于简单，请补充具体措施和完成时限。",
            "未回应群众提出的主要诉求，请重新办理。",
            "请附整改前后的照片。",
        ],
    )
}

pub fn extension_reason(rng: &mut impl Rng) -> &'static str {
    pick(rng, &["需协调多个部门并申请专项资金。", "需等待天气转暖后施工。", "涉及招标程序，时间较长。"])
}

/// What a resident (or staff on a callback) writes with a rating.
pub fn rating_comment(rng: &mut impl Rng, satisfied: bool) -> &'static str {
    if satisfied {
        pick(rng, &["处理及时，谢谢。", "问题已经解决，满意。", "工作人员很负责。", "基本解决了，希望长期保持。", ""])
    } else {
        pick(rng, &["问题没有实质解决。", "答复敷衍，没人来现场看。", "修了几天又坏了。", "还是老样子。"])
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::opinions::model::STANDARD_CATEGORIES;

    #[test]
    fn the_same_seed_writes_the_same_text() {
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..50).map(|i| opinion(&mut rng, Some("五原路社区"), i % 3 == 0)).collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn bodies_are_20_to_400_characters_of_real_phrases() {
        let mut rng = StdRng::seed_from_u64(5);
        let mut lens = vec![];
        for i in 0..5000 {
            let place = (i % 2 == 0).then_some("高庙村");
            let (code, body) = opinion(&mut rng, place, i % 4 == 0);
            let n = body.chars().count();
            assert!((MIN_CHARS..=MAX_CHARS).contains(&n), "{n}: {body}");
            assert!(!body.contains("。。") && !body.contains("，。"), "{body}");
            lens.push(n);
            assert!(
                STANDARD_CATEGORIES.iter().any(|(_, _, subs)| subs.iter().any(|(c, _)| *c == code)),
                "{code} is a standard subclass"
            );
            let copy = near_copy(&mut rng, &body);
            assert!(copy.chars().count() <= MAX_CHARS);
        }
        lens.sort_unstable();
        let (short, long) = (lens[lens.len() / 10], lens[lens.len() * 97 / 100]);
        assert!(short < 80 && long > 250, "a spread of lengths: p10 {short}, p97 {long}");
    }

    #[test]
    fn every_topic_is_a_standard_subclass_and_some_topic_fits_each_place() {
        assert_eq!(TOPICS.len(), 30, "every topic of topics.toml is read");
        for t in TOPICS.iter() {
            assert!(
                STANDARD_CATEGORIES.iter().any(|(_, _, subs)| subs.iter().any(|(c, _)| *c == t.code)),
                "{}",
                t.code
            );
            assert!(!t.issues.is_empty() && !t.details.is_empty() && !t.asks.is_empty());
        }
        assert!(TOPICS.iter().any(|t| t.town > 0) && TOPICS.iter().any(|t| t.country > 0));
    }
}
