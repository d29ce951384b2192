//! The caller of an API route: the bearer token checked, counted and audited
//! (`tokens::store::admit`), and the token's account as the acting user. A
//! handler names the scope it needs in its argument: `Caller<Read>`.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::error::ApiError;
use super::tokens::model::{self, Refusal, Scope};
use super::tokens::store::{self, Admitted, Call};
use crate::kernel::auth::Actor;
use crate::kernel::state::AppState;

/// The scope a route needs, as a type.
pub trait Need {
    const SCOPE: Scope;
}

/// Reading cases, the roster, activities, consultations.
pub struct Read;
/// Sending new cases.
pub struct Submit;
/// Moving cases on.
pub struct Act;

impl Need for Read {
    const SCOPE: Scope = Scope::Read;
}
impl Need for Submit {
    const SCOPE: Scope = Scope::Submit;
}
impl Need for Act {
    const SCOPE: Scope = Scope::Act;
}
/// Passing on the 12345 hotline's work orders.
pub struct Hotline;
impl Need for Hotline {
    const SCOPE: Scope = Scope::Hotline;
}

/// The token's account, admitted for a call that needs `N`, and the
/// system's name on the token.
pub struct Caller<N>(pub Actor, pub String, pub PhantomData<N>);

impl<N: Need> FromRequestParts<AppState> for Caller<N> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::from(Refusal::Unknown))?;
        let a = admit(st, parts, &token, N::SCOPE).await?.map_err(ApiError::from)?;
        Ok(Caller(a.actor, a.system, PhantomData))
    }
}

/// The token in the request's `Authorization: Bearer …` header.
pub fn bearer(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(model::from_header)
        .map(str::to_owned)
}

/// Admits a call by `token` needing `scope` (`tokens::store::admit`, one
/// write): the token's account, or why not. For Open311, whose callers may
/// send the token as its `api_key` field instead of the header.
pub async fn admit(
    st: &AppState,
    parts: &Parts,
    token: &str,
    scope: Scope,
) -> Result<Result<Admitted, Refusal>, ApiError> {
    let hash = model::hash(token);
    let known = hash.clone();
    if !st.db.read(move |c| store::exists(c, &known)).await? {
        return Ok(Err(Refusal::Unknown));
    }
    let call = Call { method: parts.method.to_string(), path: parts.uri.path().to_string(), scope };
    let request_id = parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    Ok(st.db.write(move |c| store::admit_unscoped(c, &hash, &call, request_id)).await?)
}
