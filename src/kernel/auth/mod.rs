//! Accounts, roles, sessions, login and the account-management pages.

pub mod forgot;
pub mod model;
pub mod password;
pub mod password_age;
pub mod reset;
pub mod routes;
pub mod security;
pub mod security_routes;
pub mod session_store;
pub mod sign_in;
pub mod store;
pub mod throttle;
pub mod totp;
pub mod two_factor;
pub mod two_factor_routes;
pub mod unlock;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::kernel::ids::UserId;
use crate::kernel::state::AppState;
pub use model::{Actor, OfficeScope, Role};

pub const USER_KEY: &str = "uid";

/// Marks a request whose user must change an initial password first.
#[derive(Clone, Copy)]
struct MustChangePassword;

/// Marks a request whose user must enrol a second factor first.
#[derive(Clone, Copy)]
struct MustEnrolTwoFactor;

/// Loads the session's user on every request. A disabled or deleted account ends
/// the session at once; an initial password sends the user to change it, and
/// an administrator without a second factor to enrol one.
pub async fn load_user(State(st): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    if let Ok(Some(uid)) = session.get::<i64>(USER_KEY).await {
        let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        match st.db.read(move |c| store::find_unscoped(c, UserId(uid))).await {
            Ok(Some(u)) if !u.disabled => {
                req.extensions_mut().insert(u.actor(request_id));
                if u.must_change_password {
                    req.extensions_mut().insert(MustChangePassword);
                } else {
                    match two_factor_routes::must_enrol(&st, &u).await {
                        Ok(true) => {
                            req.extensions_mut().insert(MustEnrolTwoFactor);
                        }
                        Ok(false) => {}
                        Err(e) => return e.into_response(),
                    }
                }
            }
            Ok(_) => {
                let _ = session.flush().await;
            }
            Err(e) => return e.into_response(),
        }
    }
    let path = req.uri().path();
    if req.extensions().get::<MustChangePassword>().is_some()
        && path != routes::PASSWORD_PATH
        && path != "/logout"
        && !path.starts_with("/lang/")
        && !path.starts_with("/ui/")
    {
        return Redirect::to(routes::PASSWORD_PATH).into_response();
    }
    if req.extensions().get::<MustEnrolTwoFactor>().is_some()
        && path != two_factor_routes::ENROL_PATH
        && path != "/logout"
        && !path.starts_with("/lang/")
        && !path.starts_with("/ui/")
    {
        return Redirect::to(two_factor_routes::ENROL_PATH).into_response();
    }
    next.run(req).await
}

/// A handler argument that requires a logged-in user; anonymous visitors are
/// sent to the login page and come back afterwards.
pub struct CurrentUser(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Actor>() {
            Some(a) => Ok(CurrentUser(a.clone())),
            None => {
                // After signing in, a GET goes back where it was; a form sent
                // while signed out goes back to the page it was sent from
                // (its address answers only POST), when that is on this site.
                let next = if parts.method == axum::http::Method::GET {
                    parts.uri.path_and_query().map(|p| p.as_str().to_string())
                } else {
                    parts
                        .headers
                        .get(axum::http::header::REFERER)
                        .and_then(|r| r.to_str().ok())
                        .and_then(|r| r.parse::<axum::http::Uri>().ok())
                        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_string()))
                };
                let next = next.unwrap_or_else(|| "/".to_string());
                let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                Err(Redirect::to(&format!("/login?{q}")).into_response())
            }
        }
    }
}
