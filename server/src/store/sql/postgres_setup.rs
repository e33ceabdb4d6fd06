//! How the store reaches PostgreSQL — with TLS, and for a server on another machine with its
//! certificate checked unless the URL says otherwise — and what the operator is told when the
//! server refuses.
//!
//! The URL's own `sslmode` (or `PGSSLMODE`) is always honoured, with libpq's meanings, which
//! sqlx follows: `disable`, `prefer` (TLS when offered, certificate not checked), `require`
//! (TLS, certificate not checked), `verify-ca`, `verify-full`; `sslrootcert=PATH` adds a
//! private CA to the public roots (webpki-roots). Without one, libpq and sqlx default to
//! `prefer`, which sends the password and every token in clear to a server that offers no TLS
//! and accepts any certificate from one that does. Liaison keeps that default only for a server
//! on this machine (loopback or a Unix socket) and asks `verify-full` of any other.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

use crate::store::error::StoreError;
use crate::store::url::DatabaseUrl;

/// How to connect to the PostgreSQL a URL names.
pub struct Connect {
    pub options: PgConnectOptions,
    /// Liaison, not the URL, asked for `verify-full`: a TLS failure then says how to ask for
    /// less.
    pub verification_chosen: bool,
}

/// The connect options for `url`, with the TLS mode Liaison asks for, named `liaison` unless
/// the URL names them (`application_name`).
pub fn connect(url: &DatabaseUrl) -> Result<Connect, StoreError> {
    let mut options = PgConnectOptions::from_str(url.expose()).map_err(StoreError::Unavailable)?;
    if options.get_application_name().is_none() {
        // How a DBA tells Liaison's connections apart (`pg_stat_activity.application_name`).
        options = options.application_name("liaison");
    }
    let verification_chosen = !mode_given(url) && !url.is_on_this_machine();
    if verification_chosen {
        options = options.ssl_mode(PgSslMode::VerifyFull);
    }
    Ok(Connect {
        options,
        verification_chosen,
    })
}

/// The error for a failure that may be TLS's under the mode Liaison chose, with what the
/// operator can do.
pub fn explain(error: sqlx::Error, options: &PgConnectOptions) -> StoreError {
    StoreError::Setup(format!(
        "the record store could not be reached: {error}. Liaison reaches a PostgreSQL server \
         on another machine with TLS and checks its certificate (sslmode=verify-full) unless \
         the URL says otherwise. If TLS or the certificate is what failed: for a private CA \
         add sslrootcert=PATH to the URL; to accept an unchecked certificate add \
         sslmode=require; only on a network you trust, sslmode=disable (host {})",
        options.get_host()
    ))
}

/// A migration the role may not run (SQLSTATE `42501`, insufficient privilege), with the usual
/// cause: from PostgreSQL 15 only a database's owner may create tables in its `public` schema.
pub fn explain_migration(error: sqlx::migrate::MigrateError) -> StoreError {
    let refused = match &error {
        sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(db))
        | sqlx::migrate::MigrateError::ExecuteMigration(sqlx::Error::Database(db), _) => {
            db.code().as_deref() == Some("42501")
        }
        _ => false,
    };
    if !refused {
        return StoreError::Migration(error);
    }
    StoreError::Setup(format!(
        "the record store's migrations failed: {error}. The role Liaison connects as must be \
         able to create tables: from PostgreSQL 15 only a database's owner may create them in \
         its public schema (CREATE DATABASE liaison OWNER <role>), or run `liaison migrate` \
         once as such a role"
    ))
}

/// A failure that may be TLS's: sqlx's `Tls` (the server offers none), or an I/O error while
/// connecting — where sqlx reports a certificate rustls refused. sqlx documents no finer
/// distinction, so the explanation says "if".
pub fn may_be_tls(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Tls(_) | sqlx::Error::Io(_))
}

/// The URL names its TLS mode (sqlx reads `sslmode` and `ssl-mode`), or the environment does.
fn mode_given(url: &DatabaseUrl) -> bool {
    let in_url = url::Url::parse(url.expose()).is_ok_and(|parsed| {
        parsed
            .query_pairs()
            .any(|(key, _)| key == "sslmode" || key == "ssl-mode")
    });
    in_url || std::env::var_os("PGSSLMODE").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str) -> PgSslMode {
        connect(&url.parse().unwrap())
            .unwrap()
            .options
            .get_ssl_mode()
    }

    #[test]
    fn a_server_on_another_machine_is_verified_unless_the_url_says_otherwise() {
        // PGSSLMODE would count as "said otherwise"; the test environment does not set it.
        if std::env::var_os("PGSSLMODE").is_some() {
            return;
        }
        for (url, expected) in [
            ("postgres://l:pw@db.internal/l", PgSslMode::VerifyFull),
            ("postgres://l:pw@10.0.0.5:5432/l", PgSslMode::VerifyFull),
            (
                "postgres://l:pw@db.internal/l?sslmode=require",
                PgSslMode::Require,
            ),
            (
                "postgres://l:pw@db.internal/l?ssl-mode=disable",
                PgSslMode::Disable,
            ),
            (
                "postgres://l:pw@db.internal/l?sslmode=verify-ca&sslrootcert=/ca.pem",
                PgSslMode::VerifyCa,
            ),
        ] {
            assert_eq!(format!("{:?}", mode(url)), format!("{expected:?}"), "{url}");
        }
    }

    #[test]
    fn a_server_on_this_machine_keeps_the_drivers_default() {
        if std::env::var_os("PGSSLMODE").is_some() {
            return;
        }
        for url in [
            "postgres://liaison:pw@localhost/liaison",
            "postgres://liaison:pw@127.0.0.1:5432/liaison",
            "postgres://liaison:pw@[::1]:5432/liaison",
            "postgres://liaison:pw@db/liaison?host=/var/run/postgresql",
        ] {
            assert!(matches!(mode(url), PgSslMode::Prefer), "{url}");
        }
    }

    #[test]
    fn a_refused_certificate_may_be_tls_and_the_explanation_says_what_to_do() {
        let refused = sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        ));
        assert!(may_be_tls(&refused));
        assert!(may_be_tls(&sqlx::Error::Tls(
            "server does not support TLS".into()
        )));
        assert!(!may_be_tls(&sqlx::Error::PoolTimedOut));
        let url: DatabaseUrl = "postgres://l:secret@db.internal/l".parse().unwrap();
        let message = explain(refused, &connect(&url).unwrap().options).to_string();
        for needed in [
            "sslrootcert=",
            "sslmode=require",
            "db.internal",
            "UnknownIssuer",
        ] {
            assert!(message.contains(needed), "{needed} in {message}");
        }
        assert!(!message.contains("secret"));
    }

    #[test]
    fn only_the_chosen_mode_gets_the_explanation() {
        if std::env::var_os("PGSSLMODE").is_some() {
            return;
        }
        let chosen: DatabaseUrl = "postgres://l:pw@db.internal/l".parse().unwrap();
        let given: DatabaseUrl = "postgres://l:pw@db.internal/l?sslmode=verify-full"
            .parse()
            .unwrap();
        assert!(connect(&chosen).unwrap().verification_chosen);
        assert!(!connect(&given).unwrap().verification_chosen);
    }
}
