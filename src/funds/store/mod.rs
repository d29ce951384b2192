//! Budgets and expenses in the database. Who may see or change which books is
//! checked here: an office's staff keep their office's books, the district
//! keeps every office's and its own (office `None`), leaders read them all.

pub mod budgets;
pub mod choices;
pub mod expenses;
pub mod letters;
pub mod member_funds;
pub mod receipts;
pub mod rules;
pub mod voucher;
pub mod year_end;

use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::ids::OfficeId;

/// Whose books: an office's, or the district's own (`None`).
pub type Books = Option<OfficeId>;

/// Whether the actor may read `books`.
pub fn may_read(actor: &Actor, books: Books) -> bool {
    match books {
        // Members see their own funds (`member_funds`), not the office's books.
        Some(o) => actor.role != Role::Member && actor.sees_office(o),
        None => matches!(actor.role, Role::DistrictAdmin | Role::Leader),
    }
}

/// Whether the actor keeps `books`: enters expenses, submits, pays.
pub fn may_keep(actor: &Actor, books: Books) -> bool {
    match actor.role {
        Role::DistrictAdmin => true,
        Role::OfficeStaff => books.is_some() && actor.office_id == books,
        _ => false,
    }
}

/// Serialises changes to one set of books for a year (voucher numbers, the
/// overspend check before an approval) until the transaction ends.
pub(crate) fn lock_books(conn: &mut DbConn, actor: &Actor, books: Books, year: i32) -> AppResult<()> {
    crate::kernel::db::serialise(conn, &format!("books {} {} {year}", actor.committee_id, books.map_or(0, |o| o.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_reads_and_keeps_which_books() {
        let staff = Actor::sample(Role::OfficeStaff, Some(1));
        let district = Actor::sample(Role::DistrictAdmin, None);
        let leader = Actor::sample(Role::Leader, None);
        let member = Actor::sample(Role::Member, Some(1));
        let one = Some(OfficeId(1));
        let two = Some(OfficeId(2));
        assert!(may_read(&staff, one) && may_keep(&staff, one));
        assert!(!may_read(&staff, two) && !may_keep(&staff, two), "another office's books");
        assert!(!may_read(&staff, None) && !may_keep(&staff, None), "the district's own");
        assert!(may_read(&district, two) && may_keep(&district, two) && may_keep(&district, None));
        assert!(may_read(&leader, two) && may_read(&leader, None) && !may_keep(&leader, two), "leaders read");
        assert!(!may_read(&member, one) && !may_keep(&member, one), "members neither read nor keep books");
        for role in [Role::Auditor, Role::Sysadmin, Role::SecurityAdmin, Role::Department] {
            let a = Actor::sample(role, None);
            assert!(!may_read(&a, one) && !may_read(&a, None) && !may_keep(&a, None), "{role:?}");
        }
    }
}
