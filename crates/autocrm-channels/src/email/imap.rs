//! IMAP polling: fetch new messages by UID, resuming where the last poll stopped.
//!
//! Each call opens one connection (implicit TLS, STARTTLS or plain), logs in,
//! opens the folder read-only with `EXAMINE`, does its work and logs out; no
//! connection outlives a call, so a poller is a loop around [`fetch_new`].
//!
//! Invariants:
//! - The mailbox is never modified by polling: the folder is opened with
//!   `EXAMINE` and bodies are read with `BODY.PEEK[]`, so `\Seen` and every
//!   other flag stay as the humans sharing the mailbox left them. Progress
//!   lives in the caller's [`Cursor`] (UIDVALIDITY + last UID), not in flags.
//! - Messages come back in ascending UID order, all strictly newer than the
//!   cursor; when UIDVALIDITY changed the cursor is void and everything is
//!   fetched again (the store deduplicates by Message-ID).
//! - Connecting and every command are bounded by a timeout; a silent server
//!   yields [`ImapError::Timeout`], never a hung job.
//! - TLS certificates are verified against the Web PKI roots unless
//!   [`ImapSettings::accept_invalid_certs`] is set, which configuration can
//!   never do (it is skipped by serde): only code, i.e. tests, sets it.
//! - The password never appears in `Debug` output or errors.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_imap::error::Error as ProtoError;
use async_imap::imap_proto::{Response, Status};
use async_imap::{Client, Session};
use futures::StreamExt as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// How the connection to the IMAP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Implicit TLS from the first byte (`imaps`, port 993).
    #[default]
    Tls,
    /// Plain connection upgraded with `STARTTLS` before logging in (port 143).
    StartTls,
    /// No encryption at all: the password travels in clear text. Only
    /// sensible on loopback (a local relay or a test server).
    Plain,
}

impl Security {
    /// The usual port for this kind of connection (993 or 143).
    pub fn default_port(self) -> u16 {
        match self {
            Self::Tls => 993,
            Self::StartTls | Self::Plain => 143,
        }
    }
}

/// Where and how to read one mailbox.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct ImapSettings {
    /// Host name or IP address of the server (also the TLS server name).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Transport protection.
    pub security: Security,
    /// Login name.
    pub username: String,
    /// Password (secret: redacted from `Debug`).
    pub password: String,
    /// The folder to poll (`INBOX`); UTF-8, encoded for the wire here.
    pub folder: String,
    /// Skip certificate verification. Tests only (self-signed loopback
    /// servers); never read from configuration.
    #[serde(skip)]
    pub accept_invalid_certs: bool,
}

impl fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("folder", &self.folder)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .finish()
    }
}

/// How far a mailbox has been read: the folder's UIDVALIDITY and the highest
/// UID already handed to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// UIDVALIDITY of the folder when `last_uid` was read.
    pub uid_validity: u32,
    /// Highest UID fetched so far (0: none).
    pub last_uid: u32,
}

/// The result of one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The folder's current UIDVALIDITY.
    pub uid_validity: u32,
    /// New messages, ascending by UID.
    pub messages: Vec<FetchedMessage>,
}

impl Fetched {
    /// The cursor to save once these messages are stored: the newest UID
    /// fetched, or the previous position when nothing was new (reset to 0
    /// when UIDVALIDITY changed).
    pub fn cursor(&self, previous: Option<Cursor>) -> Cursor {
        let kept = previous.filter(|c| c.uid_validity == self.uid_validity).map_or(0, |c| c.last_uid);
        let newest = self.messages.iter().map(|m| m.uid).max().unwrap_or(0);
        Cursor { uid_validity: self.uid_validity, last_uid: kept.max(newest) }
    }
}

/// One message as the server stores it.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    /// Its UID in the folder.
    pub uid: u32,
    /// The full RFC 5322 message, headers and body, as bytes.
    pub raw: Vec<u8>,
}

impl fmt::Debug for FetchedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A message can be megabytes: show its size, not its bytes.
        f.debug_struct("FetchedMessage").field("uid", &self.uid).field("bytes", &self.raw.len()).finish()
    }
}

/// Why talking to the IMAP server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImapError {
    /// The TCP connection could not be made (DNS, refused, unreachable) or
    /// the server did not greet.
    #[error("cannot connect to the IMAP server: {0}")]
    Connect(String),
    /// TLS failed: handshake, certificate, or `STARTTLS` refused.
    #[error("TLS with the IMAP server failed: {0}")]
    Tls(String),
    /// The server refused the user name or password.
    #[error("the IMAP server refused the login: {0}")]
    Auth(String),
    /// The folder does not exist (or may not be opened by this user).
    #[error("the IMAP folder {0:?} does not exist")]
    NoFolder(String),
    /// Anything else the server or the connection did wrong.
    #[error("IMAP error: {0}")]
    Protocol(String),
    /// The server did not answer in time.
    #[error("the IMAP server did not answer in time")]
    Timeout,
}

/// Bounds on waiting for the server.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    /// TCP connect, TLS handshake and greeting, each.
    connect: Duration,
    /// Each command; for a fetch, each message (so a large batch may take
    /// longer in total, but never stalls).
    command: Duration,
}

const TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(20), command: Duration::from_mins(1) };

/// Fetches messages with UID greater than `cursor.last_uid` (all of them when
/// `cursor` is `None` or the folder's UIDVALIDITY changed), the oldest `max`
/// of them, ascending by UID. Read-only: uses `EXAMINE` and
/// `UID FETCH … BODY.PEEK[]`, so no flag changes (see the module header).
///
/// The next cursor is [`Fetched::cursor`]; save it only after the messages
/// are stored, so a crash refetches rather than loses.
pub async fn fetch_new(settings: &ImapSettings, cursor: Option<Cursor>, max: usize) -> Result<Fetched, ImapError> {
    fetch_new_with(settings, cursor, max, TIMEOUTS).await
}

/// Logs in and opens the folder, then logs out: the admin UI's "test connection".
pub async fn check(settings: &ImapSettings) -> Result<(), ImapError> {
    let mut session = connect(settings, TIMEOUTS).await?;
    examine(&mut session, settings, TIMEOUTS).await?;
    logout(session, TIMEOUTS).await;
    Ok(())
}

/// Appends `raw` as a new message to the folder (`APPEND`). Used by tests
/// and tooling (seeding a mailbox); polling never writes.
pub async fn append(settings: &ImapSettings, raw: &[u8]) -> Result<(), ImapError> {
    let t = TIMEOUTS;
    let mut session = connect(settings, t).await?;
    // Servers refuse an APPEND to a missing folder before taking the message,
    // which async-imap reports without the reason: ask first.
    examine(&mut session, settings, t).await?;
    let folder = encode_mailbox_name(&settings.folder);
    within(t.command, session.append(&folder, None, None, raw)).await?.map_err(|e| match e {
        ProtoError::Append => ImapError::Protocol("the server refused the message".into()),
        other => protocol(other),
    })?;
    logout(session, t).await;
    Ok(())
}

async fn fetch_new_with(
    settings: &ImapSettings,
    cursor: Option<Cursor>,
    max: usize,
    t: Timeouts,
) -> Result<Fetched, ImapError> {
    let mut session = connect(settings, t).await?;
    let mailbox = examine(&mut session, settings, t).await?;
    let uid_validity = mailbox
        .uid_validity
        .ok_or_else(|| ImapError::Protocol("the server did not report the folder's UIDVALIDITY".into()))?;
    let after = cursor.filter(|c| c.uid_validity == uid_validity).map_or(0, |c| c.last_uid);

    // Nothing new (or nothing at all): skip the search.
    let nothing_new = mailbox.exists == 0 || mailbox.uid_next.is_some_and(|next| next <= after.saturating_add(1));
    let mut messages = Vec::new();
    if !nothing_new && max > 0 {
        // `n:*` also matches the highest UID when n is beyond it (RFC 3501
        // §6.4.8), hence the filter.
        let found = within(t.command, session.uid_search(format!("UID {}:*", after.saturating_add(1))))
            .await?
            .map_err(protocol)?;
        let mut uids: Vec<u32> = found.into_iter().filter(|&uid| uid > after).collect();
        uids.sort_unstable();
        uids.truncate(max);
        if !uids.is_empty() {
            messages = fetch_bodies(&mut session, &uids, t).await?;
        }
    }
    logout(session, t).await;
    tracing::debug!(host = %settings.host, folder = %settings.folder, uid_validity, after, fetched = messages.len(), "IMAP poll");
    Ok(Fetched { uid_validity, messages })
}

async fn fetch_bodies(
    session: &mut Session<Stream>,
    uids: &[u32],
    t: Timeouts,
) -> Result<Vec<FetchedMessage>, ImapError> {
    let mut messages = Vec::with_capacity(uids.len());
    {
        let mut stream =
            within(t.command, session.uid_fetch(uid_set(uids), "(UID BODY.PEEK[])")).await?.map_err(protocol)?;
        while let Some(item) = within(t.command, stream.next()).await? {
            let fetch = item.map_err(protocol)?;
            // Unsolicited FETCH responses (flag changes by other clients)
            // carry no body or a UID that was not asked for.
            if let (Some(uid), Some(body)) = (fetch.uid, fetch.body())
                && uids.binary_search(&uid).is_ok()
            {
                messages.push(FetchedMessage { uid, raw: body.to_vec() });
            }
        }
    }
    messages.sort_by_key(|m| m.uid);
    messages.dedup_by_key(|m| m.uid);
    Ok(messages)
}

/// `1:3,7,9:10` from sorted UIDs.
fn uid_set(uids: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end.saturating_add(1) {
            i += 1;
            end = uids[i];
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}:{end}") });
        i += 1;
    }
    parts.join(",")
}

/// The byte stream under a session, whichever way it was protected.
trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}
type Stream = Box<dyn Io>;

async fn connect(settings: &ImapSettings, t: Timeouts) -> Result<Session<Stream>, ImapError> {
    let target = format!("{}:{}", settings.host, settings.port);
    let tcp = within(t.connect, TcpStream::connect((settings.host.as_str(), settings.port)))
        .await?
        .map_err(|e| ImapError::Connect(format!("{target}: {e}")))?;
    // Commands are small and answered one by one: no Nagle delay.
    tcp.set_nodelay(true).ok();

    let client: Client<Stream> = match settings.security {
        Security::Tls => {
            let mut client = Client::new(tls_handshake(settings, tcp, t).await?);
            greeting(&mut client, &target, t).await?;
            client
        }
        Security::StartTls => {
            let mut plain = Client::new(tcp);
            greeting(&mut plain, &target, t).await?;
            within(t.command, plain.run_command_and_check_ok("STARTTLS", None)).await?.map_err(|e| match e {
                ProtoError::No(text) | ProtoError::Bad(text) => {
                    ImapError::Tls(format!("{target} refused STARTTLS ({})", server_text(&text)))
                }
                other => protocol(other),
            })?;
            // No greeting after STARTTLS: the session continues inside TLS.
            Client::new(tls_handshake(settings, plain.into_inner(), t).await?)
        }
        Security::Plain => {
            let stream: Stream = Box::new(tcp);
            let mut client = Client::new(stream);
            greeting(&mut client, &target, t).await?;
            client
        }
    };
    match within(t.command, client.login(&settings.username, &settings.password)).await? {
        Ok(session) => Ok(session),
        Err((ProtoError::No(text) | ProtoError::Bad(text), _)) => Err(ImapError::Auth(server_text(&text))),
        Err((ProtoError::Validate(_), _)) => {
            Err(ImapError::Auth("the user name or password contains a line break, which IMAP cannot send".into()))
        }
        Err((e, _)) => Err(protocol(e)),
    }
}

/// Reads the server's first line: `* OK` (or `* PREAUTH`) to go on.
async fn greeting<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug>(
    client: &mut Client<T>,
    target: &str,
    t: Timeouts,
) -> Result<(), ImapError> {
    let first = within(t.connect, client.read_response())
        .await?
        .map_err(|e| ImapError::Connect(format!("{target}: {e}")))?
        .ok_or_else(|| ImapError::Connect(format!("{target} closed the connection before greeting")))?;
    match first.parsed() {
        Response::Data { status: Status::Ok | Status::PreAuth, .. } => Ok(()),
        Response::Data { status: Status::Bye, outcome } => Err(ImapError::Connect(format!(
            "{target} turned the connection away: {}",
            outcome.information.as_deref().unwrap_or("BYE")
        ))),
        other => Err(ImapError::Connect(format!("{target} is not an IMAP server (greeting: {other:?})"))),
    }
}

async fn examine(
    session: &mut Session<Stream>,
    settings: &ImapSettings,
    t: Timeouts,
) -> Result<async_imap::types::Mailbox, ImapError> {
    match within(t.command, session.examine(encode_mailbox_name(&settings.folder))).await? {
        Ok(mailbox) => Ok(mailbox),
        Err(ProtoError::No(_)) => Err(ImapError::NoFolder(settings.folder.clone())),
        Err(e) => Err(protocol(e)),
    }
}

/// Says goodbye politely; the data is already read, so failures do not matter.
async fn logout(mut session: Session<Stream>, t: Timeouts) {
    let _ = within(t.command, session.logout()).await;
}

async fn tls_handshake(settings: &ImapSettings, tcp: TcpStream, t: Timeouts) -> Result<Stream, ImapError> {
    let name = ServerName::try_from(settings.host.clone())
        .map_err(|_| ImapError::Tls(format!("{:?} is not a valid TLS server name", settings.host)))?;
    let connector = tokio_rustls::TlsConnector::from(tls_config(settings.accept_invalid_certs)?);
    let tls = within(t.connect, connector.connect(name, tcp))
        .await?
        .map_err(|e| ImapError::Tls(format!("{}:{}: {e}", settings.host, settings.port)))?;
    Ok(Box::new(tls))
}

fn tls_config(accept_invalid_certs: bool) -> Result<Arc<ClientConfig>, ImapError> {
    // An explicit provider: works whether or not the binary installed a process default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Tls(e.to_string()))?;
    let config = if accept_invalid_certs {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))).with_no_client_auth()
    } else {
        let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// Accepts any certificate chain and name, but still checks that the server
/// holds the key it presented (tests against self-signed loopback servers).
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

async fn within<T>(limit: Duration, fut: impl Future<Output = T>) -> Result<T, ImapError> {
    tokio::time::timeout(limit, fut).await.map_err(|_| ImapError::Timeout)
}

/// The server's own words from async-imap's `code: …, info: Some("…")`
/// rendering of a NO/BAD answer (what an admin can act on), else all of it.
fn server_text(text: &str) -> String {
    text.split_once("info: Some(\"")
        .and_then(|(_, rest)| rest.strip_suffix("\")"))
        .map_or_else(|| text.to_owned(), |info| info.replace("\\\"", "\""))
}

fn protocol(e: ProtoError) -> ImapError {
    match e {
        ProtoError::ConnectionLost => ImapError::Protocol("the server closed the connection".into()),
        other => ImapError::Protocol(other.to_string()),
    }
}

/// A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): printable ASCII
/// stays, `&` becomes `&-`, anything else is UTF-16BE in base64 with `,`
/// for `/`, between `&` and `-`.
fn encode_mailbox_name(name: &str) -> String {
    fn flush(out: &mut String, pending: &mut Vec<u16>) {
        use base64::Engine as _;
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        out.push_str(&base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes).replace('/', ","));
        out.push('-');
        pending.clear();
    }
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut units = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush(&mut out, &mut pending);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn settings(port: u16) -> ImapSettings {
        ImapSettings {
            host: "127.0.0.1".into(),
            port,
            security: Security::Plain,
            username: "u".into(),
            password: "hunter2".into(),
            folder: "INBOX".into(),
            accept_invalid_certs: false,
        }
    }

    #[test]
    fn folder_names_are_encoded_in_modified_utf7() {
        assert_eq!(encode_mailbox_name("INBOX"), "INBOX");
        assert_eq!(encode_mailbox_name("Tom & Jerry"), "Tom &- Jerry");
        assert_eq!(encode_mailbox_name("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assert_eq!(encode_mailbox_name("Entwürfe"), "Entw&APw-rfe");
    }

    #[test]
    fn server_answers_are_reduced_to_the_servers_words() {
        let text =
            r#"code: Some(AuthenticationFailed), info: Some("[AUTHENTICATIONFAILED] Authentication \"x\" failed.")"#;
        assert_eq!(server_text(text), r#"[AUTHENTICATIONFAILED] Authentication "x" failed."#);
        assert_eq!(server_text("something else"), "something else");
    }

    #[test]
    fn uid_sets_collapse_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[u32::MAX - 1, u32::MAX]), "4294967294:4294967295");
    }

    #[test]
    fn the_password_is_not_in_debug_output() {
        let shown = format!("{:?}", settings(1));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn security_reads_lowercase_names_and_accept_invalid_certs_is_never_configured() {
        let s: ImapSettings = serde_json::from_str(
            r#"{"host":"h","port":143,"security":"starttls","username":"u","password":"p","folder":"INBOX","accept_invalid_certs":true}"#,
        )
        .unwrap();
        assert_eq!(s.security, Security::StartTls);
        assert!(!s.accept_invalid_certs);
        assert_eq!(serde_json::to_string(&Security::Tls).unwrap(), r#""tls""#);
        assert_eq!(serde_json::to_string(&Security::Plain).unwrap(), r#""plain""#);
    }

    #[test]
    fn the_next_cursor_keeps_its_place_and_resets_on_a_new_uidvalidity() {
        let msg = |uid| FetchedMessage { uid, raw: Vec::new() };
        let same = Fetched { uid_validity: 7, messages: vec![msg(4), msg(9)] };
        assert_eq!(same.cursor(Some(Cursor { uid_validity: 7, last_uid: 3 })), Cursor { uid_validity: 7, last_uid: 9 });
        let empty = Fetched { uid_validity: 7, messages: vec![] };
        assert_eq!(
            empty.cursor(Some(Cursor { uid_validity: 7, last_uid: 3 })),
            Cursor { uid_validity: 7, last_uid: 3 }
        );
        let changed = Fetched { uid_validity: 8, messages: vec![] };
        assert_eq!(
            changed.cursor(Some(Cursor { uid_validity: 7, last_uid: 3 })),
            Cursor { uid_validity: 8, last_uid: 0 }
        );
    }

    #[tokio::test]
    async fn a_server_that_never_greets_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hold = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(socket);
        });
        let short = Timeouts { connect: Duration::from_millis(200), command: Duration::from_millis(200) };
        let started = std::time::Instant::now();
        let got = fetch_new_with(&settings(port), None, 10, short).await;
        assert_eq!(got, Err(ImapError::Timeout));
        assert!(started.elapsed() < Duration::from_secs(2));
        hold.abort();
    }

    #[tokio::test]
    async fn a_closed_port_is_a_connect_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let got = fetch_new(&settings(port), None, 10).await;
        assert!(matches!(got, Err(ImapError::Connect(_))), "{got:?}");
    }
}
