//! Two-factor pages: enrolment (/account/two-factor) and the sign-in's second
//! step (/login/code), plus what the login handler does once the password is
//! right (`after_password`) and the middleware's "enrol first" rule.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Duration;
use serde::Deserialize;
use tower_sessions::Session;

use super::store::User;
use super::two_factor::{self, Passed};
use super::{CurrentUser, USER_KEY, password_age, totp};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::guard;
use crate::kernel::ids::UserId;
use crate::kernel::state::AppState;
use crate::kernel::web::page::{CSRF_KEY, flash};
use crate::kernel::web::{Page, render, safe_next};

/// Wrong codes from one account in a window before further tries wait.
const MAX_FAILED_CODES: i32 = 5;
const CODE_WINDOW_MINUTES: i64 = 15;

pub const ENROL_PATH: &str = "/account/two-factor";
pub const CODE_PATH: &str = "/login/code";
/// The account that passed its password and owes a code, and where it goes next.
const PENDING_KEY: &str = "2fa_uid";
const PENDING_NEXT_KEY: &str = "2fa_next";
/// When the password was accepted: the code must follow within minutes, so a
/// half-finished sign-in cannot outlive a password change or a lock for long.
const PENDING_AT_KEY: &str = "2fa_at";
const PENDING_MINUTES: i64 = 5;

pub fn router() -> Router<AppState> {
    Router::new().route(ENROL_PATH, get(enrol_page).post(confirm)).route(CODE_PATH, get(code_page).post(check_code))
}

fn internal(e: impl Into<anyhow::Error>) -> AppError {
    AppError::Internal(e.into())
}

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// Whether the middleware must send `user` to enrol before anything else: a
/// role that requires a second factor, required by configuration, none yet.
pub async fn must_enrol(st: &AppState, user: &User) -> AppResult<bool> {
    if !st.config.require_two_factor || !user.role.needs_two_factor() {
        return Ok(false);
    }
    let id = user.id;
    Ok(!st.db.read(move |c| two_factor::is_enabled_unscoped(c, id)).await?)
}

/// The login handler's next step once the password is right: password aging,
/// then either the code page (two-factor sign-in on) or the session.
pub async fn after_password(st: &AppState, session: &Session, uid: UserId, next: &str) -> AppResult<Response> {
    let max_age = st.config.password_max_age_days;
    let t = crate::kernel::time::now();
    let second_factor = st
        .db
        .write(move |c| {
            password_age::expire_if_old_unscoped(c, uid, max_age, t)?;
            two_factor::is_enabled_unscoped(c, uid)
        })
        .await?;
    // A fresh session id at each step defeats session fixation.
    session.cycle_id().await.map_err(internal)?;
    if second_factor {
        session.insert(PENDING_KEY, uid.0).await.map_err(internal)?;
        session.insert(PENDING_NEXT_KEY, next).await.map_err(internal)?;
        session.insert(PENDING_AT_KEY, t.and_utc().timestamp()).await.map_err(internal)?;
        return Ok(Redirect::to(CODE_PATH).into_response());
    }
    sign_in(session, uid).await?;
    Ok(Redirect::to(next).into_response())
}

async fn sign_in(session: &Session, uid: UserId) -> AppResult<()> {
    session.insert(USER_KEY, uid.0).await.map_err(internal)?;
    let _ = session.remove::<String>(CSRF_KEY).await;
    Ok(())
}

#[derive(Template)]
#[template(path = "kernel/login_code.html")]
struct CodeTemplate {
    page: Page,
    error: Option<String>,
}

async fn code_page(session: Session, page: Page) -> AppResult<Response> {
    if session.get::<i64>(PENDING_KEY).await.ok().flatten().is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(render(&CodeTemplate { page, error: None })?.into_response())
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

/// Wrong codes are counted per account like wrong passwords: five in a
/// quarter hour and the account's codes are refused until it ends.
fn throttle_key(uid: UserId) -> String {
    format!("auth.two_factor:{}", uid.0)
}

async fn check_code(
    State(st): State<AppState>,
    session: Session,
    page: Page,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    let Some(uid) = session.get::<i64>(PENDING_KEY).await.ok().flatten().map(UserId) else {
        return Ok(Redirect::to("/login").into_response());
    };
    // The password step is recent, and the account is still allowed in.
    let at = session.get::<i64>(PENDING_AT_KEY).await.ok().flatten().unwrap_or(0);
    let now = crate::kernel::time::now();
    let fresh = now.and_utc().timestamp().saturating_sub(at) <= PENDING_MINUTES * 60;
    let user = st.db.read(move |c| super::store::find_unscoped(c, uid)).await?;
    let allowed = user.is_some_and(|u| !u.disabled && !super::throttle::is_locked(u.locked_until, now));
    if !fresh || !allowed {
        let _ = session.remove::<i64>(PENDING_KEY).await;
        return Ok(Redirect::to("/login").into_response());
    }
    let window = Duration::minutes(CODE_WINDOW_MINUTES);
    let key = throttle_key(uid);
    let k = key.clone();
    let tried = st.db.read(move |c| guard::count(c, &k, window)).await?;
    let error_key = if tried >= MAX_FAILED_CODES {
        "two_factor.throttled"
    } else {
        let (vault, code) = (st.personal.clone(), f.code.trim().to_string());
        match st.db.write(move |c| two_factor::verify_unscoped(c, &vault, uid, &code, unix_now())).await? {
            Some(passed) => {
                let next = session.remove::<String>(PENDING_NEXT_KEY).await.ok().flatten();
                let _ = session.remove::<i64>(PENDING_KEY).await;
                session.cycle_id().await.map_err(internal)?;
                sign_in(&session, uid).await?;
                if passed == Passed::RecoveryCode {
                    flash(&session, true, "two_factor.recovery_used").await;
                }
                return Ok(Redirect::to(safe_next(next.as_deref())).into_response());
            }
            None => {
                st.db.write(move |c| guard::hit(c, &key, window, MAX_FAILED_CODES)).await?;
                "two_factor.wrong"
            }
        }
    };
    let error = Some(page.t(error_key));
    Ok(render(&CodeTemplate { page, error })?.into_response())
}

#[derive(Template)]
#[template(path = "kernel/two_factor.html")]
struct EnrolTemplate {
    page: Page,
    /// Sent here because the role requires it.
    forced: bool,
    /// Unused recovery codes, once two-factor sign-in is on.
    enabled: Option<i64>,
    /// The pending secret, grouped by four to type, and its QR code.
    secret: Option<(String, String)>,
    /// Recovery codes just made: shown this once.
    codes: Vec<String>,
    error: Option<String>,
}

async fn enrol_view(
    st: &AppState,
    me: crate::kernel::auth::Actor,
    page: Page,
    error: Option<String>,
) -> AppResult<Response> {
    let forced = st.config.require_two_factor && me.role.needs_two_factor();
    let vault = st.personal.clone();
    let actor = me.clone();
    let pending = st.db.write(move |c| two_factor::pending_secret(c, &vault, &actor)).await?;
    let (enabled, secret) = match pending {
        Some(s) => {
            let qr = crate::kernel::web::links::qr_inline(&totp::otpauth_url(&s, &me.username)?)?;
            let grouped = s.as_bytes().chunks(4).map(String::from_utf8_lossy).collect::<Vec<_>>().join(" ");
            (None, Some((grouped, qr)))
        }
        None => (Some(st.db.read(move |c| two_factor::recovery_codes_left(c, &me)).await?), None),
    };
    Ok(render(&EnrolTemplate { page, forced, enabled, secret, codes: vec![], error })?.into_response())
}

async fn enrol_page(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    enrol_view(&st, me, page, None).await
}

async fn confirm(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    let (vault, actor, code) = (st.personal.clone(), me.clone(), f.code);
    match st.db.write(move |c| two_factor::confirm(c, &vault, &actor, &code, unix_now())).await {
        Ok(Some(codes)) => {
            let tpl = EnrolTemplate { page, forced: false, enabled: None, secret: None, codes, error: None };
            Ok(render(&tpl)?.into_response())
        }
        Ok(None) => {
            let error = Some(page.t("two_factor.wrong"));
            enrol_view(&st, me, page, error).await
        }
        Err(AppError::BadRequest(k)) => {
            let error = Some(page.t(k));
            enrol_view(&st, me, page, error).await
        }
        Err(e) => Err(e),
    }
}
