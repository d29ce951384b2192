//! The notice form as sent: its text fields and its repeated checkboxes
//! (`office`, `sector`, `member`), read from the raw body because a plain
//! form extractor keeps only one value per name.

use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, OfficeId, SectorId};
use crate::kernel::web::form;
use crate::notices::model::Audience;
use crate::notices::store::notices::Draft;

/// The most offices, sectors and members one form may tick: more than any
/// committee has, and a bound on the query the choice becomes.
const MAX_CHOSEN: usize = 2000;

pub fn draft(raw: &[u8]) -> AppResult<Draft> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(raw).map_err(|_| AppError::BadRequest("form.bad_choice"))?;
    let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string());
    let on = |k: &str| one(k).is_some_and(|v| !v.is_empty());
    let ids = |k: &str| -> AppResult<Vec<i64>> {
        let mut ids: Vec<i64> = pairs
            .iter()
            .filter(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().parse().map_err(|_| AppError::BadRequest("form.bad_choice")))
            .collect::<AppResult<_>>()?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    };
    let public = one("public").as_deref() == Some("1");
    let audience = if public {
        Audience::default()
    } else {
        Audience {
            all_offices: on("all_offices"),
            offices: ids("office")?.into_iter().map(OfficeId).collect(),
            all_departments: on("all_departments"),
            all_members: on("all_members"),
            sectors: ids("sector")?.into_iter().map(SectorId).collect(),
            members: ids("member")?.into_iter().map(MemberId).collect(),
        }
    };
    if audience.offices.len() + audience.sectors.len() + audience.members.len() > MAX_CHOSEN {
        return Err(AppError::BadRequest("notice.too_many_chosen"));
    }
    let reply_by = if public { None } else { form::date(&one("reply_by"))? };
    Ok(Draft {
        public,
        title: one("title").unwrap_or_default(),
        body: one("body").unwrap_or_default(),
        audience,
        reply_by,
        texted: !public && on("texted"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_boxes_are_all_kept() {
        let d = draft(
            "title=%E9%80%9A%E7%9F%A5&body=x&public=0&office=3&office=4&sector=2&member=7&member=9&all_members=1&reply_by=2026-12-10&texted=1"
                .as_bytes(),
        )
        .expect("a draft");
        assert_eq!(d.title, "通知");
        assert_eq!(d.audience.offices, vec![OfficeId(3), OfficeId(4)]);
        assert_eq!(d.audience.members, vec![MemberId(7), MemberId(9)]);
        assert!(d.audience.all_members && !d.audience.all_offices && d.texted);
        assert_eq!(d.reply_by, chrono::NaiveDate::from_ymd_opt(2026, 12, 10));
    }

    #[test]
    fn a_public_notice_keeps_no_audience() {
        let d = draft(b"title=t&public=1&office=3&reply_by=2026-12-10&texted=1").expect("a draft");
        assert!(d.public && d.audience.is_empty() && d.reply_by.is_none() && !d.texted);
    }

    #[test]
    fn bad_ids_and_dates_are_refused() {
        assert!(matches!(draft(b"title=t&office=x"), Err(AppError::BadRequest(_))));
        assert!(matches!(draft(b"title=t&reply_by=2026-13-40"), Err(AppError::BadRequest(_))));
    }
}
