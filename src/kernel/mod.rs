//! What every domain area uses.

pub mod audit;
pub mod auth;
pub mod db;
pub mod error;
pub mod files;
pub mod ids;
pub mod jobs;
pub mod time;
pub mod web;
