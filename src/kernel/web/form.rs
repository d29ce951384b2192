//! Small helpers for HTML form fields: every field arrives as text.

use chrono::{NaiveDate, NaiveTime};

use crate::kernel::error::AppError;

/// Full-width letters, digits and punctuation (`１３８`, `：`, `－`, `（）`, as
/// Chinese input methods type them) and the ideographic space as their ASCII
/// forms: for fields read as numbers, dates, times, phones and codes, never
/// for free text.
pub fn halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

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
        Some(s) => crate::kernel::time::parse_date(&s).map(Some).ok_or(AppError::BadRequest(
            if crate::kernel::time::is_missing_day(&s) { "form.no_such_day" } else { "form.bad_date" },
        )),
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
        Some(s) => NaiveTime::parse_from_str(halfwidth(&s).trim(), "%H:%M")
            .map(Some)
            .map_err(|_| AppError::BadRequest("form.bad_time")),
    }
}

/// A count: blank is 0, anything but a whole number is refused with `key`.
pub fn count(v: &Option<String>, key: &'static str) -> Result<i32, AppError> {
    match text(v) {
        None => Ok(0),
        Some(s) => halfwidth(&s).trim().parse().map_err(|_| AppError::BadRequest(key)),
    }
}

/// An optional id field (`<select>` with an empty choice).
pub fn id(v: &Option<String>) -> Result<Option<i64>, AppError> {
    match text(v) {
        None => Ok(None),
        Some(s) => halfwidth(&s).trim().parse().map(Some).map_err(|_| AppError::BadRequest("form.bad_choice")),
    }
}

/// A form's fields as sent, repeated names kept (a multiple choice).
pub fn pairs(raw: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_bytes(raw).map_err(|_| AppError::BadRequest("form.bad_choice"))
}

/// Every value of field `name`, blank ones left out.
pub fn all<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.as_str()).collect()
}

/// The first value of field `name`.
pub fn first(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// Every value of field `name` as ids (a multiple choice of records).
pub fn ids(pairs: &[(String, String)], name: &str) -> Result<Vec<i64>, AppError> {
    all(pairs, name)
        .into_iter()
        .map(|v| halfwidth(v).trim().parse().map_err(|_| AppError::BadRequest("form.bad_choice")))
        .collect()
}

/// An optional decimal number (coordinates).
pub fn number(v: &Option<String>) -> Result<Option<f64>, AppError> {
    match text(v) {
        None => Ok(None),
        Some(s) => {
            // 。 is the decimal point a Chinese keyboard types in a number.
            let s = halfwidth(&s).replace('。', ".");
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or(AppError::BadRequest("form.bad_number"))
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
        assert_eq!(count(&Some("１２".into()), "k").ok(), Some(12), "full-width digits");
        assert_eq!(time(&Some("０９：３０".into())).ok().flatten(), NaiveTime::from_hms_opt(9, 30, 0));
        assert_eq!(number(&Some("３。５".into())).ok().flatten(), Some(3.5));
        assert!(matches!(date(&Some("2026-02-30".into())), Err(AppError::BadRequest("form.no_such_day"))));
        assert!(number(&Some("NaN".into())).is_err());
        assert_eq!(number(&Some("34.77".into())).ok().flatten(), Some(34.77));
    }
}
