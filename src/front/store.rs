//! What the front page reads, through the areas' public store functions: no
//! personal data, nothing that needs an account.

use crate::activities::store::public::{self as activities, HomeCard};
use crate::consultations::model::Tally;
use crate::consultations::store::consultations::Consultation;
use crate::consultations::store::public as consultations;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::notices::store::Notice;
use crate::notices::store::public::{self as notices, Whose};
use crate::opinions::stats::{self, Count, Month, PublicCase};
use crate::org::store::{self as org, Committee};

/// Answers shown on the front page; the wall has the rest.
pub const RESULTS: usize = 3;
/// Closed consultations shown; their list has the rest.
pub const CONSULTATIONS: usize = 3;
/// The district's latest public notices shown; their list has the rest.
pub const NOTICES: i64 = 3;
/// Latest activities shown per Members' Home (ten Homes make a long page already).
pub const PER_HOME: usize = 1;

/// One committee's public work, as its front page shows it.
#[derive(Debug, Clone)]
pub struct Showcase {
    pub committee: Committee,
    /// Its answers made public, newest first.
    pub results: Vec<PublicCase>,
    /// Cases received, closed and rated over the last 12 months.
    pub counts: Count,
    pub homes: Vec<HomeCard>,
    /// Closed consultations: (consultation, office, items done of agreed).
    pub consultations: Vec<(Consultation, String, Tally)>,
    /// The district's latest public notices.
    pub notices: Vec<Notice>,
}

/// The front page: every committee of the deployment, and when there is only
/// one, its public work (a province's front page lists its committees, each
/// with its own box, and shows no one committee's work).
#[derive(Debug, Clone)]
pub struct Front {
    pub committees: Vec<Committee>,
    pub one: Option<Showcase>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn front(conn: &mut DbConn) -> AppResult<Front> {
    let committees = org::committees_unscoped(conn)?;
    let one = match committees.as_slice() {
        [c] => Some(showcase(conn, c.clone())?),
        _ => None,
    };
    Ok(Front { committees, one })
}

fn showcase(conn: &mut DbConn, committee: Committee) -> AppResult<Showcase> {
    let (mut results, _) = stats::wall(conn, committee.id, 1)?;
    results.truncate(RESULTS);
    let counts = stats::public_counts(conn, committee.id, Month::current())?.total;
    let homes = activities::homes_with_latest(conn, committee.id, PER_HOME)?;
    let mut closed = consultations::closed(conn, committee.id)?;
    closed.truncate(CONSULTATIONS);
    let notices = notices::list(conn, committee.id, Whose::District, NOTICES)?;
    Ok(Showcase { committee, results, counts, homes, consultations: closed, notices })
}
