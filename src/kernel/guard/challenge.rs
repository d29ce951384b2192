//! A challenge for a form sent again and again: a sum of two small numbers, in
//! Chinese, that anyone can answer on a phone, with no captcha service (an
//! intranet may have no Internet).
//!
//! The token is stateless: `expiry.nonce.mac`, where the HMAC covers the
//! expiry, the nonce and the right answer. The answer itself is not in the
//! token, the expiry cannot be changed, and no table is needed. A token can be
//! used again until it expires (ten minutes); that is accepted: the rate limits
//! still count every submission, and this only slows down a script that does
//! not read the page.

use crate::kernel::web::i18n::Lang;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

/// How long a question may be answered.
pub const CHALLENGE_TTL: Duration = Duration::minutes(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The two numbers to add; `question` asks for their sum in words.
    pub terms: (u32, u32),
    /// Goes back with the answer in a hidden field.
    pub token: String,
}

/// A new question; `secret` should be `Vault::derive("guard.challenge")`.
pub fn new_challenge(secret: &[u8], now: NaiveDateTime) -> Challenge {
    let mut rng = rand::rng();
    let (a, b) = (rng.random_range(1..=9u32), rng.random_range(1..=9u32));
    let nonce: [u8; 12] = rng.random();
    let nonce = URL_SAFE_NO_PAD.encode(nonce);
    let expiry = (now + CHALLENGE_TTL).and_utc().timestamp();
    let mac = URL_SAFE_NO_PAD.encode(sign(secret, expiry, &nonce, a + b).finalize().into_bytes());
    Challenge { terms: (a, b), token: format!("{expiry}.{nonce}.{mac}") }
}

impl Challenge {
    /// 「3 加 5 等于几？」, "What is 3 plus 5?".
    pub fn question(&self, lang: impl std::borrow::Borrow<Lang>) -> String {
        let (a, b) = self.terms;
        lang.borrow().t("box.challenge_question").replace("%{a}", &a.to_string()).replace("%{b}", &b.to_string())
    }
}

/// True when `answer` is the right one for `token`, which is ours and not yet
/// expired. Anything malformed is simply false.
pub fn check_challenge(secret: &[u8], token: &str, answer: &str, now: NaiveDateTime) -> bool {
    let mut parts = token.trim().splitn(3, '.');
    let (Some(expiry), Some(nonce), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(expiry), Ok(mac), Some(answer)) =
        (expiry.parse::<i64>(), URL_SAFE_NO_PAD.decode(mac), parse_answer(answer))
    else {
        return false;
    };
    // The MAC check is constant-time; the expiry is public anyway.
    now.and_utc().timestamp() < expiry && sign(secret, expiry, nonce, answer).verify_slice(&mac).is_ok()
}

fn sign(secret: &[u8], expiry: i64, nonce: &str, answer: u32) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(format!("xieshang.challenge.v1|{expiry}|{nonce}|{answer}").as_bytes());
    mac
}

/// An answer as people type it: 8, ８ (full-width, from a Chinese keyboard),
/// 八 or 十二 (typed or dictated in Chinese), with spaces around it.
pub fn parse_answer(s: &str) -> Option<u32> {
    let s = crate::kernel::web::form::halfwidth(s);
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { chinese_number(s) }
}

/// 零 … 九十九 (with 两 and 〇): enough for any sum asked here.
fn chinese_number(s: &str) -> Option<u32> {
    let digit = |c: char| {
        "零一二三四五六七八九".chars().position(|d| d == c).map(|n| n as u32).or(match c {
            '〇' => Some(0),
            '两' => Some(2),
            _ => None,
        })
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [d] if *d != '十' => digit(*d),
        ['十'] => Some(10),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(10 * digit(*t)?),
        [t, '十', u] => Some(10 * digit(*t)? + digit(*u)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 28).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("time")
    }

    /// The sum the question asks for, read back from its text.
    fn solve(c: &Challenge) -> u32 {
        let q = c.question(Lang::Zh);
        let q = q.strip_suffix(" 等于几？").expect("question form");
        let (a, b) = q.split_once(" 加 ").expect("a 加 b");
        let sum = a.parse::<u32>().expect("a") + b.parse::<u32>().expect("b");
        let en = c.question(Lang::En);
        assert_eq!(en, format!("What is {a} plus {b}?"));
        sum
    }

    #[test]
    fn right_and_wrong_answers() {
        for _ in 0..50 {
            let c = new_challenge(SECRET, now());
            let n = solve(&c);
            assert!((2..=18).contains(&n));
            assert!(check_challenge(SECRET, &c.token, &n.to_string(), now()));
            assert!(!check_challenge(SECRET, &c.token, &(n + 1).to_string(), now()));
            assert!(!check_challenge(SECRET, &c.token, "", now()));
            assert!(!check_challenge(SECRET, &c.token, "abc", now()));
        }
    }

    #[test]
    fn answers_as_people_type_them() {
        let c = new_challenge(SECRET, now());
        let n = solve(&c);
        let full_width: String = n
            .to_string()
            .chars()
            .map(|d| char::from_u32('０' as u32 + d.to_digit(10).unwrap_or(0)).unwrap_or(d))
            .collect();
        for answer in [format!(" {n} "), format!("\u{3000}{full_width}\n"), full_width, format!("0{n}")] {
            assert!(check_challenge(SECRET, &c.token, &answer, now()), "{answer:?}");
        }
        assert_eq!(parse_answer("８"), Some(8));
        assert_eq!(parse_answer("１２"), Some(12));
        assert_eq!(parse_answer("八"), Some(8));
        assert_eq!(parse_answer("十"), Some(10));
        assert_eq!(parse_answer("十二"), Some(12));
        assert_eq!(parse_answer("两"), Some(2));
        assert_eq!(parse_answer("二十"), Some(20));
        assert_eq!(parse_answer(" 十八 "), Some(18));
        for bad in ["", " ", "8.0", "-8", "+8", "8 8", "十十", "eight", "九九九", "99999999999"] {
            assert_eq!(parse_answer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn tokens_expire_after_ten_minutes() {
        let c = new_challenge(SECRET, now());
        let n = solve(&c).to_string();
        assert!(check_challenge(SECRET, &c.token, &n, now() + Duration::minutes(9)));
        assert!(!check_challenge(SECRET, &c.token, &n, now() + Duration::minutes(10)));
        assert!(!check_challenge(SECRET, &c.token, &n, now() + Duration::days(1)));
    }

    #[test]
    fn tampered_or_foreign_tokens_fail() {
        let c = new_challenge(SECRET, now());
        let n = solve(&c).to_string();
        let (expiry, rest) = c.token.split_once('.').expect("token");
        // A later expiry breaks the MAC.
        let later = format!("{}.{rest}", expiry.parse::<i64>().expect("expiry") + 3600);
        assert!(!check_challenge(SECRET, &later, &n, now() + Duration::minutes(30)));
        // Another secret, another nonce, a cut or empty token.
        assert!(!check_challenge(b"another secret", &c.token, &n, now()));
        let other = new_challenge(SECRET, now());
        let (_, other_nonce_mac) = other.token.split_once('.').expect("token");
        let (other_nonce, _) = other_nonce_mac.split_once('.').expect("token");
        let (_, mac) = rest.split_once('.').expect("token");
        assert!(!check_challenge(SECRET, &format!("{expiry}.{other_nonce}.{mac}"), &n, now()));
        for bad in ["", "..", "x.y.z", &c.token[..c.token.len() - 3], &format!("{}A", c.token)] {
            assert!(!check_challenge(SECRET, bad, &n, now()), "{bad:?}");
        }
    }
}
