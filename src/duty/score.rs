//! 履职积分: the district's scoring table for a year and a member's score,
//! computed from their records (never typed in), each point traceable to the
//! record that earned it. No I/O.

use chrono::NaiveDateTime;

use crate::code_enum;

code_enum!(
    /// What earns (or costs) points.
    ScoreItem, "score_item" {
        /// 参加委员活动.
        Activity = "activity",
        /// 参加协商议事.
        Consultation = "consultation",
        /// 协商发言: a speech recorded at a consultation.
        Speech = "speech",
        /// 网络议政发言: a member's published comment in an online consultation.
        OnlineSpeech = "online_speech",
        /// 在活动中听取并录入的民意.
        Heard = "heard",
        /// 反映的社情民意 (brought to staff outside an activity).
        Entered = "entered",
        /// 编报社情民意信息.
        Report = "report",
        /// 被区级采用.
        AdoptedDistrict = "adopted_district",
        /// 被市级采用.
        AdoptedCity = "adopted_city",
        /// 被省级采用.
        AdoptedProvince = "adopted_province",
        /// 被全国政协采用.
        AdoptedNational = "adopted_national",
        /// 获领导批示.
        Instructed = "instructed",
        /// 提案立案: each accepted proposal, for its proposer and co-signers.
        Proposal = "proposal",
        /// 无故缺席: invited, held, not present, no apology given.
        Absence = "absence",
    }
);

/// The widest a table may set one item: a slip of the keyboard (200 instead
/// of 2) would otherwise decide a ranking.
pub const MAX_POINTS: i32 = 100;

impl ScoreItem {
    /// A new year's table before the district edits it: the weights most
    /// district committees publish (adoption higher the higher the level,
    /// an unexcused absence costs what attending earns).
    pub fn default_points(self) -> i32 {
        match self {
            ScoreItem::Activity => 2,
            ScoreItem::Consultation => 3,
            ScoreItem::Speech => 2,
            ScoreItem::OnlineSpeech => 1,
            ScoreItem::Heard => 1,
            ScoreItem::Entered => 1,
            ScoreItem::Report => 2,
            ScoreItem::AdoptedDistrict => 3,
            ScoreItem::AdoptedCity => 5,
            ScoreItem::AdoptedProvince => 8,
            ScoreItem::AdoptedNational => 10,
            ScoreItem::Instructed => 10,
            ScoreItem::Proposal => 3,
            ScoreItem::Absence => -2,
        }
    }

    /// Whether the item is a deduction: its points are zero or less.
    pub fn is_deduction(self) -> bool {
        self == ScoreItem::Absence
    }
}

/// A year's points per item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreTable {
    pub year: i32,
    points: Vec<(ScoreItem, i32)>,
}

/// Why a table was refused; each is a translation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableProblem {
    /// Beyond ±`MAX_POINTS`.
    OutOfRange(ScoreItem),
    /// A deduction given as a reward, or a reward as a deduction.
    WrongSign(ScoreItem),
}

impl TableProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            TableProblem::OutOfRange(_) => "score.out_of_range",
            TableProblem::WrongSign(_) => "score.wrong_sign",
        }
    }

    pub fn item(self) -> ScoreItem {
        match self {
            TableProblem::OutOfRange(i) | TableProblem::WrongSign(i) => i,
        }
    }
}

impl ScoreTable {
    pub fn defaults(year: i32) -> ScoreTable {
        ScoreTable { year, points: ScoreItem::ALL.iter().map(|i| (*i, i.default_points())).collect() }
    }

    /// A table from stored or submitted points; items not given keep their
    /// default. Rewards are 0..=MAX, deductions -MAX..=0.
    pub fn new(year: i32, given: &[(ScoreItem, i32)]) -> Result<ScoreTable, TableProblem> {
        let mut t = ScoreTable::defaults(year);
        for &(item, p) in given {
            if p.abs() > MAX_POINTS {
                return Err(TableProblem::OutOfRange(item));
            }
            if (item.is_deduction() && p > 0) || (!item.is_deduction() && p < 0) {
                return Err(TableProblem::WrongSign(item));
            }
            if let Some(slot) = t.points.iter_mut().find(|(i, _)| *i == item) {
                slot.1 = p;
            }
        }
        Ok(t)
    }

    pub fn points(&self, item: ScoreItem) -> i32 {
        self.points.iter().find(|(i, _)| *i == item).map_or(0, |(_, p)| *p)
    }

    pub fn items(&self) -> &[(ScoreItem, i32)] {
        &self.points
    }
}

/// One record that scores, with what it needs to be found again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub item: ScoreItem,
    /// Beijing time of the record.
    pub at: NaiveDateTime,
    /// What it was: the activity's, consultation's or report's title, or the
    /// opinion's tracking code.
    pub title: String,
    /// The page of the record.
    pub href: String,
}

/// A scored record and the points it earned under the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreLine {
    pub record: Scored,
    pub points: i32,
}

/// A member's score for the table's year: every record's line, in date
/// order, and the total. Records of items worth 0 points are kept (the
/// member sees them, at 0).
pub fn score(table: &ScoreTable, mut records: Vec<Scored>) -> (Vec<ScoreLine>, i32) {
    records.sort_by(|a, b| (a.at, a.item.as_str()).cmp(&(b.at, b.item.as_str())));
    let lines: Vec<ScoreLine> =
        records.into_iter().map(|r| ScoreLine { points: table.points(r.item), record: r }).collect();
    let total = lines.iter().map(|l| l.points).sum();
    (lines, total)
}

/// Standard competition ranking (1, 2, 2, 4) by score, highest first; ties
/// keep the order given (by name, say).
pub fn rank<T>(mut scored: Vec<(T, i32)>) -> Vec<(u32, T, i32)> {
    scored.sort_by_key(|(_, s)| std::cmp::Reverse(*s));
    let mut out = Vec::with_capacity(scored.len());
    let mut last: Option<(i32, u32)> = None;
    for (i, (who, s)) in scored.into_iter().enumerate() {
        let place = match last {
            Some((ls, lp)) if ls == s => lp,
            _ => i as u32 + 1,
        };
        last = Some((s, place));
        out.push((place, who, s));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, day).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("date")
    }

    fn rec(item: ScoreItem, day: u32) -> Scored {
        Scored { item, at: at(day), title: format!("{item} {day}"), href: format!("/x/{day}") }
    }

    #[test]
    fn the_score_is_the_sum_of_its_records() {
        let table = ScoreTable::defaults(2026);
        let records = vec![
            rec(ScoreItem::Consultation, 9),
            rec(ScoreItem::Activity, 2),
            rec(ScoreItem::Speech, 9),
            rec(ScoreItem::Report, 5),
            rec(ScoreItem::AdoptedCity, 20),
            rec(ScoreItem::Absence, 12),
        ];
        let (lines, total) = score(&table, records);
        assert_eq!(total, 2 + 3 + 2 + 2 + 5 - 2);
        assert_eq!(lines.iter().map(|l| l.points).sum::<i32>(), total, "every point has its line");
        assert_eq!(lines[0].record.href, "/x/2", "in date order");
        assert_eq!(lines.iter().map(|l| l.record.at).collect::<Vec<_>>().windows(2).filter(|w| w[0] > w[1]).count(), 0);
        assert_eq!(score(&table, vec![]), (vec![], 0));
    }

    #[test]
    fn the_district_sets_the_weights() {
        let table = ScoreTable::new(2026, &[(ScoreItem::Activity, 5), (ScoreItem::Absence, -5)]).expect("table");
        assert_eq!(table.points(ScoreItem::Activity), 5);
        assert_eq!(table.points(ScoreItem::Report), 2, "others keep their default");
        let (_, total) = score(&table, vec![rec(ScoreItem::Activity, 1), rec(ScoreItem::Absence, 2)]);
        assert_eq!(total, 0);
        // Ticking an attendance changes the score by the table's points.
        let (_, more) = score(&table, vec![rec(ScoreItem::Activity, 1), rec(ScoreItem::Activity, 3)]);
        assert_eq!(more, 10);
        assert_eq!(
            ScoreTable::new(2026, &[(ScoreItem::Report, 101)]),
            Err(TableProblem::OutOfRange(ScoreItem::Report))
        );
        assert_eq!(ScoreTable::new(2026, &[(ScoreItem::Absence, 2)]), Err(TableProblem::WrongSign(ScoreItem::Absence)));
        assert_eq!(ScoreTable::new(2026, &[(ScoreItem::Heard, -1)]), Err(TableProblem::WrongSign(ScoreItem::Heard)));
        assert!(ScoreTable::new(2026, &[(ScoreItem::Heard, 0)]).is_ok(), "an item may be worth nothing");
    }

    #[test]
    fn ranks_share_ties() {
        let ranked = rank(vec![("甲", 10), ("乙", 14), ("丙", 10), ("丁", 3)]);
        let places: Vec<(u32, &str)> = ranked.iter().map(|(p, w, _)| (*p, *w)).collect();
        assert_eq!(places, [(1, "乙"), (2, "甲"), (2, "丙"), (4, "丁")]);
        assert!(rank(Vec::<((), i32)>::new()).is_empty());
    }
}
