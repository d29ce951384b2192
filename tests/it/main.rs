//! One integration-test binary: HTTP tests on SQLite and PostgreSQL, and browser
//! journeys in headless Chromium. `support` starts the app on a fresh database.

mod support;

mod accounts;
mod browser;
mod files;
mod jobs;
mod org;
mod roster;
mod schema;
mod skeleton;
