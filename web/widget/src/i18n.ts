/**
 * The widget's own words in English and German. The greeting comes from the
 * workspace's settings; everything else is here. Strings are plain text and
 * are always set with `textContent`.
 */

const en = {
  openChat: 'Open chat',
  closeChat: 'Close chat',
  close: 'Close',
  back: 'Back',
  home: 'Home',
  messages: 'Messages',
  searchLabel: 'Search our help center',
  searchPlaceholder: 'Search for help…',
  noResults: 'No articles found.',
  searching: 'Searching…',
  fallbackNotice: 'This article is not available in your language yet.',
  relatedArticles: 'Related articles',
  startChat: 'Chat with us',
  leaveMessage: 'Send us a message',
  weAreOnline: 'We are online and usually answer within minutes.',
  weAreAway: 'We are away right now. Leave a message and we answer by e-mail.',
  signInToChat: 'Please sign in to the shop to chat with us.',
  earlierConversations: 'Your conversations',
  noConversations: 'No conversations yet.',
  newConversation: 'New conversation',
  messageLabel: 'Message',
  messagePlaceholder: 'Write a message…',
  send: 'Send',
  attach: 'Attach a file',
  sending: 'Sending…',
  failed: 'Not sent.',
  retry: 'Retry',
  seen: 'Seen',
  you: 'You',
  typing: '{name} is typing…',
  reconnecting: 'Reconnecting…',
  solved: 'This conversation is solved. Write again if you need more help.',
  closed: 'This conversation is closed.',
  fileTooLarge: '{name} is too large.',
  fileType: '{name} cannot be sent here.',
  download: 'Download {name}',
  nameLabel: 'Your name',
  emailLabel: 'Your e-mail address',
  offlineTitle: 'Leave us a message',
  offlineSent: 'Thanks! We received your message (#{number}) and will answer at {email}.',
  invalidEmail: 'Please enter a valid e-mail address.',
  required: 'Please write a message.',
  error: 'Something went wrong. Please try again.',
  unread: '{count} unread',
  newMessage: 'New message from {name}',
  poweredBy: 'Support by AutoCRM',
  rateTitle: 'How did we do?',
  rateGood: 'Good',
  rateBad: 'Bad',
  rateComment: 'Tell us more (optional)',
  rateSend: 'Send rating',
  rateSaved: 'Thanks for your feedback!',
  rateCurrent: 'You rated this chat: {score}',
  rateChangeable: 'You can change it until {date}.',
  rateFinal: 'Your rating is final.',
  rateChange: 'Change rating',
  rateError: 'Your rating was not saved. Please try again.',
  botTag: 'AI',
  botSuffix: '(automated assistant)',
  botOnline: 'Our assistant {name} answers right away, and a person takes over whenever you ask.',
  botHandles: 'You are chatting with {name}, our automated assistant.',
  talkToPerson: 'Talk to a person',
  quickReplies: 'Quick replies',
  yes: 'Yes',
  no: 'No',
  botWriting: '{name} is writing…',
  suggested: 'Suggested for you',
};

export type Strings = typeof en;
export type StringKey = keyof Strings;

const de: Strings = {
  openChat: 'Chat öffnen',
  closeChat: 'Chat schließen',
  close: 'Schließen',
  back: 'Zurück',
  home: 'Start',
  messages: 'Nachrichten',
  searchLabel: 'Hilfe-Center durchsuchen',
  searchPlaceholder: 'Wonach suchen Sie?',
  noResults: 'Keine Artikel gefunden.',
  searching: 'Suche…',
  fallbackNotice: 'Diesen Artikel gibt es noch nicht in Ihrer Sprache.',
  relatedArticles: 'Verwandte Artikel',
  startChat: 'Mit uns chatten',
  leaveMessage: 'Nachricht senden',
  weAreOnline: 'Wir sind online und antworten meist innerhalb weniger Minuten.',
  weAreAway: 'Wir sind gerade nicht da. Hinterlassen Sie eine Nachricht, wir antworten per E-Mail.',
  signInToChat: 'Bitte melden Sie sich im Shop an, um mit uns zu chatten.',
  earlierConversations: 'Ihre Unterhaltungen',
  noConversations: 'Noch keine Unterhaltungen.',
  newConversation: 'Neue Unterhaltung',
  messageLabel: 'Nachricht',
  messagePlaceholder: 'Nachricht schreiben…',
  send: 'Senden',
  attach: 'Datei anhängen',
  sending: 'Wird gesendet…',
  failed: 'Nicht gesendet.',
  retry: 'Erneut senden',
  seen: 'Gelesen',
  you: 'Sie',
  typing: '{name} schreibt…',
  reconnecting: 'Verbindung wird wiederhergestellt…',
  solved: 'Diese Unterhaltung ist gelöst. Schreiben Sie gern erneut, wenn Sie noch Hilfe brauchen.',
  closed: 'Diese Unterhaltung ist geschlossen.',
  fileTooLarge: '{name} ist zu groß.',
  fileType: '{name} kann hier nicht gesendet werden.',
  download: '{name} herunterladen',
  nameLabel: 'Ihr Name',
  emailLabel: 'Ihre E-Mail-Adresse',
  offlineTitle: 'Hinterlassen Sie uns eine Nachricht',
  offlineSent: 'Danke! Wir haben Ihre Nachricht (#{number}) erhalten und antworten an {email}.',
  invalidEmail: 'Bitte geben Sie eine gültige E-Mail-Adresse ein.',
  required: 'Bitte schreiben Sie eine Nachricht.',
  error: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.',
  unread: '{count} ungelesen',
  newMessage: 'Neue Nachricht von {name}',
  poweredBy: 'Support mit AutoCRM',
  rateTitle: 'Wie waren wir?',
  rateGood: 'Gut',
  rateBad: 'Schlecht',
  rateComment: 'Möchten Sie uns mehr sagen? (optional)',
  rateSend: 'Bewertung senden',
  rateSaved: 'Danke für Ihre Rückmeldung!',
  rateCurrent: 'Ihre Bewertung dieses Chats: {score}',
  rateChangeable: 'Sie können sie bis {date} ändern.',
  rateFinal: 'Ihre Bewertung ist endgültig.',
  rateChange: 'Bewertung ändern',
  rateError: 'Ihre Bewertung wurde nicht gespeichert. Bitte versuchen Sie es erneut.',
  botTag: 'KI',
  botSuffix: '(automatischer Assistent)',
  botOnline: 'Unser Assistent {name} antwortet sofort, und ein Mensch übernimmt, sobald Sie es wünschen.',
  botHandles: 'Sie chatten mit {name}, unserem automatischen Assistenten.',
  talkToPerson: 'Mit einem Menschen sprechen',
  quickReplies: 'Schnellantworten',
  yes: 'Ja',
  no: 'Nein',
  botWriting: '{name} schreibt…',
  suggested: 'Für Sie vorgeschlagen',
};

const TABLES: Record<string, Strings> = { en, de };

/** The languages the widget speaks. */
export const UI_LOCALES = Object.keys(TABLES);

/** The best UI language for `wanted` tags (most preferred first): exact, then by language, else English. */
export function pickUiLocale(wanted: readonly string[]): string {
  for (const tag of wanted) {
    const lang = tag.toLowerCase().split('-')[0] ?? '';
    if (lang in TABLES) return lang;
  }
  return 'en';
}

/** A translator for `locale`: `t('typing', { name: 'Anna' })`. */
export function translator(locale: string): (key: StringKey, vars?: Record<string, string | number>) => string {
  const table = TABLES[pickUiLocale([locale])] ?? en;
  return (key, vars) => {
    let text = table[key];
    for (const [k, v] of Object.entries(vars ?? {})) text = text.split(`{${k}}`).join(String(v));
    return text;
  };
}

export type Translate = ReturnType<typeof translator>;
