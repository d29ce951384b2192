//! The year-end finance report's download: `/funds/books.xlsx?books=12&year=2026`
//! for one set of books, without `books` the district's summary over
//! offices. Who may have which is the store's check.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;

use super::books::{BooksQuery, books_of};
use crate::activities::export::file_part;
use crate::funds::store::year_end;
use crate::funds::xlsx::{self, zh};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{Kind as FileKind, attachment};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::paging;

pub fn router() -> Router<AppState> {
    Router::new().route("/funds/books.xlsx", get(books_xlsx))
}

async fn books_xlsx(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(q): Query<BooksQuery>,
) -> AppResult<Response> {
    let printed = today();
    let year = paging::year(q.year.as_deref()).unwrap_or_else(|| printed.year());
    let books = books_of(&q.books, &me)?;
    let (bytes, name) = match books {
        Some(b) => {
            let y = st.db.read(move |c| year_end::books_year(c, &me, b, year)).await?;
            let name = format!("{}_{}_{year}.xlsx", zh::FILE, file_part(y.office.as_deref().unwrap_or(zh::OWN), 20));
            (blocking(move || xlsx::books_year(&y, printed)).await?, name)
        }
        None => {
            let y = st.db.read(move |c| year_end::district_year(c, &me, year)).await?;
            let name = format!("{}_{}_{year}.xlsx", zh::FILE, file_part(&y.committee, 20));
            (blocking(move || xlsx::district_year(&y, printed)).await?, name)
        }
    };
    Ok(attachment(bytes, FileKind::Xlsx, &name))
}

/// Writing a workbook is CPU work: off the async threads.
async fn blocking(f: impl FnOnce() -> AppResult<Vec<u8>> + Send + 'static) -> AppResult<Vec<u8>> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing a finance report failed: {e}")))?
}
