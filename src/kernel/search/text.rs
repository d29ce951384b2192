//! Text to terms, terms to a SimHash: the rules of search, with no I/O.
//!
//! Documents are segmented in jieba's full mode (`cut_all`): every dictionary word
//! found anywhere in the text, plus every single character. A query is segmented in
//! precise mode without HMM (`cut(…, false)`), which yields only dictionary words
//! and single characters — so each query word that occurs in a text is among that
//! text's terms, whatever word boundaries jieba chose in context there
//! ("五原路社区的路灯不亮" is cut 路 / 灯不亮 in precise mode, and still has 路灯).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use jieba_rs::Jieba;

// Loading the embedded dictionary takes a while: once per process.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Loads the dictionary now (~0.15 s), so that the first search or submission
/// after a start does not wait for it; `serve` calls this on a blocking thread.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

/// Kinds of indexed documents and their codes. The code is part of each stored
/// document's id (`ref_id * 256 + code`), so a code is never changed or reused;
/// a new kind of document gets a new line.
pub const KINDS: &[(&str, i64)] = &[("opinion", 1), ("activity", 2), ("consultation", 3), ("notice", 4)];

/// The code of a kind, if it is one of `KINDS`.
pub fn kind_code(kind: &str) -> Option<i64> {
    KINDS.iter().find(|(k, _)| *k == kind).map(|&(_, c)| c)
}

/// The stored id of a document: newest-first order within a kind is descending id
/// order. `None` for a negative or absurdly large ref_id.
pub fn doc_id(ref_id: i64, code: i64) -> Option<i64> {
    if ref_id < 0 || !(0..256).contains(&code) {
        return None;
    }
    ref_id.checked_mul(256)?.checked_add(code)
}

pub fn ref_of(doc_id: i64) -> i64 {
    doc_id >> 8
}

/// At most this many words of a query are used (a pasted paragraph is not a query).
pub const MAX_QUERY_TERMS: usize = 12;
// Longer runs of letters and digits (pasted links, hashes) are not useful terms.
const MAX_TERM_BYTES: usize = 64;

// Function words that occur in almost every text: indexing them costs space and
// searching for them finds everything. Every one is one or two characters.
const STOPWORD_LIST: &[&str] = &[
    "的", "了", "是", "在", "和", "与", "及", "也", "都", "就", "而", "或", "并", "之", "其", "此", "把", "被", "对",
    "从", "到", "让", "给", "向", "以", "于", "为", "着", "过", "吗", "呢", "吧", "啊", "呀", "哦", "嗯", "么", "个",
    "这", "那", "我", "你", "您", "他", "她", "它", "们", "很", "又", "还", "等", "将", "则", "即", "地", "得", "所",
    "我们", "你们", "他们", "她们", "它们", "这个", "那个", "这些", "那些", "一个", "因为", "所以", "但是", "而且",
    "如果", "还是", "或者", "已经", "就是", "以及", "什么", "怎么",
];

/// A word of one or two characters as a number (None for longer words): a text
/// yields hundreds of tokens, and comparing numbers is much cheaper than strings.
fn short_key(word: &str) -> Option<u64> {
    let mut chars = word.chars();
    let a = chars.next()?;
    let b = chars.next().map_or(0, u64::from);
    chars.next().is_none().then_some(u64::from(a) << 21 | b)
}

static STOPWORDS: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut v: Vec<u64> = STOPWORD_LIST.iter().filter_map(|w| short_key(w)).collect();
    v.sort_unstable();
    v
});

fn is_stopword(word: &str) -> bool {
    // Stopwords are at most two three-byte characters.
    word.len() <= 6 && short_key(word).is_some_and(|k| STOPWORDS.binary_search(&k).is_ok())
}

/// CJK ideographs and ASCII first: they are nearly all of the text, and the
/// general Unicode lookups are slow.
fn is_word_char(c: char) -> bool {
    match c {
        '\u{4E00}'..='\u{9FFF}' => true,
        c if c.is_ascii() => c.is_ascii_alphanumeric(),
        c => c.is_alphanumeric(),
    }
}

/// Full-width letters, digits and punctuation (common in Chinese input) to their
/// ASCII forms, the ideographic space to a space, everything lowercased.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        };
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Splits jieba's tokens into the pieces kept as terms: runs of letters and digits
/// only, so that both FTS5's tokenizer and PostgreSQL's parser see each term as
/// exactly one token, and never a stopword.
fn push_terms<'a>(word: &'a str, out: &mut Vec<&'a str>) {
    for part in word.split(|c: char| !is_word_char(c)) {
        if !part.is_empty() && part.len() <= MAX_TERM_BYTES && !is_stopword(part) {
            out.push(part);
        }
    }
}

/// Each term once, in order of first appearance.
fn dedupe(terms: Vec<&str>) -> Vec<&str> {
    let mut seen: HashSet<&str, BuildHasherDefault<Fnv>> =
        HashSet::with_capacity_and_hasher(terms.len(), Default::default());
    terms.into_iter().filter(|t| seen.insert(*t)).collect()
}

/// FNV-1a for the de-duplicating set: the terms are short and not chosen by an
/// attacker who could profit from collisions, and SipHash dominated the cost.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { FNV_OFFSET } else { self.0 };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
        self.0 = h;
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The terms of a document, space-separated, each once, in order of appearance.
pub fn terms(text: &str) -> String {
    let text = normalize(text);
    let mut out = Vec::new();
    for token in JIEBA.cut_all(&text) {
        push_terms(token.word, &mut out);
    }
    dedupe(out).join(" ")
}

/// The words of a query, each once, at most `MAX_QUERY_TERMS`.
pub fn query_terms(query: &str) -> Vec<String> {
    let query = normalize(query);
    let mut out = Vec::new();
    for token in JIEBA.cut(&query, false) {
        push_terms(token.word, &mut out);
    }
    dedupe(out).into_iter().take(MAX_QUERY_TERMS).map(str::to_string).collect()
}

/// A stable 64-bit hash (FNV-1a, then murmur3's finaliser so that every bit depends
/// on every byte). Stored SimHashes depend on it: never change it without
/// re-indexing.
fn hash64(s: &str) -> u64 {
    let mut h = FNV_OFFSET;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// 64-bit SimHash of space-separated terms, each weighing the same: texts that
/// share most terms get hashes that differ in few bits.
pub fn simhash(terms: &str) -> u64 {
    let mut votes = [0i32; 64];
    for term in terms.split_whitespace() {
        let h = hash64(term);
        for (bit, v) in votes.iter_mut().enumerate() {
            // +1 for a set bit, -1 for a clear one; branch-free, so it vectorises.
            *v += ((h >> bit & 1) as i32) * 2 - 1;
        }
    }
    votes.iter().enumerate().filter(|(_, v)| **v > 0).fold(0, |acc, (bit, _)| acc | 1 << bit)
}

pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The four 16-bit bands of a SimHash. Two hashes within 3 bits of each other agree
/// on at least one band (four bands, at most three of them touched), so looking up
/// the four bands finds every such hash; hashes further apart are found only if
/// some band happens to be untouched.
pub fn bands(hash: u64) -> [i32; 4] {
    [0, 1, 2, 3].map(|i| (hash >> (16 * i) & 0xffff) as i32)
}

/// The distance up to which `bands` finds every near-duplicate.
pub const EXACT_DISTANCE: u32 = 3;

/// The token that scopes an FTS5 row to its committee and kind. It contains `_`,
/// which no term does, so no text can produce it.
pub fn scope_token(committee_id: i64, code: i64) -> String {
    format!("_c{committee_id}_k{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(terms: &str, t: &str) -> bool {
        terms.split(' ').any(|x| x == t)
    }

    #[test]
    fn opinions_are_segmented_into_words() {
        let t = terms("小区路灯坏了三个月没人修");
        for w in ["小区", "路灯", "坏", "三个", "月", "修"] {
            assert!(has(&t, w), "{w} missing from {t}");
        }
        assert!(!has(&t, "了"), "stopwords are dropped: {t}");
        let t = terms("建议在涧河街道增设公交站点，方便居民出行！");
        for w in ["建议", "街道", "增设", "公交", "站点", "公交站点", "居民", "出行"] {
            assert!(has(&t, w), "{w} missing from {t}");
        }
        assert!(!t.contains('，') && !t.contains('！'), "punctuation is dropped: {t}");
    }

    #[test]
    fn a_word_is_found_where_precise_mode_cuts_across_it() {
        // Precise mode cuts this as 路 / 灯不亮; the query 路灯 must still find it.
        let t = terms("五原路社区3号楼的路灯不亮，晚上出行不安全");
        for q in ["路灯", "路灯不亮", "3号楼", "出行 安全"] {
            for w in query_terms(q) {
                assert!(has(&t, &w), "query {q}: {w} missing from {t}");
            }
        }
    }

    #[test]
    fn terms_are_lowercase_halfwidth_and_unique() {
        let t = terms("ＷｉＦｉ信号差，WiFi信号时有时无　Ａ区１２号");
        assert!(has(&t, "wifi") && has(&t, "信号") && has(&t, "12"), "{t}");
        assert_eq!(t.split(' ').filter(|x| *x == "wifi").count(), 1);
        assert!(t.split(' ').all(|x| x.chars().all(char::is_alphanumeric)), "{t}");
        assert_eq!(terms("，。！？  的了"), "");
        assert_eq!(query_terms("Wi-Fi 信号"), ["wi", "fi", "信号"]);
        assert_eq!(
            query_terms("路灯 维修 小区 道路 积水 垃圾 停车 噪音 绿化 公交 医院 学校 养老 菜场").len(),
            MAX_QUERY_TERMS
        );
    }

    #[test]
    fn near_copies_have_close_simhashes_and_unrelated_texts_far() {
        let a = simhash(&terms(
            "我们小区的路灯已经坏了三个多月了，晚上老人孩子出门很不方便，多次向物业反映都没有人来修，\
             希望政协委员能帮忙协调有关部门尽快解决。",
        ));
        let copy = simhash(&terms(
            "我们小区的路灯已经坏了三个多月了!晚上老人孩子出门很不方便。多次向物业反映都没有人来修，\
             希望政协委员能帮忙协调有关部门尽快解决",
        ));
        let edited = simhash(&terms(
            "我们小区路灯已经坏了三个多月，晚上老人和孩子出门很不方便，多次向物业反映都没人来修，\
             希望政协委员帮忙协调有关部门尽快解决！",
        ));
        let other = simhash(&terms("农村饮水工程水压不足，夏季经常停水，请水务部门检修管网。"));
        assert_eq!(hamming(a, copy), 0, "punctuation does not count");
        assert!(hamming(a, edited) <= 10, "edited copy: {}", hamming(a, edited));
        assert!(hamming(a, other) >= 20, "unrelated: {}", hamming(a, other));
        assert_eq!(simhash(""), 0);
    }

    #[test]
    fn bands_catch_every_hash_within_three_bits() {
        let h: u64 = 0x0123_4567_89ab_cdef;
        for flips in [[0, 17, 40], [1, 2, 3], [15, 31, 47], [60, 61, 62]] {
            let g = flips.iter().fold(h, |acc, b| acc ^ 1 << b);
            let shared = bands(h).iter().zip(bands(g)).filter(|(a, b)| **a == *b).count();
            assert!(shared >= 1, "{flips:?}");
        }
        assert_eq!(bands(0xffff_0000_0000_0001), [1, 0, 0, 0xffff]);
    }

    #[test]
    fn ids_encode_kind_and_keep_ref_order() {
        assert_eq!(kind_code("opinion"), Some(1));
        assert_eq!(kind_code("nonsense"), None);
        let codes: HashSet<i64> = KINDS.iter().map(|k| k.1).collect();
        assert_eq!(codes.len(), KINDS.len(), "codes are unique");
        let a = doc_id(41, 4).expect("id");
        let b = doc_id(42, 1).expect("id");
        assert!(a < b && ref_of(a) == 41 && ref_of(b) == 42);
        assert_eq!(doc_id(-1, 1), None);
        assert_eq!(doc_id(i64::MAX / 2, 1), None);
        assert_eq!(scope_token(7, 1), "_c7_k1");
    }
}
