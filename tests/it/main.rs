//! One integration-test binary: HTTP tests on SQLite and PostgreSQL, and browser
//! journeys in headless Chromium. `support` starts the app on a fresh database.

mod office;
mod sheet_xml;
mod support;

mod accounts;
mod accounts_link;
mod activities;
mod activity_exports;
mod browser;
mod calendar;
mod consultations;
mod delivery;
mod duty_record;
mod edge;
mod files;
mod forgot;
mod front;
mod r#gen;
mod guard;
mod homes;
mod jobs;
mod language;
mod layout;
mod logs;
mod opinion_extensions;
mod opinion_extras;
mod opinion_reports;
mod opinion_stats;
mod opinions;
mod org;
mod roster;
mod roster_files;
mod roster_print;
mod schema;
mod search;
mod skeleton;
