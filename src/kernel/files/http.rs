//! Files over HTTP: reading upload forms, sending files back.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use tokio::io::AsyncWriteExt;

use super::{FileStore, MAX_FILE_BYTES, Upload};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::FileRow;

/// The longest text field in an upload form (a description, a note).
pub const MAX_FIELD_CHARS: usize = 10_000;

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::BadRequest("file.form_too_large")
    } else {
        AppError::BadRequest("file.bad_form")
    }
}

impl FileStore {
    /// Reads a multipart form: its text fields (the last value of a repeated
    /// name wins) and its files, each written to a temporary file as it
    /// arrives (memory holds a chunk, whatever the size). Inputs left empty (no
    /// file chosen) are skipped. More than `max_files` files, a file over the
    /// size limit or a text over `MAX_FIELD_CHARS` stop the reading at once;
    /// the temporary files go with the error.
    pub async fn read_multipart(
        &self,
        mut mp: Multipart,
        max_files: usize,
    ) -> AppResult<(HashMap<String, String>, Vec<Upload>)> {
        let mut fields = HashMap::new();
        let mut uploads = Vec::new();
        while let Some(mut field) = mp.next_field().await.map_err(multipart_error)? {
            let name = field.name().unwrap_or("").to_string();
            let Some(file_name) = field.file_name().map(str::to_owned) else {
                // Up to 4 bytes a character in UTF-8.
                let mut buf = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if buf.len() + chunk.len() > MAX_FIELD_CHARS * 4 {
                        return Err(AppError::BadRequest("file.field_too_long"));
                    }
                    buf.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(buf).map_err(|_| AppError::BadRequest("file.bad_form"))?;
                if text.chars().count() > MAX_FIELD_CHARS {
                    return Err(AppError::BadRequest("file.field_too_long"));
                }
                fields.insert(name, text);
                continue;
            };
            let (spooled, mut file) = self.spool().create().await?;
            let io = |e: std::io::Error| AppError::Internal(anyhow::anyhow!("writing an upload: {e}"));
            let mut len = 0u64;
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                len += chunk.len() as u64;
                if len > MAX_FILE_BYTES as u64 {
                    return Err(AppError::BadRequest("file.too_large"));
                }
                file.write_all(&chunk).await.map_err(io)?;
            }
            file.flush().await.map_err(io)?;
            if len == 0 {
                continue;
            }
            if uploads.len() == max_files {
                return Err(AppError::BadRequest("file.too_many"));
            }
            uploads.push(Upload::spooled(name, file_name, spooled, len));
        }
        Ok((fields, uploads))
    }
}

/// The response for a stored file. Images open in the browser; everything else
/// downloads under its original name. `nosniff` keeps the browser from
/// guessing a type other than the one we checked.
pub fn download(row: &FileRow, bytes: Vec<u8>) -> Response {
    let content_type = HeaderValue::from_str(&row.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let inline = row.content_type.starts_with("image/");
    let disposition = content_disposition(if inline { "inline" } else { "attachment" }, &row.original_name);
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Files are behind a login: no shared caches. A row's content never
    // changes, so the browser may keep it for a while.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    res
}

/// A document the app generated (an export, a report) as a download under its
/// Chinese name; never cached, since such files hold personal data.
pub fn attachment(bytes: Vec<u8>, kind: super::Kind, name: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.content_type()));
    if let Ok(v) = HeaderValue::from_str(&content_disposition("attachment", name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

/// `inline; filename="ASCII fallback"; filename*=UTF-8''percent-encoded`
/// (RFC 6266 with RFC 5987 encoding): every current browser uses the UTF-8
/// name, so Chinese names arrive intact; the fallback has `_` for the rest.
fn content_disposition(kind: &str, name: &str) -> String {
    let fallback: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::{CommitteeId, FileId};

    fn row(content_type: &str, name: &str) -> FileRow {
        FileRow {
            id: FileId(1),
            committee_id: CommitteeId(1),
            sha256: "0".repeat(64),
            content_type: content_type.into(),
            size: 3,
            original_name: name.into(),
            uploaded_by: None,
            created_at: chrono::NaiveDateTime::default(),
        }
    }

    fn header(r: &Response, h: header::HeaderName) -> &str {
        r.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    #[test]
    fn images_inline_documents_as_attachments_with_utf8_names() {
        let r = download(&row("image/jpeg", "活动 1.jpg"), vec![1, 2, 3]);
        assert_eq!(header(&r, header::CONTENT_TYPE), "image/jpeg");
        assert_eq!(
            header(&r, header::CONTENT_DISPOSITION),
            "inline; filename=\"__ 1.jpg\"; filename*=UTF-8''%E6%B4%BB%E5%8A%A8%201.jpg"
        );
        assert_eq!(header(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert!(header(&r, header::CACHE_CONTROL).starts_with("private"));
        let r = download(&row("application/pdf", "a\"b;c.pdf"), vec![]);
        assert_eq!(
            header(&r, header::CONTENT_DISPOSITION),
            "attachment; filename=\"a_b;c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"
        );
    }
}
