//! Duty time and funds (履职时间、经费保障, domain.md "8"): money in fen, budgets
//! and expenses with their approval rules, and leave letters to members'
//! employers.

pub mod leave;
pub mod model;
pub mod money;
pub mod routes;
pub mod store;
pub mod xlsx;
