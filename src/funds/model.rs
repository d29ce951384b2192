//! Budgets and expenses (经费保障): budget lines, the expense's states and who
//! may move it where. No I/O.
//!
//! 草稿 draft → 待审批 submitted → 已审批 approved → 已支付 paid, or back to
//! 已退回 returned (edited, then submitted again). Nobody approves what they
//! entered; an expense that would take its line over budget is approved by
//! the district only. An approved amount is never edited: a reversing entry
//! (冲销) with the negative amount cancels it, and the right amount is entered
//! anew, so the books show both.

use crate::code_enum;
use crate::funds::money::Fen;

code_enum!(
    /// What a budget is spent on (预算科目).
    BudgetLine, "budget_line" {
        /// 活动经费: liaison activities, listening visits.
        Activities = "activities",
        /// 协商议事: consultations.
        Consultations = "consultations",
        /// 委员之家运行: the Members' Home (rent, utilities, upkeep).
        Home = "home",
        /// 培训: members' and staff training.
        Training = "training",
        /// 调研: research and inspections.
        Research = "research",
        /// 办公: the office's own running costs.
        Office = "office",
    }
);

code_enum!(
    ExpenseStatus, "expense_status" {
        Draft = "draft",
        Submitted = "submitted",
        Approved = "approved",
        Returned = "returned",
        Paid = "paid",
    }
);

code_enum!(
    /// What an expense is for: the record it rests on.
    ExpenseFor, "expense_for" {
        Activity = "activity",
        Consultation = "consultation",
        Home = "home",
        Office = "office",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpenseAction {
    Edit,
    Delete,
    Submit,
    Approve,
    Return,
    Pay,
    /// 冲销: a reversing entry against an approved or paid expense.
    Reverse,
}

/// Who acts on an expense: the office's staff or the district, and whether
/// they are the one who entered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party {
    pub district: bool,
    pub entrant: bool,
}

/// Why an action was refused; each is a translation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not in this state (approving a draft, paying a returned one).
    WrongState,
    /// An approved amount stays as it is: reverse it instead.
    Locked,
    /// The four-eyes rule: not by the one who entered it.
    OwnEntry,
    /// It takes the line over budget: the district approves.
    NeedsDistrict,
    /// A reversing entry is itself never reversed or edited.
    IsReversal,
}

impl Refused {
    pub fn message_key(self) -> &'static str {
        match self {
            Refused::WrongState => "expense.wrong_state",
            Refused::Locked => "expense.locked",
            Refused::OwnEntry => "expense.own_entry",
            Refused::NeedsDistrict => "expense.needs_district",
            Refused::IsReversal => "expense.is_reversal",
        }
    }
}

/// The facts about one expense that the rule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpenseFacts {
    pub status: ExpenseStatus,
    /// A reversing entry (冲销), created approved.
    pub reversal: bool,
    /// Already reversed by an entry of its own.
    pub reversed: bool,
    /// Approving it would take the line over its budget.
    pub overspends: bool,
}

/// The state after `action` by `party`, or why not. `Reverse` leaves the
/// original's state as it is (the reversing entry is a new row); `Delete`
/// answers the state the draft was in.
pub fn next(e: ExpenseFacts, action: ExpenseAction, party: Party) -> Result<ExpenseStatus, Refused> {
    use ExpenseAction::*;
    use ExpenseStatus::*;
    if e.reversal && action != Pay {
        return Err(Refused::IsReversal);
    }
    match (e.status, action) {
        (Draft | Returned, Edit | Delete) => Ok(e.status),
        (Draft | Returned, Submit) => Ok(Submitted),
        (Submitted, Approve | Return) => {
            if party.entrant {
                Err(Refused::OwnEntry)
            } else if action == Approve && e.overspends && !party.district {
                Err(Refused::NeedsDistrict)
            } else {
                Ok(if action == Approve { Approved } else { Returned })
            }
        }
        (Approved, Pay) => Ok(Paid),
        (Approved | Paid, Reverse) if !e.reversed => Ok(e.status),
        (Approved | Paid, Edit | Delete) => Err(Refused::Locked),
        _ => Err(Refused::WrongState),
    }
}

/// Whether spending `amount` on a line with `budget` of which `committed` is
/// already approved (reversals netted) goes over it. No budget set is a
/// budget of zero: any spending on it needs the district.
pub fn overspends(budget: Fen, committed: Fen, amount: Fen) -> bool {
    committed.checked_add(amount).is_none_or(|total| total > budget)
}

/// What is left on a line: negative when the district approved an overspend.
pub fn remaining(budget: Fen, committed: Fen) -> Fen {
    Fen(budget.0.saturating_sub(committed.0))
}

#[cfg(test)]
mod tests {
    use super::ExpenseAction::*;
    use super::ExpenseStatus::*;
    use super::*;

    const STAFF: Party = Party { district: false, entrant: false };
    const ENTRANT: Party = Party { district: false, entrant: true };
    const DISTRICT: Party = Party { district: true, entrant: false };
    const DISTRICT_ENTRANT: Party = Party { district: true, entrant: true };

    fn facts(status: ExpenseStatus) -> ExpenseFacts {
        ExpenseFacts { status, reversal: false, reversed: false, overspends: false }
    }

    #[test]
    fn the_ordinary_path() {
        let mut e = facts(Draft);
        for (action, party, to) in [
            (Edit, ENTRANT, Draft),
            (Submit, ENTRANT, Submitted),
            (Return, STAFF, Returned),
            (Edit, ENTRANT, Returned),
            (Submit, ENTRANT, Submitted),
            (Approve, STAFF, Approved),
            (Pay, ENTRANT, Paid),
        ] {
            e.status = next(e, action, party).unwrap_or_else(|r| panic!("{action:?} from {:?}: {r:?}", e.status));
            assert_eq!(e.status, to, "{action:?}");
        }
    }

    #[test]
    fn nobody_approves_their_own_entry() {
        for party in [ENTRANT, DISTRICT_ENTRANT] {
            assert_eq!(next(facts(Submitted), Approve, party), Err(Refused::OwnEntry));
            assert_eq!(next(facts(Submitted), Return, party), Err(Refused::OwnEntry));
        }
        assert_eq!(next(facts(Submitted), Approve, DISTRICT), Ok(Approved));
    }

    #[test]
    fn overspending_needs_the_district() {
        let over = ExpenseFacts { overspends: true, ..facts(Submitted) };
        assert_eq!(next(over, Approve, STAFF), Err(Refused::NeedsDistrict));
        assert_eq!(next(over, Return, STAFF), Ok(Returned), "the office may still send it back");
        assert_eq!(next(over, Approve, DISTRICT), Ok(Approved));
    }

    #[test]
    fn approved_amounts_are_reversed_never_edited() {
        for status in [Approved, Paid] {
            assert_eq!(next(facts(status), Edit, DISTRICT), Err(Refused::Locked));
            assert_eq!(next(facts(status), Delete, STAFF), Err(Refused::Locked));
            assert_eq!(next(facts(status), Reverse, STAFF), Ok(status));
            let reversed = ExpenseFacts { reversed: true, ..facts(status) };
            assert_eq!(next(reversed, Reverse, DISTRICT), Err(Refused::WrongState), "once only");
        }
        let reversal = ExpenseFacts { reversal: true, ..facts(Approved) };
        for action in [Edit, Delete, Reverse, Submit] {
            assert_eq!(next(reversal, action, DISTRICT), Err(Refused::IsReversal), "{action:?}");
        }
        assert_eq!(next(reversal, Pay, STAFF), Ok(Paid), "a refund is booked like a payment");
    }

    #[test]
    fn nothing_out_of_order() {
        for status in ExpenseStatus::ALL {
            for action in [Edit, Delete, Submit, Approve, Return, Pay, Reverse] {
                let ok = next(facts(*status), action, DISTRICT).is_ok();
                let expected = matches!(
                    (status, action),
                    (Draft | Returned, Edit | Delete | Submit)
                        | (Submitted, Approve | Return)
                        | (Approved, Pay | Reverse)
                        | (Paid, Reverse)
                );
                assert_eq!(ok, expected, "{status:?} {action:?}");
            }
        }
    }

    #[test]
    fn budget_arithmetic() {
        let budget = Fen(1_000_000);
        assert!(!overspends(budget, Fen(600_000), Fen(400_000)), "exactly the budget is within it");
        assert!(overspends(budget, Fen(600_000), Fen(400_001)));
        assert!(overspends(Fen::ZERO, Fen::ZERO, Fen(1)), "no budget set");
        assert!(overspends(budget, Fen(i64::MAX), Fen(1)), "overflow counts as over");
        assert_eq!(remaining(budget, Fen(1_200_000)), Fen(-200_000));
    }
}
