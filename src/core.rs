//! `Core`: what every use case may need from the outside world, passed to services as one
//! value instead of seven loose pieces. Infrastructure only; no slice, no HTTP.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::documents::Documents;
use crate::mail::Mail;
use crate::passwords::Passwords;
use crate::storage::Storage;

#[derive(Clone)]
pub struct Core {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Uploaded and generated files (local directory or S3).
    pub storage: Storage,
    /// SMTP delivery and the outbox worker's bell.
    pub mail: Arc<Mail>,
    /// PDF documents (fonts and templates loaded once).
    pub documents: Documents,
    pub clock: Clock,
    /// argon2 on a few dedicated threads (`passwords.rs`).
    pub passwords: Passwords,
    /// Key of the CSRF tokens and of the one-time links' HMAC.
    pub secret: Arc<Vec<u8>>,
}

impl Core {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today in Moscow.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }
}
