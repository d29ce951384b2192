//! The workbench's rules, with no I/O: the key a drafted opinion carries so
//! that sending it twice files one case, the form as it is read, and what a
//! meeting of today offers the member.

use std::collections::HashMap;

use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, CategoryId, MemberId};
use crate::kernel::web::form;
use crate::opinions::model::submitter_name;
use crate::opinions::store::links::MAX_EXTERNAL_ID;
use crate::org::model::Phone;

/// A draft's key is at least this long: random, never guessed.
pub const MIN_KEY: usize = 16;

/// A fresh key for the next draft (the page's form carries one; the phone
/// makes its own for each draft it queues).
pub fn new_key() -> String {
    crate::kernel::auth::password::random_token(22)
}

/// Whether a key is one the phone could have made: 16 to 64 letters,
/// digits, `-` or `_`.
pub fn valid_key(key: &str) -> bool {
    (MIN_KEY..=MAX_EXTERNAL_ID).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The outside system a member's drafts are known under (`opinion_links`):
/// one per member, so one member's key never finds another's case.
pub fn system(member: MemberId) -> String {
    format!("member:{member}")
}

/// An opinion as the member's form sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub key: String,
    pub body: String,
    /// The activity it was heard at, if any.
    pub activity: Option<ActivityId>,
    pub category: Option<CategoryId>,
    /// The resident's name and phone, when they left them (encrypted by the
    /// caller before anything is stored).
    pub name: Option<String>,
    pub phone: Option<Phone>,
}

impl Draft {
    /// Reads the form's fields; a key, a choice or a phone that is not one is
    /// refused. The text's own checks are the opinion box's (`cases::enter`).
    pub fn parse(fields: &HashMap<String, String>) -> AppResult<Draft> {
        let get = |k: &str| fields.get(k).cloned();
        let key = get("key").unwrap_or_default();
        if !valid_key(&key) {
            return Err(AppError::BadRequest("workbench.bad_key"));
        }
        let phone = match form::text(&get("phone")) {
            None => None,
            Some(p) => Some(Phone::parse(&p).ok_or(AppError::BadRequest("form.bad_phone"))?),
        };
        Ok(Draft {
            key,
            body: get("body").unwrap_or_default(),
            activity: form::id(&get("activity"))?.map(ActivityId),
            category: form::id(&get("category"))?.map(CategoryId),
            name: submitter_name(&get("name").unwrap_or_default()),
            phone,
        })
    }
}

/// What a meeting of today offers the member on their phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Present already.
    Done,
    /// Open now: the member scans the code shown at the venue.
    Open,
    /// Not yet open (more than two hours before).
    Later,
    /// Not open, and under way or over: held, or past its time.
    Ended,
}

impl SignIn {
    /// `ended`: the meeting was held, or its planned time has passed.
    pub fn of(attended: bool, open: bool, ended: bool) -> SignIn {
        match (attended, open, ended) {
            (true, _, _) => SignIn::Done,
            (false, true, _) => SignIn::Open,
            (false, false, false) => SignIn::Later,
            (false, false, true) => SignIn::Ended,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignIn::Done => "done",
            SignIn::Open => "open",
            SignIn::Later => "later",
            SignIn::Ended => "ended",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn keys_are_long_random_and_plain() {
        let k = new_key();
        assert!(valid_key(&k), "{k}");
        assert_ne!(k, new_key());
        assert!(valid_key("0123456789abcdef") && valid_key("a-b_c-d_e-f_g-h_"));
        assert!(!valid_key("short"), "too short to be random");
        assert!(!valid_key(&"a".repeat(MAX_EXTERNAL_ID + 1)), "longer than a link keeps");
        assert!(!valid_key("0123456789abcdef "), "no spaces");
        assert!(!valid_key("0123456789abcdé12"), "no other letters");
        assert_eq!(system(MemberId(12)), "member:12");
    }

    #[test]
    fn the_form_is_read_or_refused() {
        let key = "k".repeat(20);
        let d = Draft::parse(&fields(&[
            ("key", &key),
            ("body", "村口路灯不亮"),
            ("activity", "7"),
            ("category", ""),
            ("name", "  王大爷 "),
            ("phone", "138 0000 1234"),
        ]))
        .expect("a draft");
        assert_eq!(d.activity, Some(ActivityId(7)));
        assert_eq!(d.category, None);
        assert_eq!(d.name.as_deref(), Some("王大爷"));
        assert_eq!(d.phone.as_ref().map(Phone::as_str), Some("13800001234"));
        let refused = |pairs: &[(&str, &str)]| match Draft::parse(&fields(pairs)) {
            Err(AppError::BadRequest(k)) => k,
            other => panic!("{other:?}"),
        };
        assert_eq!(refused(&[("body", "x")]), "workbench.bad_key");
        assert_eq!(refused(&[("key", &key), ("phone", "12345")]), "form.bad_phone");
        assert_eq!(refused(&[("key", &key), ("activity", "abc")]), "form.bad_choice");
        let blank = Draft::parse(&fields(&[("key", &key), ("name", "  ")])).expect("a draft");
        assert_eq!((blank.name, blank.phone, blank.body), (None, None, String::new()));
    }

    #[test]
    fn a_meeting_of_today_offers_its_sign_in_once() {
        assert_eq!(SignIn::of(true, true, false), SignIn::Done);
        assert_eq!(SignIn::of(true, false, true), SignIn::Done, "signed in, then the day ended");
        assert_eq!(SignIn::of(false, true, true), SignIn::Open, "under way, still open");
        assert_eq!(SignIn::of(false, false, false).as_str(), "later");
        assert_eq!(SignIn::of(false, false, true), SignIn::Ended, "over, never signed in");
    }
}
