//! The client's address, for per-IP rate limits and logs.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The address to count a request against. Without `trust_proxy` (the
/// `trust_proxy_headers` setting) it is the socket peer and headers are ignored:
/// anyone can send `X-Forwarded-For`.
///
/// Behind the reverse proxy, it is the *last* `X-Forwarded-For` entry: the one
/// the proxy in front of us added. Earlier entries come from the client and can
/// be anything (nginx's `$proxy_add_x_forwarded_for` keeps them), so trusting
/// the first would let a bot pick a new address per request. A proxy that
/// overwrites the header sends one entry, and the last is the first. An entry
/// that is not an address falls back to the peer.
///
/// An IPv6 client is its /64 (`2001:db8:1:2::/64`): a home line or a phone is
/// given a whole /64 and may take a new address in it for every request, so
/// counting single addresses would count nothing.
pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, trust_proxy: bool) -> String {
    let forwarded = || {
        let last = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?.rsplit(',').next()?;
        parse_ip(last.trim())
    };
    let ip = if trust_proxy { forwarded() } else { None }.or_else(|| peer.map(|p| p.ip()));
    match ip.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{prefix}/64")
        }
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    }
}

/// `1.2.3.4`, `2001:db8::1`, and the same with a port (`1.2.3.4:5678`, `[2001:db8::1]:443`).
fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok().or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    fn peer() -> Option<SocketAddr> {
        "10.0.0.2:40000".parse().ok()
    }

    #[test]
    fn the_peer_unless_proxies_are_trusted() {
        assert_eq!(client_ip(&headers(&["1.2.3.4"]), peer(), false), "10.0.0.2");
        assert_eq!(client_ip(&headers(&[]), peer(), true), "10.0.0.2");
        assert_eq!(client_ip(&headers(&[]), None, false), "unknown");
        assert_eq!(client_ip(&headers(&[]), "[::ffff:1.2.3.4]:80".parse().ok(), false), "1.2.3.4");
    }

    #[test]
    fn behind_the_proxy_the_entry_it_added() {
        assert_eq!(client_ip(&headers(&["1.2.3.4"]), peer(), true), "1.2.3.4");
        assert_eq!(client_ip(&headers(&[" 1.2.3.4 "]), peer(), true), "1.2.3.4");
        // What the client sent comes first; the proxy appended the real address.
        assert_eq!(client_ip(&headers(&["6.6.6.6, 1.2.3.4"]), peer(), true), "1.2.3.4");
        assert_eq!(client_ip(&headers(&["6.6.6.6", "1.2.3.4"]), peer(), true), "1.2.3.4");
        assert_eq!(client_ip(&headers(&["2001:db8::1"]), peer(), true), "2001:db8::/64");
        assert_eq!(client_ip(&headers(&["1.2.3.4:5678"]), peer(), true), "1.2.3.4");
        assert_eq!(client_ip(&headers(&["[2001:db8::1]:443"]), peer(), true), "2001:db8::/64");
        // Every address of one /64 is one client.
        assert_eq!(client_ip(&headers(&["2001:db8:1:2:aaaa::9"]), peer(), true), "2001:db8:1:2::/64");
        assert_eq!(client_ip(&headers(&["2001:db8:1:2:bbbb::7"]), peer(), true), "2001:db8:1:2::/64");
        assert_ne!(client_ip(&headers(&["2001:db8:1:3::7"]), peer(), true), "2001:db8:1:2::/64");
        // Not an address: the peer, never the header's text.
        assert_eq!(client_ip(&headers(&["1.2.3.4, evil"]), peer(), true), "10.0.0.2");
        assert_eq!(client_ip(&headers(&["unknown"]), None, true), "unknown");
    }
}
