//! Display preferences kept in cookies: language and the elder-friendly mode.

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, Lang};
use super::page::LARGE_COOKIE;
use super::safe_next;
use crate::kernel::error::AppError;
use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/lang/{code}", get(set_lang)).route("/ui/large/{on}", get(set_large))
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

fn pref_cookie(name: &'static str, value: &str) -> Cookie<'static> {
    Cookie::build((name, value.to_string()))
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(true)
        .max_age(time::Duration::days(365))
        .build()
}

async fn set_lang(jar: CookieJar, Path(code): Path<String>, Query(q): Query<Next>) -> Response {
    let Some(lang) = Lang::parse(&code) else { return AppError::NotFound.into_response() };
    (jar.add(pref_cookie(LANG_COOKIE, lang.code())), Redirect::to(safe_next(q.next.as_deref()))).into_response()
}

async fn set_large(jar: CookieJar, Path(on): Path<String>, Query(q): Query<Next>) -> Response {
    let value = if on == "on" { "1" } else { "0" };
    (jar.add(pref_cookie(LARGE_COOKIE, value)), Redirect::to(safe_next(q.next.as_deref()))).into_response()
}
