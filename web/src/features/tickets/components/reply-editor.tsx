/** The reply box: Tiptap rich text with a public reply / internal note switch. */
import { ActionIcon, Button, Group, Paper, SegmentedControl, Tooltip } from '@mantine/core';
import Link from '@tiptap/extension-link';
import Placeholder from '@tiptap/extension-placeholder';
import { EditorContent, useEditor, useEditorState, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useState } from 'react';

export interface ReplyEditorProps {
  onSend: (html: string, internal: boolean) => Promise<unknown>;
  sending: boolean;
}

const MARKS: { label: string; key: string; run: (e: Editor) => void; active: (e: Editor) => boolean }[] = [
  { label: 'Bold', key: 'B', run: (e) => e.chain().focus().toggleBold().run(), active: (e) => e.isActive('bold') },
  { label: 'Italic', key: 'I', run: (e) => e.chain().focus().toggleItalic().run(), active: (e) => e.isActive('italic') },
  { label: 'Bulleted list', key: '•', run: (e) => e.chain().focus().toggleBulletList().run(), active: (e) => e.isActive('bulletList') },
  { label: 'Numbered list', key: '1.', run: (e) => e.chain().focus().toggleOrderedList().run(), active: (e) => e.isActive('orderedList') },
  { label: 'Quote', key: '❝', run: (e) => e.chain().focus().toggleBlockquote().run(), active: (e) => e.isActive('blockquote') },
  { label: 'Code', key: '</>', run: (e) => e.chain().focus().toggleCode().run(), active: (e) => e.isActive('code') },
];

export function ReplyEditor({ onSend, sending }: ReplyEditorProps) {
  const [mode, setMode] = useState<'public' | 'internal'>('public');
  const internal = mode === 'internal';
  const editor = useEditor({
    extensions: [
      StarterKit.configure({ link: false }),
      Link.configure({ openOnClick: false, autolink: true, protocols: ['http', 'https', 'mailto'] }),
      Placeholder.configure({ placeholder: 'Write a reply…' }),
    ],
    editorProps: { attributes: { 'aria-label': 'Reply', role: 'textbox', 'aria-multiline': 'true', style: 'min-height: 96px; outline: none;' } },
  });
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({ empty: e?.isEmpty ?? true, active: e ? MARKS.map((m) => m.active(e)) : [] }),
  });

  const handleLink = () => {
    if (!editor) return;
    const url = window.prompt('Link address (https://…)');
    if (url === null) return;
    if (url === '') editor.chain().focus().unsetLink().run();
    else editor.chain().focus().extendMarkRange('link').setLink({ href: url }).run();
  };

  const handleSend = async () => {
    if (!editor || editor.isEmpty) return;
    await onSend(editor.getHTML(), internal);
    editor.commands.clearContent();
  };

  return (
    <Paper withBorder p="sm" bg={internal ? 'var(--mantine-color-yellow-light)' : undefined} data-testid="reply-editor">
      <Group justify="space-between" mb="xs">
        <SegmentedControl
          size="xs"
          value={mode}
          onChange={(v) => setMode(v as 'public' | 'internal')}
          data={[
            { value: 'public', label: 'Public reply' },
            { value: 'internal', label: 'Internal note' },
          ]}
        />
        <Group gap={4}>
          {MARKS.map((m, i) => (
            <Tooltip key={m.label} label={m.label}>
              <ActionIcon
                variant={state?.active[i] ? 'filled' : 'subtle'}
                size="sm"
                aria-label={m.label}
                onClick={() => editor && m.run(editor)}
              >
                <span style={{ fontSize: 12, fontWeight: 700 }}>{m.key}</span>
              </ActionIcon>
            </Tooltip>
          ))}
          <Tooltip label="Link">
            <ActionIcon variant="subtle" size="sm" aria-label="Link" onClick={handleLink}>
              <span style={{ fontSize: 12 }}>🔗</span>
            </ActionIcon>
          </Tooltip>
        </Group>
      </Group>
      <EditorContent editor={editor} />
      <Group justify="flex-end" mt="xs">
        <Button size="xs" onClick={() => void handleSend()} loading={sending} disabled={state?.empty ?? true} color={internal ? 'yellow' : undefined}>
          {internal ? 'Add note' : 'Send reply'}
        </Button>
      </Group>
    </Paper>
  );
}
