//! What one simulated user does per operation: a page view, a bare insert, or
//! a resident's submit through the public box.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use hyper::{Method, StatusCode};

use crate::http::{self, Client, Jar};

#[derive(Clone, Debug)]
pub struct Login {
    pub username: String,
    pub password: String,
}

#[derive(Clone, Debug)]
pub enum Flow {
    /// GET a path (asking for gzip, as browsers do); with a login, each
    /// session logs in first, so the session lookup and its sliding expiry
    /// are in the measured path as in real use.
    Get { path: String, login: Option<Login> },
    /// POST an opinion-sized text to the baseline's `/insert`.
    Insert,
    /// A resident's submit: GET `/box/<committee>` (session cookie, CSRF
    /// token), then POST the form with a text and no phone. Each submit comes
    /// from its own `X-Forwarded-For` address, so the per-address rate limit
    /// and the challenge are counted but never triggered.
    Submit { committee: String },
    /// The submit's POST alone: each session reads the box's form once (its
    /// cookie and token serve every later post, as a browser's would), then
    /// every operation posts a new opinion from a new address.
    SubmitPost { committee: String },
}

/// The app servers to spread requests over (one, or two instances behind
/// "one address": the load generator alternates between them).
pub struct Target {
    pub urls: Vec<String>,
    next: AtomicU64,
}

impl Target {
    pub fn new(urls: Vec<String>) -> Target {
        let urls = urls.into_iter().map(|u| u.trim_end_matches('/').to_string()).collect();
        Target { urls, next: AtomicU64::new(0) }
    }

    pub fn pick(&self) -> &str {
        let i = self.next.fetch_add(1, Ordering::Relaxed) as usize % self.urls.len();
        &self.urls[i]
    }
}

/// What a session keeps between operations: the login cookie, or the box's
/// form for `SubmitPost`.
#[derive(Clone, Default)]
pub struct Session {
    jar: Jar,
    form: Option<BoxForm>,
}

/// What the box's page gives a resident to post with.
#[derive(Clone)]
struct BoxForm {
    csrf: String,
    categories: Vec<String>,
}

/// Sets a session up (logs in, or reads the box's form, when the flow needs
/// it); not measured.
pub async fn prepare(flow: &Flow, client: &Client, target: &Target) -> anyhow::Result<Session> {
    match flow {
        Flow::Get { login: Some(l), .. } => Ok(Session { jar: login(client, target.pick(), l).await?, form: None }),
        Flow::SubmitPost { committee } => {
            let url = format!("{}/box/{committee}", target.pick());
            let (jar, form) = box_form(client, &url, &resident_address(0)).await.map_err(anyhow::Error::msg)?;
            Ok(Session { jar, form: Some(form) })
        }
        _ => Ok(Session::default()),
    }
}

async fn login(client: &Client, base: &str, l: &Login) -> anyhow::Result<Jar> {
    let mut jar = Jar::default();
    let page = client.send(http::request(Method::GET, &format!("{base}/login"), None, false, &[], None)?).await?;
    if page.status != StatusCode::OK {
        bail!("GET /login: {}", page.status);
    }
    jar.update(&page.headers);
    let csrf = http::hidden_field(&page.text()?, "_csrf").context("no CSRF token on the login page")?;
    let form =
        http::urlencoded(&[("_csrf", &csrf), ("next", "/"), ("username", &l.username), ("password", &l.password)]);
    let res =
        client.send(http::request(Method::POST, &format!("{base}/login"), Some(&jar), false, &[], Some(form))?).await?;
    match (res.status, res.location()) {
        (StatusCode::SEE_OTHER, Some(loc)) if !loc.starts_with("/account/password") => {}
        (StatusCode::SEE_OTHER, _) => bail!("{} must change the password first", l.username),
        (s, _) => bail!("login as {} failed ({s}): wrong user or password?", l.username),
    }
    jar.update(&res.headers);
    Ok(jar)
}

/// One operation. `Ok(Some(d))` also reports the time of its acknowledged
/// part (the submit's POST); errors are short labels that are counted.
pub async fn run(
    flow: &Flow,
    client: &Client,
    target: &Target,
    s: &Session,
    seq: u64,
) -> Result<Option<Duration>, String> {
    match flow {
        Flow::Get { path, .. } => {
            let url = format!("{}{path}", target.pick());
            let req = http::request(Method::GET, &url, Some(&s.jar), true, &[], None).map_err(|e| e.to_string())?;
            let res = client.send(req).await.map_err(|_| "connection".to_string())?;
            match res.status {
                StatusCode::OK => Ok(None),
                st => Err(format!("GET status {}", st.as_u16())),
            }
        }
        Flow::Insert => {
            let body = opinion_text(seq);
            let url = format!("{}/insert", target.pick());
            let req = http::request(
                Method::POST,
                &url,
                None,
                false,
                &[],
                Some(("text/plain; charset=utf-8".into(), body.into())),
            )
            .map_err(|e| e.to_string())?;
            let res = client.send(req).await.map_err(|_| "connection".to_string())?;
            match res.status {
                StatusCode::OK => Ok(None),
                st => Err(format!("insert status {}", st.as_u16())),
            }
        }
        Flow::Submit { committee } => {
            let url = format!("{}/box/{committee}", target.pick());
            let (jar, form) = box_form(client, &url, &resident_address(seq)).await?;
            post(client, &url, &jar, &form, seq).await
        }
        Flow::SubmitPost { committee } => {
            let url = format!("{}/box/{committee}", target.pick());
            let form = s.form.as_ref().ok_or("no box form")?;
            post(client, &url, &s.jar, form, seq).await
        }
    }
}

/// GET the box's page as a resident at `address`: its cookie, token and categories.
async fn box_form(client: &Client, url: &str, address: &str) -> Result<(Jar, BoxForm), String> {
    let xff = [("x-forwarded-for", address.to_string())];
    let mut jar = Jar::default();
    let req = http::request(Method::GET, url, None, true, &xff, None).map_err(|e| e.to_string())?;
    let page = client.send(req).await.map_err(|_| "connection".to_string())?;
    if page.status != StatusCode::OK {
        return Err(format!("box status {}", page.status.as_u16()));
    }
    jar.update(&page.headers);
    let html = page.text().map_err(|_| "box page unreadable".to_string())?;
    if html.contains("name=\"challenge_token\"") {
        return Err("challenge shown".into());
    }
    let csrf = http::hidden_field(&html, "_csrf").ok_or("no CSRF token on the box page")?;
    Ok((jar, BoxForm { csrf, categories: http::option_values(&html, "category") }))
}

/// POST the box's form with a new text from address number `seq`; the time
/// it took to be acknowledged.
async fn post(client: &Client, url: &str, jar: &Jar, f: &BoxForm, seq: u64) -> Result<Option<Duration>, String> {
    let xff = [("x-forwarded-for", resident_address(seq))];
    let category = if f.categories.is_empty() { "" } else { &f.categories[seq as usize % f.categories.len()] };
    let text = opinion_text(seq);
    let form = http::multipart(
        &[("_csrf", &f.csrf), ("category", category), ("body", &text), ("name", ""), ("phone", "")],
        &[("photo", "", b"")],
    );
    let started = Instant::now();
    let req = http::request(Method::POST, url, Some(jar), true, &xff, Some(form)).map_err(|e| e.to_string())?;
    let res = client.send(req).await.map_err(|_| "connection".to_string())?;
    let took = started.elapsed();
    // Acknowledged means: redirected to the new case's tracking page.
    match (res.status, res.location()) {
        (StatusCode::SEE_OTHER, Some(loc)) if loc.starts_with("/track/") && loc.ends_with("?new=1") => Ok(Some(took)),
        (st, _) => Err(format!("submit status {}", st.as_u16())),
    }
}

/// A distinct address per resident (10.0.0.0/8, from a per-process offset so
/// that runs in the same hour do not meet the previous run's counters).
fn resident_address(seq: u64) -> String {
    static BASE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let base =
        *BASE.get_or_init(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0));
    let n = (base.wrapping_mul(0x9E37_79B9).wrapping_add(seq)) & 0x00FF_FFFF;
    format!("10.{}.{}.{}", n >> 16, (n >> 8) & 0xFF, n & 0xFF)
}

/// Words residents write about; each text is a different draw.
const WORDS: &[&str] = &[
    "路灯",
    "不亮",
    "维修",
    "小区",
    "垃圾",
    "清运",
    "停车",
    "困难",
    "道路",
    "破损",
    "积水",
    "排水",
    "管网",
    "噪音",
    "扰民",
    "绿化",
    "养护",
    "老旧",
    "改造",
    "加装",
    "电梯",
    "供暖",
    "不热",
    "物业",
    "收费",
    "公交",
    "线路",
    "延长",
    "学校",
    "门口",
    "拥堵",
    "菜市场",
    "卫生",
    "医保",
    "报销",
    "养老",
    "服务",
    "社区",
    "食堂",
    "村里",
    "自来水",
    "水压",
    "低",
    "农田",
    "灌溉",
    "水渠",
    "堵塞",
    "希望",
    "尽快",
    "解决",
    "建议",
    "增设",
    "健身",
    "器材",
    "安全",
    "隐患",
    "消防",
    "通道",
    "占用",
    "文化",
    "广场",
    "晚上",
    "群众",
    "反映",
    "多次",
    "没有",
    "答复",
];

/// A text of 60–300 characters, drawn deterministically from `seq`.
pub fn opinion_text(seq: u64) -> String {
    let mut x = seq.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407) | 1;
    let mut next = move || {
        // xorshift64*: fast, good enough for picking words.
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let target = 60 + (next() % 241) as usize;
    let mut s = String::with_capacity(target * 3 + 8);
    let mut chars = 0;
    while chars < target {
        let w = WORDS[(next() % WORDS.len() as u64) as usize];
        s.push_str(w);
        chars += w.chars().count();
        if next() % 5 == 0 {
            s.push('，');
            chars += 1;
        }
    }
    s.push('。');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_vary_and_stay_in_bounds() {
        let a = opinion_text(1);
        assert_ne!(a, opinion_text(2));
        assert_eq!(a, opinion_text(1));
        for i in 0..200 {
            let n = opinion_text(i).chars().count();
            assert!((60..=310).contains(&n), "{n}");
        }
    }

    #[test]
    fn addresses_differ() {
        assert_ne!(resident_address(1), resident_address(2));
        assert!(resident_address(7).starts_with("10."));
    }
}
