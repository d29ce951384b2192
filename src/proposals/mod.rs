//! 提案 (issue 20): members', joint and sectors' proposals, reviewed and
//! numbered per session by the committee's proposal staff, handled by a
//! lead unit and co-units until the proposer rates the answer; key
//! proposals followed by leaders, the units' figures, the session's
//! catalogue (docx) and the answers the committee makes public.

pub mod catalogue;
pub mod model;
pub mod routes;
pub mod store;
