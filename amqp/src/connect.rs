//! Reaching the broker: the URL's scheme decides plain or TLS, TLS verifies the server against
//! the CA the user names (and may present a client certificate), and nothing secret — the
//! URL's password — ever appears in output or errors.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::{Connection, ConnectionProperties};

use crate::AmqpError;

/// How long connecting may take before it is an error.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// TLS files for an `amqps://` connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM file of the CA certificate(s) the server's certificate must chain to.
    pub ca: Option<PathBuf>,
    /// PEM file of a client certificate to present, with its key in `key`.
    pub cert: Option<PathBuf>,
    /// PEM file of the client certificate's private key (PKCS#8 or RSA).
    pub key: Option<PathBuf>,
}

/// The broker to reach, as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    url: String,
    /// The connection is TLS (`amqps://`).
    pub tls: bool,
}

impl Target {
    /// Checks `url`'s scheme: `amqp://` or `amqps://`; with `require_tls`, only `amqps://`.
    pub fn parse(url: &str, require_tls: bool) -> Result<Self, AmqpError> {
        let tls = if url.starts_with("amqps://") {
            true
        } else if url.starts_with("amqp://") {
            false
        } else {
            return Err(AmqpError::Url(format!(
                "`{}` is not an AMQP URL: it must start with amqp:// or amqps://",
                redact(url)
            )));
        };
        if require_tls && !tls {
            return Err(AmqpError::PlainRefused(redact(url)));
        }
        Ok(Target {
            url: url.to_string(),
            tls,
        })
    }

    /// The URL with its password masked, for output.
    pub fn address(&self) -> String {
        redact(&self.url)
    }

    /// Connects, verifying a TLS server against `files.ca`. Errors say what failed without
    /// the URL's password.
    pub async fn connect(&self, files: &TlsFiles) -> Result<Connection, AmqpError> {
        let config = self.tls_config(files)?;
        let runtime = lapin::runtime::default_runtime().map_err(|e| self.failed(&e))?;
        let connecting = Connection::connect_with_config(
            &self.url,
            ConnectionProperties::default(),
            config,
            runtime,
        );
        match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(e)) => Err(self.failed(&e)),
            Err(_) => Err(AmqpError::Connect {
                address: self.address(),
                why: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            }),
        }
    }

    fn failed(&self, e: &dyn std::fmt::Display) -> AmqpError {
        let mut why = e.to_string();
        if let Some(password) = password(&self.url).filter(|p| !p.is_empty()) {
            why = why.replace(password, "***");
        }
        if self.tls && why.contains("UnknownIssuer") {
            why.push_str(
                " (the server's certificate does not chain to the CA given with --tls-ca)",
            );
        }
        AmqpError::Connect {
            address: self.address(),
            why,
        }
    }

    fn tls_config(&self, files: &TlsFiles) -> Result<OwnedTLSConfig, AmqpError> {
        if !self.tls {
            if files.ca.is_some() || files.cert.is_some() {
                return Err(AmqpError::Url(format!(
                    "--tls-ca and --tls-cert need an amqps:// URL, not `{}`",
                    self.address()
                )));
            }
            return Ok(OwnedTLSConfig::default());
        }
        let Some(ca) = &files.ca else {
            return Err(AmqpError::Url(format!(
                "`{}` is TLS: give the CA that signed the broker's certificate with --tls-ca FILE",
                self.address()
            )));
        };
        let identity = match (&files.cert, &files.key) {
            (Some(cert), Some(key)) => Some(OwnedIdentity::PKCS8 {
                pem: read(cert)?,
                key: read(key)?,
            }),
            (None, None) => None,
            _ => {
                return Err(AmqpError::Url(
                    "a client certificate needs both --tls-cert and --tls-key".into(),
                ));
            }
        };
        let chain = String::from_utf8(read(ca)?).map_err(|_| AmqpError::File {
            file: ca.clone(),
            why: "not a PEM file".into(),
        })?;
        if !chain.contains("-----BEGIN CERTIFICATE-----") {
            return Err(AmqpError::File {
                file: ca.clone(),
                why: "holds no PEM certificate".into(),
            });
        }
        Ok(OwnedTLSConfig {
            identity,
            cert_chain: Some(chain),
        })
    }
}

fn read(file: &Path) -> Result<Vec<u8>, AmqpError> {
    std::fs::read(file).map_err(|e| AmqpError::File {
        file: file.to_path_buf(),
        why: e.to_string(),
    })
}

/// The password in `url`'s user information, if any.
fn password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    Some(userinfo.split_once(':')?.1)
}

/// `url` with the password of its user information replaced by `***`.
pub fn redact(url: &str) -> String {
    match password(url) {
        Some(p) if !p.is_empty() => {
            let at = url
                .find(&format!(":{p}@"))
                .expect("the password sits before @");
            format!("{}:***{}", &url[..at], &url[at + 1 + p.len()..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            redact("amqps://app:hunter2@mq.example:5671/%2f"),
            "amqps://app:***@mq.example:5671/%2f"
        );
        assert_eq!(
            redact("amqp://127.0.0.1:5673/%2f"),
            "amqp://127.0.0.1:5673/%2f"
        );
        assert_eq!(redact("amqp://guest@host/"), "amqp://guest@host/");
        let e = Target::parse("http://u:hunter2@host", false).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn require_tls_refuses_plain_urls() {
        let e = Target::parse("amqp://u:hunter2@127.0.0.1:5673/%2f", true).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("--require-tls") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(
            Target::parse("amqps://127.0.0.1:5674/%2f", true)
                .unwrap()
                .tls
        );
    }

    #[test]
    fn tls_needs_a_ca() {
        let t = Target::parse("amqps://127.0.0.1:5674/%2f", false).unwrap();
        let e = t.tls_config(&TlsFiles::default()).unwrap_err();
        assert!(e.to_string().contains("--tls-ca"), "{e}");
    }
}
