//! The customary short forms of a roster's cells, each turned into the one
//! form the system keeps: one pure function per kind of cell. Anything a
//! function does not recognise comes back as written (trimmed), for the
//! row's own checks to accept or name.

use crate::org::model::{PARTIES, halfwidth};

/// The 56 ethnic groups, without 族 (汉 → 汉族).
const ETHNIC_GROUPS: [&str; 56] = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// Short and long names of each party affiliation, to the form of `PARTIES`.
const PARTY_FORMS: [(&str, &[&str]); 12] = [
    ("中共党员", &["中共", "党员", "共产党员", "中国共产党党员", "中国共产党", "中共预备党员", "预备党员"]),
    ("民革党员", &["民革", "民革成员", "民革会员"]),
    ("民盟盟员", &["民盟", "民盟成员"]),
    ("民建会员", &["民建", "民建成员"]),
    ("民进会员", &["民进", "民进成员"]),
    ("农工党党员", &["农工党", "农工", "农工党员", "农工民主党"]),
    ("致公党党员", &["致公党", "致公", "致公党员"]),
    ("九三学社社员", &["九三学社", "九三", "九三社员"]),
    ("台盟盟员", &["台盟", "台盟成员"]),
    ("无党派人士", &["无党派", "无党派民主人士"]),
    ("共青团员", &["团员", "共青团"]),
    ("群众", &["无"]),
];

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// A name without the spaces people put between its characters (赵　六 →
/// 赵六); a middle dot (阿依古丽·买买提) stays.
pub fn name(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '\u{3000}').collect()
}

/// 汉 → 汉族, 回 → 回族: an ethnic group written without 族.
pub fn ethnicity(s: &str) -> String {
    let t = name(s);
    if ETHNIC_GROUPS.contains(&t.as_str()) { format!("{t}族") } else { t }
}

/// Every name `is_ethnic_group` accepts, as kept: 汉族 … 基诺族, 其他, ….
pub fn ethnic_group_names() -> Vec<String> {
    ETHNIC_GROUPS.iter().map(|g| format!("{g}族")).chain(OTHER_GROUPS.iter().map(|g| g.to_string())).collect()
}

/// GB 3304's entries besides the 56 groups.
const OTHER_GROUPS: [&str; 2] = ["其他", "外国血统中国籍人士"];

/// One of the 56 groups as kept (汉族), or one of the two entries the
/// national standard (GB 3304) adds for everyone else.
pub fn is_ethnic_group(s: &str) -> bool {
    OTHER_GROUPS.contains(&s) || s.strip_suffix('族').is_some_and(|g| ETHNIC_GROUPS.contains(&g))
}

/// 中共 / 党员 → 中共党员, 民盟 → 民盟盟员 …: the form `PARTIES` lists.
pub fn party(s: &str) -> String {
    let t = name(s);
    if PARTIES.contains(&t.as_str()) {
        return t;
    }
    PARTY_FORMS.iter().find(|(_, short)| short.contains(&t.as_str())).map(|(full, _)| full.to_string()).unwrap_or(t)
}

/// 十届 / 10届 / 第10届 / 第 十 届 → 第十届.
pub fn term(s: &str) -> String {
    let t = name(&halfwidth(s));
    let core = t.strip_prefix('第').unwrap_or(&t);
    let Some(n) = core.strip_suffix('届') else { return t };
    match number(n) {
        Some(n) if (1..100).contains(&n) => format!("第{}届", chinese_number(n)),
        _ => t,
    }
}

/// 10 or 十: a number written in digits or in Chinese up to 99.
fn number(s: &str) -> Option<u32> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let digit = |c: char| DIGITS.iter().position(|d| *d == c).map(|i| i as u32);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [c] if *c != '零' => digit(*c),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// 10 → 十, 12 → 十二, 20 → 二十, 21 → 二十一 (1..=99).
fn chinese_number(n: u32) -> String {
    let (tens, units) = (n / 10, n % 10);
    let mut out = String::new();
    if tens > 1 {
        out.push(DIGITS[tens as usize]);
    }
    if tens > 0 {
        out.push('十');
    }
    if units > 0 {
        out.push(DIGITS[units as usize]);
    }
    out
}

/// A cell that asks to clear the stored value: 「（清空）」, (清空), 清空.
pub fn is_clear_mark(s: &str) -> bool {
    let t: String =
        halfwidth(s).chars().filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '「' | '」')).collect();
    t == "清空"
}

/// A row at the foot of a sheet that is a note, not a member: 填表人：…,
/// 联系电话：…, 日期：…, 注：…, 备注, 制表.
pub fn is_note(first_cell: &str) -> bool {
    const NOTES: [&str; 6] = ["填表人", "联系电话", "日期", "注", "备注", "制表"];
    let t = first_cell.trim();
    NOTES.iter().any(|n| t.starts_with(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_inner_spaces() {
        assert_eq!(name("赵　六"), "赵六");
        assert_eq!(name(" 王 强 "), "王强");
        assert_eq!(name("阿依古丽·买买提"), "阿依古丽·买买提");
    }

    #[test]
    fn ethnic_groups_get_their_zu() {
        assert_eq!(ethnicity("汉"), "汉族");
        assert_eq!(ethnicity("回"), "回族");
        assert_eq!(ethnicity("维吾尔"), "维吾尔族");
        assert_eq!(ethnicity("汉族"), "汉族");
        assert_eq!(ethnicity("火星"), "火星");
        assert!(is_ethnic_group("汉族") && is_ethnic_group("鄂伦春族") && is_ethnic_group("其他"));
        assert!(!is_ethnic_group("火星族") && !is_ethnic_group("汉") && !is_ethnic_group("族"));
    }

    #[test]
    fn parties_in_their_listed_form() {
        for (s, want) in [
            ("中共", "中共党员"),
            ("党员", "中共党员"),
            ("中共党员", "中共党员"),
            ("民盟", "民盟盟员"),
            ("九三", "九三学社社员"),
            ("无党派", "无党派人士"),
            ("群众", "群众"),
            (" 群 众 ", "群众"),
            ("火星党", "火星党"),
        ] {
            assert_eq!(party(s), want, "{s}");
        }
        for (full, _) in PARTY_FORMS {
            assert!(PARTIES.contains(&full), "{full}");
        }
    }

    #[test]
    fn terms_as_ordinals_in_chinese() {
        for s in ["十届", "10届", "第10届", "第十届", "第 十 届", "第１０届"] {
            assert_eq!(term(s), "第十届", "{s}");
        }
        assert_eq!(term("第9届"), "第九届");
        assert_eq!(term("十二届"), "第十二届");
        assert_eq!(term("第21届"), "第二十一届");
        assert_eq!(term("二十届"), "第二十届");
        assert_eq!(term("本届"), "本届");
        assert_eq!(term("第0届"), "第0届");
    }

    #[test]
    fn clear_marks_and_notes() {
        for s in ["「（清空）」", "（清空）", "(清空)", "清空", " 清空 "] {
            assert!(is_clear_mark(s), "{s}");
        }
        assert!(!is_clear_mark("清空了"));
        assert!(!is_clear_mark(""));
        for s in ["填表人：张三", "联系电话：0398-1234567", "日期：2026年3月", "注：1.届次", "备注", "制表：湖滨区政协"]
        {
            assert!(is_note(s), "{s}");
        }
        assert!(!is_note("王强"));
    }
}
