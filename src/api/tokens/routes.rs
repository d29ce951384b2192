//! The sysadmin's page of API tokens: make one (shown once), see when each
//! was last used, revoke.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::model::{self, Scope, Scopes};
use super::store::{self, NewToken, TokenRow};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::ApiTokenId;
use crate::kernel::state::AppState;
use crate::kernel::web::action::action;
use crate::kernel::web::{Page, render};

pub const PATH: &str = "/admin/api-tokens";

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(list).post(create)).route(
        "/admin/api-tokens/{id}/revoke",
        action("api.revoked", |_| PATH.into(), |c, me, id, _: Empty| store::revoke(c, me, ApiTokenId(id))),
    )
}

#[derive(Deserialize)]
struct Empty {}

#[derive(Template)]
#[template(path = "api/tokens.html")]
struct TokensTemplate {
    page: Page,
    tokens: Vec<TokenRow>,
    scopes: Vec<Scope>,
    error: Option<String>,
    /// The new token, shown this once: (system name, token).
    issued: Option<(String, String)>,
    default_per_minute: i32,
}

async fn view(
    st: &AppState,
    me: Actor,
    page: Page,
    error: Option<String>,
    issued: Option<(String, String)>,
) -> AppResult<Response> {
    let tokens = st.db.read(move |c| store::list(c, &me)).await?;
    let tpl = TokensTemplate {
        page,
        tokens,
        scopes: Scope::ALL.to_vec(),
        error,
        issued,
        default_per_minute: model::DEFAULT_PER_MINUTE,
    };
    Ok(render(&tpl)?.into_response())
}

async fn list(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    view(&st, me, page, None, None).await
}

/// The form: the scopes arrive as repeated `scope` fields, which a plain
/// struct cannot hold, so the pairs are read as a list.
async fn create(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let field = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let scopes: Vec<Scope> = pairs.iter().filter(|(n, _)| n == "scope").filter_map(|(_, v)| Scope::parse(v)).collect();
    let parsed: AppResult<NewToken> = (|| {
        Ok(NewToken {
            name: field("name"),
            scopes: Scopes::of(&scopes),
            days: field("days").parse().map_err(|_| AppError::BadRequest("api.bad_days"))?,
            per_minute: field("per_minute").parse().map_err(|_| AppError::BadRequest("api.bad_per_minute"))?,
        })
    })();
    let token = model::generate();
    let (hash, prefix) = (model::hash(&token), model::prefix(&token));
    let actor = me.clone();
    let made = match parsed {
        Ok(t) => {
            let name = t.name.clone();
            st.db.write(move |c| store::create(c, &actor, &t, &hash, &prefix)).await.map(|_| name)
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(name) => view(&st, me, page, None, Some((name, token))).await,
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            let error = Some(page.t(k));
            view(&st, me, page, error, None).await
        }
        Err(e) => Err(e),
    }
}

/// For the template: a token's state as a CSS class.
pub fn state_class(t: &TokenRow) -> &'static str {
    match t.state() {
        model::State::Active => "ok",
        model::State::ExpiringSoon => "warn",
        model::State::Expired | model::State::Revoked => "bad",
    }
}
