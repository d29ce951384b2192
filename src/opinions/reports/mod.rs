//! 社情民意信息 reports: one or more cases written up in the usual format
//! (title, 基本情况, 原因分析, 意见建议, 反映人), downloaded as a Word file,
//! and their fate tracked — 编报 → 报送 → 采用 (by which level) → 批示, or
//! 不予采用 — and counted for the reporting member.

pub mod docx;
pub mod model;
pub mod routes;
pub mod store;

pub use store::count_for_member;
