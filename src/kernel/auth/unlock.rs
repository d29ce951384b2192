//! 解除登录锁定: the owner of an account locked by an attack from many
//! addresses lifts the lock with a code texted to their verified phone (the
//! same codes, limits and checks as `reset`). The security admin's way is
//! on the security page, the operator's the CLI (`xieshang user unlock-sign-in`).

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

use super::reset::{self, Checked, Identifier, Purpose, Requested};
use super::sign_in::{self, UnlockedBy};
use crate::kernel::audit::store::Who;
use crate::kernel::error::AppResult;
use crate::kernel::guard;
use crate::kernel::state::AppState;
use crate::kernel::web::page::flash;
use crate::kernel::web::{Page, render};

pub const UNLOCK_PATH: &str = "/login/unlock";

pub fn router() -> Router<AppState> {
    Router::new().route(UNLOCK_PATH, get(unlock_page).post(send_code)).route("/login/unlock/code", post(unlock))
}

#[derive(Template)]
#[template(path = "kernel/unlock.html")]
struct UnlockTemplate {
    page: Page,
    /// Texted codes are on (`Config::sms_reset_enabled`).
    sms: bool,
    /// The login or phone a code was asked for: the second step's form.
    who: Option<String>,
    error: Option<String>,
}

fn show(page: Page, sms: bool, who: Option<String>, error: Option<&str>) -> AppResult<Response> {
    let error = error.map(|k| page.t(k));
    Ok(render(&UnlockTemplate { page, sms, who, error })?.into_response())
}

async fn unlock_page(State(st): State<AppState>, page: Page) -> AppResult<Response> {
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
        return show(page, false, None, Some("unlock.no_sms"));
    }
    let Some(id) = Identifier::parse(&f.who) else { return show(page, true, None, Some("forgot.bad_who")) };
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
    let (vault, channel) = (st.personal.clone(), st.sms.channel());
    match st.db.write(move |c| reset::request_for(c, &vault, channel, &id, &ip, Purpose::Unlock)).await? {
        Requested::Done => show(page, true, Some(f.who.trim().to_string()), None),
        Requested::TooMany => show(page, true, None, Some("forgot.too_many")),
    }
}

#[derive(Deserialize)]
struct UnlockForm {
    who: String,
    code: String,
}

async fn unlock(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    session: Session,
    page: Page,
    Form(f): Form<UnlockForm>,
) -> AppResult<Response> {
    if !st.config.sms_reset_enabled() {
        return show(page, false, None, Some("unlock.no_sms"));
    }
    let who = f.who.trim().to_string();
    let Some(id) = Identifier::parse(&who) else { return show(page, true, None, Some("forgot.bad_who")) };
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
    let vault = st.personal.clone();
    let (code, ip2) = (f.code, ip.clone());
    // A write of its own: a wrong code stays counted whatever follows.
    let (reset, user) = match st.db.write(move |c| reset::check(c, &vault, &id, &code, &ip2)).await? {
        Checked::Valid { reset, user } => (reset, user),
        Checked::Invalid => return show(page, true, Some(who), Some("forgot.invalid")),
        Checked::TooMany => return show(page, true, None, Some("forgot.too_many")),
    };
    let closed = st
        .db
        .write(move |c| {
            if !reset::close(c, reset, &user, crate::kernel::time::now())? {
                return Ok(false);
            }
            let by = Who::System { committee_id: Some(user.committee_id), name: &user.username };
            sign_in::unlock_unscoped(c, by, &user, UnlockedBy::Owner { ip: &ip })?;
            Ok(true)
        })
        .await?;
    if !closed {
        return show(page, true, Some(who), Some("forgot.invalid"));
    }
    flash(&session, true, "unlock.done").await;
    Ok(Redirect::to("/login").into_response())
}
