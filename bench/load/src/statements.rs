//! The server's statement count (`xieshang_db_statements_total` on its
//! `/metrics`), read before and after the measured window: the table prints
//! statements per operation, so a page that starts running more shows there.

use crate::http::{self, Client};

/// The sum over the instances' metrics addresses; `None` if one does not
/// answer or shows no count (an older build, the baseline).
pub async fn total(client: &Client, urls: &[String]) -> Option<u64> {
    let mut sum = 0;
    for url in urls {
        let req = http::request(hyper::Method::GET, url, None, false, &[], None).ok()?;
        let res = client.send(req).await.ok()?;
        sum += parse(&res.text().ok()?)?;
    }
    Some(sum)
}

fn parse(exposition: &str) -> Option<u64> {
    exposition
        .lines()
        .find_map(|l| l.strip_prefix("xieshang_db_statements_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_counter_line_only() {
        let text = "# TYPE xieshang_db_statements_total counter\nhttp_requests_total{route=\"/\"} 4\nxieshang_db_statements_total 1234\n";
        assert_eq!(super::parse(text), Some(1234));
        assert_eq!(super::parse("http_requests_total 4\n"), None);
    }
}
