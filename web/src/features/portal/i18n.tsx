/**
 * The portal's small dictionary (English and German) and the language
 * choice: the customer's pick (remembered), else the browser's language,
 * else English.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type Locale = 'en' | 'de';
export const LOCALES: { value: Locale; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'de', label: 'Deutsch' },
];

const en = {
  'nav.tickets': 'My requests',
  'nav.new': 'New request',
  'nav.orders': 'My orders',
  'nav.preferences': 'Preferences',
  'nav.help': 'Help center',
  'nav.signOut': 'Sign out',
  'nav.language': 'Language',
  'signIn.title': 'Sign in to {shop} support',
  'signIn.email': 'E-mail',
  'signIn.password': 'Password',
  'signIn.submit': 'Sign in',
  'signIn.withPassword': 'Password',
  'signIn.withLink': 'E-mail me a link',
  'signIn.sendLink': 'Send sign-in link',
  'signIn.linkSent': 'If the address can sign in here, a link is on its way. It works once, for 20 minutes.',
  'signIn.or': 'or',
  'signIn.forgot': 'Forgot your password?',
  'signIn.noAccount': 'No account yet?',
  'signIn.signUp': 'Create one',
  'signIn.failed': 'Wrong e-mail or password.',
  'signUp.title': 'Create your account',
  'signUp.name': 'Your name',
  'signUp.passwordHint': 'At least 10 characters',
  'signUp.submit': 'Create account',
  'signUp.sent': 'Check your inbox: we sent a link to confirm your address. Your account is ready once you open it.',
  'signUp.haveAccount': 'Already have an account?',
  'forgot.title': 'Reset your password',
  'forgot.submit': 'Send reset link',
  'forgot.sent': 'If an account uses this address, a reset link is on its way. It works once, for an hour.',
  'reset.title': 'Choose a new password',
  'reset.submit': 'Save password and sign in',
  'link.working': 'Signing you in…',
  'link.invalid': 'This link is invalid, expired or already used.',
  'link.again': 'Request a new one',
  'oidc.continue': 'Continue with {name}',
  'oidc.failed': 'The sign-in with the provider did not work. Please try again.',
  'tickets.title': 'My requests',
  'tickets.empty': 'You have no requests yet.',
  'tickets.updated': 'Updated',
  'tickets.new': 'New request',
  'suggested.title': 'Suggested for you',
  'ticket.back': 'All requests',
  'ticket.reply': 'Your reply',
  'ticket.send': 'Send',
  'ticket.attach': 'Attach files',
  'ticket.you': 'You',
  'ticket.support': 'Support',
  'ticket.live': 'Live',
  'ticket.attachments': 'Attachments',
  'ticket.solvedReply': 'Replying reopens the request.',
  'new.title': 'New request',
  'new.subject': 'Subject',
  'new.description': 'Describe your problem',
  'new.submit': 'Send request',
  'orders.title': 'My orders',
  'orders.empty': 'We found no orders for your e-mail address.',
  'orders.placed': 'Placed',
  'orders.items': 'Items',
  'orders.tracking': 'Tracking',
  'orders.total': 'Total',
  'prefs.title': 'Preferences',
  'prefs.name': 'Name',
  'prefs.email': 'E-mail updates about my requests',
  'prefs.sms': 'Text message updates about my requests',
  'prefs.save': 'Save',
  'prefs.saved': 'Saved.',
  'rate.title': 'How did we do?',
  'rate.question': 'Are you satisfied with how we handled “{subject}”?',
  'rate.good': 'Good, I am satisfied',
  'rate.bad': 'Bad, I am not satisfied',
  'rate.comment': 'Tell us more (optional)',
  'rate.submit': 'Send rating',
  'rate.thanks': 'Thank you for your feedback!',
  'rate.yours': 'Your rating: {score}',
  'rate.changeUntil': 'You can change it until {date}.',
  'rate.final': 'Ratings can be changed for 7 days; this one is final.',
  'rate.notSolved': 'You can rate this request once it is solved.',
  'rate.goodShort': 'Good',
  'rate.badShort': 'Bad',
  'verify.banner': 'Confirm your address',
  'common.error': 'Something went wrong: {message}',
  'common.loading': 'Loading…',
} as const;

export type MessageKey = keyof typeof en;

const de: Record<MessageKey, string> = {
  'nav.tickets': 'Meine Anfragen',
  'nav.new': 'Neue Anfrage',
  'nav.orders': 'Meine Bestellungen',
  'nav.preferences': 'Einstellungen',
  'nav.help': 'Hilfe-Center',
  'nav.signOut': 'Abmelden',
  'nav.language': 'Sprache',
  'signIn.title': 'Anmeldung beim Support von {shop}',
  'signIn.email': 'E-Mail',
  'signIn.password': 'Passwort',
  'signIn.submit': 'Anmelden',
  'signIn.withPassword': 'Passwort',
  'signIn.withLink': 'Link per E-Mail',
  'signIn.sendLink': 'Anmeldelink senden',
  'signIn.linkSent': 'Wenn sich diese Adresse hier anmelden kann, ist ein Link unterwegs. Er funktioniert einmal, 20 Minuten lang.',
  'signIn.or': 'oder',
  'signIn.forgot': 'Passwort vergessen?',
  'signIn.noAccount': 'Noch kein Konto?',
  'signIn.signUp': 'Jetzt anlegen',
  'signIn.failed': 'E-Mail oder Passwort ist falsch.',
  'signUp.title': 'Konto anlegen',
  'signUp.name': 'Ihr Name',
  'signUp.passwordHint': 'Mindestens 10 Zeichen',
  'signUp.submit': 'Konto anlegen',
  'signUp.sent': 'Bitte prüfen Sie Ihr Postfach: Wir haben einen Link zur Bestätigung Ihrer Adresse geschickt. Danach ist Ihr Konto bereit.',
  'signUp.haveAccount': 'Sie haben schon ein Konto?',
  'forgot.title': 'Passwort zurücksetzen',
  'forgot.submit': 'Link zum Zurücksetzen senden',
  'forgot.sent': 'Wenn ein Konto diese Adresse nutzt, ist ein Link unterwegs. Er funktioniert einmal, eine Stunde lang.',
  'reset.title': 'Neues Passwort wählen',
  'reset.submit': 'Passwort speichern und anmelden',
  'link.working': 'Sie werden angemeldet…',
  'link.invalid': 'Dieser Link ist ungültig, abgelaufen oder wurde schon benutzt.',
  'link.again': 'Neuen Link anfordern',
  'oidc.continue': 'Weiter mit {name}',
  'oidc.failed': 'Die Anmeldung beim Anbieter hat nicht geklappt. Bitte versuchen Sie es erneut.',
  'tickets.title': 'Meine Anfragen',
  'tickets.empty': 'Sie haben noch keine Anfragen.',
  'tickets.updated': 'Aktualisiert',
  'tickets.new': 'Neue Anfrage',
  'suggested.title': 'Für Sie vorgeschlagen',
  'ticket.back': 'Alle Anfragen',
  'ticket.reply': 'Ihre Antwort',
  'ticket.send': 'Senden',
  'ticket.attach': 'Dateien anhängen',
  'ticket.you': 'Sie',
  'ticket.support': 'Support',
  'ticket.live': 'Live',
  'ticket.attachments': 'Anhänge',
  'ticket.solvedReply': 'Eine Antwort öffnet die Anfrage wieder.',
  'new.title': 'Neue Anfrage',
  'new.subject': 'Betreff',
  'new.description': 'Beschreiben Sie Ihr Anliegen',
  'new.submit': 'Anfrage senden',
  'orders.title': 'Meine Bestellungen',
  'orders.empty': 'Zu Ihrer E-Mail-Adresse haben wir keine Bestellungen gefunden.',
  'orders.placed': 'Bestellt',
  'orders.items': 'Artikel',
  'orders.tracking': 'Sendungsverfolgung',
  'orders.total': 'Summe',
  'prefs.title': 'Einstellungen',
  'prefs.name': 'Name',
  'prefs.email': 'E-Mails zu meinen Anfragen',
  'prefs.sms': 'SMS zu meinen Anfragen',
  'prefs.save': 'Speichern',
  'prefs.saved': 'Gespeichert.',
  'rate.title': 'Wie waren wir?',
  'rate.question': 'Sind Sie zufrieden damit, wie wir „{subject}“ bearbeitet haben?',
  'rate.good': 'Gut, ich bin zufrieden',
  'rate.bad': 'Schlecht, ich bin nicht zufrieden',
  'rate.comment': 'Erzählen Sie uns mehr (optional)',
  'rate.submit': 'Bewertung senden',
  'rate.thanks': 'Vielen Dank für Ihre Rückmeldung!',
  'rate.yours': 'Ihre Bewertung: {score}',
  'rate.changeUntil': 'Sie können sie bis {date} ändern.',
  'rate.final': 'Bewertungen können 7 Tage lang geändert werden; diese ist endgültig.',
  'rate.notSolved': 'Sie können diese Anfrage bewerten, sobald sie gelöst ist.',
  'rate.goodShort': 'Gut',
  'rate.badShort': 'Schlecht',
  'verify.banner': 'Adresse bestätigen',
  'common.error': 'Etwas ist schiefgelaufen: {message}',
  'common.loading': 'Wird geladen…',
};

const DICTIONARIES: Record<Locale, Record<MessageKey, string>> = { en, de };
const STORAGE_KEY = 'autocrm.portal.locale';

/** The browser's preferred portal language (`de-AT` → `de`), else English. */
export function browserLocale(languages: readonly string[] = navigator.languages ?? [navigator.language]): Locale {
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

/** Fills `{name}` placeholders. */
export function translate(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = DICTIONARIES[locale][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

interface I18n {
  locale: Locale;
  setLocale: (l: Locale) => void;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLocale(): Locale {
  const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY);
  return saved === 'en' || saved === 'de' ? saved : browserLocale();
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((l: Locale) => {
    localStorage.setItem(STORAGE_KEY, l);
    setLocaleState(l);
  }, []);
  const value = useMemo<I18n>(
    () => ({ locale, setLocale, t: (key, vars) => translate(locale, key, vars) }),
    [locale, setLocale],
  );
  return (
    <I18nContext.Provider value={value}>
      <div lang={locale}>{children}</div>
    </I18nContext.Provider>
  );
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
