//! The audit log in words: which action, on which record, what changed from
//! what to what, in the reader's language. The stored JSON stays as it was
//! written; this only reads it.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::kernel::web::i18n::Lang;

use super::store::Entry;

/// One changed (or recorded) field: its label, the value before, after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An entry as the auditor reads it.
pub struct Described {
    pub action: String,
    pub record: String,
    pub changes: Vec<FieldChange>,
}

/// Fields that are bookkeeping, not what anyone changed.
const SKIPPED: [&str; 4] = ["id", "committee_id", "created_at", "updated_at"];

/// Action prefixes the filter offers, each named by its record kind.
pub const AREAS: [&str; 18] = [
    "auth",
    "user",
    "opinion",
    "opinion_report",
    "activity",
    "consultation",
    "member",
    "office",
    "liaison",
    "locality",
    "home",
    "calendar",
    "roster",
    "file",
    "budget",
    "expense",
    "proposal",
    "online",
];

/// `key`'s text, or `None` when neither language has it (`Lang::t` answers a
/// missing key with the key itself).
fn known(lang: Lang, key: &str) -> Option<String> {
    let t = lang.t(key);
    (t != key).then_some(t)
}

/// `opinion.assigned` → 已交办: its own label, else an opinion's event label
/// (the case history's words), else the code itself.
pub fn action_label(lang: Lang, action: &str) -> String {
    known(lang, &format!("audit_action.{action}"))
        .or_else(|| action.strip_prefix("opinion.").and_then(|k| known(lang, &format!("opinion_event.{k}"))))
        .unwrap_or_else(|| action.to_string())
}

pub fn entity_label(lang: Lang, entity: &str) -> String {
    known(lang, &format!("audit_entity.{entity}")).unwrap_or_else(|| entity.to_string())
}

fn field_label(lang: Lang, field: &str) -> String {
    known(lang, &format!("audit_field.{field}")).unwrap_or_else(|| field.to_string())
}

fn value_text(lang: Lang, v: &Value) -> String {
    match v {
        Value::Null => lang.t("audit.empty_value"),
        Value::Bool(true) => lang.t("audit.yes"),
        Value::Bool(false) => lang.t("audit.no"),
        Value::String(s) if s.is_empty() => lang.t("audit.empty_value"),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(|i| value_text(lang, i)).collect::<Vec<_>>().join(&lang.t("punct.sep")),
        other => other.to_string(),
    }
}

/// A stored code (`held`, `open_space`) as the pages name it: the label of the
/// record's own kind of code (`consultation_status.held`), else a shared one
/// (replies, items); anything else as written.
fn code_text(lang: Lang, entity: &str, field: &str, v: &Value) -> String {
    if let Value::String(code) = v {
        let kinds = [
            format!("{entity}_{field}"),
            format!("{entity}_item_{field}"),
            field.to_string(),
            "meeting_reply".into(),
            "item_status".into(),
        ];
        if let Some(t) = kinds.iter().find_map(|k| known(lang, &format!("{k}.{code}"))) {
            return t;
        }
    }
    value_text(lang, v)
}

fn parse(json: Option<&str>) -> Option<Value> {
    json.and_then(|s| serde_json::from_str(s).ok())
}

/// The fields of `before` and `after`: with both, only what differs; with one,
/// all of it. A value that is not an object shows as one unnamed field.
pub fn changes(lang: Lang, entity: &str, before: Option<&str>, after: Option<&str>) -> Vec<FieldChange> {
    let (b, a) = (parse(before), parse(after));
    let text = |v: Option<&Value>| v.map(|v| value_text(lang, v));
    let code = |k: &str, v: Option<&Value>| v.map(|v| code_text(lang, entity, k, v));
    let object = |v: &Option<Value>| v.as_ref().is_none_or(Value::is_object);
    if b.is_none() && a.is_none() {
        return vec![];
    }
    if !object(&b) || !object(&a) {
        return vec![FieldChange { field: String::new(), before: text(b.as_ref()), after: text(a.as_ref()) }];
    }
    let fields = |v: Option<Value>| match v {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let (bm, am) = (fields(b), fields(a));
    let keys: BTreeSet<&String> = bm.keys().chain(am.keys()).collect();
    keys.into_iter()
        .filter(|k| !SKIPPED.contains(&k.as_str()))
        .filter(|k| bm.get(*k).is_none() || am.get(*k).is_none() || bm.get(*k) != am.get(*k))
        .map(|k| FieldChange { field: field_label(lang, k), before: code(k, bm.get(k)), after: code(k, am.get(k)) })
        .collect()
}

pub fn describe(lang: Lang, e: &Entry) -> Described {
    let kind = entity_label(lang, &e.entity);
    let record = match &e.entity_id {
        Some(id) => format!("{kind} #{id}"),
        None => kind,
    };
    Described {
        action: action_label(lang, &e.action),
        record,
        changes: changes(lang, &e.entity, e.before.as_deref(), e.after.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_actions_and_records_in_words() {
        assert_eq!(action_label(Lang::Zh, "member.update"), "修改委员信息");
        assert_eq!(action_label(Lang::En, "member.update"), "Edited a member");
        // An opinion's moves read as its history does.
        assert_eq!(action_label(Lang::Zh, "opinion.assigned"), "已交办");
        assert_eq!(action_label(Lang::Zh, "no.such"), "no.such");
        assert_eq!(entity_label(Lang::Zh, "opinion"), "社情民意");
    }

    #[test]
    fn shows_only_what_changed() {
        let before = r#"{"id":3,"name":"张三","post":"主任","public_name":false,"updated_at":"x"}"#;
        let after = r#"{"id":3,"name":"张三","post":"副主任","public_name":true,"updated_at":"y"}"#;
        let c = changes(Lang::Zh, "member", Some(before), Some(after));
        assert_eq!(
            c,
            vec![
                FieldChange { field: "职务".into(), before: Some("主任".into()), after: Some("副主任".into()) },
                FieldChange { field: "公开姓名".into(), before: Some("否".into()), after: Some("是".into()) },
            ]
        );
        let created = changes(Lang::Zh, "activity", None, Some(r#"{"status":"held","note":""}"#));
        assert_eq!(created.len(), 2);
        // Stored codes read as the pages name them.
        assert_eq!(created[1].after.as_deref(), Some("已开展"));
        assert_eq!(created[0].after.as_deref(), Some("（空）"));
        assert_eq!(
            changes(Lang::Zh, "x", None, Some("7")),
            vec![FieldChange { field: String::new(), before: None, after: Some("7".into()) }]
        );
        assert!(changes(Lang::Zh, "x", None, None).is_empty());
    }

    /// Every action the code records has words in both languages.
    #[test]
    fn every_recorded_action_has_a_label() {
        let mut actions = BTreeSet::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(dir).expect("src") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let code = std::fs::read_to_string(&p).expect("read");
                    for part in code.split("Change::new(\"").skip(1) {
                        if let Some(action) = part.split('"').next() {
                            actions.insert(action.to_string());
                        }
                    }
                }
            }
        }
        assert!(actions.len() > 40, "{actions:?}");
        // Built at run time: a meeting's moves, and the login and account outcomes.
        for dynamic in [
            "activity.speaker",
            "activity.attach",
            "activity.reply",
            "activity.sign_in",
            "activity.attendance",
            "consultation.speaker",
            "consultation.attach",
            "consultation.reply",
            "consultation.sign_in",
            "consultation.attendance",
            "auth.locked",
            "auth.login_failed",
            "user.disable",
            "user.enable",
            "opinion_report.send",
            "opinion_report.adopt",
            "opinion_report.decline",
            "opinion_report.instruct",
            // A password reset by a texted code (kernel::auth::reset).
            "auth.reset_code_sent",
            "auth.reset_unknown",
            "auth.reset_refused",
            "auth.reset_rate_limited",
            "auth.reset_code_wrong",
            "auth.reset_code_expired",
            "auth.reset_code_invalid",
            "auth.password_reset_by_code",
            // The sign-in throttle and lock (kernel::auth::sign_in).
            "auth.throttled",
            "auth.challenge_required",
            "auth.challenge_failed",
            "auth.unlocked",
            "auth.unlock_code_sent",
        ] {
            actions.insert(dynamic.to_string());
        }
        for lang in [Lang::Zh, Lang::En] {
            let missing: Vec<_> = actions.iter().filter(|a| action_label(lang, a) == **a).collect();
            assert!(missing.is_empty(), "{lang:?} lacks words for {missing:?}");
        }
    }
}
