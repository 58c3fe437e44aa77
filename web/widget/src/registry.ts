/**
 * Extension points for other features of the widget, registered from
 * `extensions/index.ts` before the widget boots:
 *
 * - `registerHomeSection`: a block on the home panel (e.g. "Step-by-step
 *   guides": the tutorials feature lists its tutorials here and opens them
 *   with `ctx.openPanel`).
 * - `registerPanel`: a full panel with a back button (e.g. one tutorial run).
 * - `registerConversationFooter`: under a conversation's messages (e.g. the
 *   satisfaction rating once the conversation is solved).
 *
 * Every hook gets the same context: the visitor's language, the server and
 * workspace, the visitor token (for authenticated calls), a translator and
 * a way to open panels or start a chat with a prefilled message.
 */
import type { Translate } from './i18n';

/** A conversation as the widget knows it (`ConversationOut`). */
export interface Conversation {
  id: number;
  number: number;
  subject: string;
  kind: 'chat' | 'offline';
  status: string;
  handler: string;
  agent_name?: string | null;
  last_message?: { id: number; text: string; participant: string; author_name: string; created_at: string } | null;
  unread: number;
  visitor_read_message_id?: number | null;
  agent_read_message_id?: number | null;
  created_at: string;
  updated_at: string;
}

/** What an extension can use. */
export interface WidgetContext {
  /** The AutoCRM server (`https://crm.example`). */
  server: string;
  /** The workspace slug. */
  workspace: string;
  /** The visitor's language (BCP 47). */
  locale: string;
  t: Translate;
  /** The visitor token once a session is open (send as `Authorization: Bearer …`). */
  token(): string | null;
  /** Opens a registered panel by id, with an argument for it. */
  openPanel(id: string, arg?: unknown): void;
  /** Goes back to the home panel. */
  home(): void;
  /** Opens the chat with `text` in the composer (e.g. "open a ticket with what you told us"). */
  startChat(text?: string): void;
  /**
   * Calls `fn` with the data of each visitor-stream event named `event` (`rating`, `conversation`,
   * …) until the returned function is called.
   */
  on(event: string, fn: (data: unknown) => void): () => void;
}

/** A block on the home panel; `null` to show nothing. */
export type HomeSection = (ctx: WidgetContext) => HTMLElement | null;

/** A panel: its title and its content for an argument. */
export interface PanelDef {
  id: string;
  title: (ctx: WidgetContext) => string;
  render: (ctx: WidgetContext, arg: unknown) => HTMLElement;
}

/** A block under a conversation; `null` to show nothing. */
export type ConversationFooter = (ctx: WidgetContext, conversation: Conversation) => HTMLElement | null;

const homeSections: { order: number; section: HomeSection }[] = [];
const panels = new Map<string, PanelDef>();
const conversationFooters: ConversationFooter[] = [];

/** Adds a home-panel block; lower `order` comes first (search is 10, conversations 30). */
export function registerHomeSection(section: HomeSection, order = 20): void {
  homeSections.push({ order, section });
  homeSections.sort((a, b) => a.order - b.order);
}

/** Adds a panel others can open by id. */
export function registerPanel(panel: PanelDef): void {
  panels.set(panel.id, panel);
}

/** Adds a block under conversations. */
export function registerConversationFooter(footer: ConversationFooter): void {
  conversationFooters.push(footer);
}

export function sectionsInOrder(): readonly { order: number; section: HomeSection }[] {
  return homeSections;
}

export function panel(id: string): PanelDef | undefined {
  return panels.get(id);
}

export function footers(): readonly ConversationFooter[] {
  return conversationFooters;
}
