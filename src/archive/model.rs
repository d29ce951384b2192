//! 基层政协档案: an office's records of a year, filed by the categories an
//! archivist expects, each record (件) numbered within its category, and the
//! names its bundle gives to every file. Rules only; no I/O.

use chrono::NaiveDate;

use crate::code_enum;
use crate::kernel::auth::{Actor, OfficeScope, Role};
use crate::kernel::files::FileRow;
use crate::kernel::ids::OfficeId;

code_enum!(
    /// The archive's categories, in the order of the table of contents. The
    /// code is the category's part of a record's 档号 (`2026-HD-0003`).
    Category, "archive_category" {
        /// 组织建设: the roster and its changes.
        Roster = "ZZ",
        /// 委员之家: the 六有 and their evidence.
        Home = "JD",
        /// 履职活动: activities held, with minutes and photos.
        Activities = "HD",
        /// 社情民意: the cases received and how they were handled.
        Opinions = "SQ",
        /// 协商议事: consultations and their agreed items.
        Consultations = "XS",
        /// 经费: the office's booked expenses with their receipts.
        Funds = "JF",
        /// 委员履职: members' duty time and scores.
        Duty = "LZ",
        /// 通知公告: notices issued and received.
        Notices = "TZ",
        /// 工作检查: the district's inspections and their rectifications.
        Inspections = "JC",
    }
);

impl Category {
    /// Its place in the table of contents, from 1 (the bundle's folder prefix).
    pub fn ordinal(self) -> usize {
        Category::ALL.iter().position(|c| *c == self).map_or(0, |i| i + 1)
    }
}

/// One record of the archive (件).
#[derive(Debug, Clone)]
pub struct Piece {
    pub category: Category,
    /// The source row's id, for a stable order among records of one day.
    pub source_id: i64,
    pub date: NaiveDate,
    /// 题名.
    pub title: String,
    /// 责任者: the unit that made or handled it.
    pub by: String,
    /// What the record says in a line: status, counts, amounts.
    pub note: String,
    /// The record's page, for staff browsing the archive.
    pub href: String,
    pub files: Vec<FileRow>,
    /// Set by [`number`]: its 件号 within its category, from 1.
    pub number: u32,
}

impl Piece {
    /// 档号: year, category, 件号 (`2026-HD-0003`).
    pub fn reference(&self, year: i32) -> String {
        format!("{year}-{}-{:04}", self.category.as_str(), self.number)
    }
}

/// Puts the records in archive order (category, date, source) and gives each
/// its 件号 within its category.
pub fn number(pieces: &mut [Piece]) {
    pieces.sort_by_key(|p| (p.category.ordinal(), p.date, p.source_id));
    let mut last: Option<Category> = None;
    let mut n = 0;
    for p in pieces.iter_mut() {
        if last != Some(p.category) {
            last = Some(p.category);
            n = 0;
        }
        n += 1;
        p.number = n;
    }
}

/// The years an archive can be asked for.
pub fn year_ok(year: i32, this_year: i32) -> bool {
    (2000..=this_year).contains(&year)
}

/// Who reads an office's archive and builds its bundle: the district and
/// its leaders (the chair inspects) for every office, an office's staff for
/// their own. Members, departments and the separated admin roles do not.
pub fn may_read(actor: &Actor, office: OfficeId) -> bool {
    match (actor.role, actor.office_scope()) {
        (Role::DistrictAdmin | Role::Leader, _) => true,
        (Role::OfficeStaff, OfficeScope::One(own)) => own == office,
        _ => false,
    }
}

/// The name of a record's `n`th attachment (from 1) in the bundle:
/// `附件/2026-HD-0003-01 活动照片.jpg`. The original name is kept for what it
/// says, without anything a zip tool would read as a folder or a drive, and
/// cut so that the whole name stays short enough for every file system.
pub fn attachment_name(reference: &str, n: usize, original: &str) -> String {
    const MAX_CHARS: usize = 60;
    let (stem, ext) = match original.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()) => {
            (s, format!(".{}", e.to_ascii_lowercase()))
        }
        _ => (original, String::new()),
    };
    let clean: String = stem
        .chars()
        .map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c })
        .collect::<String>()
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .chars()
        .take(MAX_CHARS)
        .collect();
    let stem = if clean.is_empty() { "附件".to_string() } else { clean };
    format!("{reference}-{n:02} {stem}{ext}")
}

/// A name for a folder or file made from words users typed (an office's
/// name): nothing a zip tool would read as a path, a drive or a device.
pub fn folder_name(s: &str) -> String {
    let clean: String = s.chars().map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c }).collect();
    clean.trim_matches(|c: char| c == '.' || c.is_whitespace()).to_string()
}

code_enum!(
    /// Where a bundle is: waiting for a worker, being built, ready, or failed.
    BundleStatus, "bundle_status" {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
        Replaced = "replaced",
    }
);

impl BundleStatus {
    pub fn is_final(self) -> bool {
        matches!(self, BundleStatus::Done | BundleStatus::Failed | BundleStatus::Replaced)
    }
}

/// Finished bundles kept for download per office and year: the newest and
/// the one before it (an inspector may still hold its link). A year's
/// bundle holds every photo of the year, so older ones would fill the disk
/// of a district's small server; they are marked replaced and their zip
/// deleted.
pub const BUNDLES_KEPT: usize = 2;

/// Of an office's finished bundles of a year, newest first, those to
/// replace.
pub fn to_replace<T: Copy>(done_newest_first: &[T]) -> Vec<T> {
    done_newest_first.iter().skip(BUNDLES_KEPT).copied().collect()
}

/// How far a bundle is, in whole percent: the files packed of all files;
/// the last steps (keeping the zip in the file store) are the last 5%.
pub fn percent(done: i32, total: i32, status: BundleStatus) -> i32 {
    match status {
        BundleStatus::Done | BundleStatus::Replaced => 100,
        BundleStatus::Queued => 0,
        _ if total <= 0 => 50,
        _ => (done.clamp(0, total) * 95 / total).min(95),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(category: Category, date: &str, source_id: i64) -> Piece {
        Piece {
            category,
            source_id,
            date: date.parse().expect("date"),
            title: String::new(),
            by: String::new(),
            note: String::new(),
            href: String::new(),
            files: vec![],
            number: 0,
        }
    }

    #[test]
    fn records_are_numbered_within_their_category_by_date() {
        let mut p = vec![
            piece(Category::Activities, "2026-05-01", 9),
            piece(Category::Opinions, "2026-01-02", 1),
            piece(Category::Activities, "2026-03-01", 12),
            piece(Category::Activities, "2026-03-01", 4),
            piece(Category::Roster, "2026-12-31", 1),
        ];
        number(&mut p);
        let got: Vec<(Category, u32, i64)> = p.iter().map(|p| (p.category, p.number, p.source_id)).collect();
        assert_eq!(
            got,
            vec![
                (Category::Roster, 1, 1),
                (Category::Activities, 1, 4),
                (Category::Activities, 2, 12),
                (Category::Activities, 3, 9),
                (Category::Opinions, 1, 1),
            ]
        );
        assert_eq!(p[2].reference(2026), "2026-HD-0002");
    }

    #[test]
    fn attachment_names_are_numbered_and_safe() {
        assert_eq!(attachment_name("2026-HD-0003", 1, "活动照片.JPG"), "2026-HD-0003-01 活动照片.jpg");
        assert_eq!(attachment_name("2026-HD-0003", 12, "../../etc/passwd"), "2026-HD-0003-12 _.._etc_passwd");
        assert_eq!(attachment_name("2026-JF-0001", 2, "C:\\票据.pdf"), "2026-JF-0001-02 C__票据.pdf");
        assert_eq!(attachment_name("2026-JF-0001", 3, ".pdf"), "2026-JF-0001-03 pdf");
        assert_eq!(attachment_name("2026-JF-0001", 4, "   "), "2026-JF-0001-04 附件");
        let long = "长".repeat(200) + ".png";
        assert_eq!(attachment_name("R", 1, &long).chars().count(), "R-01 ".chars().count() + 60 + 4);
        assert_eq!(folder_name(" ../高庙乡/2026 "), "_高庙乡_2026");
    }

    #[test]
    fn the_district_leaders_and_the_own_office_read_an_archive() {
        let own = OfficeId(3);
        assert!(may_read(&Actor::sample(Role::DistrictAdmin, None), own));
        assert!(may_read(&Actor::sample(Role::Leader, None), own));
        assert!(may_read(&Actor::sample(Role::OfficeStaff, Some(3)), own));
        assert!(!may_read(&Actor::sample(Role::OfficeStaff, Some(4)), own));
        for r in [Role::Member, Role::Department, Role::Auditor, Role::Sysadmin, Role::SecurityAdmin] {
            assert!(!may_read(&Actor::sample(r, Some(3)), own), "{r:?}");
        }
    }

    #[test]
    fn progress_counts_files_and_ends_at_a_hundred() {
        assert_eq!(percent(0, 10, BundleStatus::Queued), 0);
        assert_eq!(percent(5, 10, BundleStatus::Running), 47);
        assert_eq!(percent(10, 10, BundleStatus::Running), 95);
        assert_eq!(percent(0, 0, BundleStatus::Running), 50);
        assert_eq!(percent(3, 10, BundleStatus::Done), 100);
        assert_eq!(percent(3, 10, BundleStatus::Replaced), 100);
        assert!(to_replace(&[9, 7]).is_empty());
        assert_eq!(to_replace(&[9, 7, 4, 2]), vec![4, 2]);
        assert!(BundleStatus::Replaced.is_final());
        assert!(year_ok(2026, 2026) && !year_ok(2027, 2026) && !year_ok(1999, 2026));
    }
}
