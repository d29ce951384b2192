//! The archive's records of the office's work: activities, opinions,
//! consultations, notices and inspections of the year.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Scope, by_owner};
use crate::activities::model::{Kind, Status as ActivityStatus};
use crate::archive::model::{Category, Piece};
use crate::consultations::model::ItemStatus;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    activities, activity_files, consultation_files, consultation_items, consultations, files, notice_files,
    notice_recipients, notices, opinion_files, opinions,
};
use crate::kernel::error::AppResult;
use crate::kernel::files::FileRow;
use crate::kernel::ids::{ActivityId, ConsultationId, NoticeId, OpinionId};
use crate::kernel::notify::Unit;
use crate::notices::model::NoticeStatus;
use crate::opinions::model::Status as OpinionStatus;
use crate::opinions::stats::mask_numbers;

/// Ids per query: well under every backend's limit of bound parameters.
const CHUNK: usize = 500;

/// Activities the office held in the year, with their minutes' files and photos.
pub fn activities(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let rows: Vec<(ActivityId, String, Kind, String, Option<NaiveDateTime>, i32)> = activities::table
        .filter(activities::committee_id.eq(s.actor.committee_id).and(activities::office_id.eq(s.office)))
        .filter(activities::status.eq(ActivityStatus::Held))
        .filter(activities::held_at.ge(s.start).and(activities::held_at.lt(s.end)))
        .select((
            activities::id,
            activities::title,
            activities::kind,
            activities::venue,
            activities::held_at,
            activities::residents_count,
        ))
        .load(conn)?;
    let ids: Vec<ActivityId> = rows.iter().map(|r| r.0).collect();
    let mut files = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(ActivityId, FileRow)> = activity_files::table
            .inner_join(files::table)
            .filter(activity_files::activity_id.eq_any(chunk))
            .select((activity_files::activity_id, FileRow::as_select()))
            .load(conn)?;
        files.extend(by_owner(found.into_iter().map(|(id, f)| (id.0, f)).collect()));
    }
    Ok(rows
        .into_iter()
        .map(|(id, title, kind, venue, held_at, residents)| {
            let mut note = s.t(&kind.label_key());
            if !venue.is_empty() {
                note = format!("{note}{}{venue}", s.t("archive.sep"));
            }
            if residents > 0 {
                note = format!(
                    "{note}{}{}",
                    s.t("archive.sep"),
                    s.t("archive.residents").replace("{n}", &residents.to_string())
                );
            }
            Piece {
                category: Category::Activities,
                source_id: id.0,
                date: held_at.map_or_else(|| s.last_day(), shanghai_date),
                title,
                by: s.office_name.clone(),
                note,
                href: format!("/activities/{id}"),
                files: files.remove(&id.0).unwrap_or_default(),
                number: 0,
            }
        })
        .collect())
}

/// Cases the office received in the year (a duplicate merged into another
/// case is filed with that case), their text masked of phone and ID numbers.
pub fn opinions(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let rows: Vec<(OpinionId, String, String, OpinionStatus, NaiveDateTime)> = opinions::table
        .filter(opinions::committee_id.eq(s.actor.committee_id).and(opinions::office_id.eq(s.office)))
        .filter(opinions::created_at.ge(s.start).and(opinions::created_at.lt(s.end)))
        .filter(opinions::merged_into.is_null())
        .select((opinions::id, opinions::code, opinions::body, opinions::status, opinions::created_at))
        .load(conn)?;
    let ids: Vec<OpinionId> = rows.iter().map(|r| r.0).collect();
    let mut files = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(OpinionId, FileRow)> = opinion_files::table
            .inner_join(files::table)
            .filter(opinion_files::opinion_id.eq_any(chunk))
            .select((opinion_files::opinion_id, FileRow::as_select()))
            .load(conn)?;
        // Residents name their photos as they like, their phone number included.
        let masked =
            found.into_iter().map(|(id, f)| (id.0, FileRow { original_name: mask_numbers(&f.original_name), ..f }));
        files.extend(by_owner(masked.collect()));
    }
    Ok(rows
        .into_iter()
        .map(|(id, code, body, status, created_at)| {
            let text: String = mask_numbers(body.trim()).chars().take(40).collect();
            Piece {
                category: Category::Opinions,
                source_id: id.0,
                date: shanghai_date(created_at),
                title: format!("{code} {text}"),
                by: s.office_name.clone(),
                note: s.t(&status.label_key()),
                href: format!("/opinions/{id}"),
                files: files.remove(&id.0).unwrap_or_default(),
                number: 0,
            }
        })
        .collect())
}

/// Consultations the office held in the year, with how their agreed items stand.
pub fn consultations(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let rows: Vec<(ConsultationId, String, Option<NaiveDateTime>)> = consultations::table
        .filter(consultations::committee_id.eq(s.actor.committee_id).and(consultations::office_id.eq(s.office)))
        .filter(consultations::held_at.ge(s.start).and(consultations::held_at.lt(s.end)))
        .select((consultations::id, consultations::title, consultations::held_at))
        .load(conn)?;
    let ids: Vec<ConsultationId> = rows.iter().map(|r| r.0).collect();
    let (mut files, mut items) = (HashMap::new(), HashMap::<ConsultationId, (i64, i64)>::new());
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(ConsultationId, FileRow)> = consultation_files::table
            .inner_join(files::table)
            .filter(consultation_files::consultation_id.eq_any(chunk))
            .select((consultation_files::consultation_id, FileRow::as_select()))
            .load(conn)?;
        files.extend(by_owner(found.into_iter().map(|(id, f)| (id.0, f)).collect()));
        let statuses: Vec<(ConsultationId, ItemStatus)> = consultation_items::table
            .filter(consultation_items::consultation_id.eq_any(chunk))
            .select((consultation_items::consultation_id, consultation_items::status))
            .load(conn)?;
        for (id, status) in statuses {
            let e = items.entry(id).or_default();
            e.0 += 1;
            e.1 += i64::from(status != ItemStatus::Open);
        }
    }
    Ok(rows
        .into_iter()
        .map(|(id, title, held_at)| {
            let (agreed, closed) = items.remove(&id).unwrap_or_default();
            let note = s.t("archive.items").replace("{n}", &agreed.to_string()).replace("{done}", &closed.to_string());
            Piece {
                category: Category::Consultations,
                source_id: id.0,
                date: held_at.map(shanghai_date).unwrap_or_else(|| s.last_day()),
                title,
                by: s.office_name.clone(),
                note,
                href: format!("/consultations/{id}"),
                files: files.remove(&id.0).unwrap_or_default(),
                number: 0,
            }
        })
        .collect())
}

/// Notices published in the year that the office issued or was sent, with
/// whether it replied to those it was sent.
pub fn notices(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let out_of_draft = [NoticeStatus::Published, NoticeStatus::Withdrawn];
    let issued: Vec<(NoticeId, String, Option<NaiveDateTime>)> = notices::table
        .filter(notices::committee_id.eq(s.actor.committee_id).and(notices::office_id.eq(s.office)))
        .filter(notices::status.eq_any(out_of_draft))
        .filter(notices::published_at.ge(s.start).and(notices::published_at.lt(s.end)))
        .select((notices::id, notices::title, notices::published_at))
        .load(conn)?;
    let received: Vec<(NoticeId, String, Option<NaiveDateTime>, Option<NaiveDateTime>)> = notice_recipients::table
        .inner_join(notices::table)
        .filter(notice_recipients::committee_id.eq(s.actor.committee_id))
        .filter(notice_recipients::unit.eq(Unit::Office(s.office).to_string()))
        // A withdrawn notice is no longer its recipients' to read.
        .filter(notices::status.eq(NoticeStatus::Published))
        .filter(notices::published_at.ge(s.start).and(notices::published_at.lt(s.end)))
        .select((notices::id, notices::title, notices::published_at, notice_recipients::replied_at))
        .load(conn)?;
    let ids: Vec<NoticeId> = issued.iter().map(|r| r.0).chain(received.iter().map(|r| r.0)).collect();
    let mut files = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(NoticeId, FileRow)> = notice_files::table
            .inner_join(files::table)
            .filter(notice_files::notice_id.eq_any(chunk))
            .select((notice_files::notice_id, FileRow::as_select()))
            .load(conn)?;
        files.extend(by_owner(found.into_iter().map(|(id, f)| (id.0, f)).collect()));
    }
    let piece =
        |id: NoticeId, title: String, at: Option<NaiveDateTime>, by: String, note: String, files: Vec<FileRow>| Piece {
            category: Category::Notices,
            source_id: id.0,
            date: at.map(shanghai_date).unwrap_or_else(|| s.last_day()),
            title,
            by,
            note,
            href: format!("/notices/{id}"),
            files,
            number: 0,
        };
    let mut out = vec![];
    for (id, title, at) in issued {
        let f = files.get(&id.0).cloned().unwrap_or_default();
        out.push(piece(id, title, at, s.office_name.clone(), s.t("archive.notice_issued"), f));
    }
    for (id, title, at, replied) in received {
        let note = s.t(if replied.is_some() { "archive.notice_replied" } else { "archive.notice_received" });
        let f = files.get(&id.0).cloned().unwrap_or_default();
        out.push(piece(id, title, at, s.t("archive.district"), note, f));
    }
    Ok(out)
}

/// The district's inspections of the office carried out in the year: score and items.
pub fn inspections(conn: &mut DbConn, s: &Scope) -> AppResult<Vec<Piece>> {
    let done =
        crate::inspections::store::inspections::recorded_between(conn, &s.actor, s.office, s.first_day(), s.dec31())?;
    let ids: Vec<_> = done.iter().map(|(i, _)| i.id).collect();
    let mut files = crate::inspections::store::rectifications::files_of_inspections(conn, &ids)?;
    Ok(done
        .into_iter()
        .map(|(i, tally)| {
            let mut note = s.t(&i.status.label_key());
            if let Some(score) = i.score {
                note =
                    format!("{note}{}{}", s.t("archive.sep"), s.t("archive.score").replace("{n}", &score.to_string()));
            }
            if tally.total > 0 {
                let open = s.t("archive.rectifications").replace("{n}", &tally.total.to_string());
                note = format!("{note}{}{}", s.t("archive.sep"), open.replace("{open}", &tally.open.to_string()));
            }
            Piece {
                category: Category::Inspections,
                source_id: i.id.0,
                date: i.inspected_on.unwrap_or(i.planned_on),
                title: s.t("archive.inspection_title").replace("{office}", &s.office_name),
                by: s.t("archive.district"),
                note,
                href: format!("/inspections/{}", i.id),
                files: files.remove(&i.id).unwrap_or_default(),
                number: 0,
            }
        })
        .collect())
}
