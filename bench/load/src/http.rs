//! A thin HTTP/1.1 client over hyper-util: one pool of keep-alive connections,
//! whole bodies collected, and the little a browser does that the flows need
//! (cookies, hidden form fields, gzip).

use std::io::Read;
use std::time::Duration;

use anyhow::{Context, anyhow};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client as Hyper;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

#[derive(Clone)]
pub struct Client {
    inner: Hyper<HttpConnector, Full<Bytes>>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// The body as text, unpacked when the server gzipped it.
    pub fn text(&self) -> anyhow::Result<String> {
        let gz = self.headers.get(header::CONTENT_ENCODING).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        if gz {
            let mut s = String::new();
            flate2::read::GzDecoder::new(&self.body[..]).read_to_string(&mut s).context("gunzip")?;
            Ok(s)
        } else {
            String::from_utf8(self.body.to_vec()).context("body is not UTF-8")
        }
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

impl Client {
    pub fn new() -> Client {
        let mut connector = HttpConnector::new();
        // Small requests back to back: Nagle would add 40 ms stalls.
        connector.set_nodelay(true);
        let inner = Hyper::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(usize::MAX)
            .build(connector);
        Client { inner }
    }

    /// Sends and reads the whole body (a page is only served once its last byte is).
    pub async fn send(&self, req: Request<Full<Bytes>>) -> anyhow::Result<Response> {
        let res = self.inner.request(req).await.map_err(|e| anyhow!("request failed: {e}"))?;
        let (parts, body) = res.into_parts();
        let body = body.collect().await.map_err(|e| anyhow!("reading body: {e}"))?.to_bytes();
        Ok(Response { status: parts.status, headers: parts.headers, body })
    }
}

/// Builds a request; `gzip` asks for a compressed answer, as every browser does.
pub fn request(
    method: Method,
    url: &str,
    jar: Option<&Jar>,
    gzip: bool,
    extra: &[(&'static str, String)],
    body: Option<(String, Bytes)>,
) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut b = Request::builder().method(method).uri(url).header(header::USER_AGENT, "xieshang-load");
    if gzip {
        b = b.header(header::ACCEPT_ENCODING, "gzip");
    }
    if let Some(cookie) = jar.and_then(Jar::header) {
        b = b.header(header::COOKIE, cookie);
    }
    for (k, v) in extra {
        b = b.header(*k, v.as_str());
    }
    let body = match body {
        Some((content_type, bytes)) => {
            b = b.header(header::CONTENT_TYPE, content_type);
            bytes
        }
        None => Bytes::new(),
    };
    b.body(Full::new(body)).context("bad request")
}

/// The cookies a server set, sent back on later requests.
#[derive(Clone, Default, Debug)]
pub struct Jar {
    cookies: Vec<(String, String)>,
}

impl Jar {
    pub fn update(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let pair = v.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else { continue };
            let (name, value) = (name.trim().to_string(), value.trim().to_string());
            let expired = v.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            self.cookies.retain(|(n, _)| *n != name);
            if !expired {
                self.cookies.push((name, value));
            }
        }
    }

    pub fn header(&self) -> Option<HeaderValue> {
        if self.cookies.is_empty() {
            return None;
        }
        let s = self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
        HeaderValue::from_str(&s).ok()
    }
}

/// The value of a hidden field such as `<input type="hidden" name="_csrf" value="…">`.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// The values of the `<option value="…">` of a select, empty ones left out.
pub fn option_values(html: &str, select_name: &str) -> Vec<String> {
    let Some(start) = html.find(&format!("<select name=\"{select_name}\"")) else { return vec![] };
    let rest = &html[start..];
    let end = rest.find("</select>").unwrap_or(rest.len());
    rest[..end]
        .split("<option value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// A `multipart/form-data` body as a browser sends the box form; `files` are
/// (field, file name, bytes) — an empty file input is sent with an empty name.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Bytes) {
    const BOUNDARY: &str = "----xieshangLoadBoundary7MA4YWxkTrZu0gW";
    let mut b: Vec<u8> = Vec::with_capacity(1024);
    for (name, value) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), Bytes::from(b))
}

/// `application/x-www-form-urlencoded`.
pub fn urlencoded(fields: &[(&str, &str)]) -> (String, Bytes) {
    let enc = |s: &str| {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    };
    let s = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
    ("application/x-www-form-urlencoded".to_string(), Bytes::from(s))
}

/// A path as typed (`/opinions?q=路灯 维修`) made a valid URI: non-ASCII
/// bytes percent-encoded, spaces as `+` (the query is form-encoded).
pub fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len() * 3);
    for b in p.bytes() {
        match b {
            b' ' => out.push('+'),
            0x21..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hidden_fields_and_options() {
        let html = r#"<input type="hidden" name="_csrf" value="abc123"><select name="category">
            <option value="">?</option><option value="7" class="major">A</option><option value="8">B</option></select>"#;
        assert_eq!(hidden_field(html, "_csrf").as_deref(), Some("abc123"));
        assert_eq!(option_values(html, "category"), vec!["7", "8"]);
        assert_eq!(hidden_field(html, "nope"), None);
    }

    #[test]
    fn jar_keeps_the_latest_cookie() {
        let mut h = HeaderMap::new();
        h.append(header::SET_COOKIE, HeaderValue::from_static("xs_sid=one; Path=/; HttpOnly"));
        let mut jar = Jar::default();
        jar.update(&h);
        let mut h2 = HeaderMap::new();
        h2.append(header::SET_COOKIE, HeaderValue::from_static("xs_sid=two; Path=/"));
        h2.append(header::SET_COOKIE, HeaderValue::from_static("lang=en; Path=/"));
        jar.update(&h2);
        assert_eq!(
            jar.header().and_then(|v| v.to_str().ok().map(str::to_owned)).as_deref(),
            Some("xs_sid=two; lang=en")
        );
    }

    #[test]
    fn encodes_forms() {
        let (_, b) = urlencoded(&[("q", "路灯 维修"), ("a", "x&y")]);
        assert_eq!(&b[..], b"q=%E8%B7%AF%E7%81%AF+%E7%BB%B4%E4%BF%AE&a=x%26y");
        assert_eq!(encode_path("/opinions?q=路灯 维修"), "/opinions?q=%E8%B7%AF%E7%81%AF+%E7%BB%B4%E4%BF%AE");
    }
}
