//! 忘记密码: the page that tells the way back in (the sysadmin's one-time
//! initial password), and, where texts reach phones, the reset by a code
//! (`reset`).

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::model::check_password_policy;
use super::password;
use super::reset::{self, Checked, Identifier, Requested};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::guard;
use crate::kernel::state::AppState;
use crate::kernel::web::page::flash;
use crate::kernel::web::{Page, render};

pub const FORGOT_PATH: &str = "/forgot";

pub fn router() -> Router<AppState> {
    Router::new().route(FORGOT_PATH, get(forgot_page).post(send_code)).route("/forgot/reset", post(reset_password))
}

#[derive(Template)]
#[template(path = "kernel/forgot.html")]
struct ForgotTemplate {
    page: Page,
    /// Texted codes are on (`Config::sms_reset_enabled`).
    sms: bool,
    /// The login or phone a code was asked for: the second step's form.
    who: Option<String>,
    error: Option<String>,
}

fn show(page: Page, sms: bool, who: Option<String>, error: Option<&str>) -> AppResult<Response> {
    let error = error.map(|k| page.t(k));
    Ok(render(&ForgotTemplate { page, sms, who, error })?.into_response())
}

async fn forgot_page(State(st): State<AppState>, page: Page) -> AppResult<Response> {
    show(page, st.config.sms_reset_enabled(), None, None)
}

#[derive(Deserialize)]
struct CodeForm {
    who: String,
}

async fn send_code(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    page: Page,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    if !st.config.sms_reset_enabled() {
        return show(page, false, None, Some("forgot.no_sms"));
    }
    let Some(id) = Identifier::parse(&f.who) else { return show(page, true, None, Some("forgot.bad_who")) };
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
    let (vault, channel) = (st.personal.clone(), st.sms.channel());
    let asked = id.clone();
    match st.db.write(move |c| reset::request(c, &vault, channel, &asked, &ip)).await? {
        Requested::Done => show(page, true, Some(f.who.trim().to_string()), None),
        Requested::TooMany => show(page, true, None, Some("forgot.too_many")),
    }
}

#[derive(Deserialize)]
struct ResetForm {
    who: String,
    code: String,
    new: String,
    confirm: String,
}

async fn reset_password(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    session: Session,
    page: Page,
    Form(f): Form<ResetForm>,
) -> AppResult<Response> {
    let sms = st.config.sms_reset_enabled();
    if !sms {
        return show(page, false, None, Some("forgot.no_sms"));
    }
    let who = f.who.trim().to_string();
    let Some(id) = Identifier::parse(&who) else { return show(page, true, None, Some("forgot.bad_who")) };
    if f.new != f.confirm {
        return show(page, true, Some(who), Some("password.mismatch"));
    }
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
    let vault = st.personal.clone();
    let code = f.code;
    // A write of its own: a wrong code stays counted whatever follows.
    let (reset, user) = match st.db.write(move |c| reset::check(c, &vault, &id, &code, &ip)).await? {
        Checked::Valid { reset, user } => (reset, user),
        Checked::Invalid => return show(page, true, Some(who), Some("forgot.invalid")),
        Checked::TooMany => return show(page, true, None, Some("forgot.too_many")),
    };
    if let Err(p) = check_password_policy(&f.new, &user.username) {
        return show(page, true, Some(who), Some(p.message_key()));
    }
    let hash = password::hash_async(f.new).await?;
    if !st.db.write(move |c| reset::finish(c, reset, &user, &hash)).await? {
        return show(page, true, Some(who), Some("forgot.invalid"));
    }
    // This browser's session too: should it be the account's, saving it
    // would bring it back.
    session.flush().await.map_err(|e| AppError::Internal(e.into()))?;
    flash(&session, true, "forgot.done").await;
    Ok(Redirect::to("/login").into_response())
}
