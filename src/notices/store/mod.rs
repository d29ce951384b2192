//! Notices' tables: the notices (`notices`), who each went to and their
//! receipts (`recipients`), attachments (`files`) and what the public sees
//! (`public`). Every read checks the actor's right here, not in handlers.

pub mod files;
pub mod notices;
pub mod public;
pub mod recipients;

pub use notices::Notice;
