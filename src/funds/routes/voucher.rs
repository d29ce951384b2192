//! An expense's receipts (upload and download) and its printed voucher.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::funds::model::ExpenseStatus;
use crate::funds::store::receipts::{self, MAX_RECEIPTS};
use crate::funds::store::voucher::{self, Voucher};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
use crate::kernel::files::routes::{download, upload};
use crate::kernel::ids::ExpenseId;
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/funds/expenses/{id}/receipts",
            upload(MAX_RECEIPTS, receipts::attach, |id| format!("/funds/expenses/{id}#receipts")),
        )
        .route("/funds/expenses/{id}/files/{file}", download(receipts::holds))
        .route("/funds/expenses/{id}/voucher", get(voucher_page))
}

#[derive(Template)]
#[template(path = "funds/voucher.html")]
struct VoucherTemplate {
    page: Page,
    v: Voucher,
}

impl VoucherTemplate {
    fn approved(&self) -> bool {
        matches!(self.v.e.status, ExpenseStatus::Approved | ExpenseStatus::Paid)
    }
}

async fn voucher_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let v = st.db.read(move |c| voucher::voucher(c, &me, ExpenseId(id))).await?;
    render(&VoucherTemplate { page, v }).map(IntoResponse::into_response)
}
