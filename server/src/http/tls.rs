//! HTTPS: the self-signed development certificate and the rustls configuration.
//!
//! Outlook loads add-ins only over HTTPS. `--tls-self-signed` creates a `localhost` certificate
//! once, keeps it in the data directory and reuses it (so it needs trusting only once), and
//! renews it before browsers would refuse it for its age.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use axum_server::tls_rustls::RustlsConfig;

/// How the server speaks TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Plain HTTP, e.g. behind a TLS-terminating proxy.
    Off,
    /// A self-signed `localhost` certificate kept in this directory.
    SelfSigned { dir: PathBuf },
    /// A certificate and key the operator provides.
    Files { cert: PathBuf, key: PathBuf },
}

/// Browsers refuse server certificates valid for longer than this.
const VALIDITY_DAYS: i64 = 397;
/// A kept certificate older than this is replaced.
const RENEW_AFTER: Duration = Duration::from_secs(360 * 24 * 3600);

/// Where a certificate and its key live.
#[derive(Debug, Clone)]
pub struct CertificateFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The rustls configuration for `tls`, or `None` for plain HTTP.
pub async fn rustls_config(tls: &Tls) -> anyhow::Result<Option<RustlsConfig>> {
    let files = match tls {
        Tls::Off => return Ok(None),
        Tls::SelfSigned { dir } => self_signed(dir)?,
        Tls::Files { cert, key } => CertificateFiles {
            cert: cert.clone(),
            key: key.clone(),
        },
    };
    // One process-wide crypto provider; a second install (tests) is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = RustlsConfig::from_pem_file(&files.cert, &files.key)
        .await
        .with_context(|| {
            format!(
                "cannot load the TLS certificate {} and key {}",
                files.cert.display(),
                files.key.display()
            )
        })?;
    Ok(Some(config))
}

/// The development certificate in `dir`, created (or renewed) when needed.
pub fn self_signed(dir: &Path) -> anyhow::Result<CertificateFiles> {
    let files = CertificateFiles {
        cert: dir.join("localhost.crt"),
        key: dir.join("localhost.key"),
    };
    if is_fresh(&files.cert) && files.key.exists() {
        return Ok(files);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut params = rcgen::CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])?;
    let now = rcgen::date_time_ymd(1970, 1, 1) + Duration::from_secs(unix_now());
    params.not_before = now - Duration::from_secs(3600);
    params.not_after = now + Duration::from_secs(VALIDITY_DAYS as u64 * 24 * 3600);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Liaison development (localhost)");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    write_private(&files.key, key.serialize_pem().as_bytes())?;
    std::fs::write(&files.cert, cert.pem())
        .with_context(|| format!("cannot write {}", files.cert.display()))?;
    tracing::info!(
        "created a development certificate for localhost: {}\n{}",
        files.cert.display(),
        trust_instructions(&files.cert)
    );
    Ok(files)
}

/// How to make this machine's browsers and Outlook trust the development certificate.
pub fn trust_instructions(cert: &Path) -> String {
    let cert = cert.display();
    format!(
        "Trust it once so Outlook loads the add-in:\n  \
         Windows: certutil -user -addstore Root \"{cert}\"\n  \
         macOS:   security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db \"{cert}\"\n  \
         Linux:   sudo cp \"{cert}\" /usr/local/share/ca-certificates/liaison-localhost.crt && sudo update-ca-certificates"
    )
}

fn is_fresh(cert: &Path) -> bool {
    std::fs::metadata(cert)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|age| age < RENEW_AFTER)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_certificate_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = self_signed(dir.path()).unwrap();
        let pem = std::fs::read_to_string(&first.cert).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

        let second = self_signed(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&second.cert).unwrap(), pem);
    }

    #[cfg(unix)]
    #[test]
    fn the_private_key_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let files = self_signed(dir.path()).unwrap();
        let mode = std::fs::metadata(&files.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }
}
