import { Editor } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { mentionExtension, mentionSuggestion } from './mention-suggestion';

const people = [
  { id: 2, name: 'Marco Rossi', email: 'marco@x.test' },
  { id: 3, name: 'Priya Shah', email: 'priya@x.test' },
];

let editor: Editor | null = null;
afterEach(() => editor?.destroy());

function makeEditor(enabled: () => boolean) {
  editor = new Editor({ extensions: [StarterKit, mentionExtension({ people: () => people, enabled })], content: '<p>Hi there</p>' });
  return editor;
}

describe('the mention node', () => {
  it('writes the markup the server resolves: data-type, data-id and the @name', () => {
    const e = makeEditor(() => true);
    e.commands.insertContentAt(3, { type: 'mention', attrs: { id: '2', label: 'Marco Rossi' } });
    const html = e.getHTML();
    expect(html).toContain('data-type="mention"');
    expect(html).toContain('data-id="2"');
    expect(html).toContain('>@Marco Rossi</span>');
  });
});

describe('mentionSuggestion', () => {
  it('offers the filtered people and opens only while notes are being written', () => {
    let internal = false;
    const e = makeEditor(() => internal);
    const s = mentionSuggestion({ people: () => people, enabled: () => internal });
    const range = { from: 3, to: 3 };
    expect(s.allow?.({ editor: e, state: e.state, range })).toBe(false);
    internal = true;
    expect(s.allow?.({ editor: e, state: e.state, range })).toBe(true);
    const items = s.items?.({ query: 'pri', editor: e, signal: new AbortController().signal });
    expect(items).toEqual([people[1]]);
  });
});
