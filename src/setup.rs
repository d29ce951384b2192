//! A new committee with the standard lists every committee starts from: the
//! CPPCC sectors, the State Council's holiday calendar, the opinion categories.

use crate::kernel::audit::store::Who;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::ids::CommitteeId;

pub fn new_committee(
    conn: &mut DbConn,
    who: impl Fn() -> Who<'static>,
    code: &str,
    name: &str,
) -> AppResult<CommitteeId> {
    let id = crate::org::store::create_committee(conn, who(), code, name)?;
    crate::org::store::sectors::seed_standard(conn, &who, id)?;
    crate::kernel::calendar::store::seed(conn, who(), id)?;
    crate::opinions::store::catalog::seed_categories_unscoped(conn, id)?;
    crate::inspections::store::checklist::seed_unscoped(conn, id)?;
    Ok(id)
}
