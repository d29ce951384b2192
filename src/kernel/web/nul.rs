//! NUL bytes and broken UTF-8 are refused at the edge, once for every route.
//! PostgreSQL cannot store U+0000 in text (it answered 500 wherever a form,
//! an address or a search let one through), and no user types one: a request
//! carrying one in its path, query, urlencoded or JSON body, or in a multipart
//! form's text fields, field names or file names, gets a 400 page and changes
//! nothing. File contents may hold any byte and are not looked at.
//!
//! Urlencoded and JSON bodies are small (`body_limit_bytes`) and are checked
//! whole before any handler runs. A multipart body may be an upload of many
//! megabytes: it is checked in one streaming pass as the handler reads it
//! (see `scan_multipart`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::{mpsc, oneshot};

use super::csrf::is_multipart;
use super::errors::edge_page;

pub const MESSAGE_KEY: &str = "error.nul";

/// Whether `bytes` are text a database may store: UTF-8 without U+0000.
pub fn clean(bytes: &[u8]) -> bool {
    !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok()
}

/// Every name and value of a query string or urlencoded body, decoded.
fn clean_urlencoded(bytes: &[u8]) -> bool {
    bytes.split(|b| *b == b'&').flat_map(|pair| pair.split(|b| *b == b'=')).all(|s| clean(&percent_decode(s)))
}

/// A path segment or form value as its handler will read it (`+` is a
/// space in forms and harmless either way).
fn percent_decode(s: &[u8]) -> Vec<u8> {
    percent_encoding::percent_decode(s).collect()
}

/// Every string of a JSON document, keys included. Not JSON at all is the
/// handler's to refuse.
fn clean_json(bytes: &[u8]) -> bool {
    fn walk(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => !s.contains('\0'),
            serde_json::Value::Array(a) => a.iter().all(walk),
            serde_json::Value::Object(o) => o.iter().all(|(k, v)| !k.contains('\0') && walk(v)),
            _ => true,
        }
    }
    if !clean(bytes) {
        return false;
    }
    serde_json::from_slice::<serde_json::Value>(bytes).map_or(true, |v| walk(&v))
}

pub async fn refuse(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let address_ok =
        clean(&percent_decode(uri.path().as_bytes())) && uri.query().is_none_or(|q| clean_urlencoded(q.as_bytes()));
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let (parts, body) = req.into_parts();
    if !address_ok {
        return refused(&parts).await;
    }
    if is_multipart(&parts.headers) {
        let Ok(boundary) = multer::parse_boundary(&content_type) else {
            return next.run(Request::from_parts(parts, body)).await;
        };
        let found = Arc::new(AtomicBool::new(false));
        let body = Body::from_stream(scan_multipart(body, boundary, found.clone()));
        let res = next.run(Request::from_parts(parts.clone(), body)).await;
        // The handler met a body that ended in an error and answered as it
        // does for a broken upload; the real reason gets the page instead.
        return if found.load(Ordering::SeqCst) { refused(&parts).await } else { res };
    }
    let urlencoded = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json") || content_type.contains("+json");
    if !urlencoded && !json {
        return next.run(Request::from_parts(parts, body)).await;
    }
    // The body-limit layer outside caps this; over it is its 413.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return edge_page(&parts, StatusCode::PAYLOAD_TOO_LARGE, "error.too_large").await,
    };
    let ok = if urlencoded { clean_urlencoded(&bytes) } else { clean_json(&bytes) };
    if !ok {
        return refused(&parts).await;
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

async fn refused(parts: &Parts) -> Response {
    tracing::warn!(path = %super::loggable_path(parts.uri.path()), "refused: NUL or invalid UTF-8 in the request");
    edge_page(parts, StatusCode::BAD_REQUEST, MESSAGE_KEY).await
}

/// The body as it arrives, handed on chunk by chunk while a second reader
/// parses the same chunks as multipart and looks at text parts and names
/// only (file contents are drained, never kept). The handler's stream ends
/// only after that reader's verdict; a refused body ends in an error instead
/// (and `found` is set), so the handler never sees a complete form with a NUL.
fn scan_multipart(
    body: Body,
    boundary: String,
    found: Arc<AtomicBool>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    // A few chunks in flight: the scan keeps pace with the handler, memory stays flat.
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    let (verdict_tx, verdict_rx) = oneshot::channel::<bool>();
    tokio::spawn(async move {
        let chunks =
            stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx)) });
        let _ = verdict_tx.send(multipart_clean(multer::Multipart::new(chunks, boundary)).await);
    });
    struct State {
        inner: axum::body::BodyDataStream,
        tx: Option<mpsc::Sender<Bytes>>,
        verdict: Option<oneshot::Receiver<bool>>,
        found: Arc<AtomicBool>,
        // The latest chunk, handed on only when the next one comes or after
        // the verdict: a parser that sees the closing boundary would finish
        // the form without waiting for the stream's end (and its error).
        held: Option<Bytes>,
    }
    let refuse = |s: &State| {
        s.found.store(true, Ordering::SeqCst);
        std::io::Error::new(std::io::ErrorKind::InvalidData, "NUL or invalid UTF-8 in a form field")
    };
    let start = State { inner: body.into_data_stream(), tx: Some(tx), verdict: Some(verdict_rx), found, held: None };
    stream::unfold(start, move |mut s| async move {
        loop {
            match s.inner.next().await {
                Some(Ok(chunk)) => {
                    if let Some(tx) = &s.tx
                        && tx.send(chunk.clone()).await.is_err()
                    {
                        // The scan stopped early: either it found something, or
                        // the body is not multipart it can read (the handler's
                        // own parser will say so).
                        s.tx = None;
                        // A oneshot must not be polled once it has answered.
                        match s.verdict.as_mut().map(oneshot::Receiver::try_recv) {
                            Some(Ok(false)) => {
                                s.verdict = None;
                                s.held = None;
                                return Some((Err(refuse(&s)), s));
                            }
                            Some(Ok(true) | Err(oneshot::error::TryRecvError::Closed)) => s.verdict = None,
                            // Not yet: it is awaited at the end.
                            Some(Err(oneshot::error::TryRecvError::Empty)) | None => {}
                        }
                    }
                    if let Some(prev) = s.held.replace(chunk) {
                        return Some((Ok(prev), s));
                    }
                }
                Some(Err(e)) => return Some((Err(std::io::Error::other(e)), s)),
                None => {
                    s.tx = None;
                    if let Some(verdict) = s.verdict.take()
                        && let Ok(false) = verdict.await
                    {
                        s.held = None;
                        return Some((Err(refuse(&s)), s));
                    }
                    return s.held.take().map(|last| (Ok(last), s));
                }
            }
        }
    })
}

/// Reads a multipart form to its end: `false` when a field name, a file name
/// or a text field holds a NUL or broken UTF-8, or a part's headers cannot be
/// read for a control character. A body it cannot otherwise parse is `true`:
/// the handler's own parser refuses it.
async fn multipart_clean(mut mp: multer::Multipart<'static>) -> bool {
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            // A part's headers with a control character in them (a NUL in a
            // file name) do not parse at all.
            Err(multer::Error::ReadHeaderFailed(_) | multer::Error::DecodeHeaderValue { .. }) => return false,
            Ok(None) | Err(_) => return true,
        };
        let names_ok =
            field.name().is_none_or(|n| !n.contains('\0')) && field.file_name().is_none_or(|n| !n.contains('\0'));
        if !names_ok {
            return false;
        }
        let is_file = field.file_name().is_some();
        let mut text = Utf8Check::default();
        loop {
            match field.chunk().await {
                Ok(Some(c)) if is_file => drop(c),
                Ok(Some(c)) => {
                    if !text.feed(&c) {
                        return false;
                    }
                }
                Ok(None) => break,
                Err(_) => return true,
            }
        }
        if !is_file && !text.finish() {
            return false;
        }
    }
}

/// UTF-8 without NUL, checked chunk by chunk (a character may straddle two).
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8]) -> bool {
        if chunk.contains(&0) {
            return false;
        }
        self.carry.extend_from_slice(chunk);
        match std::str::from_utf8(&self.carry) {
            Ok(_) => {
                self.carry.clear();
                true
            }
            // Cut short at the end: keep the partial character for the next chunk.
            Err(e) if e.error_len().is_none() => {
                self.carry.drain(..e.valid_up_to());
                true
            }
            Err(_) => false,
        }
    }

    fn finish(&self) -> bool {
        self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_forms() {
        assert!(clean_urlencoded(b"q=%E5%BB%BA%E8%AE%AE&page=2"));
        assert!(!clean_urlencoded(b"q=a%00b"));
        assert!(!clean_urlencoded(b"a%00=1"));
        assert!(!clean_urlencoded(b"q=%FF"), "not UTF-8");
        assert!(clean_urlencoded(b"q=100%"), "a stray percent sign is text");
        assert!(!clean(&percent_decode(b"/track/AB%00CD")));
        assert!(clean(&percent_decode("/track/路灯".as_bytes())));
    }

    #[test]
    fn json_strings() {
        assert!(clean_json(br#"{"a":"b","c":[1,"d"]}"#));
        assert!(!clean_json(br#"{"a":"b\u0000"}"#));
        assert!(!clean_json(br#"{"a\u0000":1}"#));
        assert!(clean_json(br#"{"a":"\\u0000"}"#), "an escaped backslash, no NUL");
        assert!(clean_json(b"not json"));
    }

    #[test]
    fn utf8_across_chunks() {
        let text = "意见箱".as_bytes();
        let mut c = Utf8Check::default();
        assert!(c.feed(&text[..2]) && c.feed(&text[2..5]) && c.feed(&text[5..]) && c.finish());
        let mut c = Utf8Check::default();
        assert!(c.feed(&text[..2]) && !c.finish(), "cut short");
        assert!(!Utf8Check::default().feed(b"a\0b"));
        assert!(!Utf8Check::default().feed(b"\xFFx"));
    }

    fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut b = vec![];
        for (name, file, value) in parts {
            b.extend_from_slice(b"--B\r\n");
            let disposition = match file {
                Some(f) => format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\r\n"),
                None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
            };
            b.extend_from_slice(disposition.as_bytes());
            b.extend_from_slice(value);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"--B--\r\n");
        b
    }

    /// The bytes the handler reads, and whether the scan refused them.
    async fn through_scan(body: Vec<u8>) -> (Result<Bytes, String>, bool) {
        let found = Arc::new(AtomicBool::new(false));
        // Tiny chunks: fields straddle them.
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            body.chunks(7).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let scanned = scan_multipart(Body::from_stream(stream::iter(chunks)), "B".into(), found.clone());
        let read = to_bytes(Body::from_stream(scanned), usize::MAX).await.map_err(|e| e.to_string());
        (read, found.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn multipart_text_checked_files_forwarded() {
        let photo: &[u8] = b"\x89PNG\0\0\0\rIHDR\xFF\xFE";
        let ok = multipart(&[("content", None, "路灯坏了".as_bytes()), ("photo", Some("路灯.png"), photo)]);
        let (read, found) = through_scan(ok.clone()).await;
        assert_eq!(read.ok(), Some(Bytes::from(ok)), "every byte handed on, NULs in the file included");
        assert!(!found);
        for bad in [
            multipart(&[("content", None, b"a\0b"), ("photo", Some("a.png"), photo)]),
            multipart(&[("content", None, b"ok"), ("photo", Some("a\0.png"), photo)]),
            multipart(&[("photo", Some("a.png"), photo), ("note", None, b"\xFF")]),
        ] {
            let (read, found) = through_scan(bad).await;
            assert!(read.is_err() && found, "{read:?} {found}");
        }
        // Not multipart at all: handed on for the handler to refuse.
        let (read, found) = through_scan(b"garbage".to_vec()).await;
        assert_eq!((read.ok(), found), (Some(Bytes::from_static(b"garbage")), false));
    }
}
