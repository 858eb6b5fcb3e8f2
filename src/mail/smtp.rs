//! The worker's SMTP connections, each with TCP_NODELAY.
//!
//! lettre writes a letter's body and its final «.» in two writes. Without TCP_NODELAY the second
//! waits for the server's delayed acknowledgement of the first (40 ms on Linux), so each
//! connection sent at most ~25 letters a second, whatever the server: a mailing of 10 000
//! letters took 64–73 s with eight connections, and 24–26 s when the server acknowledged at once
//! (docs/benchmarks.md, issue 15). lettre's transport cannot set the option, so plain and
//! STARTTLS connections are opened here, on a socket that has it, and reused (after a NOOP, like
//! lettre's pool); implicit TLS (port 465) stays with lettre's pooled transport.

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Mutex;

/// A failed send: permanent (the server refused the letter) or worth retrying, and why.
pub(super) type SendError = (bool, String);

pub(super) enum Sender {
    /// Plain or STARTTLS: connections opened here with TCP_NODELAY, kept for the next letter.
    Own(Pool),
    /// Implicit TLS: lettre's pooled transport.
    Lettre(AsyncSmtpTransport<Tokio1Executor>),
}

pub(super) struct Pool {
    pub host: String,
    pub port: u16,
    pub starttls: bool,
    pub credentials: Option<Credentials>,
    pub hello: ClientId,
    pub idle: Mutex<Vec<AsyncSmtpConnection>>,
}

impl Sender {
    pub(super) async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Sender::Lettre(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| (e.is_permanent(), e.to_string())),
            Sender::Own(pool) => pool.send(&message).await,
        }
    }
}

impl Pool {
    async fn open(&self) -> Result<AsyncSmtpConnection, SendError> {
        let transient = |e: &dyn std::fmt::Display| (false, e.to_string());
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| transient(&e))?;
        tcp.set_nodelay(true).map_err(|e| transient(&e))?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
            .await
            .map_err(|e| transient(&e))?;
        if self.starttls {
            let tls = TlsParameters::new(self.host.clone()).map_err(|e| transient(&e))?;
            conn.starttls(tls, &self.hello)
                .await
                .map_err(|e| transient(&e))?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .await
                .map_err(|e| (e.is_permanent(), e.to_string()))?;
        }
        Ok(conn)
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let mut conn = loop {
            let idle = self.idle.lock().await.pop();
            match idle {
                // NOOP first, as lettre's pool does: the server may have closed it meanwhile,
                // and a letter sent into a closed connection would cost an attempt and a retry.
                Some(mut c) => {
                    if c.test_connected().await {
                        break c;
                    }
                    c.abort().await;
                }
                None => break self.open().await?,
            }
        };
        match conn.send(message.envelope(), &message.formatted()).await {
            Ok(_) => {
                self.idle.lock().await.push(conn);
                Ok(())
            }
            Err(e) => {
                // the connection's state is unknown after an error: a new one for the next letter
                conn.abort().await;
                Err((e.is_permanent(), e.to_string()))
            }
        }
    }
}
