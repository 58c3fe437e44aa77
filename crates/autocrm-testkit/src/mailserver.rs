//! A real mail server for tests: a private Dovecot (IMAP with STARTTLS and
//! implicit TLS) plus an SMTP entry point that delivers into its mailboxes.
//!
//! Each [`MailServer`] owns a temporary directory with its own Dovecot
//! configuration, runtime directory (`base_dir`), self-signed certificate,
//! passwd-file users and maildirs (`mail/<address>/`), so tests can run in
//! parallel. Everything listens on 127.0.0.1 only.
//!
//! The SMTP side is aiosmtpd with `mailserver/smtp_deliver.py`: a recipient
//! maps to a user by lower-casing and dropping a `+tag`
//! (`support+x@shop.example` → `support@shop.example`); known users get the
//! message in their maildir, and every accepted message is also kept in a
//! sink ([`MailServer::sent`]), including mail to unknown (outside) addresses.
//!
//! Invariants: `start` returns only once IMAP greets and SMTP accepts
//! connections; dropping the server kills both processes (Dovecot with its
//! whole process group) and removes the directory.
//!
//! Needs `dovecot-imapd`, `openssl` and `python3 -m aiosmtpd` (`.ci/run`
//! installs them). As root, Dovecot's mail processes run as the `dovecot`
//! user (Dovecot refuses mail access as root) and login processes as
//! `dovenull`; the maildirs are made writable for them. As any other user,
//! every Dovecot process runs as that user.

use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use autocrm_channels::email::imap::{ImapSettings, Security};
use tokio::io::AsyncReadExt as _;

use crate::TempDir;

/// The SMTP delivery agent, written into each server's directory.
const SMTP_SCRIPT: &str = include_str!("../mailserver/smtp_deliver.py");

/// How long `start` waits for the servers, and `wait_for_*` for mail.
const STARTUP: Duration = Duration::from_secs(15);
const MAIL_WAIT: Duration = Duration::from_secs(20);

/// One message the SMTP entry point accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// `MAIL FROM` (empty for the null sender).
    pub mail_from: String,
    /// `RCPT TO`, as given.
    pub rcpt_tos: Vec<String>,
    /// The message as received.
    pub raw: Vec<u8>,
}

/// A private Dovecot + SMTP server on loopback; stopped on drop.
pub struct MailServer {
    // Processes are declared (and so dropped) before the directory they use.
    dovecot: Option<Child>,
    smtp: Option<Child>,
    imap_port: u16,
    imaps_port: u16,
    smtp_port: u16,
    /// `(address, password)`, addresses lower-cased.
    users: Vec<(String, String)>,
    dir: TempDir,
}

impl std::fmt::Debug for MailServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailServer")
            .field("dir", &self.dir.path())
            .field("imap_port", &self.imap_port)
            .field("imaps_port", &self.imaps_port)
            .field("smtp_port", &self.smtp_port)
            .finish_non_exhaustive()
    }
}

impl MailServer {
    /// Starts Dovecot and the SMTP entry point with these users (address =
    /// login, password) and waits until both accept connections.
    pub async fn start(users: &[(&str, &str)]) -> MailServer {
        let dovecot = find_program("dovecot", &["/usr/sbin/dovecot"])
            .expect("dovecot not installed: run .ci/run or apt-get install dovecot-imapd");
        assert!(
            Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success()),
            "openssl not installed: run .ci/run or apt-get install openssl"
        );
        for (user, password) in users {
            let bad = |s: &str| s.is_empty() || s.contains([':', '/', '\n', '\r', ' ']) || s.starts_with('.');
            assert!(
                !bad(user) && user.contains('@'),
                "MailServer user {user:?} must be an address without : / or spaces"
            );
            assert!(!password.contains([':', '\n', '\r']), "MailServer passwords must not contain ':' or line breaks");
        }
        let mut server = MailServer {
            dovecot: None,
            smtp: None,
            imap_port: 0,
            imaps_port: 0,
            smtp_port: 0,
            users: users.iter().map(|(u, p)| (u.to_lowercase(), (*p).to_owned())).collect(),
            dir: TempDir::new(),
        };
        server.prepare_files();
        server.start_smtp();
        // Ports are probed free and handed to Dovecot, which binds them a moment
        // later: another test can win that race, so a bind failure retries.
        for attempt in 1..=3 {
            match server.start_dovecot(&dovecot).await {
                Ok(()) => break,
                Err(log) if attempt < 3 && log.contains("Address already in use") => {}
                Err(log) => panic!(
                    "dovecot did not start (config {}; is dovecot-imapd installed? run .ci/run):\n{log}",
                    server.path("dovecot.conf").display()
                ),
            }
        }
        server.wait_for_smtp().await;
        server
    }

    /// The IMAP port: plain, or upgraded with STARTTLS.
    pub fn imap_port(&self) -> u16 {
        self.imap_port
    }

    /// The IMAPS port (implicit TLS).
    pub fn imaps_port(&self) -> u16 {
        self.imaps_port
    }

    /// The SMTP port (no TLS, no authentication).
    pub fn smtp_port(&self) -> u16 {
        self.smtp_port
    }

    /// `smtp://127.0.0.1:PORT`, for lettre's `AsyncSmtpTransport::from_url`
    /// (and so for `MailConfig::smtp_url`).
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// Settings to read `user`'s INBOX with `security` (implicit TLS uses the
    /// IMAPS port, the others the IMAP port); accepts the self-signed certificate.
    pub fn imap_settings(&self, user: &str, security: Security) -> ImapSettings {
        let user = user.to_lowercase();
        let password = self.password(&user).to_owned();
        ImapSettings {
            host: "127.0.0.1".into(),
            port: if security == Security::Tls { self.imaps_port } else { self.imap_port },
            security,
            username: user,
            password,
            folder: "INBOX".into(),
            accept_invalid_certs: true,
        }
    }

    /// Drops `raw` into `user`'s INBOX maildir as is (no trace headers),
    /// via `tmp/` and a rename, as a local delivery agent would.
    pub async fn deliver(&self, user: &str, raw: &[u8]) {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let maildir = self.maildir(user);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        let name = format!(
            "{}.M{}P{}R{}.autocrm-test",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let tmp = maildir.join("tmp").join(&name);
        tokio::fs::write(&tmp, raw).await.unwrap();
        tokio::fs::rename(&tmp, maildir.join("new").join(&name)).await.unwrap();
    }

    /// The raw messages now in `user`'s INBOX (`new/` and `cur/`), oldest first.
    pub fn inbox(&self, user: &str) -> Vec<Vec<u8>> {
        let maildir = self.maildir(user);
        let mut files: Vec<(std::time::SystemTime, String, PathBuf)> = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else { continue };
            for entry in entries.flatten() {
                let modified = entry.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
                files.push((modified, entry.file_name().to_string_lossy().into_owned(), entry.path()));
            }
        }
        files.sort();
        // Dovecot may move a file from new/ to cur/ between listing and reading.
        files.into_iter().filter_map(|(_, _, path)| std::fs::read(path).ok()).collect()
    }

    /// Waits up to 20 s until `user`'s INBOX holds at least `n` messages.
    pub async fn wait_for_inbox(&self, user: &str, n: usize) -> Vec<Vec<u8>> {
        let started = Instant::now();
        loop {
            let got = self.inbox(user);
            if got.len() >= n {
                return got;
            }
            assert!(
                started.elapsed() < MAIL_WAIT,
                "expected {n} message(s) in {user}'s inbox, found {} after {MAIL_WAIT:?}; the SMTP server accepted {} message(s){}",
                got.len(),
                self.sent().len(),
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every message the SMTP entry point accepted, in order, whoever it was for.
    pub fn sent(&self) -> Vec<SentMessage> {
        let sink = self.path("sink");
        let mut names: Vec<String> = std::fs::read_dir(&sink)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.file_name().to_str()?.strip_suffix(".eml").map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
            .into_iter()
            .map(|name| {
                let meta: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(sink.join(format!("{name}.json"))).unwrap()).unwrap();
                SentMessage {
                    mail_from: meta["mail_from"].as_str().unwrap_or_default().to_owned(),
                    rcpt_tos: meta["rcpt_tos"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default(),
                    raw: std::fs::read(sink.join(format!("{name}.eml"))).unwrap(),
                }
            })
            .collect()
    }

    /// Waits up to 20 s until the SMTP entry point accepted at least `n` messages.
    pub async fn wait_for_sent(&self, n: usize) -> Vec<SentMessage> {
        let started = Instant::now();
        loop {
            let got = self.sent();
            if got.len() >= n {
                return got;
            }
            assert!(
                started.elapsed() < MAIL_WAIT,
                "expected {n} message(s) sent over SMTP, got {} after {MAIL_WAIT:?}{}",
                got.len(),
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Creates a folder in `user`'s mailbox (`doveadm mailbox create`).
    pub fn create_folder(&self, user: &str, folder: &str) {
        self.doveadm(&["mailbox", "create", "-u", &user.to_lowercase(), folder]);
    }

    /// The folder's current UIDVALIDITY.
    pub fn uid_validity(&self, user: &str, folder: &str) -> u32 {
        let out = self.doveadm(&["mailbox", "status", "-u", &user.to_lowercase(), "uidvalidity", folder]);
        out.split("uidvalidity=")
            .nth(1)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected doveadm output: {out}"))
    }

    /// Sets the folder's UIDVALIDITY, as a server does after rebuilding its
    /// index: every UID a client saved becomes meaningless.
    pub fn set_uid_validity(&self, user: &str, folder: &str, uid_validity: u32) {
        let value = uid_validity.to_string();
        self.doveadm(&["mailbox", "update", "-u", &user.to_lowercase(), "--uid-validity", &value, folder]);
    }

    /// Deletes the message with `uid` from a folder, as another mail client
    /// would (`doveadm expunge`).
    pub fn expunge(&self, user: &str, folder: &str, uid: u32) {
        let uid = uid.to_string();
        self.doveadm(&["expunge", "-u", &user.to_lowercase(), "mailbox", folder, "uid", &uid]);
    }

    /// The directory holding configuration, logs and maildirs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn password(&self, user: &str) -> &str {
        self.users
            .iter()
            .find(|(u, _)| u == user)
            .map_or_else(|| panic!("{user} is not a user of this MailServer"), |(_, p)| p.as_str())
    }

    fn maildir(&self, user: &str) -> PathBuf {
        let user = user.to_lowercase();
        self.password(&user);
        self.path("mail").join(user)
    }

    /// The Dovecot and SMTP logs, for failure messages.
    fn logs(&self) -> String {
        let mut out = String::new();
        for name in ["dovecot.stderr", "dovecot.log", "smtp.stderr"] {
            let text = std::fs::read_to_string(self.path(name)).unwrap_or_default();
            if !text.trim().is_empty() {
                let _ = write!(out, "\n--- {name}:\n{}", text.trim_end());
            }
        }
        out
    }

    /// Certificate, users, maildirs and the SMTP script.
    fn prepare_files(&self) {
        let dir = self.dir.path();
        // The `dovecot` and `dovenull` users must reach their files inside.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let cert = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
            .args(["-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
            .arg("-keyout")
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(dir.join("cert.pem"))
            .output()
            .unwrap();
        assert!(
            cert.status.success(),
            "openssl could not make a certificate: {}",
            String::from_utf8_lossy(&cert.stderr)
        );

        let mut passwd = String::new();
        for (user, password) in &self.users {
            let _ = writeln!(passwd, "{user}:{{PLAIN}}{password}::::::");
        }
        std::fs::write(dir.join("passwd"), passwd).unwrap();

        // World-writable so that Dovecot's mail user (not root) and the SMTP
        // agent (root) can both write; only tests ever see these.
        let open = |path: &Path| {
            std::fs::create_dir_all(path).unwrap();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777)).unwrap();
        };
        open(&dir.join("mail"));
        open(&dir.join("home"));
        for (user, _) in &self.users {
            for sub in ["", "new", "cur", "tmp"] {
                open(&dir.join("mail").join(user).join(sub));
            }
        }
        std::fs::create_dir_all(dir.join("sink")).unwrap();
        std::fs::write(dir.join("smtp_deliver.py"), SMTP_SCRIPT).unwrap();
    }

    fn start_smtp(&mut self) {
        let dir = self.dir.path();
        let stderr = std::fs::File::create(dir.join("smtp.stderr")).unwrap();
        let child = Command::new("python3")
            .arg(dir.join("smtp_deliver.py"))
            .arg(dir.join("mail"))
            .arg(dir.join("sink"))
            .arg(dir.join("smtp.port"))
            .args(self.users.iter().map(|(u, _)| u))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("python3 could not be started ({e}): install python3 and `pip install aiosmtpd`")
            });
        self.smtp = Some(child);
    }

    /// Waits for the SMTP script to publish its port and accept a connection.
    async fn wait_for_smtp(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.smtp.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                let stderr = std::fs::read_to_string(self.path("smtp.stderr")).unwrap_or_default();
                let hint = if stderr.contains("No module named 'aiosmtpd'") {
                    "aiosmtpd not installed: run scripts/test or `python3 -m pip install aiosmtpd`\n"
                } else {
                    ""
                };
                panic!("the SMTP server exited ({status}):\n{hint}{stderr}");
            }
            if let Some(port) = std::fs::read_to_string(self.path("smtp.port")).ok().and_then(|p| p.trim().parse().ok())
                && tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
            {
                self.smtp_port = port;
                return;
            }
            assert!(started.elapsed() < STARTUP, "the SMTP server did not start within {STARTUP:?}{}", self.logs());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Writes the configuration for fresh ports, starts Dovecot and waits for
    /// its greeting on both ports. On failure, returns its logs.
    async fn start_dovecot(&mut self, program: &Path) -> Result<(), String> {
        self.stop_dovecot();
        let (imap, imaps) = free_port_pair();
        self.imap_port = imap;
        self.imaps_port = imaps;
        std::fs::write(self.path("dovecot.conf"), self.dovecot_config()).unwrap();
        let _ = std::fs::remove_file(self.path("dovecot.log"));
        let stderr = std::fs::File::create(self.path("dovecot.stderr")).unwrap();
        let child = Command::new(program)
            // Its own process group, so that drop can stop the children too.
            .process_group(0)
            .arg("-F")
            .arg("-c")
            .arg(self.path("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        self.dovecot = Some(child);

        let started = Instant::now();
        loop {
            if let Some(status) = self.dovecot.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                self.dovecot = None;
                return Err(format!("dovecot exited ({status}){}", self.logs()));
            }
            // The master binds both listeners before it serves either, so a
            // greeting on one and an open port on the other mean both are up.
            if greets(imap).await && tokio::net::TcpStream::connect(("127.0.0.1", imaps)).await.is_ok() {
                return Ok(());
            }
            if started.elapsed() > STARTUP {
                return Err(format!("dovecot did not greet on ports {imap}/{imaps} within {STARTUP:?}{}", self.logs()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn dovecot_config(&self) -> String {
        let dir = self.dir.path().display().to_string();
        let owner = std::fs::metadata(self.dir.path()).unwrap();
        // Dovecot refuses mail access as root and login processes as root; as
        // another user, everything runs as that user.
        let users = if owner.uid() == 0 {
            "default_internal_user = root\ndefault_internal_group = root\ndefault_login_user = dovenull\n\
             mail_uid = dovecot\nmail_gid = dovecot\n"
                .to_owned()
        } else {
            let me = command_output("id", &["-un"]);
            let group = command_output("id", &["-gn"]);
            format!(
                "default_internal_user = {me}\ndefault_internal_group = {group}\ndefault_login_user = {me}\n\
                 mail_uid = {}\nmail_gid = {}\n",
                owner.uid(),
                owner.gid()
            )
        };
        let name = self.dir.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        format!(
            "# Written by autocrm-testkit's MailServer: a private Dovecot for one test.
protocols = imap
listen = 127.0.0.1
instance_name = {name}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
{users}first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{dir}/mail/%u
# `/` between folder levels, as most providers show it.
namespace inbox {{
  inbox = yes
  separator = /
}}
auth_username_format = %Lu
auth_mechanisms = plain login
# Tests check refusals: no penalty delay.
auth_failure_delay = 0
disable_plaintext_auth = no
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/passwd
  default_fields = home={dir}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
",
            imap = self.imap_port,
            imaps = self.imaps_port,
        )
    }

    fn doveadm(&self, args: &[&str]) -> String {
        let program = find_program("doveadm", &["/usr/bin/doveadm"]).expect("doveadm not installed (dovecot-core)");
        let out = Command::new(program).arg("-c").arg(self.path("dovecot.conf")).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "doveadm {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Kills Dovecot's process group at once: a graceful SIGTERM costs a
    /// second per server (the master waits for its children), and the
    /// directory goes away anyway.
    fn stop_dovecot(&mut self) {
        let Some(mut child) = self.dovecot.take() else { return };
        let group = format!("-{}", child.id());
        let killed = Command::new("kill").args(["-KILL", "--", &group]).status().is_ok_and(|s| s.success());
        if !killed {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        if let Some(mut smtp) = self.smtp.take() {
            let _ = smtp.kill();
            let _ = smtp.wait();
        }
        self.stop_dovecot();
    }
}

/// Two distinct free loopback ports (both held while probing).
fn free_port_pair() -> (u16, u16) {
    let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let b = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    (a.local_addr().unwrap().port(), b.local_addr().unwrap().port())
}

/// True once the port answers with an IMAP greeting (`* OK`).
async fn greets(port: u16) -> bool {
    let read = async {
        let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        let mut first = [0u8; 4];
        tcp.read_exact(&mut first).await.ok()?;
        Some(&first == b"* OK")
    };
    tokio::time::timeout(Duration::from_secs(2), read).await.ok().flatten().unwrap_or(false)
}

/// `name` from `PATH`, else the first of `fallbacks` that exists (`/usr/sbin`
/// is not on every user's `PATH`).
fn find_program(name: &str, fallbacks: &[&str]) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path.into_iter().chain(fallbacks.iter().map(PathBuf::from)).find(|p| p.is_file())
}

fn command_output(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
