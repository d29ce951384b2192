//! Files over HTTP: reading upload forms, sending files back.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use tokio::io::AsyncWriteExt;

use super::spool::Spooled;
use super::{Accept, FileStore, MAX_FILE_BYTES, Stored, Upload};
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
    /// file chosen) are skipped. A file refused (see `read_multipart_keeping_text`)
    /// or a text over `MAX_FIELD_CHARS` is an error; the temporary files go
    /// with it.
    pub async fn read_multipart(
        &self,
        mp: Multipart,
        max_files: usize,
    ) -> AppResult<(HashMap<String, String>, Vec<Upload>)> {
        let form = self.read_multipart_keeping_text(mp, max_files).await?;
        match form.refused {
            Some(key) => Err(AppError::BadRequest(key)),
            None => Ok((form.fields, form.uploads)),
        }
    }

    /// A form with files beside its record (an answer, a report with its
    /// evidence): its fields and its files, each checked and stored, for the
    /// caller to commit the file rows with its record.
    pub async fn read_and_store(
        &self,
        mp: Multipart,
        max_files: usize,
        accept: Accept,
    ) -> AppResult<(HashMap<String, String>, Vec<Stored>)> {
        let (fields, uploads) = self.read_multipart(mp, max_files).await?;
        let mut stored = Vec::with_capacity(uploads.len());
        for u in uploads {
            stored.push(self.put(u, accept).await?);
        }
        Ok((fields, stored))
    }

    /// As `read_and_store`, but `before_files` is shown the text fields that
    /// come before the first file (a form puts its key there) before any file
    /// is read: when it answers (`Some`), the rest of the body is read past,
    /// nothing stored, and its answer given back (`Err`). A draft sent again
    /// is answered without its photos being decoded and stored again.
    pub async fn read_and_store_unless<T>(
        &self,
        mp: Multipart,
        max_files: usize,
        accept: Accept,
        before_files: impl AsyncFnOnce(&HashMap<String, String>) -> AppResult<Option<T>>,
    ) -> AppResult<Result<(HashMap<String, String>, Vec<Stored>), T>> {
        let form = match self.read_form(mp, max_files, before_files).await? {
            Ok(form) => form,
            Err(answer) => return Ok(Err(answer)),
        };
        if let Some(key) = form.refused {
            return Err(AppError::BadRequest(key));
        }
        let mut stored = Vec::with_capacity(form.uploads.len());
        for u in form.uploads {
            stored.push(self.put(u, accept).await?);
        }
        Ok(Ok((form.fields, stored)))
    }

    /// Reads a multipart form as `read_multipart`, except that a file it
    /// refuses — over the size limit, beyond `max_files`, or chosen but empty —
    /// is read past and dropped, and the rest of the form still read: the
    /// page can be shown again with everything typed and the reason.
    pub async fn read_multipart_keeping_text(&self, mp: Multipart, max_files: usize) -> AppResult<ReadForm> {
        let nothing = async |_: &HashMap<String, String>| -> AppResult<Option<std::convert::Infallible>> { Ok(None) };
        match self.read_form(mp, max_files, nothing).await? {
            Ok(form) => Ok(form),
            Err(never) => match never {},
        }
    }

    /// The reading of `read_multipart_keeping_text`, with `before_files`
    /// asked once, at the first file or the end of the form.
    async fn read_form<T>(
        &self,
        mut mp: Multipart,
        max_files: usize,
        before_files: impl AsyncFnOnce(&HashMap<String, String>) -> AppResult<Option<T>>,
    ) -> AppResult<Result<ReadForm, T>> {
        let mut form = ReadForm { fields: HashMap::new(), uploads: Vec::new(), refused: None };
        let mut before_files = Some(before_files);
        while let Some(mut field) = mp.next_field().await.map_err(multipart_error)? {
            let name = field.name().unwrap_or("").to_string();
            if field.file_name().is_some()
                && let Some(ask) = before_files.take()
                && let Some(answer) = ask(&form.fields).await?
            {
                // Read past the rest, keeping nothing: the client then reads the answer.
                drop(field);
                while let Ok(Some(mut rest)) = mp.next_field().await {
                    while let Ok(Some(_)) = rest.chunk().await {}
                }
                return Ok(Err(answer));
            }
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
                form.fields.insert(name, text);
                continue;
            };
            let io = |e: std::io::Error| AppError::Internal(anyhow::anyhow!("writing an upload: {e}"));
            let mut len = 0u64;
            let mut too_large = false;
            // The temporary file is made at the first byte: a file input left
            // empty (every form sent without a photo) costs no file.
            let mut spooled: Option<(Spooled, tokio::fs::File)> = None;
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                len += chunk.len() as u64;
                // Over the limit: read on to the next field, keep nothing.
                too_large |= len > MAX_FILE_BYTES as u64;
                if too_large || chunk.is_empty() {
                    continue;
                }
                if spooled.is_none() {
                    spooled = Some(self.spool().create().await?);
                }
                if let Some((_, file)) = spooled.as_mut() {
                    file.write_all(&chunk).await.map_err(io)?;
                }
            }
            if let Some((_, file)) = spooled.as_mut() {
                file.flush().await.map_err(io)?;
            }
            let refused = if too_large {
                Some("file.too_large")
            } else if len == 0 && file_name.is_empty() {
                // An input left empty.
                continue;
            } else if len == 0 || spooled.is_none() {
                Some("file.empty")
            } else if form.uploads.len() == max_files {
                Some("file.too_many")
            } else {
                None
            };
            match refused {
                Some(key) => {
                    form.refused.get_or_insert(key);
                }
                None => {
                    if let Some((file, _)) = spooled {
                        form.uploads.push(Upload::spooled(name, file_name, file, len));
                    }
                }
            }
        }
        if let Some(ask) = before_files.take()
            && let Some(answer) = ask(&form.fields).await?
        {
            return Ok(Err(answer));
        }
        Ok(Ok(form))
    }
}

/// A multipart form as read: its text fields, the files kept, and why a file
/// was refused (a message key), if one was.
pub struct ReadForm {
    pub fields: HashMap<String, String>,
    pub uploads: Vec<Upload>,
    pub refused: Option<&'static str>,
}

/// Who a file is served to, which decides how it may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Behind a login or a tracking code: case photos, evidence, answers.
    /// Never stored, so that nothing stays on a shared office computer.
    Private,
    /// Published on a public page (an activity's or a consultation's photos):
    /// any cache may keep it for an hour; a row's content never changes.
    Public,
}

/// The response for a stored file. Images open in the browser; everything else
/// downloads under its original name. `nosniff` keeps the browser from
/// guessing a type other than the one we checked.
pub fn download(row: &FileRow, bytes: Vec<u8>, audience: Audience) -> Response {
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
    let cache = match audience {
        Audience::Private => "private, no-store",
        Audience::Public => "public, max-age=3600",
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// A document the app generated (an export, a report) as a download under its
/// Chinese name; never cached, since such files hold personal data.
pub fn attachment(bytes: Vec<u8>, kind: super::Kind, name: &str) -> Response {
    made_download(bytes.into(), kind.content_type(), name)
}

/// [`attachment`] for a body read as it is sent (a bundle of many megabytes)
/// and a type `Kind` does not name.
pub fn made_download(body: axum::body::Body, content_type: &'static str, name: &str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
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
        let r = download(&row("image/jpeg", "活动 1.jpg"), vec![1, 2, 3], Audience::Private);
        assert_eq!(header(&r, header::CONTENT_TYPE), "image/jpeg");
        assert_eq!(
            header(&r, header::CONTENT_DISPOSITION),
            "inline; filename=\"__ 1.jpg\"; filename*=UTF-8''%E6%B4%BB%E5%8A%A8%201.jpg"
        );
        assert_eq!(header(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header(&r, header::CACHE_CONTROL), "private, no-store");
        let r = download(&row("application/pdf", "a\"b;c.pdf"), vec![], Audience::Public);
        assert_eq!(header(&r, header::CACHE_CONTROL), "public, max-age=3600");
        assert_eq!(
            header(&r, header::CONTENT_DISPOSITION),
            "attachment; filename=\"a_b;c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"
        );
    }
}
