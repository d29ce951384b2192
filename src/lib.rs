//! xieshang (协商): the platform a CPPCC committee and its township offices run
//! their grassroots consultation work on. See README.md and docs/.

// Translations from locales/*.yml, compiled in; zh-CN is the fallback.
rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod activities;
pub mod api;
pub mod app;
pub mod archive;
pub mod config;
pub mod consultations;
pub mod dashboard;
pub mod demo;
pub mod duty;
pub mod front;
pub mod funds;
#[doc(hidden)]
pub mod fuzzing;
pub mod inspections;
// `gen` is a reserved word in edition 2024, hence the raw identifier.
pub mod r#gen;
pub mod kernel;
pub mod meetings;
pub mod notices;
pub mod opinions;
pub mod org;
pub mod proposals;
pub mod setup;
pub mod workbench;
