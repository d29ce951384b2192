//! Numbers that come from an address (`?page=`, `?year=`): each is bounded
//! here, once, so no list can be asked for an offset or a date the database
//! or chrono cannot hold (PostgreSQL refused `?page=9223372036854775807`).

/// The highest page any list serves: far beyond any real list, far below
/// anything that overflows an offset.
pub const MAX_PAGE: i64 = 1_000_000;
/// Years a filter or an export may name.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A page number from the address: blank or unreadable is the first page,
/// anything out of range the nearest bound.
pub fn page(raw: Option<&str>) -> i64 {
    let raw = raw.map(str::trim).unwrap_or("");
    match raw.parse::<i64>() {
        Ok(n) => n.clamp(1, MAX_PAGE),
        // All digits yet too long for an i64: as far as a list goes.
        Err(_) if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) => MAX_PAGE,
        Err(_) => 1,
    }
}

/// The rows to skip before `page` (1-based) of `size` rows; never overflows.
pub fn offset(page: i64, size: i64) -> i64 {
    page.clamp(1, MAX_PAGE).saturating_sub(1).saturating_mul(size.max(0))
}

/// A year from the address, only within `YEARS`.
pub fn year(raw: Option<&str>) -> Option<i32> {
    raw.map(str::trim).and_then(|y| y.parse::<i32>().ok()).filter(|y| YEARS.contains(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_clamped() {
        assert_eq!(page(None), 1);
        assert_eq!(page(Some("")), 1);
        assert_eq!(page(Some(" 3 ")), 3);
        assert_eq!(page(Some("0")), 1);
        assert_eq!(page(Some("-5")), 1);
        assert_eq!(page(Some("abc")), 1);
        assert_eq!(page(Some("1000000")), MAX_PAGE);
        assert_eq!(page(Some("9223372036854775807")), MAX_PAGE);
        assert_eq!(page(Some("99999999999999999999999")), MAX_PAGE);
        assert_eq!(page(Some("-99999999999999999999999")), 1);
    }

    #[test]
    fn offsets_never_overflow() {
        assert_eq!(offset(1, 30), 0);
        assert_eq!(offset(3, 30), 60);
        assert_eq!(offset(i64::MAX, 30), (MAX_PAGE - 1) * 30);
        assert_eq!(offset(i64::MIN, 30), 0);
        assert_eq!(offset(2, i64::MAX), i64::MAX);
        assert_eq!(offset(2, -1), 0);
    }

    #[test]
    fn years_within_the_range() {
        assert_eq!(year(Some("2026")), Some(2026));
        assert_eq!(year(Some(" 2000 ")), Some(2000));
        assert_eq!(year(Some("2100")), Some(2100));
        assert_eq!(year(Some("1999")), None);
        assert_eq!(year(Some("2101")), None);
        assert_eq!(year(Some("2147483647")), None);
        assert_eq!(year(Some("二〇二六")), None);
        assert_eq!(year(None), None);
    }
}
