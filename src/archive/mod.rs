//! 基层政协档案: each office's records of a year, browsed by category, and
//! the bundle the chair's inspection takes away (`bundle`, `toc`).

pub mod bundle;
pub mod model;
pub mod routes;
pub mod store;
pub mod toc;
