//! The user's language: zh-CN first, English switchable (a cookie).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

pub const LANG_COOKIE: &str = "lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh-CN" | "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn from_headers(headers: &axum::http::HeaderMap) -> Lang {
        let jar = axum_extra::extract::CookieJar::from_headers(headers);
        jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())).unwrap_or_default()
    }

    /// The text for `key`; a missing key shows as itself (and a test keeps
    /// both languages' keys equal).
    pub fn t(self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.code()).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;
    use std::collections::BTreeSet;

    fn keys(yml: &str) -> BTreeSet<&str> {
        yml.lines()
            .filter_map(|l| l.split_once(": ").map(|(k, _)| k))
            .filter(|k| !k.starts_with('_') && !k.starts_with(' '))
            .collect()
    }

    #[test]
    fn every_text_exists_in_both_languages() {
        let zh = keys(include_str!("../../../locales/zh-CN.yml"));
        let en = keys(include_str!("../../../locales/en.yml"));
        assert!(zh.len() > 50);
        let missing_en: Vec<_> = zh.difference(&en).collect();
        let missing_zh: Vec<_> = en.difference(&zh).collect();
        assert!(missing_en.is_empty() && missing_zh.is_empty(), "en lacks {missing_en:?}, zh-CN lacks {missing_zh:?}");
    }

    #[test]
    fn translates_by_language() {
        assert_eq!(Lang::Zh.t("nav.home"), "首页");
        assert_eq!(Lang::En.t("nav.home"), "Home");
        assert_eq!(Lang::parse("fr"), None);
    }
}
