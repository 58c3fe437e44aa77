//! The portal's own e-mails (verify a sign-up, magic sign-in link, password
//! reset, "you already have an account") in English and German, queued for
//! the job workers like invitations. Every interpolated value is escaped in
//! the HTML part.

use autocrm_domain::html::escape;
use autocrm_store::jobs::Email;
use chrono::{DateTime, Utc};

/// Which e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Verify,
    Magic,
    Reset,
    AlreadyRegistered,
}

/// German when the customer asked for it, else English.
fn german(locale: Option<&str>) -> bool {
    locale.is_some_and(|l| l.to_ascii_lowercase().starts_with("de"))
}

/// What one e-mail says to whom.
#[derive(Clone, Copy)]
pub(super) struct Letter<'a> {
    pub kind: Kind,
    /// The customer's language (`de…` for German).
    pub locale: Option<&'a str>,
    /// The workspace's name.
    pub shop: &'a str,
    pub to: &'a str,
    pub name: &'a str,
    /// The link to follow (the sign-in page for [`Kind::AlreadyRegistered`]).
    pub url: &'a str,
    /// The reset page, for [`Kind::AlreadyRegistered`].
    pub second_url: Option<&'a str>,
    /// When the link stops working.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Builds one e-mail.
pub(super) fn compose(l: &Letter<'_>) -> Email {
    let Letter { kind, locale, shop, to, name, url, second_url, expires_at } = *l;
    let de = german(locale);
    let until = expires_at.map(|e| e.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
    let (subject, intro, action, outro) = match (kind, de) {
        (Kind::Verify, false) => (
            format!("Confirm your e-mail address for {shop}"),
            format!("please confirm your e-mail address to finish creating your {shop} support account."),
            "Confirm my address".to_owned(),
            format!("The link works once, until {until}. If you did not sign up, ignore this e-mail."),
        ),
        (Kind::Verify, true) => (
            format!("Bestätigen Sie Ihre E-Mail-Adresse für {shop}"),
            format!("bitte bestätigen Sie Ihre E-Mail-Adresse, um Ihr Support-Konto bei {shop} anzulegen."),
            "Adresse bestätigen".to_owned(),
            format!(
                "Der Link funktioniert einmal, bis {until}. Wenn Sie sich nicht registriert haben, ignorieren Sie diese E-Mail."
            ),
        ),
        (Kind::Magic, false) => (
            format!("Your sign-in link for {shop}"),
            format!("here is your link to sign in to {shop} support."),
            "Sign in".to_owned(),
            format!("The link works once, until {until}. If you did not ask for it, ignore this e-mail."),
        ),
        (Kind::Magic, true) => (
            format!("Ihr Anmeldelink für {shop}"),
            format!("hier ist Ihr Link zur Anmeldung beim Support von {shop}."),
            "Anmelden".to_owned(),
            format!(
                "Der Link funktioniert einmal, bis {until}. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail."
            ),
        ),
        (Kind::Reset, false) => (
            format!("Reset your {shop} password"),
            "someone (hopefully you) asked to reset the password of your support account.".to_owned(),
            "Choose a new password".to_owned(),
            format!("The link works once, until {until}. If you did not ask for it, your password stays as it is."),
        ),
        (Kind::Reset, true) => (
            format!("Passwort für {shop} zurücksetzen"),
            "jemand (hoffentlich Sie) möchte das Passwort Ihres Support-Kontos zurücksetzen.".to_owned(),
            "Neues Passwort wählen".to_owned(),
            format!(
                "Der Link funktioniert einmal, bis {until}. Wenn Sie das nicht waren, bleibt Ihr Passwort unverändert."
            ),
        ),
        (Kind::AlreadyRegistered, false) => (
            format!("You already have a {shop} support account"),
            "someone tried to sign up with this address, but you already have an account.".to_owned(),
            "Sign in".to_owned(),
            "Forgot your password? Choose a new one here:".to_owned(),
        ),
        (Kind::AlreadyRegistered, true) => (
            format!("Sie haben bereits ein Support-Konto bei {shop}"),
            "jemand wollte sich mit dieser Adresse registrieren, aber Sie haben bereits ein Konto.".to_owned(),
            "Anmelden".to_owned(),
            "Passwort vergessen? Hier wählen Sie ein neues:".to_owned(),
        ),
    };
    let hello = if de { "Hallo" } else { "Hello" };
    let extra_text = second_url.map(|u| format!("\n{u}\n")).unwrap_or_default();
    let extra_html = second_url.map(|u| format!("<p><a href=\"{0}\">{0}</a></p>", escape(u))).unwrap_or_default();
    Email {
        to: to.to_owned(),
        to_name: name.to_owned(),
        subject,
        text: format!("{hello} {name},\n\n{intro}\n\n{action}: {url}\n\n{outro}\n{extra_text}"),
        html: format!(
            "<p>{hello} {n},</p><p>{i}</p><p><a href=\"{u}\">{a}</a></p><p>{o}</p>{extra_html}",
            n = escape(name),
            i = escape(&intro),
            u = escape(url),
            a = escape(&action),
            o = escape(&outro),
        ),
    }
}
