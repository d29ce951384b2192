//! 检查 (issue 18): the district plans an inspection of an office, records
//! a finding per checklist item (the 六个有 by default, editable), a score
//! and a summary, and lists rectification items (整改) the office follows up
//! until done, with reminders and one escalation when overdue. The office
//! sees its findings and answers them.

pub mod jobs;
pub mod model;
pub mod routes;
pub mod store;
