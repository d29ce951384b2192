//! The handler most forms need, written once: `POST …/{id}/…` reads the form,
//! changes the record in one write transaction as the signed-in user, and goes
//! back to a page with a flash — the success message, or the refusal's.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::{MethodRouter, post};
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::state::AppState;
use crate::kernel::web::page::form_done;

/// The page a form goes back to, from the record's id.
pub type Back = fn(i64) -> String;

/// `POST` of form `F` for the record `{id}`: `act` runs in a write transaction
/// (its refusal changes nothing), then back to `back(id)` with `ok` or the
/// refusal's message as a flash. Rules and checks belong in `act`'s store call.
pub fn action<F, A>(ok: &'static str, back: Back, act: A) -> MethodRouter<AppState>
where
    F: DeserializeOwned + Send + 'static,
    A: Fn(&mut DbConn, &Actor, i64, F) -> AppResult<()> + Copy + Send + Sync + 'static,
{
    routed(ok, move |id, _: &F| back(id), act)
}

/// `action`, going back to a page the form names (its `back` field, say:
/// the page it was opened from), through `kernel::web::safe_next`.
pub fn action_back<F, A>(ok: &'static str, back: fn(i64, &F) -> String, act: A) -> MethodRouter<AppState>
where
    F: DeserializeOwned + Send + 'static,
    A: Fn(&mut DbConn, &Actor, i64, F) -> AppResult<()> + Copy + Send + Sync + 'static,
{
    routed(ok, move |id, f: &F| crate::kernel::web::safe_next(Some(&back(id, f))).to_string(), act)
}

/// `action` for an address that names no record (`POST /sectors`): what the
/// store needs is all in the form, and so is the page to go back to.
pub fn action_form<F, A>(ok: &'static str, back: fn(&F) -> String, act: A) -> MethodRouter<AppState>
where
    F: DeserializeOwned + Send + 'static,
    A: Fn(&mut DbConn, &Actor, F) -> AppResult<()> + Copy + Send + Sync + 'static,
{
    post(move |st: State<AppState>, session: Session, me: CurrentUser, Form(f): Form<F>| async move {
        let to = back(&f);
        done(st, session, me, ok, &to, move |c, me| act(c, me, f)).await
    })
}

fn routed<F, A, B>(ok: &'static str, back: B, act: A) -> MethodRouter<AppState>
where
    F: DeserializeOwned + Send + 'static,
    A: Fn(&mut DbConn, &Actor, i64, F) -> AppResult<()> + Copy + Send + Sync + 'static,
    B: Fn(i64, &F) -> String + Copy + Send + Sync + 'static,
{
    post(
        move |st: State<AppState>, session: Session, me: CurrentUser, Path(id): Path<i64>, Form(f): Form<F>| async move {
            let to = back(id, &f);
            done(st, session, me, ok, &to, move |c, me| act(c, me, id, f)).await
        },
    )
}

/// Runs `act` in a write transaction as the user, then goes to `to` with a flash.
async fn done<A>(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    ok: &str,
    to: &str,
    act: A,
) -> AppResult<Redirect>
where
    A: FnOnce(&mut DbConn, &Actor) -> AppResult<()> + Send + 'static,
{
    let result = st.db.write(move |c| act(c, &me)).await;
    form_done(&session, result, ok, to).await
}

/// The form of a button that sends nothing but its CSRF token.
#[derive(serde::Deserialize)]
pub struct Button {}
