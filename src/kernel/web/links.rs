//! The addresses residents and members reach from paper: the site's public
//! base URL, and QR codes (posters, sign-in codes at the door).

use axum::http::{HeaderMap, header};

use crate::kernel::error::{AppError, AppResult};

/// The site's address as residents reach it: `public_base_url`, else the host
/// this request came to (a staff member printing on the intranet address
/// should set `public_base_url`). A `Host` that is not a plain host name is
/// not trusted into a printed address.
pub fn base_url(configured: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(u) = configured.map(|u| u.trim().trim_end_matches('/')).filter(|u| !u.is_empty()) {
        return u.to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The QR code as an SVG document. Level Q (25 % redundancy): the poster
/// hangs outdoors and gets dirty; the address is short, so the code stays coarse.
pub fn qr_svg(url: &str) -> AppResult<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::Q)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("qr code for {url}: {e}")))?;
    Ok(code.render::<svg::Color<'_>>().min_dimensions(320, 320).quiet_zone(true).build())
}

/// The SVG without its XML declaration, to sit inside the HTML page.
pub fn inline(svg: &str) -> &str {
    svg.find("<svg").map(|i| &svg[i..]).unwrap_or(svg)
}

/// A QR code for `url`, ready to sit inside an HTML page.
pub fn qr_inline(url: &str) -> AppResult<String> {
    Ok(inline(&qr_svg(url)?).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn host(h: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::HOST, HeaderValue::from_str(h).expect("header"));
        m
    }

    #[test]
    fn the_address_comes_from_configuration_else_the_host() {
        assert_eq!(base_url(Some("https://xs.example.gov.cn/"), &host("10.0.0.5:8080")), "https://xs.example.gov.cn");
        assert_eq!(base_url(None, &host("10.0.0.5:8080")), "http://10.0.0.5:8080");
        assert_eq!(base_url(Some("  "), &host("xs.local")), "http://xs.local");
        assert_eq!(base_url(None, &host("evil.example/\"><script>")), "http://localhost", "not a host name");
        assert_eq!(base_url(None, &HeaderMap::new()), "http://localhost");
    }

    #[test]
    fn the_qr_code_is_an_svg() {
        let svg = qr_svg("https://xs.example.gov.cn/box/hubin?locality=12").expect("qr");
        assert!(svg.starts_with("<?xml"));
        let inner = inline(&svg);
        assert!(inner.starts_with("<svg") && inner.ends_with("</svg>"));
    }
}
