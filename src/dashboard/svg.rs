//! Charts drawn on the server as inline SVG: no script and no outside asset,
//! so they show offline, in WeChat's browser and in print. Each chart is an
//! image to assistive technology (`role="img"`) named by its `<title>` and
//! described by a `<desc>` that reads out every value; the page puts the same
//! data in a table beside it. Colours come from classes (`s0`…`s3`) that the
//! stylesheet sets, and the elder mode's high contrast overrides; every bar
//! carries its value as text, so no figure is told by colour alone. No I/O.

use std::fmt::Write as _;

/// How a chart's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    /// A ratio 0–1 shown as a percentage; the axis runs to 100 %.
    Rate,
    /// One decimal (working days).
    Decimal,
    /// Yuan: two decimals, none on the axis.
    Yuan,
}

impl Unit {
    pub fn show(self, v: f64) -> String {
        match self {
            Unit::Count => format!("{}", v.round() as i64),
            Unit::Rate => format!("{:.1}%", v * 100.0),
            Unit::Decimal => format!("{v:.1}"),
            Unit::Yuan => format!("{v:.2}"),
        }
    }

    fn tick(self, v: f64) -> String {
        match self {
            Unit::Rate => format!("{:.0}%", v * 100.0),
            Unit::Decimal if v.fract() != 0.0 => format!("{v:.1}"),
            _ => format!("{}", v.round() as i64),
        }
    }
}

/// The shapes the dashboard uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Horizontal bars, one row per label, segments stacked when there are
    /// several series: long Chinese names fit on a phone.
    Bars,
    /// Bars side by side per label (budget beside spent).
    Grouped,
    /// Vertical columns of one series (a distribution).
    Columns,
    /// One line per series across the labels (months).
    Lines,
}

/// What a chart shows: a label per row, one value per series (`None`: no
/// value, e.g. a rate over nothing).
#[derive(Debug, Clone)]
pub struct Chart<'a> {
    /// The element id (also the prefix of the title's and description's ids).
    pub id: &'a str,
    pub title: &'a str,
    pub kind: Kind,
    pub unit: Unit,
    pub series: Vec<String>,
    pub rows: Vec<(String, Vec<Option<f64>>)>,
    /// Said instead of a chart when every value is zero or missing.
    pub empty: &'a str,
}

/// `&`, `<`, `>`, `"` and `'` as entities: names come from users.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A step of 1, 2 or 5 × 10ⁿ at least `raw`: axis ticks people read at once.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The axis for values up to `max`: about four steps, whole numbers for
/// counts, 0–100 % for rates. Returns (top of the axis, step).
pub fn axis(max: f64, unit: Unit) -> (f64, f64) {
    if unit == Unit::Rate {
        return (1.0, 0.25);
    }
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 1.0);
    }
    let mut step = nice_step(max / 4.0);
    if unit == Unit::Count {
        step = step.max(1.0);
    }
    ((max / step).ceil() * step, step)
}

/// At most `n` characters, an ellipsis for the rest (the table has the whole).
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n - 1).collect::<String>()) }
}

/// The drawing's width: at a phone's ~400 px its 14-unit text reads at about 12 px.
const WIDTH: f64 = 480.0;
const FONT: f64 = 14.0;
const LABEL_W: f64 = 150.0;
const ROW_H: f64 = 26.0;
/// Room at the right of a bar for its value.
const VALUE_W: f64 = 64.0;

impl Chart<'_> {
    fn max(&self) -> f64 {
        self.rows
            .iter()
            .map(|(_, vs)| match self.kind {
                Kind::Bars => vs.iter().flatten().sum::<f64>(),
                _ => vs.iter().flatten().copied().fold(0.0, f64::max),
            })
            .fold(0.0, f64::max)
    }

    fn is_empty(&self) -> bool {
        self.rows.iter().all(|(_, vs)| vs.iter().all(|v| v.is_none_or(|v| v == 0.0)))
    }

    /// Every value in words, for screen readers: "湖滨街道: 12, 3; …".
    fn description(&self) -> String {
        self.rows
            .iter()
            .map(|(label, vs)| {
                let values: Vec<String> = vs
                    .iter()
                    .zip(&self.series)
                    .map(|(v, s)| {
                        let v = v.map(|v| self.unit.show(v)).unwrap_or_else(|| "—".into());
                        if self.series.len() > 1 { format!("{s} {v}") } else { v }
                    })
                    .collect();
                format!("{label}: {}", values.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The SVG element, or a paragraph when there is nothing to draw.
    pub fn render(&self) -> String {
        if self.rows.is_empty() || self.is_empty() {
            return format!("<p class=\"muted chart-empty\" id=\"{}\">{}</p>", escape(self.id), escape(self.empty));
        }
        let (body, height) = match self.kind {
            Kind::Bars | Kind::Grouped => self.bars(),
            Kind::Columns => self.columns(),
            Kind::Lines => self.lines(),
        };
        let id = escape(self.id);
        let mut out = String::with_capacity(body.len() + 512);
        let _ = write!(
            out,
            "<svg class=\"chart\" id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title\" aria-describedby=\"{id}-desc\" \
             viewBox=\"0 0 {WIDTH} {height}\" preserveAspectRatio=\"xMinYMin meet\" \
             xmlns=\"http://www.w3.org/2000/svg\" font-size=\"{FONT}\">\
             <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            escape(self.title),
            escape(&self.description())
        );
        out.push_str(&body);
        out.push_str("</svg>");
        out
    }

    /// The legend of several series, one line at `y`.
    fn legend(&self, y: f64) -> String {
        let mut out = String::new();
        if self.series.len() < 2 {
            return out;
        }
        let mut x = 0.0;
        for (i, s) in self.series.iter().enumerate() {
            let _ = write!(
                out,
                "<rect class=\"s{}\" x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\"/>\
                 <text x=\"{}\" y=\"{}\">{}</text>",
                i % 4,
                y - 11.0,
                x + 16.0,
                y,
                escape(s)
            );
            x += 16.0 + (s.chars().count() as f64 * FONT).max(40.0) + 14.0;
        }
        out
    }

    /// Horizontal bars: labels left, the axis along the top.
    fn bars(&self) -> (String, f64) {
        let (top, step) = axis(self.max(), self.unit);
        let plot = WIDTH - LABEL_W - VALUE_W;
        let x = |v: f64| LABEL_W + v / top * plot;
        let grouped = self.kind == Kind::Grouped;
        let per_row = if grouped { self.series.len().max(1) as f64 } else { 1.0 };
        let row_h = ROW_H * per_row.max(1.0) + if grouped { 6.0 } else { 0.0 };
        let legend_h = if self.series.len() > 1 { 22.0 } else { 0.0 };
        let axis_y = legend_h + 18.0;
        let mut out = self.legend(legend_h - 6.0);
        let mut t = 0.0;
        while t <= top + 1e-9 {
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{2}\"/>\
                 <text class=\"tick\" x=\"{0:.1}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>",
                x(t),
                axis_y + 4.0,
                axis_y + 4.0 + row_h * self.rows.len() as f64,
                axis_y,
                self.unit.tick(t)
            );
            t += step;
        }
        for (r, (label, vs)) in self.rows.iter().enumerate() {
            let y0 = axis_y + 8.0 + r as f64 * row_h;
            let _ = write!(
                out,
                "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                LABEL_W - 6.0,
                y0 + row_h / 2.0 + FONT / 2.0 - 3.0,
                escape(&clip(label, 10))
            );
            let mut from = 0.0;
            for (i, v) in vs.iter().enumerate() {
                let (bar_y, value) =
                    if grouped { (y0 + i as f64 * ROW_H, v.unwrap_or(0.0)) } else { (y0, v.unwrap_or(0.0)) };
                let start = if grouped { 0.0 } else { from };
                let w = (x(start + value) - x(start)).max(0.0);
                if w > 0.0 {
                    let _ = write!(
                        out,
                        "<rect class=\"s{}\" x=\"{:.1}\" y=\"{bar_y}\" width=\"{w:.1}\" height=\"{}\"/>",
                        i % 4,
                        x(start),
                        ROW_H - 6.0
                    );
                }
                if grouped {
                    let shown = v.map(|v| self.unit.show(v)).unwrap_or_else(|| "—".into());
                    let _ = write!(
                        out,
                        "<text class=\"value\" x=\"{:.1}\" y=\"{}\">{}</text>",
                        x(value) + 4.0,
                        bar_y + ROW_H - 11.0,
                        escape(&shown)
                    );
                }
                from += value;
            }
            if !grouped {
                let shown = match vs.as_slice() {
                    [one] => one.map(|v| self.unit.show(v)).unwrap_or_else(|| "—".into()),
                    _ => self.unit.show(from),
                };
                let _ = write!(
                    out,
                    "<text class=\"value\" x=\"{:.1}\" y=\"{}\">{}</text>",
                    x(from) + 4.0,
                    y0 + ROW_H - 11.0,
                    escape(&shown)
                );
            }
        }
        (out, axis_y + 14.0 + row_h * self.rows.len() as f64)
    }

    /// Vertical columns of the first series, labels below.
    fn columns(&self) -> (String, f64) {
        let (top, step) = axis(self.max(), self.unit);
        let (left, plot_h, base) = (40.0, 180.0, 210.0);
        let n = self.rows.len() as f64;
        let slot = (WIDTH - left) / n;
        let y = |v: f64| base - v / top * plot_h;
        let mut out = String::new();
        let mut t = 0.0;
        while t <= top + 1e-9 {
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{left}\" x2=\"{WIDTH}\" y1=\"{0:.1}\" y2=\"{0:.1}\"/>\
                 <text class=\"tick\" x=\"{1}\" y=\"{2:.1}\" text-anchor=\"end\">{3}</text>",
                y(t),
                left - 4.0,
                y(t) + 5.0,
                self.unit.tick(t)
            );
            t += step;
        }
        for (i, (label, vs)) in self.rows.iter().enumerate() {
            let v = vs.first().copied().flatten().unwrap_or(0.0);
            let cx = left + slot * (i as f64 + 0.5);
            let w = (slot * 0.7).min(60.0);
            let _ = write!(
                out,
                "<rect class=\"s0\" x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/>\
                 <text class=\"value\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
                 <text class=\"label\" x=\"{cx:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                cx - w / 2.0,
                y(v),
                base - y(v),
                y(v) - 4.0,
                escape(&self.unit.show(v)),
                base + 18.0,
                escape(&clip(label, 8))
            );
        }
        (out, base + 26.0)
    }

    /// A line per series over the labels (months), points marked.
    fn lines(&self) -> (String, f64) {
        let (top, step) = axis(self.max(), self.unit);
        let legend_h = if self.series.len() > 1 { 22.0 } else { 0.0 };
        let (left, right, plot_h) = (40.0, 20.0, 170.0);
        let base = legend_h + 14.0 + plot_h;
        let n = self.rows.len();
        let slot = (WIDTH - left - right) / n.max(1) as f64;
        let x = |i: usize| left + slot * (i as f64 + 0.5);
        let y = |v: f64| base - v / top * plot_h;
        let mut out = self.legend(legend_h - 6.0);
        let mut t = 0.0;
        while t <= top + 1e-9 {
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{left}\" x2=\"{}\" y1=\"{1:.1}\" y2=\"{1:.1}\"/>\
                 <text class=\"tick\" x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\">{4}</text>",
                WIDTH - right,
                y(t),
                left - 4.0,
                y(t) + 5.0,
                self.unit.tick(t)
            );
            t += step;
        }
        // Every label when they fit, otherwise every other one.
        let every = if n > 8 { 2 } else { 1 };
        for (i, (label, _)) in self.rows.iter().enumerate() {
            if i % every == 0 || i + 1 == n {
                let _ = write!(
                    out,
                    "<text class=\"label\" x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    x(i),
                    base + 18.0,
                    escape(&clip(label, 8))
                );
            }
        }
        for s in 0..self.series.len() {
            let points: Vec<(usize, f64)> = self
                .rows
                .iter()
                .enumerate()
                .filter_map(|(i, (_, vs))| vs.get(s).copied().flatten().map(|v| (i, v)))
                .collect();
            let path: Vec<String> = points.iter().map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v))).collect();
            let _ = write!(out, "<polyline class=\"line s{}\" fill=\"none\" points=\"{}\"/>", s % 4, path.join(" "));
            for (i, v) in points {
                let _ = write!(out, "<circle class=\"s{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"/>", s % 4, x(i), y(v));
            }
        }
        (out, base + 26.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart<'a>(kind: Kind, unit: Unit, rows: Vec<(String, Vec<Option<f64>>)>) -> Chart<'a> {
        Chart {
            id: "c", title: "标题", kind, unit, series: vec!["已办结".into(), "未办结".into()], rows, empty: "无"
        }
    }

    #[test]
    fn steps_are_one_two_or_five() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(230.0), 500.0);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }

    #[test]
    fn axes_reach_the_largest_value_in_whole_steps() {
        assert_eq!(axis(37.0, Unit::Count), (40.0, 10.0));
        assert_eq!(axis(5.0, Unit::Count), (6.0, 2.0));
        // Counts never step by fractions.
        assert_eq!(axis(2.0, Unit::Count), (2.0, 1.0));
        assert_eq!(axis(0.0, Unit::Count), (1.0, 1.0));
        assert_eq!(axis(2.4, Unit::Decimal), (3.0, 1.0));
        // Rates always run to 100 %.
        assert_eq!(axis(0.42, Unit::Rate), (1.0, 0.25));
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let evil = "<script>alert('x')</script>&\"";
        let c = Chart {
            id: "c\"><x",
            title: evil,
            series: vec![evil.into()],
            ..chart(Kind::Bars, Unit::Count, vec![(evil.into(), vec![Some(3.0)])])
        };
        let svg = c.render();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(!svg.contains("alert('x')"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
        assert!(!svg.contains("c\"><x"), "{svg}");
        assert_eq!(escape("a&b<c>'\""), "a&amp;b&lt;c&gt;&#39;&quot;");
    }

    #[test]
    fn a_chart_is_an_image_named_and_described() {
        let c = chart(
            Kind::Bars,
            Unit::Count,
            vec![("湖滨街道".into(), vec![Some(3.0), Some(2.0)]), ("高庙乡".into(), vec![Some(1.0), None])],
        );
        let svg = c.render();
        assert!(svg.starts_with(
            "<svg class=\"chart\" id=\"c\" role=\"img\" aria-labelledby=\"c-title\" aria-describedby=\"c-desc\""
        ));
        assert!(svg.contains("<title id=\"c-title\">标题</title>"));
        assert!(svg.contains("湖滨街道: 已办结 3, 未办结 2; 高庙乡: 已办结 1, 未办结 —"), "{svg}");
        // Stacked: the row's total beside its bar.
        assert!(svg.contains(">5</text>"), "{svg}");
        for kind in [Kind::Grouped, Kind::Columns, Kind::Lines] {
            let svg = Chart { kind, ..c.clone() }.render();
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{kind:?}");
        }
    }

    #[test]
    fn nothing_to_draw_says_so() {
        let c = chart(Kind::Columns, Unit::Count, vec![("a".into(), vec![Some(0.0)]), ("b".into(), vec![None])]);
        assert_eq!(c.render(), "<p class=\"muted chart-empty\" id=\"c\">无</p>");
    }

    #[test]
    fn values_read_in_their_unit() {
        assert_eq!(Unit::Rate.show(0.875), "87.5%");
        assert_eq!(Unit::Count.show(12.0), "12");
        assert_eq!(Unit::Decimal.show(3.26), "3.3");
        assert_eq!(Unit::Rate.tick(0.5), "50%");
        assert_eq!(clip("区住房和城乡建设局综合科", 10), "区住房和城乡建设局…");
    }
}
