/**
 * The Tiptap Mention node for internal notes: `@` opens the picker, the
 * chosen colleague becomes `<span data-type="mention" data-id="42">@Name</span>`,
 * which the server checks against the workspace's staff before anyone is
 * notified. Public replies mention nobody (the customer reads them), so the
 * picker only opens while `enabled()` — the note mode — holds.
 */
import Mention, { type MentionNodeAttrs } from '@tiptap/extension-mention';
import { ReactRenderer } from '@tiptap/react';
import type { SuggestionOptions } from '@tiptap/suggestion';
import { filterMentionables, MentionList, type Mentionable, type MentionListHandle, type MentionListProps } from './mention-list';

export interface MentionSource {
  /** The people to offer, read when the picker opens and on every keystroke. */
  people: () => Mentionable[];
  /** Whether `@` opens the picker now. */
  enabled: () => boolean;
}

/** A source whose people and mode the editor's component updates after each render. */
export function createMentionSource(): MentionSource & { update: (people: Mentionable[], enabled: boolean) => void } {
  let current: { people: Mentionable[]; enabled: boolean } = { people: [], enabled: false };
  return {
    people: () => current.people,
    enabled: () => current.enabled,
    update: (people, enabled) => {
      current = { people, enabled };
    },
  };
}

type MentionSuggestion = Omit<SuggestionOptions<Mentionable, MentionNodeAttrs>, 'editor'>;

/** The suggestion options (exported for tests). */
export function mentionSuggestion({ people, enabled }: MentionSource): MentionSuggestion {
  return {
    char: '@',
    allow: ({ state, range }) => {
      if (!enabled()) return false;
      // Only where a mention node may stand (not inside code, for instance).
      const $from = state.doc.resolve(range.from);
      const type = state.schema.nodes.mention;
      return Boolean(type && $from.parent.type.contentMatch.matchType(type));
    },
    items: ({ query }) => filterMentionables(people(), query),
    render: () => {
      let list: ReactRenderer<MentionListHandle, MentionListProps> | null = null;
      let unmount: (() => void) | null = null;
      return {
        onStart: (props) => {
          list = new ReactRenderer(MentionList, { editor: props.editor, props: { items: props.items, command: props.command } });
          unmount = props.mount(list.element);
        },
        onUpdate: (props) => list?.updateProps({ items: props.items, command: props.command }),
        onKeyDown: ({ event }) => list?.ref?.onKeyDown(event) ?? false,
        onExit: () => {
          unmount?.();
          list?.destroy();
          list = null;
          unmount = null;
        },
      };
    },
  };
}

/** The Mention extension wired to `source`. */
export function mentionExtension(source: MentionSource) {
  return Mention.configure({ HTMLAttributes: { class: 'mention' }, suggestion: mentionSuggestion(source) });
}
