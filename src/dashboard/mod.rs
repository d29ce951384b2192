//! Home pages by role; figures and charts for leaders and staff grow here.

pub mod routes;
