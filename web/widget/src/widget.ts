/**
 * The widget: a launcher and a panel in a shadow root on the shop's page.
 *
 * Panels: home (greeting, help-center search with articles shown in the
 * widget, articles suggested for this visitor, sections other features
 * register, the visitor's conversations), messages, a chat (live messages
 * both ways, typing, files, "Seen"; the chatbot's messages marked as such,
 * with "Talk to a person" while it handles the conversation), "leave a
 * message" when nobody is online and no chatbot answers, and registered panels.
 *
 * Invariants: every text from the server or the visitor is set with
 * `textContent` (article HTML goes through `safeHtml`); a visitor session
 * is opened only when the visitor opens the widget (or already has one);
 * messages are merged by id and client id, so a reconnect or a retry
 * never loses or doubles one.
 */
import { Api, VisitorStream, WidgetError, type StreamEvent } from './api';
import { authorLabel, draftEl, handOffBar, isBot, offersQuickReplies, quickReplies, suggestionsCard, type Suggestion } from './bot';
import { h, linkedText, safeHtml, timeOf } from './dom';
import { pickUiLocale, translator, type Translate } from './i18n';
import {
  type ChatMessage,
  type KeyValue,
  type ShownMessage,
  TokenStore,
  lastMessageId,
  memoryStorage,
  mergeMessages,
  newClientId,
  originAllowed,
} from './logic';
import { type Conversation, type WidgetContext, footers, panel as registeredPanel, sectionsInOrder } from './registry';
import { CSS } from './styles';

/** The widget's settings (`WidgetConfigOut`). */
interface Config {
  workspace: string;
  name: string;
  color: string;
  text_color: string;
  position: 'right' | 'left';
  locale: string;
  locales: string[];
  greeting: string;
  agents_online: boolean;
  offline_mode: 'message' | 'chat';
  require_identity: boolean;
  max_file_bytes: number;
  file_types: string[];
  allowed_origins: string[];
  /** The chatbot's name when it answers new chats (then chat is open with nobody online). */
  bot_name?: string | null;
}

interface Visitor {
  id: string;
  name?: string | null;
  email?: string | null;
  identified: boolean;
}

/** What the shop's backend signed for a signed-in customer. */
export interface Identity {
  user_id?: string;
  email?: string;
  name?: string;
  user_hash: string;
}

type View =
  | { kind: 'home' }
  | { kind: 'messages' }
  | { kind: 'chat'; id: number | null; draft?: string }
  | { kind: 'article'; id: string | number }
  | { kind: 'offline' }
  | { kind: 'panel'; id: string; arg: unknown };

const CHAT_ICON =
  'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm2 5v2h12V9H6zm0 4v2h8v-2H6z';

function storage(): KeyValue {
  try {
    const s = window.localStorage;
    const probe = '__autocrm_probe__';
    s.setItem(probe, '1');
    s.removeItem(probe);
    return s;
  } catch {
    return memoryStorage();
  }
}

function svgIcon(path: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', path);
  svg.append(p);
  return svg;
}

export class Widget {
  private readonly server: string;
  private readonly workspace: string;
  private readonly api: Api;
  private readonly tokens: TokenStore;
  private readonly host: HTMLElement;
  private readonly shadow: ShadowRoot;
  private config: Config | null = null;
  private visitor: Visitor | null = null;
  private locale: string;
  private t: Translate;
  /** The language of the widget's own strings (`t`). */
  private uiLocale: string;
  /** The home panel's search card and the UI language it was built in. */
  private search: { uiLocale: string; el: HTMLElement } | null = null;
  private identity: Identity | null = null;
  private sessionPromise: Promise<void> | null = null;
  private readonly stream: VisitorStream;
  private connected = true;
  private open = false;
  private view: View = { kind: 'home' };
  private readonly conversations = new Map<number, Conversation>();
  private readonly messages = new Map<number, ShownMessage[]>();
  private typingName: { id: number; name: string } | null = null;
  /** The bot's answers while the model writes them, by conversation (the stored message replaces one). */
  private readonly drafts = new Map<number, { name: string; text: string; timer?: ReturnType<typeof setTimeout> }>();
  /** Extensions' stream subscriptions (`WidgetContext.on`), by event name. */
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private lastTypingSent = 0;
  /** The message a read receipt is on its way for (0: none). */
  private reading = 0;
  private typingIdle: ReturnType<typeof setTimeout> | null = null;
  private readonly blobUrls = new Map<string, string>();
  private readonly pendingFiles: File[] = [];
  /** Articles suggested for this visitor (loaded once a session is open). */
  private suggestions: Suggestion[] = [];
  private suggestionsEl: HTMLElement | null = null;
  // Elements.
  private readonly root: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly panelEl: HTMLDivElement;
  private readonly title: HTMLHeadingElement;
  private readonly backBtn: HTMLButtonElement;
  private readonly closeBtn: HTMLButtonElement;
  private readonly tabs: HTMLDivElement;
  private readonly bodyEl: HTMLDivElement;
  private readonly announcer: HTMLDivElement;
  private logEl: HTMLDivElement | null = null;
  private typingEl: HTMLDivElement | null = null;
  private bannerEl: HTMLDivElement | null = null;
  /** The open chat's "Talk to a person" bar (shown while the bot handles it). */
  private handoffEl: HTMLElement | null = null;

  constructor(server: string, workspace: string, locale: string, host: HTMLElement) {
    this.server = server;
    this.workspace = workspace;
    this.locale = locale;
    this.uiLocale = pickUiLocale([locale]);
    this.t = translator(this.uiLocale);
    this.api = new Api(server);
    this.api.onUnauthorized = () => this.dropSession();
    this.tokens = new TokenStore(server, workspace, storage());
    this.host = host;
    // Open (not closed) so assistive technology and tests can reach in; styles stay inside either way.
    this.shadow = host.attachShadow({ mode: 'open' });
    this.stream = new VisitorStream(
      this.api,
      (e) => this.onStreamEvent(e),
      (up) => this.onStreamState(up),
    );

    this.badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'acrm-panel' });
    this.launcher.append(svgIcon(CHAT_ICON), this.badge);
    this.launcher.addEventListener('click', () => this.toggle());
    this.title = h('h2', { id: 'acrm-title' });
    this.backBtn = h('button', { type: 'button', class: 'icon-btn', hidden: true }, '‹');
    this.backBtn.addEventListener('click', () => this.back());
    this.closeBtn = h('button', { type: 'button', class: 'icon-btn' }, '×');
    this.closeBtn.addEventListener('click', () => this.close());
    this.tabs = h('div', { class: 'tabs', role: 'tablist' });
    this.bodyEl = h('div', { class: 'body' });
    this.announcer = h('div', { class: 'sr-only', 'aria-live': 'polite' });
    this.panelEl = h(
      'div',
      { class: 'panel', id: 'acrm-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'acrm-title', hidden: true },
      h('div', { class: 'header' }, this.backBtn, this.title, this.closeBtn),
      this.tabs,
      this.bodyEl,
    );
    this.panelEl.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.close();
      }
    });
    this.root = h('div', { class: 'root', hidden: true }, this.panelEl, this.launcher, this.announcer);
    this.installStyles();
    this.shadow.append(this.root);
    this.applyStrings();
  }

  private installStyles(): void {
    // A constructed sheet is not subject to the page's CSP style-src; fall back to <style>.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      this.shadow.adoptedStyleSheets = [sheet];
    } catch {
      this.shadow.append(h('style', {}, CSS));
    }
  }

  private ctx(): WidgetContext {
    return {
      server: this.server,
      workspace: this.workspace,
      locale: this.locale,
      t: this.t,
      token: () => this.api.token,
      openPanel: (id, arg) => this.go({ kind: 'panel', id, arg }),
      home: () => this.go({ kind: 'home' }),
      startChat: (text) => {
        this.show();
        void this.openChat(text);
      },
      on: (event, fn) => {
        const set = this.listeners.get(event) ?? new Set();
        set.add(fn);
        this.listeners.set(event, set);
        return () => set.delete(fn);
      },
    };
  }

  // ----------------------------------------------------------------------------------------------
  // Boot, config and session

  /** Loads the settings; resumes an existing visitor session. Resolves false when the widget must not show. */
  async boot(): Promise<boolean> {
    try {
      await this.loadConfig();
    } catch (e) {
      console.warn('[AutoCRM] the chat widget is not available here:', e instanceof Error ? e.message : e);
      return false;
    }
    this.root.hidden = false;
    window.addEventListener('online', () => {
      this.stream.restart();
      this.markRead();
    });
    document.addEventListener('visibilitychange', () => this.markRead());
    if (this.tokens.get()) void this.ensureSession().catch(() => {});
    return true;
  }

  private async loadConfig(): Promise<void> {
    const q = new URLSearchParams({ workspace: this.workspace, locale: this.locale });
    const config = await this.api.get<Config>(`/api/v1/widget/config?${q.toString()}`);
    this.setConfig(config);
  }

  private setConfig(config: Config): void {
    const before = this.uiLocale;
    this.config = config;
    this.uiLocale = pickUiLocale([this.locale, config.locale]);
    this.t = translator(this.uiLocale);
    this.root.classList.toggle('left', config.position === 'left');
    this.root.style.setProperty('--brand', config.color);
    this.root.style.setProperty('--brand-text', config.text_color);
    this.applyStrings();
    // A panel (a tutorial run, say) keeps its state when the session opens under it: it is
    // drawn again only if its language changed.
    if (this.open && (this.view.kind !== 'panel' || before !== this.uiLocale)) this.render();
  }

  private applyStrings(): void {
    const t = this.t;
    this.launcher.setAttribute('aria-label', this.open ? t('closeChat') : t('openChat'));
    this.closeBtn.setAttribute('aria-label', t('close'));
    this.backBtn.setAttribute('aria-label', t('back'));
    this.title.textContent = this.config?.name ?? '';
  }

  /** Opens (or resumes) the visitor session once; later calls wait for the same one. */
  private ensureSession(): Promise<void> {
    if (this.api.token && this.visitor) return Promise.resolve();
    this.sessionPromise ??= this.openSession().finally(() => {
      this.sessionPromise = null;
    });
    return this.sessionPromise;
  }

  private async openSession(): Promise<void> {
    const body: Record<string, unknown> = { workspace: this.workspace, locale: this.locale, page_url: location.href };
    if (this.identity) body.identity = this.identity;
    this.api.token = this.tokens.get();
    let out: { token: string; expires_at: string; visitor: Visitor; config: Config };
    try {
      out = await this.api.post('/api/v1/widget/session', body);
    } catch (e) {
      if (!(e instanceof WidgetError) || e.status !== 401) throw e;
      // The stored token is no longer valid: start over as a new visitor.
      this.tokens.clear();
      this.api.token = null;
      out = await this.api.post('/api/v1/widget/session', body);
    }
    this.api.token = out.token;
    this.tokens.set({ token: out.token, expires_at: out.expires_at });
    this.visitor = out.visitor;
    this.setConfig(out.config);
    this.stream.restart();
    void this.loadSuggestions();
    await this.loadConversations();
  }

  private dropSession(): void {
    this.tokens.clear();
    this.api.token = null;
    this.visitor = null;
    this.suggestions = [];
    this.stream.stop();
  }

  /** "Suggested for you": best effort (a failure leaves the home panel without it). */
  private async loadSuggestions(): Promise<void> {
    try {
      const out = await this.api.get<{ data: Suggestion[] }>('/api/v1/widget/suggestions');
      this.suggestions = out.data;
    } catch {
      this.suggestions = [];
    }
    // Swapped in place: a full redraw would take focus from whatever the visitor is using.
    const old = this.suggestionsEl;
    if (old?.isConnected) {
      const fresh = this.suggestionsSection();
      old.replaceWith(fresh);
      this.suggestionsEl = fresh;
    }
  }

  private suggestionsSection(): HTMLElement {
    const card = suggestionsCard(this.suggestions, this.t, (s) => {
      if (s.kind === 'tutorial') this.go({ kind: 'panel', id: 'tutorial', arg: { id: s.id, title: s.title, description: s.excerpt } });
      else this.go({ kind: 'article', id: s.id });
    });
    // An empty placeholder keeps the spot for suggestions that arrive later.
    return card ?? h('div', { hidden: true });
  }

  private async loadConversations(): Promise<void> {
    const out = await this.api.get<{ data: Conversation[] }>('/api/v1/widget/conversations');
    this.conversations.clear();
    for (const c of out.data) this.conversations.set(c.id, c);
    this.updateBadge();
    this.updateHandOff();
    if (this.open && (this.view.kind === 'home' || this.view.kind === 'messages')) this.render();
  }

  // ----------------------------------------------------------------------------------------------
  // Commands from the page

  /** Runs a command from `window.AutoCRM(…)` or an allowed `postMessage`. */
  command(name: string, arg?: unknown): void {
    switch (name) {
      case 'open':
        this.show();
        break;
      case 'close':
        this.close();
        break;
      case 'toggle':
        this.toggle();
        break;
      case 'identify':
        if (arg && typeof arg === 'object' && typeof (arg as Identity).user_hash === 'string') {
          this.identify(arg as Identity);
        }
        break;
      case 'logout':
        this.logout();
        break;
      case 'setLocale':
        if (typeof arg === 'string' && arg) {
          this.locale = arg;
          void this.loadConfig().catch(() => {});
        }
        break;
      case 'startChat':
        this.show();
        void this.openChat(typeof arg === 'string' ? arg : undefined);
        break;
      default:
        console.warn(`[AutoCRM] unknown command "${name}"`);
    }
  }

  /** Whether a `postMessage` from `origin` may command the widget. */
  acceptsOrigin(origin: string): boolean {
    return origin === location.origin || originAllowed(this.config?.allowed_origins ?? [], origin);
  }

  private identify(identity: Identity): void {
    this.identity = identity;
    const wasOpen = Boolean(this.api.token && this.visitor);
    this.visitor = null;
    if (wasOpen || this.open || this.tokens.get()) {
      void this.ensureSession().catch((e: unknown) => console.warn('[AutoCRM] identify failed:', e instanceof Error ? e.message : e));
    }
  }

  private logout(): void {
    this.identity = null;
    this.dropSession();
    this.conversations.clear();
    this.messages.clear();
    this.updateBadge();
    if (this.open) this.go({ kind: 'home' });
  }

  private emit(event: string, detail: Record<string, unknown> = {}): void {
    // Only ever to the page itself.
    window.postMessage({ autocrm_event: event, ...detail }, location.origin);
  }

  // ----------------------------------------------------------------------------------------------
  // Opening, closing, navigation

  toggle(): void {
    if (this.open) this.close();
    else this.show();
  }

  show(): void {
    if (!this.config) return;
    if (!this.open) {
      this.open = true;
      this.panelEl.hidden = false;
      this.root.classList.add('open');
      this.launcher.setAttribute('aria-expanded', 'true');
      this.applyStrings();
      this.render();
      this.focusFirst();
      this.emit('open');
    }
    void this.ensureSession()
      .then(() => this.markRead())
      .catch(() => {});
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.panelEl.hidden = true;
    this.root.classList.remove('open');
    this.launcher.setAttribute('aria-expanded', 'false');
    this.applyStrings();
    this.sendTyping(false);
    this.launcher.focus();
    this.emit('close');
  }

  private focusFirst(): void {
    const target = this.bodyEl.querySelector<HTMLElement>('textarea, input, button') ?? this.closeBtn;
    target.focus();
  }

  private go(view: View): void {
    this.sendTyping(false);
    this.view = view;
    this.render();
    this.focusFirst();
  }

  private back(): void {
    this.go(this.view.kind === 'chat' && this.conversations.size > 0 ? { kind: 'messages' } : { kind: 'home' });
  }

  private render(): void {
    if (!this.config) return;
    this.logEl = null;
    this.typingEl = null;
    this.bannerEl = null;
    this.handoffEl = null;
    this.suggestionsEl = null;
    const top = this.view.kind === 'home' || this.view.kind === 'messages';
    this.backBtn.hidden = top;
    this.renderTabs(top);
    const searching = this.search?.el.contains(this.shadow.activeElement) ?? false;
    this.bodyEl.replaceChildren();
    this.bodyEl.className = 'body';
    switch (this.view.kind) {
      case 'home':
        this.renderHome();
        if (searching) this.search?.el.querySelector('input')?.focus();
        break;
      case 'messages':
        this.renderConversations(true);
        break;
      case 'chat':
        this.renderChat(this.view.id, this.view.draft);
        break;
      case 'article':
        void this.renderArticle(this.view.id);
        break;
      case 'offline':
        this.renderOffline();
        break;
      case 'panel': {
        const def = registeredPanel(this.view.id);
        if (def) {
          this.title.textContent = def.title(this.ctx());
          this.bodyEl.append(def.render(this.ctx(), this.view.arg));
          return;
        }
        this.view = { kind: 'home' };
        this.renderHome();
      }
    }
    this.title.textContent = this.config.name;
  }

  private renderTabs(visible: boolean): void {
    this.tabs.replaceChildren();
    this.tabs.hidden = !visible;
    if (!visible) return;
    const tab = (kind: 'home' | 'messages', label: string) => {
      const b = h('button', { type: 'button', role: 'tab', 'aria-selected': String(this.view.kind === kind) }, label);
      b.addEventListener('click', () => this.go({ kind }));
      return b;
    };
    const unread = this.unreadCount();
    this.tabs.append(tab('home', this.t('home')), tab('messages', unread ? `${this.t('messages')} (${unread})` : this.t('messages')));
  }

  // ----------------------------------------------------------------------------------------------
  // Home

  private renderHome(): void {
    const cfg = this.config;
    if (!cfg) return;
    const t = this.t;
    const intro = h('div', { class: 'card' }, h('p', { class: 'greeting' }, cfg.greeting));
    const identified = this.visitor?.identified ?? false;
    if (cfg.require_identity && !identified) {
      intro.append(h('p', { class: 'note' }, t('signInToChat')));
    } else if (this.canChat()) {
      const note = cfg.agents_online ? t('weAreOnline') : cfg.bot_name ? t('botOnline', { name: cfg.bot_name }) : t('weAreAway');
      intro.append(h('p', { class: 'note' }, note));
      const start = h('button', { type: 'button', class: 'primary' }, t('startChat'));
      start.addEventListener('click', () => void this.openChat());
      intro.append(start);
    } else {
      intro.append(h('p', { class: 'note' }, t('weAreAway')));
      const leave = h('button', { type: 'button', class: 'primary' }, t('leaveMessage'));
      leave.addEventListener('click', () => this.go({ kind: 'offline' }));
      intro.append(leave);
    }
    // Kept across re-renders (the session opening, the settings arriving again
    // with it, conversations loading), so a search being typed and its results
    // are never wiped; rebuilt when the language changes, with the query re-run.
    if (this.search?.uiLocale !== this.uiLocale) {
      const query = this.search?.el.querySelector('input')?.value ?? '';
      this.search = { uiLocale: this.uiLocale, el: this.searchCard(query) };
    }
    this.suggestionsEl = this.suggestionsSection();
    this.bodyEl.append(intro, this.search.el, this.suggestionsEl);
    for (const { section } of sectionsInOrder()) {
      const el = section(this.ctx());
      if (el) this.bodyEl.append(el);
    }
    if (this.conversations.size) this.renderConversations(false);
  }

  private searchCard(query: string): HTMLElement {
    const t = this.t;
    const input = h('input', { type: 'search', placeholder: t('searchPlaceholder'), 'aria-label': t('searchLabel'), autocomplete: 'off' });
    input.value = query;
    const status = h('p', { class: 'note', 'aria-live': 'polite' });
    const results = h('ul', { class: 'list' });
    let timer: ReturnType<typeof setTimeout> | null = null;
    let seq = 0;
    const run = async () => {
      const q = input.value.trim();
      const mine = ++seq;
      results.replaceChildren();
      if (q.length < 2) {
        status.textContent = '';
        return;
      }
      status.textContent = t('searching');
      try {
        const params = new URLSearchParams({ q, locale: this.locale, workspace: this.workspace });
        const res = await fetch(`${this.server}/api/v1/help/search?${params.toString()}`, { credentials: 'omit' });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const json = (await res.json()) as unknown;
        const list = (Array.isArray(json) ? json : ((json as { data?: unknown[] }).data ?? [])) as {
          id: string | number;
          title: string;
          snippet_html?: string;
        }[];
        if (mine !== seq) return;
        status.textContent = list.length ? '' : t('noResults');
        for (const a of list.slice(0, 8)) {
          const b = h('button', { type: 'button', class: 'item' }, h('span', { class: 'title' }, a.title));
          if (a.snippet_html) {
            const sub = h('span', { class: 'sub' });
            sub.append(safeHtml(a.snippet_html, this.server));
            b.append(sub);
          }
          b.addEventListener('click', () => this.go({ kind: 'article', id: a.id }));
          results.append(h('li', {}, b));
        }
      } catch {
        if (mine === seq) status.textContent = t('error');
      }
    };
    input.addEventListener('input', () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void run(), 250);
    });
    const form = h('form', { role: 'search', class: 'card' }, input, status, results);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void run();
    });
    if (query.trim()) void run();
    return form;
  }

  private async renderArticle(id: string | number): Promise<void> {
    const t = this.t;
    const box = h('article', { class: 'article', 'aria-busy': 'true' });
    this.bodyEl.append(box);
    try {
      const params = new URLSearchParams({ locale: this.locale, workspace: this.workspace });
      const res = await fetch(`${this.server}/api/v1/help/articles/${encodeURIComponent(String(id))}?${params.toString()}`, {
        credentials: 'omit',
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const a = (await res.json()) as {
        title: string;
        body_html: string;
        fallback?: boolean;
        related?: { id: string | number; title: string }[];
      };
      box.removeAttribute('aria-busy');
      if (a.fallback) box.append(h('p', { class: 'note' }, t('fallbackNotice')));
      const content = h('div', { class: 'content' });
      content.append(safeHtml(a.body_html, this.server));
      box.append(h('h3', {}, a.title), content);
      if (a.related?.length) {
        const list = h('ul', { class: 'list' });
        for (const r of a.related) {
          const b = h('button', { type: 'button', class: 'item' }, h('span', { class: 'title' }, r.title));
          b.addEventListener('click', () => this.go({ kind: 'article', id: r.id }));
          list.append(h('li', {}, b));
        }
        box.append(h('h4', {}, t('relatedArticles')), list);
      }
    } catch {
      box.removeAttribute('aria-busy');
      box.append(h('p', { class: 'error' }, t('error')));
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Conversations

  private unreadCount(): number {
    let n = 0;
    for (const c of this.conversations.values()) n += c.unread;
    return n;
  }

  private updateBadge(): void {
    const n = this.unreadCount();
    this.badge.hidden = n === 0;
    this.badge.textContent = n > 9 ? '9+' : String(n);
    const base = this.open ? this.t('closeChat') : this.t('openChat');
    this.launcher.setAttribute('aria-label', n ? `${base} (${this.t('unread', { count: n })})` : base);
    if (this.open && (this.view.kind === 'home' || this.view.kind === 'messages')) this.renderTabs(true);
  }

  private renderConversations(withNew: boolean): void {
    const t = this.t;
    const card = h('section', { class: 'card', 'aria-label': t('earlierConversations') }, h('h3', { class: 'note' }, t('earlierConversations')));
    const list = h('ul', { class: 'list' });
    const sorted = [...this.conversations.values()].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
    for (const c of sorted) {
      const last = c.last_message;
      const b = h(
        'button',
        { type: 'button', class: 'item' },
        h('span', { class: 'title' }, c.subject),
        last ? h('span', { class: 'sub' }, `${last.participant === 'visitor' ? t('you') : last.author_name}: ${last.text}`) : null,
        c.unread ? h('span', { class: 'unread' }, t('unread', { count: c.unread })) : null,
      );
      b.addEventListener('click', () => this.go({ kind: 'chat', id: c.id }));
      list.append(h('li', {}, b));
    }
    if (!sorted.length) card.append(h('p', { class: 'note' }, t('noConversations')));
    card.append(list);
    if (withNew && this.canChat()) {
      const start = h('button', { type: 'button', class: 'primary' }, t('newConversation'));
      start.addEventListener('click', () => this.go({ kind: 'chat', id: null }));
      card.append(start);
    }
    this.bodyEl.append(card);
  }

  private canChat(): boolean {
    const cfg = this.config;
    if (!cfg) return false;
    if (cfg.require_identity && !this.visitor?.identified) return false;
    // A chatbot answers at any hour (and hands over to the team, who answer later).
    return cfg.agents_online || cfg.offline_mode === 'chat' || Boolean(cfg.bot_name);
  }

  /** Opens the latest unsolved chat, or a new one (with `text` in the composer). */
  private async openChat(text?: string): Promise<void> {
    try {
      await this.ensureSession();
    } catch {
      // Shown as an error in the chat when sending.
    }
    if (!this.canChat()) {
      this.go({ kind: this.config?.require_identity && !this.visitor?.identified ? 'home' : 'offline' });
      return;
    }
    const active = [...this.conversations.values()]
      .filter((c) => c.kind === 'chat' && !['solved', 'closed'].includes(c.status))
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at))[0];
    this.go({ kind: 'chat', id: text ? null : (active?.id ?? null), draft: text });
  }

  // ----------------------------------------------------------------------------------------------
  // Chat

  private renderChat(id: number | null, draft?: string): void {
    const t = this.t;
    this.bodyEl.className = 'body chat';
    this.bannerEl = h('div', { class: 'banner', role: 'status', hidden: true }, t('reconnecting'));
    this.bannerEl.hidden = this.connected;
    this.logEl = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t('messages'), tabindex: '0' });
    this.typingEl = h('div', { class: 'typing', 'aria-live': 'polite' });
    const conversation = id === null ? undefined : this.conversations.get(id);
    const notice = conversation && ['solved', 'closed'].includes(conversation.status)
      ? h('p', { class: 'note', style: 'padding: 0 14px' }, conversation.status === 'closed' ? t('closed') : t('solved'))
      : null;
    const extra = h('div', {});
    if (conversation) {
      for (const footer of footers()) {
        const el = footer(this.ctx(), conversation);
        if (el) extra.append(el);
      }
    }
    this.handoffEl = h('div', {});
    this.bodyEl.append(this.bannerEl, this.logEl, notice ?? '', extra, this.handoffEl, this.typingEl, this.composer(id, draft, conversation?.status === 'closed'));
    this.updateHandOff();
    this.renderMessages();
    if (id !== null) void this.loadMessages(id);
  }

  /** Shows "Talk to a person" while the bot handles the open conversation; hides it once the team has it. */
  private updateHandOff(): void {
    const el = this.handoffEl;
    if (!el || this.view.kind !== 'chat') return;
    const id = this.view.id;
    const conversation = id === null ? undefined : this.conversations.get(id);
    const bot = conversation?.handler === 'bot' && !['solved', 'closed'].includes(conversation.status);
    if (!bot || id === null) {
      el.replaceChildren();
      return;
    }
    if (el.firstElementChild) return; // already shown (keeps focus on its button)
    const name = this.botName(id);
    el.append(handOffBar(name, this.t, () => this.handOff(id)));
  }

  /** The bot's name: from its last message in the conversation, else the settings. */
  private botName(id: number): string {
    const last = [...(this.messages.get(id) ?? [])].reverse().find(isBot);
    return last?.author_name || this.config?.bot_name || this.config?.name || '';
  }

  /** Asks for a person: the server hands the conversation over and the bot says so. */
  private async handOff(id: number): Promise<void> {
    const out = await this.api.post<Conversation>(`/api/v1/widget/conversations/${id}/handoff`);
    const known = this.conversations.get(id);
    this.conversations.set(id, { ...out, unread: known?.unread ?? 0 });
    this.updateHandOff();
    // The button is gone: keep the keyboard in the conversation.
    if (this.view.kind === 'chat' && this.view.id === id) this.bodyEl.querySelector('textarea')?.focus();
    // The bot's "passing you to the team" message (the stream brings it too; merged by id).
    await this.loadMessages(id).catch(() => {});
  }

  private composer(id: number | null, draft: string | undefined, closed: boolean): HTMLElement {
    const t = this.t;
    const cfg = this.config;
    const textarea = h('textarea', { rows: '1', placeholder: t('messagePlaceholder'), 'aria-label': t('messageLabel') });
    textarea.value = draft ?? '';
    const fileInput = h('input', { type: 'file', hidden: true, multiple: true, accept: (cfg?.file_types ?? []).join(',') });
    const attach = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('attach'), title: t('attach') }, '📎');
    const send = h('button', { type: 'submit', class: 'primary' }, t('send'));
    const files = h('div', { class: 'pending-files' });
    const error = h('p', { class: 'error', role: 'alert' });
    const showFiles = () => {
      files.replaceChildren(...this.pendingFiles.map((f) => h('span', { class: 'file' }, f.name)));
    };
    this.pendingFiles.length = 0;
    attach.addEventListener('click', () => fileInput.click());
    fileInput.addEventListener('change', () => {
      error.textContent = '';
      for (const f of Array.from(fileInput.files ?? [])) {
        if (cfg && f.size > cfg.max_file_bytes) error.textContent = t('fileTooLarge', { name: f.name });
        else if (cfg && !cfg.file_types.includes(f.type)) error.textContent = t('fileType', { name: f.name });
        else this.pendingFiles.push(f);
      }
      fileInput.value = '';
      showFiles();
    });
    textarea.addEventListener('input', () => {
      const current = this.view.kind === 'chat' ? this.view.id : null;
      if (current !== null) this.onComposerInput(current);
    });
    textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    const form = h('form', { class: 'composer' }, attach, fileInput, textarea, send);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = textarea.value.trim();
      if (!text && !this.pendingFiles.length) {
        error.textContent = t('required');
        return;
      }
      error.textContent = '';
      const toSend = [...this.pendingFiles];
      this.pendingFiles.length = 0;
      showFiles();
      textarea.value = '';
      const current = this.view.kind === 'chat' ? this.view.id : id;
      void this.send(current, text, toSend).catch((err: unknown) => {
        error.textContent = err instanceof WidgetError && err.status < 500 ? err.message : t('error');
      });
      textarea.focus();
    });
    const wrap = h('div', {}, files, error, form);
    if (closed) {
      textarea.disabled = true;
      send.disabled = true;
      attach.disabled = true;
    }
    return wrap;
  }

  private async loadMessages(id: number): Promise<void> {
    const after = lastMessageId(this.messages.get(id) ?? []);
    const out = await this.api.get<{ data: ChatMessage[] }>(
      `/api/v1/widget/conversations/${id}/messages?after=${after}&limit=200`,
    );
    this.messages.set(id, mergeMessages(this.messages.get(id) ?? [], out.data));
    if (this.view.kind === 'chat' && this.view.id === id) {
      this.renderMessages();
      this.markRead();
    }
  }

  private currentMessages(): ShownMessage[] {
    if (this.view.kind !== 'chat') return [];
    return this.view.id === null ? (this.messages.get(0) ?? []) : (this.messages.get(this.view.id) ?? []);
  }

  /** Updates the log in place: existing bubbles stay, new ones are appended (so screen readers hear only new ones). */
  private renderMessages(): void {
    const log = this.logEl;
    if (!log || this.view.kind !== 'chat') return;
    const list = this.currentMessages();
    const conversation = this.view.id === null ? undefined : this.conversations.get(this.view.id);
    const seenUpTo = conversation?.agent_read_message_id ?? 0;
    const lastMine = [...list].reverse().find((m) => m.participant === 'visitor' && !m.state);
    const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
    const existing = new Map<string, HTMLElement>();
    for (const el of Array.from(log.children) as HTMLElement[]) existing.set(el.dataset.key ?? '', el);
    let cursor: Element | null = log.firstElementChild;
    for (const m of list) {
      const key = m.state ? `c:${m.client_id ?? ''}` : `m:${m.id}`;
      const seen = m === lastMine && m.id <= seenUpTo;
      const signature = `${m.state ?? 'sent'}|${seen ? 'seen' : ''}|${m.attachments.length}`;
      let el = existing.get(key) ?? (m.client_id && !m.state ? existing.get(`c:${m.client_id}`) : undefined);
      if (!el || el.dataset.sig !== signature || el.dataset.key !== key) {
        const fresh = this.messageEl(m, seen);
        fresh.dataset.key = key;
        fresh.dataset.sig = signature;
        if (el) {
          el.replaceWith(fresh);
        } else {
          log.insertBefore(fresh, cursor);
        }
        el = fresh;
      }
      cursor = el.nextElementSibling;
    }
    // After the messages: the bot's answer as it is written, or Yes / No under its question.
    const id = this.view.id;
    const extras: { key: string; sig: string; make: () => HTMLElement }[] = [];
    const draft = id === null ? undefined : this.drafts.get(id);
    if (draft) {
      extras.push({ key: 'draft', sig: draft.text, make: () => draftEl(draft.name || this.config?.bot_name || '', draft.text, this.t) });
    } else if (id !== null && offersQuickReplies(list, conversation?.handler === 'bot' && !['solved', 'closed'].includes(conversation.status))) {
      extras.push({ key: 'quick', sig: String(list[list.length - 1]?.id), make: () => quickReplies(this.t, (text) => void this.send(id, text, []).catch(() => {})) });
    }
    for (const x of extras) {
      let el = existing.get(x.key);
      if (!el || el.dataset.sig !== x.sig) {
        const fresh = x.make();
        fresh.dataset.key = x.key;
        fresh.dataset.sig = x.sig;
        if (el) el.replaceWith(fresh);
        else log.insertBefore(fresh, cursor);
        el = fresh;
      }
      cursor = el.nextElementSibling;
    }
    while (cursor) {
      const next = cursor.nextElementSibling;
      cursor.remove();
      cursor = next;
    }
    if (stick) log.scrollTop = log.scrollHeight;
  }

  private messageEl(m: ShownMessage, seen: boolean): HTMLElement {
    const t = this.t;
    const mine = m.participant === 'visitor';
    const bot = isBot(m);
    const el = h('div', { class: `msg${mine ? ' mine' : ''}${bot ? ' bot' : ''}${m.state === 'failed' ? ' failed' : ''}` });
    if (!mine) el.append(authorLabel(m.author_name || this.config?.bot_name || this.config?.name || '', bot, t));
    const bubble = h('div', { class: 'bubble' });
    if (m.text && m.text !== '📎') bubble.append(linkedText(m.text));
    for (const a of m.attachments) bubble.append(this.attachmentEl(a));
    el.append(bubble);
    const meta = h('span', { class: 'meta' });
    if (m.state === 'pending') meta.append(t('sending'));
    else if (m.state === 'failed') {
      const retry = h('button', { type: 'button' }, t('retry'));
      retry.addEventListener('click', () => void this.retry(m));
      meta.append(t('failed'), retry);
    } else {
      meta.append(timeOf(m.created_at, this.locale));
      if (seen) meta.append(` · ${t('seen')}`);
    }
    el.append(meta);
    return el;
  }

  private attachmentEl(a: ChatMessage['attachments'][number]): HTMLElement {
    if (!a.url) return h('span', { class: 'file' }, a.filename);
    if (a.content_type.startsWith('image/')) {
      const img = h('img', { class: 'thumb', alt: a.filename });
      void this.blob(a.url).then((u) => img.setAttribute('src', u)).catch(() => img.replaceWith(h('span', { class: 'file' }, a.filename)));
      return img;
    }
    const b = h('button', { type: 'button', class: 'file', 'aria-label': this.t('download', { name: a.filename }) }, `📄 ${a.filename}`);
    b.addEventListener('click', () => {
      void this.blob(a.url).then((u) => {
        const link = h('a', { href: u, download: a.filename });
        this.shadow.append(link);
        link.click();
        link.remove();
      });
    });
    return b;
  }

  private async blob(path: string): Promise<string> {
    const known = this.blobUrls.get(path);
    if (known) return known;
    const url = await this.api.blobUrl(path);
    this.blobUrls.set(path, url);
    return url;
  }

  private pending(id: number | null, text: string, files: File[], clientId: string): ShownMessage {
    return {
      id: Number.MAX_SAFE_INTEGER,
      conversation_id: id ?? 0,
      participant: 'visitor',
      author_name: this.t('you'),
      text,
      client_id: clientId,
      attachments: files.map((f) => ({ id: '', filename: f.name, content_type: f.type, size: f.size, url: '' })),
      created_at: new Date().toISOString(),
      state: 'pending',
    };
  }

  /** Sends a message (starting the conversation when there is none yet). */
  private async send(id: number | null, text: string, files: File[], clientId = newClientId()): Promise<void> {
    await this.ensureSession();
    this.sendTyping(false);
    const key = id ?? 0;
    const optimistic = this.pending(id, text, files, clientId);
    this.messages.set(key, mergeMessages(this.messages.get(key) ?? [], [optimistic]));
    this.renderMessages();
    try {
      let conversationId = id;
      if (conversationId === null) {
        const started = await this.api.post<Conversation>('/api/v1/widget/conversations', {
          body: text || files.map((f) => f.name).join(', '),
          client_id: clientId,
        });
        conversationId = started.id;
        this.conversations.set(started.id, started);
        this.messages.set(started.id, mergeMessages([], [{ ...optimistic, conversation_id: started.id }]));
        this.messages.delete(0);
        if (this.view.kind === 'chat' && this.view.id === null) {
          this.view = { kind: 'chat', id: started.id };
          this.updateHandOff();
        }
        if (!files.length) {
          await this.loadMessages(started.id);
          return;
        }
        text = '';
        clientId = newClientId();
      }
      const ids: string[] = [];
      for (const f of files) {
        const form = new FormData();
        form.append('file', f, f.name);
        const up = await this.api.request<{ id: string }>('POST', `/api/v1/widget/conversations/${conversationId}/attachments`, undefined, form);
        ids.push(up.id);
      }
      const msg = await this.api.post<ChatMessage>(`/api/v1/widget/conversations/${conversationId}/messages`, {
        body: text,
        client_id: clientId,
        attachment_ids: ids,
      });
      const list = (this.messages.get(conversationId) ?? []).filter((m) => !(m.state && m.client_id === optimistic.client_id));
      this.messages.set(conversationId, mergeMessages(list, [msg]));
      this.renderMessages();
    } catch (e) {
      const list = this.messages.get(key) ?? [];
      this.messages.set(key, list.map((m) => (m.client_id === clientId && m.state ? { ...m, state: 'failed' as const } : m)));
      this.renderMessages();
      throw e;
    }
  }

  private async retry(m: ShownMessage): Promise<void> {
    const id = m.conversation_id || null;
    const key = id ?? 0;
    this.messages.set(key, (this.messages.get(key) ?? []).filter((x) => x !== m));
    // The same client id: if the first attempt did arrive, the server returns it instead of storing a copy.
    await this.send(id, m.text, [], m.client_id ?? newClientId()).catch(() => {});
  }

  private onComposerInput(id: number): void {
    const now = Date.now();
    if (now - this.lastTypingSent > 3000) {
      this.lastTypingSent = now;
      void this.api.post(`/api/v1/widget/conversations/${id}/typing`, { typing: true }).catch(() => {});
    }
    if (this.typingIdle) clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.sendTyping(false), 4000);
  }

  private sendTyping(typing: boolean): void {
    if (typing || this.lastTypingSent === 0) return;
    if (this.typingIdle) clearTimeout(this.typingIdle);
    this.typingIdle = null;
    this.lastTypingSent = 0;
    const id = this.view.kind === 'chat' ? this.view.id : null;
    if (id !== null && this.api.token) {
      void this.api.post(`/api/v1/widget/conversations/${id}/typing`, { typing: false }).catch(() => {});
    }
  }

  /** Tells the team the visitor read the open conversation up to its last message. */
  private markRead(): void {
    if (!this.open || this.view.kind !== 'chat' || this.view.id === null || document.visibilityState === 'hidden') return;
    const id = this.view.id;
    const conversation = this.conversations.get(id);
    const last = lastMessageId(this.messages.get(id) ?? []);
    if (!conversation || !last || (conversation.visitor_read_message_id ?? 0) >= last || this.reading >= last) return;
    this.reading = last;
    conversation.unread = 0;
    this.updateBadge();
    // Recorded only once the server has it: a read lost to the network is sent again
    // after the reconnect (or when the page becomes visible).
    void this.api
      .post(`/api/v1/widget/conversations/${id}/read`, { message_id: last })
      .then(() => {
        conversation.visitor_read_message_id = Math.max(conversation.visitor_read_message_id ?? 0, last);
      })
      .catch(() => {})
      .finally(() => {
        this.reading = 0;
      });
  }

  // ----------------------------------------------------------------------------------------------
  // Leave a message

  private renderOffline(): void {
    const t = this.t;
    const name = h('input', { type: 'text', autocomplete: 'name' });
    name.value = this.visitor?.name ?? '';
    const email = h('input', { type: 'email', autocomplete: 'email', required: true });
    email.value = this.visitor?.email ?? '';
    const body = h('textarea', { rows: '5', required: true });
    const error = h('p', { class: 'error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('send'));
    const form = h(
      'form',
      { class: 'card', 'aria-label': t('offlineTitle') },
      h('h3', { class: 'greeting' }, t('offlineTitle')),
      h('label', {}, t('nameLabel'), name),
      h('label', {}, t('emailLabel'), email),
      h('label', {}, t('messageLabel'), body),
      error,
      submit,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      error.textContent = '';
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.value.trim())) {
        error.textContent = t('invalidEmail');
        email.focus();
        return;
      }
      if (!body.value.trim()) {
        error.textContent = t('required');
        body.focus();
        return;
      }
      submit.disabled = true;
      void (async () => {
        try {
          await this.ensureSession();
          const out = await this.api.post<{ number: number; email: string }>('/api/v1/widget/offline-messages', {
            name: name.value.trim() || null,
            email: email.value.trim(),
            body: body.value,
          });
          const done = h('p', { class: 'greeting', role: 'status', tabindex: '-1' }, t('offlineSent', { number: out.number, email: out.email }));
          form.replaceWith(h('div', { class: 'card' }, done));
          done.focus();
        } catch (err) {
          submit.disabled = false;
          error.textContent = err instanceof WidgetError && err.status === 422 ? err.message : t('error');
        }
      })();
    });
    this.bodyEl.append(form);
  }

  // ----------------------------------------------------------------------------------------------
  // The stream

  private onStreamState(up: boolean): void {
    const wasDown = !this.connected;
    this.connected = up;
    if (this.bannerEl) this.bannerEl.hidden = up;
    if (up) this.markRead();
    if (up && wasDown) {
      // Back after a loss: fetch what the log does not replay (nothing is lost either way).
      void this.loadConversations().catch(() => {});
      if (this.view.kind === 'chat' && this.view.id !== null) void this.loadMessages(this.view.id).catch(() => {});
    }
  }

  private onStreamEvent(e: StreamEvent): void {
    for (const fn of this.listeners.get(e.event) ?? []) fn(e.data);
    if (e.event === 'message') this.onMessage(e.data as ChatMessage);
    else if (e.event === 'conversation') this.onConversation(e.data as Conversation);
    else if (e.event === 'typing') this.onTyping(e.data as { conversation_id: number; name: string; typing: boolean });
    else if (e.event === 'draft') this.onDraft(e.data as { conversation_id: number; name: string; text: string });
    else if (e.event === 'read') {
      const r = e.data as { conversation_id: number; message_id: number };
      const c = this.conversations.get(r.conversation_id);
      if (c && (c.agent_read_message_id ?? 0) < r.message_id) {
        c.agent_read_message_id = r.message_id;
        this.renderMessages();
      }
    }
  }

  private viewing(id: number): boolean {
    return this.open && this.view.kind === 'chat' && this.view.id === id && document.visibilityState !== 'hidden';
  }

  private onMessage(m: ChatMessage): void {
    const id = m.conversation_id;
    this.messages.set(id, mergeMessages(this.messages.get(id) ?? [], [m]));
    const c = this.conversations.get(id);
    if (c) {
      c.last_message = { id: m.id, text: m.text, participant: m.participant, author_name: m.author_name, created_at: m.created_at };
      c.updated_at = m.created_at;
    }
    if (m.participant !== 'visitor') {
      if (this.typingName?.id === id) this.showTyping(null);
      this.setDraft(id, null);
      if (this.viewing(id)) {
        this.markRead();
      } else if (c && (c.visitor_read_message_id ?? 0) < m.id) {
        c.unread += 1;
        this.announcer.textContent = this.t('newMessage', { name: m.author_name || this.config?.name || '' });
        this.emit('unread', { count: this.unreadCount() });
      }
    }
    this.updateBadge();
    if (this.view.kind === 'chat' && this.view.id === id) this.renderMessages();
    else if (this.open && (this.view.kind === 'home' || this.view.kind === 'messages')) this.render();
  }

  private onConversation(c: Conversation): void {
    const known = this.conversations.get(c.id);
    this.conversations.set(c.id, { ...c, unread: this.viewing(c.id) ? 0 : c.unread });
    this.updateBadge();
    const statusChanged = known && known.status !== c.status;
    if (this.view.kind === 'chat' && this.view.id === c.id) {
      if (statusChanged) this.render();
      else this.updateHandOff();
    }
  }

  private onTyping(s: { conversation_id: number; name: string; typing: boolean }): void {
    const draft = this.drafts.get(s.conversation_id);
    // While the bot's answer shows as it is written, the draft says so.
    if (s.typing && draft) return;
    this.showTyping(s.typing ? { id: s.conversation_id, name: s.name } : null);
    // A turn that ended without a message (it failed over): the draft goes after a moment.
    if (!s.typing && draft) {
      draft.timer = setTimeout(() => {
        if (this.drafts.get(s.conversation_id) === draft) this.setDraft(s.conversation_id, null);
      }, 4000);
    }
  }

  private onDraft(d: { conversation_id: number; name: string; text: string }): void {
    if (this.typingName?.id === d.conversation_id) this.showTyping(null);
    this.setDraft(d.conversation_id, { name: d.name, text: d.text });
  }

  private setDraft(id: number, draft: { name: string; text: string } | null): void {
    const was = this.drafts.get(id);
    if (!was && !draft) return;
    if (was?.timer) clearTimeout(was.timer);
    if (draft) this.drafts.set(id, draft);
    else this.drafts.delete(id);
    if (this.view.kind === 'chat' && this.view.id === id) this.renderMessages();
  }

  private showTyping(who: { id: number; name: string } | null): void {
    this.typingName = who;
    if (this.typingTimer) clearTimeout(this.typingTimer);
    // The agent's app repeats the signal while typing; silence means they stopped.
    if (who) this.typingTimer = setTimeout(() => this.showTyping(null), 7000);
    if (this.typingEl) {
      const here = who && this.view.kind === 'chat' && this.view.id === who.id;
      this.typingEl.textContent = here ? this.t('typing', { name: who.name }) : '';
    }
  }

  /** Removes the widget from the page. */
  destroy(): void {
    this.stream.stop();
    for (const u of this.blobUrls.values()) URL.revokeObjectURL(u);
    this.host.remove();
  }
}
