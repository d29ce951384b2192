//! Small helpers for HTML form fields: every field arrives as text.

use chrono::{NaiveDate, NaiveTime};

use crate::kernel::error::AppError;

/// A trimmed field, `None` when blank.
pub fn text(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A trimmed text no longer than `max` characters; a longer one is refused
/// with the message `key`.
pub fn bounded(s: &str, max: usize, key: &'static str) -> Result<String, AppError> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(AppError::BadRequest(key));
    }
    Ok(s.to_string())
}

/// An optional date field; a non-blank field that is not a date is an error.
pub fn date(v: &Option<String>) -> Result<Option<NaiveDate>, AppError> {
    match text(v) {
        None => Ok(None),
        Some(s) => crate::kernel::time::parse_date(&s).map(Some).ok_or(AppError::BadRequest("form.bad_date")),
    }
}

/// A date field where blank means today.
pub fn date_or_today(v: &Option<String>) -> Result<NaiveDate, AppError> {
    Ok(date(v)?.unwrap_or_else(crate::kernel::time::today))
}

/// An optional time of day (`HH:MM`).
pub fn time(v: &Option<String>) -> Result<Option<NaiveTime>, AppError> {
    match text(v) {
        None => Ok(None),
        Some(s) => NaiveTime::parse_from_str(&s, "%H:%M").map(Some).map_err(|_| AppError::BadRequest("form.bad_time")),
    }
}

/// A count: blank is 0, anything but a whole number is refused with `key`.
pub fn count(v: &Option<String>, key: &'static str) -> Result<i32, AppError> {
    match text(v) {
        None => Ok(0),
        Some(s) => s.parse().map_err(|_| AppError::BadRequest(key)),
    }
}

/// An optional id field (`<select>` with an empty choice).
pub fn id(v: &Option<String>) -> Result<Option<i64>, AppError> {
    match text(v) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| AppError::BadRequest("form.bad_choice")),
    }
}

/// An optional decimal number (coordinates).
pub fn number(v: &Option<String>) -> Result<Option<f64>, AppError> {
    match text(v) {
        None => Ok(None),
        Some(s) => {
            s.parse::<f64>().ok().filter(|f| f.is_finite()).map(Some).ok_or(AppError::BadRequest("form.bad_number"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(text(&Some("  ".into())), None);
        assert_eq!(text(&Some(" 高庙乡 ".into())), Some("高庙乡".into()));
        assert_eq!(date(&Some("2026/3/1".into())).ok().flatten(), NaiveDate::from_ymd_opt(2026, 3, 1));
        assert!(date(&Some("三月".into())).is_err());
        assert_eq!(id(&Some("".into())).ok().flatten(), None);
        assert!(id(&Some("x".into())).is_err());
        assert!(number(&Some("NaN".into())).is_err());
        assert_eq!(number(&Some("34.77".into())).ok().flatten(), Some(34.77));
    }
}
