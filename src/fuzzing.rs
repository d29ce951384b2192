//! Entry points for the fuzz targets in `fuzz/` and for the test that runs
//! their committed corpus (`tests/it/fuzz_corpus.rs`). Each takes raw bytes,
//! runs the parser a request would run, and must return without panicking
//! whatever the bytes; the result is dropped. Not an API.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart};
use axum::http::Request;

use crate::kernel::files::{Accept, FileStore, MAX_PUBLIC_PIXELS, check, reencode};
use crate::org::model::Phone;
use crate::org::roster::{hidden, xlsx};

/// The uploaded roster workbook: the sheets, then the hidden rows.
pub fn roster_import(bytes: &[u8]) {
    let _ = xlsx::read(bytes);
    let _ = hidden::hidden_rows(bytes);
}

/// The search box's text: the query terms and the indexed terms.
pub fn search_query(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = crate::kernel::search::text::query_terms(&text);
    let terms = crate::kernel::search::terms(&text);
    let _ = crate::kernel::search::simhash(&terms);
}

/// A multipart body as the public opinion box receives it (boundary `B`): the
/// CSRF guard's reading of its start, in chunks of a size the first byte
/// picks (a client may drip it a byte at a time), then the fields and files,
/// then the phone the resident typed.
pub fn multipart_form(bytes: &[u8]) {
    const CONTENT_TYPE: &str = "multipart/form-data; boundary=B";
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(r) => r,
        Err(_) => return,
    };
    runtime.block_on(async {
        let chunk = 1 + usize::from(bytes.first().copied().unwrap_or(0) % 64);
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            bytes.chunks(chunk).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let body = Body::from_stream(futures_util::stream::iter(chunks));
        let Ok((_token, body)) = crate::kernel::web::csrf::multipart_prefix_token(CONTENT_TYPE, body).await else {
            return;
        };
        let req = match Request::post("/box/hubin").header("content-type", CONTENT_TYPE).body(body) {
            Ok(r) => r,
            Err(_) => return,
        };
        let Ok(mp) = Multipart::from_request(req, &()).await else { return };
        // File parts are spooled to disk as in the server; the spool files go
        // with the uploads when they are dropped.
        let store = FileStore::new(std::env::temp_dir().join("xieshang-fuzz"));
        if let Ok(form) = store.read_multipart_keeping_text(mp, 3).await {
            let fields: HashMap<String, String> = form.fields;
            let _ = fields.get("phone").map(|p| Phone::parse(p.trim()));
        }
    });
}

/// An uploaded photo: the type check, then the decode and re-encode every
/// accepted image goes through.
pub fn image_check(bytes: &[u8]) {
    if let Ok(kind) = check::check(bytes, Accept::Images) {
        let _ = reencode::reencode(std::io::Cursor::new(bytes.to_vec()), kind, MAX_PUBLIC_PIXELS);
    }
    let _ = check::check(bytes, Accept::ImagesAndDocuments);
}
