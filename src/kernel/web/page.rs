//! What every page's layout needs: language, the user, the CSRF token, a flash
//! message, the navigation of the user's role.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::csrf::FormToken;
use super::i18n::Lang;
use crate::kernel::auth::model::{Actor, Role};
use crate::kernel::auth::password::random_token;
use crate::kernel::error::AppError;

pub const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";
pub const LARGE_COOKIE: &str = "large";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub ok: bool,
    pub key: String,
}

pub struct NavItem {
    pub href: &'static str,
    pub label_key: &'static str,
}

/// Links shown side by side (no label), or a menu of one area's pages.
pub struct NavGroup {
    pub label_key: Option<&'static str>,
    pub items: Vec<NavItem>,
}

pub struct Page {
    pub lang: Lang,
    /// 适老化: large type, high contrast.
    pub large: bool,
    pub csrf: String,
    pub user: Option<Actor>,
    pub path: String,
    /// The path with its query, where the language and type switches return
    /// (a box opened from a village's QR code keeps its village).
    pub here: String,
    pub flash: Option<Flash>,
}

impl Page {
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn other_lang(&self) -> Lang {
        match self.lang {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn role_label(&self) -> String {
        self.user.as_ref().map(|u| self.t(&u.role.label_key())).unwrap_or_default()
    }

    /// A list's separator: 、 in Chinese, a comma in English.
    pub fn sep(&self) -> String {
        self.t("punct.sep")
    }

    /// ： in Chinese, ": " in English.
    pub fn colon(&self) -> String {
        self.t("punct.colon")
    }

    /// `x` in the language's parentheses: （x） or " (x)".
    pub fn paren(&self, x: &str) -> String {
        format!("{}{x}{}", self.t("punct.paren_open"), self.t("punct.paren_close"))
    }

    /// A heading among choices: 【x】 or [x].
    pub fn bracket(&self, x: &str) -> String {
        format!("{}{x}{}", self.t("punct.bracket_open"), self.t("punct.bracket_close"))
    }

    /// Date and time in Asia/Shanghai, as staff read it.
    pub fn time(&self, t: &NaiveDateTime) -> String {
        crate::kernel::time::local(t)
    }

    pub fn time_opt(&self, t: &Option<NaiveDateTime>) -> String {
        t.as_ref().map(crate::kernel::time::local).unwrap_or_else(|| "—".into())
    }

    /// The role's navigation, grouped by area so that a district staffer's
    /// fifteen pages fit a 1280 px screen and a phone (issue 14).
    pub fn nav(&self) -> Vec<NavGroup> {
        let Some(u) = &self.user else { return vec![] };
        let nav = |href, label_key| NavItem { href, label_key };
        let menu = |label_key, items: Vec<NavItem>| NavGroup { label_key: Some(label_key), items };
        let links = |items: Vec<NavItem>| NavGroup { label_key: None, items };
        let home = nav("/", "nav.home");
        match u.role {
            Role::DistrictAdmin | Role::Leader => vec![
                links(vec![
                    home,
                    nav("/dashboard", "nav.dashboard"),
                    nav("/calendar", "nav.calendar"),
                    nav("/notices", "nav.notices"),
                ]),
                menu("nav.group_opinions", {
                    let mut items = vec![
                        nav("/opinions", "nav.opinion_cases"),
                        nav("/opinions/reports", "nav.reports"),
                        nav("/opinions/stats", "nav.opinion_stats"),
                    ];
                    // Where messages go beyond the app: the district's to set up.
                    if u.role == Role::DistrictAdmin {
                        items.extend([nav("/robots", "nav.robots"), nav("/deliveries", "nav.deliveries")]);
                    }
                    items
                }),
                menu(
                    "nav.group_activities",
                    vec![nav("/activities", "nav.activities"), nav("/activities/coverage", "nav.coverage")],
                ),
                menu(
                    "nav.group_consultations",
                    vec![
                        nav("/consultations", "nav.consultation_topics"),
                        nav("/consultations/items", "nav.consultation_items"),
                        nav("/consultations/overview", "nav.consultation_overview"),
                        nav("/proposals", "nav.proposals"),
                        nav("/proposals/stats", "nav.proposal_figures"),
                    ],
                ),
                menu(
                    "nav.group_funds",
                    vec![
                        nav("/funds", "nav.funds"),
                        nav("/funds/members", "nav.member_funds"),
                        nav("/duty/scores", "nav.scores"),
                        nav("/funds/rules", "nav.rules"),
                    ],
                ),
                menu(
                    "nav.group_roster",
                    vec![
                        nav("/offices", "nav.offices"),
                        nav("/members", "nav.members"),
                        nav("/liaisons", "nav.liaisons"),
                        nav("/homes", "nav.homes"),
                        nav("/sectors", "nav.sectors"),
                        nav("/roster", "roster.nav"),
                        nav("/inspections", "nav.inspections"),
                        nav("/archive", "nav.archive"),
                    ],
                ),
            ],
            Role::OfficeStaff => vec![
                links(vec![
                    home,
                    nav("/opinions", "nav.opinions"),
                    nav("/dashboard", "nav.dashboard"),
                    nav("/notices", "nav.notices"),
                ]),
                menu(
                    "nav.group_activities",
                    vec![nav("/activities", "nav.activities"), nav("/activities/coverage", "nav.coverage")],
                ),
                menu(
                    "nav.group_consultations",
                    vec![
                        nav("/consultations", "nav.consultation_topics"),
                        nav("/consultations/items", "nav.consultation_items"),
                    ],
                ),
                menu(
                    "nav.group_funds",
                    vec![
                        nav("/funds", "nav.funds"),
                        nav("/funds/members", "nav.member_funds"),
                        nav("/duty/scores", "nav.scores"),
                        nav("/funds/rules", "nav.rules"),
                    ],
                ),
                menu(
                    "nav.group_roster",
                    vec![
                        nav("/offices", "nav.my_office"),
                        nav("/members", "nav.members"),
                        nav("/homes", "nav.homes"),
                        nav("/robots", "nav.robots"),
                        nav("/roster", "roster.nav"),
                        nav("/inspections", "nav.inspections"),
                        nav("/archive", "nav.archive"),
                    ],
                ),
            ],
            Role::Member => vec![links(vec![
                home,
                nav("/m/", "nav.workbench"),
                nav("/opinions", "nav.my_cases"),
                nav("/activities", "nav.activities"),
                nav("/consultations", "nav.consultations"),
                nav("/proposals", "nav.my_proposals"),
                nav("/duty/mine", "nav.my_duty"),
                nav("/funds/mine", "nav.my_funds"),
                nav("/notices", "nav.notices"),
                nav("/offices", "nav.offices"),
            ])],
            Role::Sysadmin => {
                vec![links(vec![home, nav("/admin/users", "nav.accounts"), nav("/admin/api-tokens", "nav.api_tokens")])]
            }
            Role::Auditor => vec![links(vec![home, nav("/audit", "nav.audit")])],
            Role::SecurityAdmin => vec![links(vec![home, nav("/security", "nav.security")])],
            Role::Department => vec![links(vec![
                home,
                nav("/opinions", "nav.my_cases"),
                nav("/proposals", "nav.proposals"),
                nav("/consultations/items", "nav.consultation_items"),
                nav("/notices", "nav.notices"),
            ])],
        }
    }

    /// The nav item for this page: the longest href the path starts with (so
    /// /opinions/reports marks 社情民意信息, not 社情民意 too).
    pub fn is_current(&self, href: &str) -> bool {
        let matches = |h: &str| if h == "/" { self.path == "/" } else { self.path.starts_with(h) };
        matches(href) && !self.nav().iter().flat_map(|g| &g.items).any(|n| n.href.len() > href.len() && matches(n.href))
    }

    /// A menu holding the current page, marked on its closed summary too.
    pub fn holds_current(&self, group: &NavGroup) -> bool {
        group.items.iter().any(|i| self.is_current(i.href))
    }

    /// Builds the page context from a request; also used by the error renderer.
    pub async fn from_parts_and_session(parts: &Parts, session: Option<&Session>) -> Page {
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = Lang::from_headers(&parts.headers);
        let large = jar.get(LARGE_COOKIE).is_some_and(|c| c.value() == "1");
        let user = parts.extensions.get::<Actor>().cloned();
        let form_token = || parts.extensions.get::<FormToken>().map(|t| t.0.clone()).unwrap_or_default();
        let (csrf, flash) = match session {
            // Only a signed-in user's session holds a token; an anonymous visit
            // stores nothing (see `csrf`), unless a flash message is waiting.
            Some(s) => {
                let csrf = if user.is_some() { csrf_token(s).await } else { form_token() };
                let flash = s.get::<Flash>(FLASH_KEY).await.ok().flatten();
                if flash.is_some() {
                    let _ = s.remove::<Flash>(FLASH_KEY).await;
                }
                (csrf, flash)
            }
            None => (form_token(), None),
        };
        let here = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_string(), |p| p.to_string());
        Page { lang, large, csrf, user, path: parts.uri.path().to_string(), here, flash }
    }
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(CSRF_KEY).await {
        return t;
    }
    let t = random_token(32);
    if let Err(e) = session.insert(CSRF_KEY, &t).await {
        tracing::warn!(error = %e, "could not store csrf token");
    }
    t
}

/// Shows a message on the next page the user sees (after a redirect).
pub async fn flash(session: &Session, ok: bool, key: &str) {
    let f = Flash { ok, key: key.to_string() };
    if let Err(e) = session.insert(FLASH_KEY, f).await {
        tracing::warn!(error = %e, "could not store flash message");
    }
}

/// After a form: a user mistake (bad input, a duplicate, a wrong state) is
/// shown as a message on the page the user goes back to; anything else is an
/// error page.
pub async fn form_done(
    session: &Session,
    result: crate::kernel::error::AppResult<()>,
    ok_key: &str,
    back: &str,
) -> crate::kernel::error::AppResult<axum::response::Redirect> {
    match result {
        Ok(()) => flash(session, true, ok_key).await,
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => flash(session, false, k).await,
        Err(e) => return Err(e),
    }
    Ok(axum::response::Redirect::to(back))
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")).into_response())?;
        Ok(Page::from_parts_and_session(parts, Some(&session)).await)
    }
}
