//! The rules of an online consultation (网络议政), with no I/O: its period,
//! who may comment when, a comment's states under moderation, replies one
//! level deep, the summary's lines and its place in the consultation's record,
//! and the participation per sector (界别).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDateTime};

use crate::code_enum;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, OnlineCommentId};

code_enum!(
    /// Where a comment stands.
    CommentStatus, "online_comment_status" {
        /// Waiting for staff: where a resident's comment starts.
        Held = "held",
        /// Shown to everyone who sees the consultation.
        Published = "published",
        /// Taken down by staff, with the reason.
        Hidden = "hidden",
    }
);

code_enum!(
    /// What staff do to a comment.
    Moderation, "online_moderation" {
        Hold = "hold",
        Publish = "publish",
        Hide = "hide",
    }
);

code_enum!(
    /// Who wrote a comment.
    Author, "online_author" {
        /// An invited member, signed in.
        Member = "member",
        /// A resident on the public page, without a login.
        Resident = "resident",
    }
);

code_enum!(
    /// Where the period stands.
    Phase, "online_phase" {
        NotYet = "not_yet",
        Open = "open",
        Ended = "ended",
    }
);

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 1000;
/// The longest summary.
pub const MAX_SUMMARY: usize = 5000;
/// The longest reason for hiding a comment.
pub const MAX_REASON: usize = 200;
/// The longest period an online consultation may run.
pub const MAX_DAYS: i64 = 90;

/// A member's comment is published at once (staff may hide it later); a
/// resident's waits for staff, as the public may write anything.
pub fn first_status(a: Author) -> CommentStatus {
    match a {
        Author::Member => CommentStatus::Published,
        Author::Resident => CommentStatus::Held,
    }
}

/// The state machine: where moderation `m` leads from `from`, or `None` when
/// it does not apply (publishing what is published, say).
pub fn next(from: CommentStatus, m: Moderation) -> Option<CommentStatus> {
    use CommentStatus as S;
    use Moderation as M;
    match (from, m) {
        (S::Published, M::Hold) => Some(S::Held),
        (S::Held | S::Hidden, M::Publish) => Some(S::Published),
        (S::Held | S::Published, M::Hide) => Some(S::Hidden),
        _ => None,
    }
}

/// A moderation as stored: the new state and the reason it keeps. Hiding
/// needs its reason; the reason stays only with a hidden comment.
pub fn moderate(from: CommentStatus, m: Moderation, reason: &str) -> AppResult<(CommentStatus, String)> {
    let to = next(from, m).ok_or(AppError::Conflict("online.wrong_state"))?;
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON {
        return Err(AppError::BadRequest("online.reason_too_long"));
    }
    if to != CommentStatus::Hidden {
        return Ok((to, String::new()));
    }
    if reason.is_empty() {
        return Err(AppError::BadRequest("online.reason_required"));
    }
    Ok((to, reason.to_string()))
}

/// Where the period from `opens_at` to `closes_at` stands at `now`.
pub fn phase(opens_at: NaiveDateTime, closes_at: NaiveDateTime, now: NaiveDateTime) -> Phase {
    if now < opens_at {
        Phase::NotYet
    } else if now < closes_at {
        Phase::Open
    } else {
        Phase::Ended
    }
}

/// A period staff may set: it ends after it opens, in the future, and runs
/// at most `MAX_DAYS`.
pub fn period(opens_at: NaiveDateTime, closes_at: NaiveDateTime, now: NaiveDateTime) -> AppResult<()> {
    if closes_at <= opens_at {
        return Err(AppError::BadRequest("online.bad_period"));
    }
    if closes_at <= now {
        return Err(AppError::BadRequest("online.ends_in_past"));
    }
    if closes_at - opens_at > Duration::days(MAX_DAYS) {
        return Err(AppError::BadRequest("online.period_too_long"));
    }
    Ok(())
}

/// Whether a comment may be written now: only while the period is open, by
/// an invited member or, when staff opened it to them, a resident.
pub fn may_comment(author: Author, invited: bool, residents_open: bool, phase: Phase) -> AppResult<()> {
    match author {
        Author::Member if !invited => return Err(AppError::Forbidden),
        // The public page of a consultation closed to residents is not there.
        Author::Resident if !residents_open => return Err(AppError::NotFound),
        _ => {}
    }
    if phase == Phase::Open { Ok(()) } else { Err(AppError::Conflict("online.not_open")) }
}

/// A comment's parent, as replies go one level deep: a published comment
/// that is not itself a reply.
pub fn reply_to(parent_is_reply: bool, parent_status: CommentStatus) -> AppResult<()> {
    if parent_is_reply || parent_status != CommentStatus::Published {
        return Err(AppError::BadRequest("online.bad_parent"));
    }
    Ok(())
}

/// A comment's text as kept: trimmed, not empty, not over `MAX_COMMENT`.
pub fn body(text: &str) -> AppResult<String> {
    let text = crate::kernel::web::form::bounded(text, MAX_COMMENT, "online.body_too_long")?;
    if text.is_empty() {
        return Err(AppError::BadRequest("online.body_required"));
    }
    Ok(text)
}

/// The summary's lines that may become agreed items: each non-blank line
/// without its list mark (1. 1、 (1) （一） - •).
pub fn summary_lines(summary: &str) -> Vec<String> {
    summary.lines().map(unmarked).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn unmarked(line: &str) -> &str {
    let line = line.trim();
    for bullet in ['-', '•', '·', '*', '●'] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return rest.trim();
        }
    }
    let numeral = |c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c);
    // （1） or (1)
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(rest) = line.strip_prefix(open)
            && let Some((n, after)) = rest.split_once(close)
            && !n.is_empty()
            && n.chars().all(numeral)
        {
            return after.trim();
        }
    }
    // 1. 1、 1） 一、
    let digits = line.chars().take_while(|c| numeral(*c)).count();
    if digits > 0 {
        let rest: String = line.chars().skip(digits).collect();
        let marked = ['.', '、', '．', ')', '）'].iter().find_map(|m| rest.strip_prefix(*m));
        // 1.5万元 is a number, not a list mark.
        if let Some(after) = marked.filter(|a| !a.starts_with(|c: char| c.is_ascii_digit())) {
            return line[line.len() - after.len()..].trim();
        }
    }
    line
}

/// The consultation's record with the online summary in it, under
/// `heading`: in place of the summary written before (`old`) if the record
/// still holds it as written, else after what the record says.
pub fn record_with_summary(record: &str, heading: &str, old: &str, new: &str) -> String {
    let block = |s: &str| format!("{heading}\n{s}");
    if !old.is_empty()
        && let Some(at) = record.find(&block(old))
    {
        let end = at + block(old).len();
        return format!("{}{}{}", &record[..at], block(new), &record[end..]);
    }
    let record = record.trim_end();
    if record.is_empty() { block(new) } else { format!("{record}\n\n{}", block(new)) }
}

/// A group of the participation figures: a sector (its order, its name),
/// members without one, or residents (群众).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Group {
    Sector(i32, String),
    NoSector,
    Residents,
}

/// Who wrote a published comment, to count each person once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Writer {
    Member(MemberId),
    /// A resident who left a phone: its blind index.
    Phone(String),
    /// A resident who left none: each such comment is one person.
    Unknown(OnlineCommentId),
}

/// One line of the participation figures.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SectorCount {
    pub group: Group,
    /// Members invited (none for residents, who are not invited by name).
    pub invited: usize,
    /// Distinct people who wrote a published comment.
    pub participants: usize,
    pub comments: usize,
}

/// The figures per group, sectors in their order, then members without a
/// sector, then residents: `invited` holds each invited member's group,
/// `comments` each published comment's group and writer.
pub fn by_sector(invited: &[Group], comments: &[(Group, Writer)]) -> Vec<SectorCount> {
    let mut by: BTreeMap<Group, (usize, BTreeSet<&Writer>, usize)> = BTreeMap::new();
    for g in invited {
        by.entry(g.clone()).or_default().0 += 1;
    }
    for (g, w) in comments {
        let e = by.entry(g.clone()).or_default();
        e.1.insert(w);
        e.2 += 1;
    }
    by.into_iter()
        .map(|(group, (invited, people, comments))| SectorCount {
            group,
            invited,
            participants: people.len(),
            comments,
        })
        .collect()
}

/// The figures' total line.
pub fn total(rows: &[SectorCount]) -> (usize, usize, usize) {
    rows.iter().fold((0, 0, 0), |t, r| (t.0 + r.invited, t.1 + r.participants, t.2 + r.comments))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day).and_then(|d| d.and_hms_opt(hour, 0, 0)).expect("time")
    }

    #[test]
    fn every_state_and_moderation() {
        use CommentStatus as S;
        use Moderation as M;
        let allowed = [
            (S::Published, M::Hold, S::Held),
            (S::Held, M::Publish, S::Published),
            (S::Hidden, M::Publish, S::Published),
            (S::Held, M::Hide, S::Hidden),
            (S::Published, M::Hide, S::Hidden),
        ];
        for from in S::ALL {
            for m in M::ALL {
                let want = allowed.iter().find(|(f, a, _)| f == from && a == m).map(|(_, _, to)| *to);
                assert_eq!(next(*from, *m), want, "{from:?} {m:?}");
            }
        }
        assert!(matches!(moderate(S::Published, M::Publish, ""), Err(AppError::Conflict("online.wrong_state"))));
    }

    #[test]
    fn hiding_needs_a_reason_kept_only_while_hidden() {
        use CommentStatus as S;
        assert!(matches!(
            moderate(S::Published, Moderation::Hide, "  "),
            Err(AppError::BadRequest("online.reason_required"))
        ));
        assert!(matches!(
            moderate(S::Held, Moderation::Hide, &"长".repeat(MAX_REASON + 1)),
            Err(AppError::BadRequest("online.reason_too_long"))
        ));
        let (to, reason) = moderate(S::Published, Moderation::Hide, " 含有他人电话号码 ").expect("hidden");
        assert_eq!((to, reason.as_str()), (S::Hidden, "含有他人电话号码"));
        let (to, reason) = moderate(S::Hidden, Moderation::Publish, "已删去号码").expect("published");
        assert_eq!((to, reason.as_str()), (S::Published, ""), "no reason on a published comment");
    }

    #[test]
    fn members_publish_at_once_residents_wait() {
        assert_eq!(first_status(Author::Member), CommentStatus::Published);
        assert_eq!(first_status(Author::Resident), CommentStatus::Held);
    }

    #[test]
    fn the_period() {
        let now = at(10, 9);
        assert_eq!(phase(at(11, 0), at(20, 0), now), Phase::NotYet);
        assert_eq!(phase(at(10, 9), at(20, 0), now), Phase::Open, "open from its first moment");
        assert_eq!(phase(at(1, 0), at(10, 9), now), Phase::Ended, "ended at its last");
        assert!(period(at(1, 0), at(20, 0), now).is_ok(), "it may have opened already");
        assert!(matches!(period(at(20, 0), at(20, 0), now), Err(AppError::BadRequest("online.bad_period"))));
        assert!(matches!(period(at(1, 0), at(10, 9), now), Err(AppError::BadRequest("online.ends_in_past"))));
        let far = at(10, 9) + Duration::days(MAX_DAYS + 1);
        assert!(matches!(period(at(10, 9), far, now), Err(AppError::BadRequest("online.period_too_long"))));
    }

    #[test]
    fn who_may_comment_when() {
        use Author::{Member, Resident};
        assert!(may_comment(Member, true, false, Phase::Open).is_ok());
        assert!(may_comment(Resident, false, true, Phase::Open).is_ok());
        assert!(matches!(may_comment(Member, false, true, Phase::Open), Err(AppError::Forbidden)));
        assert!(matches!(may_comment(Resident, true, false, Phase::Open), Err(AppError::NotFound)));
        for p in [Phase::NotYet, Phase::Ended] {
            assert!(matches!(may_comment(Member, true, true, p), Err(AppError::Conflict("online.not_open"))));
            assert!(matches!(may_comment(Resident, true, true, p), Err(AppError::Conflict("online.not_open"))));
        }
    }

    #[test]
    fn replies_go_one_level_deep_to_published_comments() {
        assert!(reply_to(false, CommentStatus::Published).is_ok());
        assert!(reply_to(true, CommentStatus::Published).is_err(), "no reply to a reply");
        assert!(reply_to(false, CommentStatus::Held).is_err());
        assert!(reply_to(false, CommentStatus::Hidden).is_err());
    }

    #[test]
    fn a_comment_s_text() {
        assert_eq!(body("  建议增设休息座椅。 ").ok().as_deref(), Some("建议增设休息座椅。"));
        assert!(matches!(body(" \n "), Err(AppError::BadRequest("online.body_required"))));
        assert!(body(&"字".repeat(MAX_COMMENT)).is_ok());
        assert!(matches!(body(&"字".repeat(MAX_COMMENT + 1)), Err(AppError::BadRequest("online.body_too_long"))));
    }

    #[test]
    fn summary_lines_lose_their_marks() {
        let s = "综述如下\n1. 增设公交站台\n2、延长末班车\n（3）站台加装座椅\n(4) 公示线路\n一、 征求沿线意见\n- 每季度回访\n\n  • 设置反馈电话  \n2026年底前完成\n1.5万元补贴";
        assert_eq!(
            summary_lines(s),
            vec![
                "综述如下",
                "增设公交站台",
                "延长末班车",
                "站台加装座椅",
                "公示线路",
                "征求沿线意见",
                "每季度回访",
                "设置反馈电话",
                "2026年底前完成",
                "1.5万元补贴",
            ]
        );
        assert!(summary_lines(" \n\n").is_empty());
    }

    #[test]
    fn the_summary_goes_into_the_record_once() {
        let h = "【网络议政综述】";
        assert_eq!(record_with_summary("", h, "", "甲"), "【网络议政综述】\n甲");
        let r = record_with_summary("会议纪要。\n", h, "", "甲");
        assert_eq!(r, "会议纪要。\n\n【网络议政综述】\n甲");
        // Written again: in its place, not twice.
        let r2 = record_with_summary(&format!("{r}\n\n补充说明。"), h, "甲", "乙");
        assert_eq!(r2, "会议纪要。\n\n【网络议政综述】\n乙\n\n补充说明。");
        // Staff rewrote the record meanwhile: the new summary is added.
        assert_eq!(record_with_summary("新纪要。", h, "甲", "乙"), "新纪要。\n\n【网络议政综述】\n乙");
    }

    #[test]
    fn participation_per_sector() {
        let econ = Group::Sector(2, "经济界".into());
        let edu = Group::Sector(1, "教育界".into());
        let invited = vec![econ.clone(), econ.clone(), edu.clone(), Group::NoSector];
        let m = |n| Writer::Member(MemberId(n));
        let comments = vec![
            (econ.clone(), m(1)),
            (econ.clone(), m(1)),
            (econ.clone(), m(2)),
            (Group::Residents, Writer::Phone("k1".into())),
            (Group::Residents, Writer::Phone("k1".into())),
            (Group::Residents, Writer::Unknown(OnlineCommentId(7))),
            (Group::Residents, Writer::Unknown(OnlineCommentId(8))),
        ];
        let rows = by_sector(&invited, &comments);
        let line = |g: &Group| rows.iter().find(|r| &r.group == g).map(|r| (r.invited, r.participants, r.comments));
        assert_eq!(
            rows.iter().map(|r| r.group.clone()).collect::<Vec<_>>(),
            [edu.clone(), econ.clone(), Group::NoSector, Group::Residents]
        );
        assert_eq!(line(&econ), Some((2, 2, 3)));
        assert_eq!(line(&edu), Some((1, 0, 0)), "invited, silent");
        assert_eq!(line(&Group::Residents), Some((0, 3, 4)), "one phone is one resident");
        assert_eq!(total(&rows), (4, 5, 7));
        assert!(by_sector(&[], &[]).is_empty());
    }
}
