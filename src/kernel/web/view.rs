//! The handler most record pages need, written once: `GET …/{id}` loads the
//! record as the signed-in user (the store checks scope) and renders it.

use axum::extract::{Path, State};
use axum::routing::{MethodRouter, get};

use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};

/// `GET` of the record `{id}`: `load` reads it on a reader connection and
/// builds the page's template `T`.
pub fn view<T, L>(load: L) -> MethodRouter<AppState>
where
    T: askama::Template + Send + 'static,
    L: Fn(&mut DbConn, &Actor, i64, Page) -> AppResult<T> + Copy + Send + Sync + 'static,
{
    get(move |State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page, Path(id): Path<i64>| async move {
        let tpl = st.db.read(move |c| load(c, &me, id, page)).await?;
        render(&tpl)
    })
}
