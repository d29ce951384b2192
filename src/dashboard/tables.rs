//! The dashboard's figures as tables, each with the chart drawn from it: the
//! page's data tables, its charts, the print view and the xlsx all read these,
//! so they cannot disagree. No I/O.

use super::figures::Board;
use super::svg::{self, Chart, Kind, Unit};
use crate::kernel::web::i18n::Lang;
use crate::opinions::stats::{Count, ratio};
use crate::org::model::HomeItem;

/// A column of a figure's table.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub unit: Unit,
    /// Drawn in the chart (as a series).
    pub charted: bool,
}

/// One figure: a table and the chart of its charted columns.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The table's element id; the chart's is `chart-{id}`.
    pub id: &'static str,
    pub title: String,
    /// When the figure is not the period's (what stands now), or how it counts.
    pub note: Option<String>,
    pub kind: Kind,
    /// The first column's header (what the rows are).
    pub head: String,
    pub columns: Vec<Column>,
    pub rows: Vec<(String, Vec<Option<f64>>)>,
}

impl Figure {
    /// The chart, as inline SVG (or a line saying there is nothing).
    pub fn chart(&self, empty: &str) -> String {
        let charted: Vec<usize> = (0..self.columns.len()).filter(|i| self.columns[*i].charted).collect();
        let unit = charted.first().map_or(Unit::Count, |i| self.columns[*i].unit);
        let id = format!("chart-{}", self.id);
        Chart {
            id: &id,
            title: &self.title,
            kind: self.kind,
            unit,
            series: charted.iter().map(|i| self.columns[*i].name.clone()).collect(),
            rows: self
                .rows
                .iter()
                .map(|(label, vs)| (label.clone(), charted.iter().map(|i| vs.get(*i).copied().flatten()).collect()))
                .collect(),
            empty,
        }
        .render()
    }

    /// The rows as the table shows them: each value in its column's unit.
    pub fn shown_rows(&self) -> Vec<(&str, Vec<String>)> {
        let show = |(v, c): (&Option<f64>, &Column)| v.map(|v| c.unit.show(v)).unwrap_or_else(|| "—".into());
        self.rows.iter().map(|(label, vs)| (label.as_str(), vs.iter().zip(&self.columns).map(show).collect())).collect()
    }
}

/// A headline number at the top of the page: (element id, label, value).
pub type Headline = (&'static str, String, String);

fn n(v: i64) -> Option<f64> {
    Some(v as f64)
}

fn count_col(t: &dyn Fn(&str) -> String, key: &str, charted: bool) -> Column {
    Column { name: t(key), unit: Unit::Count, charted }
}

/// The counters' columns of a category or an office: received, closed, open.
fn count_row(name: String, c: &Count) -> (String, Vec<Option<f64>>) {
    (name, vec![n(c.received), n(c.closed), n(c.open)])
}

/// The numbers a meeting opens with.
pub fn headlines(b: &Board, lang: Lang) -> Vec<Headline> {
    let t = |k: &str| lang.t(k);
    let tally = b.total_tally();
    let pct = |r: Option<f64>| r.map(|r| Unit::Rate.show(r)).unwrap_or_else(|| "—".into());
    let points: usize = b.coverage.iter().map(|(_, n)| n.iter().sum::<usize>()).sum();
    let held: usize = b.coverage.iter().map(|(_, n)| n[0]).sum();
    let met: usize = b.homes.iter().map(|(_, m)| *m).sum();
    let budget: i64 = b.funds.iter().map(|(_, s)| s.budget.0).sum();
    let spent: i64 = b.funds.iter().map(|(_, s)| s.spent.0).sum();
    let share = |a: i64, whole: i64| (whole > 0).then(|| a as f64 / whole as f64);
    vec![
        ("h-received", t("dashboard.h_received"), b.opinions.total.received.to_string()),
        ("h-closed", t("dashboard.h_closed"), b.opinions.total.closed.to_string()),
        ("h-on-time", t("stats.col_answer"), pct(tally.answer_rate())),
        ("h-satisfaction", t("stats.col_satisfaction"), pct(tally.satisfaction())),
        ("h-days", t("stats.col_days"), tally.average_days().map(|d| Unit::Decimal.show(d)).unwrap_or("—".into())),
        ("h-overdue", t("dashboard.h_overdue"), b.overdue_total.to_string()),
        ("h-coverage", t("dashboard.h_coverage"), pct(ratio(held as u32, points as u32))),
        ("h-items-overdue", t("dashboard.h_items_overdue"), b.items.overdue.to_string()),
        ("h-homes", t("dashboard.h_homes"), pct(ratio(met as u32, (b.homes.len() * HomeItem::ALL.len()) as u32))),
        ("h-funds", t("dashboard.h_funds"), pct(share(spent, budget))),
    ]
}

/// Every figure of the dashboard, in the page's order.
pub fn figures(b: &Board, lang: Lang) -> Vec<Figure> {
    let t = |k: &str| lang.t(k);
    let no_office = t("stats.no_office");
    let office_name = |o: &Option<String>| o.clone().unwrap_or_else(|| no_office.clone());
    let counted = || {
        vec![
            count_col(&t, "stats.received", false),
            count_col(&t, "stats.closed", true),
            count_col(&t, "stats.open", true),
        ]
    };
    let now_note = Some(t("dashboard.note_now"));
    let mut out = vec![
        Figure {
            id: "by-status",
            title: t("dashboard.by_status"),
            note: Some(t("dashboard.note_submitted")),
            kind: Kind::Bars,
            head: t("dashboard.status"),
            columns: vec![count_col(&t, "dashboard.cases", true)],
            rows: b.opinions.by_status.iter().map(|(s, k)| (t(&s.label_key()), vec![n(*k)])).collect(),
        },
        Figure {
            id: "by-category",
            title: t("dashboard.by_category"),
            note: Some(t("dashboard.note_submitted")),
            kind: Kind::Bars,
            head: t("dashboard.category"),
            columns: counted(),
            rows: b
                .opinions
                .by_category
                .iter()
                .map(|(c, k)| count_row(c.clone().unwrap_or_else(|| t("results.no_category")), k))
                .collect(),
        },
        Figure {
            id: "by-office",
            title: t("dashboard.by_office"),
            note: Some(t("dashboard.note_submitted")),
            kind: Kind::Bars,
            head: t("stats.office"),
            columns: counted(),
            rows: b.opinions.by_office.iter().map(|(o, k)| count_row(office_name(o), k)).collect(),
        },
        Figure {
            id: "by-month",
            title: t("dashboard.by_month"),
            note: Some(t("dashboard.note_submitted")),
            kind: Kind::Lines,
            head: t("stats.month"),
            columns: vec![count_col(&t, "stats.received", true), count_col(&t, "stats.closed", true)],
            rows: b.opinions.by_month.iter().map(|(m, k)| (m.to_string(), vec![n(k.received), n(k.closed)])).collect(),
        },
        Figure {
            id: "rates",
            title: t("dashboard.rates"),
            note: Some(t("dashboard.note_rates")),
            kind: Kind::Grouped,
            head: t("stats.office"),
            columns: vec![
                count_col(&t, "stats.answered", false),
                Column { name: t("stats.col_answer"), unit: Unit::Rate, charted: true },
                Column { name: t("stats.col_satisfaction"), unit: Unit::Rate, charted: true },
                Column { name: t("stats.col_days"), unit: Unit::Decimal, charted: false },
            ],
            rows: b
                .rates
                .iter()
                .map(|(o, x)| {
                    (
                        office_name(o),
                        vec![n(i64::from(x.answered)), x.answer_rate(), x.satisfaction(), x.average_days()],
                    )
                })
                .collect(),
        },
        Figure {
            id: "overdue",
            title: t("dashboard.overdue"),
            note: now_note.clone(),
            kind: Kind::Bars,
            head: t("stats.unit"),
            columns: vec![count_col(&t, "dashboard.cases", true)],
            rows: b.overdue.iter().map(|u| (u.name.clone(), vec![n(u.n)])).collect(),
        },
        Figure {
            id: "coverage",
            title: format!("{} · {}", t("dashboard.coverage"), b.quarter.label(lang)),
            note: None,
            kind: Kind::Bars,
            head: t("stats.office"),
            columns: ["coverage.held", "coverage.planned", "coverage.missing"]
                .iter()
                .map(|k| count_col(&t, k, true))
                .collect(),
            rows: b.coverage.iter().map(|(o, k)| (o.clone(), k.iter().map(|x| Some(*x as f64)).collect())).collect(),
        },
        Figure {
            id: "items",
            title: t("dashboard.items"),
            note: Some(t("dashboard.note_items")),
            kind: Kind::Bars,
            head: t("dashboard.item_state"),
            columns: vec![count_col(&t, "dashboard.items_n", true)],
            rows: vec![
                (t("dashboard.items_open"), vec![n(b.items.open)]),
                (t("dashboard.items_overdue"), vec![n(b.items.overdue)]),
                (t("dashboard.items_done"), vec![n(b.items.done)]),
                (t("dashboard.items_explained"), vec![n(b.items.explained)]),
            ],
        },
        Figure {
            id: "homes",
            title: t("dashboard.homes"),
            note: now_note.clone(),
            kind: Kind::Bars,
            head: t("stats.office"),
            columns: vec![count_col(&t, "dashboard.homes_met", true)],
            rows: b.homes.iter().map(|(o, m)| (o.clone(), vec![Some(*m as f64)])).collect(),
        },
        Figure {
            id: "home-items",
            title: t("dashboard.home_items"),
            note: now_note,
            kind: Kind::Bars,
            head: t("dashboard.home_item"),
            columns: vec![count_col(&t, "dashboard.offices_met", true)],
            rows: b.home_items.iter().map(|(i, m)| (t(&i.label_key()), vec![Some(*m as f64)])).collect(),
        },
        Figure {
            id: "funds",
            title: format!("{} · {}", t("dashboard.funds"), b.period.year()),
            note: None,
            kind: Kind::Grouped,
            head: t("dashboard.books"),
            columns: vec![
                Column { name: t("funds.budget"), unit: Unit::Yuan, charted: true },
                Column { name: t("funds.spent"), unit: Unit::Yuan, charted: true },
                Column { name: t("dashboard.spent_share"), unit: Unit::Rate, charted: false },
            ],
            rows: b
                .funds
                .iter()
                .map(|(o, s)| {
                    let name = o.clone().unwrap_or_else(|| t("funds.district_books"));
                    let share = (s.budget.0 > 0).then(|| s.spent.0 as f64 / s.budget.0 as f64);
                    (name, vec![Some(s.budget.0 as f64 / 100.0), Some(s.spent.0 as f64 / 100.0), share])
                })
                .collect(),
        },
    ];
    let year = b.period.year();
    out.push(Figure {
        id: "scores",
        title: format!("{} · {year}", t("dashboard.scores")),
        note: Some(t("dashboard.note_scores")),
        kind: Kind::Columns,
        head: t("dashboard.score_range"),
        columns: vec![count_col(&t, "dashboard.members_n", true)],
        rows: histogram(&b.scores).into_iter().map(|(l, k)| (l, vec![n(k)])).collect(),
    });
    let days: Vec<i32> = b.half_days.iter().map(|h| h / 2).collect();
    out.push(Figure {
        id: "duty",
        title: format!("{} · {year}", t("dashboard.duty")),
        note: Some(t("dashboard.note_duty").replace("%{n}", &b.behind.to_string())),
        kind: Kind::Columns,
        head: t("dashboard.day_range"),
        columns: vec![count_col(&t, "dashboard.members_n", true)],
        rows: histogram(&days).into_iter().map(|(l, k)| (l, vec![n(k)])).collect(),
    });
    out
}

/// Whole numbers into at most about seven ranges of one width (1, 2, 5, 10 …),
/// from the range holding the smallest to the one holding the largest; each
/// labelled `a–b` (or `a` when a range is one number wide) with its count.
pub fn histogram(values: &[i32]) -> Vec<(String, i64)> {
    let (Some(lo), Some(hi)) = (values.iter().min(), values.iter().max()) else { return vec![] };
    let (lo, hi) = (i64::from(*lo), i64::from(*hi));
    let step = (svg::nice_step((hi - lo + 1) as f64 / 7.0) as i64).max(1);
    let start = lo.div_euclid(step) * step;
    let ranges = ((hi - start) / step + 1) as usize;
    let mut counts = vec![0i64; ranges];
    for v in values {
        counts[((i64::from(*v) - start) / step) as usize] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let a = start + i as i64 * step;
            let label = if step == 1 { a.to_string() } else { format!("{a}–{}", a + step - 1) };
            (label, k)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_cover_every_value_in_even_ranges() {
        assert_eq!(histogram(&[]), vec![]);
        assert_eq!(histogram(&[3, 3, 4]), vec![("3".into(), 2), ("4".into(), 1)]);
        let h = histogram(&[0, 1, 9, 10, 25, 49]);
        assert_eq!(h.first(), Some(&("0–9".to_string(), 3)));
        assert_eq!(h.iter().map(|(_, k)| k).sum::<i64>(), 6);
        assert_eq!(h.last(), Some(&("40–49".to_string(), 1)));
        // A negative score (absences) gets its own range below zero.
        let h = histogram(&[-2, 0, 1]);
        assert_eq!(h.first(), Some(&("-2".to_string(), 1)));
        assert_eq!(h.iter().map(|(_, k)| k).sum::<i64>(), 3);
    }
}
