//! [`DatabaseUrl`]: which record store to open. It may carry a password, so its `Debug` and
//! `Display` never show one.

use std::fmt;
use std::str::FromStr;

use anyhow::Context;

/// A record store URL. Its `Debug` and `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// An SQLite store in `path`.
    pub fn sqlite_file(path: &std::path::Path) -> anyhow::Result<Self> {
        let path = path
            .to_str()
            .with_context(|| format!("the data directory {} is not UTF-8", path.display()))?;
        Ok(Self(format!("sqlite://{path}")))
    }

    /// The URL with its secret parts, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    pub fn is_sqlite(&self) -> bool {
        self.0.starts_with("sqlite:")
    }

    /// The store is on this machine: an SQLite file, or a PostgreSQL reached through a Unix
    /// socket, `localhost` or a loopback address.
    pub fn is_on_this_machine(&self) -> bool {
        if self.is_sqlite() {
            return true;
        }
        let Ok(options) = sqlx::postgres::PgConnectOptions::from_str(&self.0) else {
            return false;
        };
        if options.get_socket().is_some() {
            return true;
        }
        let host = options.get_host();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host.starts_with('/')
            || bare
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("REDACTED"));
                url.to_string()
            }
            _ => self.0.clone(),
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = Self(s.to_owned());
        if url.is_sqlite() || url.is_postgres() {
            Ok(url)
        } else {
            Err("the database must be a sqlite:// or postgres:// URL".into())
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_hides_its_password() {
        let url: DatabaseUrl = "postgres://liaison:s3cret@db/liaison".parse().unwrap();
        assert!(!format!("{url} {url:?}").contains("s3cret"));
        assert!(url.expose().contains("s3cret"));
    }
}
