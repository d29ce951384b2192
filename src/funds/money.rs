//! Money as whole fen (分) in an `i64`: budgets, expenses and member funds are
//! added and compared exactly, never through floating point. Amounts are read
//! as people type them (1234.5, 1,234.50, ¥1234.50, 1234.5元, full-width) and
//! written as finance writes them: 1,234.50 in tables and 壹仟贰佰叁拾肆元伍角整
//! (人民币大写) on the forms that are signed.

use std::fmt;
use std::iter::Sum;

/// Enough for any township's year: 99,999,999.99 yuan. A longer amount is a
/// typing slip, and the cap keeps every sum of them far from `i64`'s limit.
pub const MAX_FEN: i64 = 9_999_999_999;

/// An amount in fen; negative only for reversing entries (冲销). Stored as
/// a `BIGINT` of fen.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    diesel_derive_newtype::DieselNewType,
    serde::Serialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// Why a typed amount was refused; each is a translation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyProblem {
    /// Not a number of yuan at all.
    NotAnAmount,
    /// More than two decimals: there is nothing below a fen.
    BelowFen,
    /// Zero or less where an amount must be paid.
    NotPositive,
    /// Above `MAX_FEN`.
    TooLarge,
}

impl MoneyProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            MoneyProblem::NotAnAmount => "money.not_an_amount",
            MoneyProblem::BelowFen => "money.below_fen",
            MoneyProblem::NotPositive => "money.not_positive",
            MoneyProblem::TooLarge => "money.too_large",
        }
    }
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// A positive amount of yuan as typed into a form.
    pub fn parse(input: &str) -> Result<Fen, MoneyProblem> {
        let plain = crate::kernel::web::form::halfwidth(input);
        let s: String = plain
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            // Thousands separators and spaces inside the number; 。 is the
            // decimal point a Chinese keyboard types.
            .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
            .map(|c| if c == '。' { '.' } else { c })
            .collect();
        if s.starts_with('-') {
            return Err(MoneyProblem::NotPositive);
        }
        let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
            return Err(MoneyProblem::NotAnAmount);
        }
        if frac.len() > 2 {
            return Err(MoneyProblem::BelowFen);
        }
        // Eleven digits of yuan already exceed the cap; stop before i64 could.
        let whole = whole.trim_start_matches('0');
        if whole.len() > 11 {
            return Err(MoneyProblem::TooLarge);
        }
        let yuan: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| MoneyProblem::NotAnAmount)? };
        let fen: i64 = format!("{frac:0<2}").parse().map_err(|_| MoneyProblem::NotAnAmount)?;
        let total = yuan * 100 + fen;
        if total > MAX_FEN {
            return Err(MoneyProblem::TooLarge);
        }
        if total == 0 {
            return Err(MoneyProblem::NotPositive);
        }
        Ok(Fen(total))
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    /// For totals of stored amounts (see `Sum`).
    pub fn saturating_add(self, other: Fen) -> Fen {
        Fen(self.0.saturating_add(other.0))
    }

    /// The reversing entry's amount.
    pub fn negated(self) -> Fen {
        Fen(-self.0)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Yuan with two decimals and no separators (1234.50): form fields and
    /// spreadsheet cells that finance re-types.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    /// Yuan in figures as a cell or a line of text writes them: 1,234.50.
    pub fn figures(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let whole = (a / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{sign}{grouped}.{:02}", a % 100)
    }

    /// The amount in capitals (人民币大写) as the People's Bank's rules for
    /// vouchers write it: 壹仟零伍元整, 壹拾万零叁佰元伍角陆分, 伍角整.
    pub fn capitals(self) -> String {
        const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
        let a = self.0.unsigned_abs();
        let (yuan, jiao, fen) = (a / 100, (a / 10 % 10) as usize, (a % 10) as usize);
        let mut out = String::new();
        if self.0 < 0 {
            out.push('负');
        }
        if yuan > 0 {
            out.push_str(&whole_yuan(yuan, &DIGITS));
            out.push('元');
        }
        match (jiao, fen) {
            (0, 0) if yuan == 0 => out.push_str("零元整"),
            (0, 0) => out.push('整'),
            (j, 0) => {
                out.push(DIGITS[j]);
                out.push_str("角整");
            }
            (0, f) => {
                if yuan > 0 {
                    out.push('零');
                }
                out.push(DIGITS[f]);
                out.push('分');
            }
            (j, f) => {
                out.push(DIGITS[j]);
                out.push('角');
                out.push(DIGITS[f]);
                out.push('分');
            }
        }
        out
    }
}

/// Whole yuan in capitals, in sections of four digits (元, 万, 亿); a run of
/// zeros inside or between sections is written as one 零.
fn whole_yuan(mut n: u64, digits: &[char; 10]) -> String {
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    const SECTIONS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];
    let mut sections = Vec::new();
    while n > 0 {
        sections.push(n % 10_000);
        n /= 10_000;
    }
    let mut out = String::new();
    let mut zeros_between = false;
    for (i, &section) in sections.iter().enumerate().rev() {
        if section == 0 {
            zeros_between = !out.is_empty();
            continue;
        }
        // 壹万零伍佰: a lower section that starts with zeros, or follows an empty one.
        if !out.is_empty() && (zeros_between || section < 1000) {
            out.push('零');
        }
        zeros_between = false;
        let (mut started, mut gap) = (false, false);
        for pos in (0..4).rev() {
            let d = (section / 10u64.pow(pos) % 10) as usize;
            if d == 0 {
                gap = started;
                continue;
            }
            if gap {
                out.push('零');
            }
            out.push(digits[d]);
            out.push_str(UNITS[pos as usize]);
            (started, gap) = (true, false);
        }
        out.push_str(SECTIONS[i]);
    }
    out
}

impl Sum for Fen {
    /// Sums of stored amounts: each at most `MAX_FEN`, so 10^8 of them
    /// still fit; saturating rather than panicking in a report if not.
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen::ZERO, Fen::saturating_add)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.figures())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_typed() {
        for (typed, fen) in [
            ("1234.5", 123_450),
            ("1,234.50", 123_450),
            ("¥1234.50", 123_450),
            ("￥ 1 234.5 元", 123_450),
            ("１２３４．５", 123_450),
            ("1234。5", 123_450),
            ("0.01", 1),
            (".5", 50),
            ("12.", 1200),
            ("007", 700),
            ("99999999.99", MAX_FEN),
        ] {
            assert_eq!(Fen::parse(typed), Ok(Fen(fen)), "{typed}");
        }
        for (typed, problem) in [
            ("", MoneyProblem::NotAnAmount),
            (".", MoneyProblem::NotAnAmount),
            ("十元", MoneyProblem::NotAnAmount),
            ("1e3", MoneyProblem::NotAnAmount),
            ("1.2.3", MoneyProblem::NotAnAmount),
            ("NaN", MoneyProblem::NotAnAmount),
            ("1.234", MoneyProblem::BelowFen),
            ("0", MoneyProblem::NotPositive),
            ("0.00", MoneyProblem::NotPositive),
            ("-5", MoneyProblem::NotPositive),
            ("100000000", MoneyProblem::TooLarge),
            ("99999999999999999999999", MoneyProblem::TooLarge),
        ] {
            assert_eq!(Fen::parse(typed), Err(problem), "{typed}");
        }
    }

    #[test]
    fn sums_in_fen_do_not_drift() {
        // 0.1 + 0.2 in floating point is not 0.3; in fen it is.
        let total: Fen = [Fen::parse("0.1"), Fen::parse("0.2")].into_iter().map(|f| f.expect("amount")).sum();
        assert_eq!(total, Fen(30));
        // A thousand expenses of 0.01 make exactly 10.00.
        let many: Fen = std::iter::repeat_n(Fen(1), 1000).sum();
        assert_eq!(many.plain(), "10.00");
        // A reversing entry cancels its original exactly.
        let x = Fen::parse("1234.56").expect("amount");
        assert_eq!([x, x.negated()].into_iter().sum::<Fen>(), Fen::ZERO);
        assert_eq!(Fen(MAX_FEN).checked_add(Fen(i64::MAX)), None);
        assert_eq!(Fen(500).checked_sub(Fen(800)), Some(Fen(-300)));
    }

    #[test]
    fn written_as_finance_writes() {
        assert_eq!(Fen(123_450).figures(), "1,234.50");
        assert_eq!(Fen(12_345_678_901).figures(), "123,456,789.01");
        assert_eq!(Fen(5).figures(), "0.05");
        assert_eq!(Fen(-100_000).figures(), "-1,000.00");
        assert_eq!(Fen(100_000).plain(), "1000.00");
        assert_eq!(Fen(-7).plain(), "-0.07");
    }

    #[test]
    fn capitals_follow_the_voucher_rules() {
        for (fen, words) in [
            (0, "零元整"),
            (5, "伍分"),
            (50, "伍角整"),
            (56, "伍角陆分"),
            (100, "壹元整"),
            (105, "壹元零伍分"),
            (1_000, "壹拾元整"),
            (1_500, "壹拾伍元整"),
            (123_456, "壹仟贰佰叁拾肆元伍角陆分"),
            (100_500, "壹仟零伍元整"),
            (100_000, "壹仟元整"),
            (1_000_100, "壹万零壹元整"),
            (1_005_000, "壹万零伍拾元整"),
            (10_030_000, "壹拾万零叁佰元整"),
            (10_000_000, "壹拾万元整"),
            (1_000_000_000, "壹仟万元整"),
            (1_000_000_100, "壹仟万零壹元整"),
            (MAX_FEN, "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
            (10_000_000_000, "壹亿元整"),
            (10_000_010_000, "壹亿零壹佰元整"),
            (-12_300, "负壹佰贰拾叁元整"),
        ] {
            assert_eq!(Fen(fen).capitals(), words, "{fen}");
        }
    }
}
