//! What every domain area uses.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod code_enum;
pub mod db;
pub mod docx;
pub mod error;
pub mod files;
pub mod guard;
pub mod ids;
pub mod jobs;
pub mod notify;
pub mod personal;
pub mod search;
pub mod state;
pub mod time;
pub mod web;
pub mod xlsx;
