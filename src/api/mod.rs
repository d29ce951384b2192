//! Other systems (issue 19): the JSON API under `/api/v1` with its OpenAPI
//! document, the tokens outside systems call it with, and the errors they get.
//! The API calls the same store functions as the pages, as the token's own
//! account, so its scope and rules are theirs.

pub mod caller;
pub mod error;
pub mod extract;
pub mod hotline;
pub mod open311;
pub mod tokens;
pub mod v1;
