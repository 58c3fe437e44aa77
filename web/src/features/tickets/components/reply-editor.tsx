/**
 * The reply box: Tiptap rich text with a public reply / internal note switch.
 * In a note, `@` mentions a colleague (they are notified); a public reply
 * mentions nobody: the customer reads it, so the picker stays closed there.
 */
import { ActionIcon, Button, CloseButton, FileButton, Group, Paper, Pill, SegmentedControl, Select, Text, Tooltip } from '@mantine/core';
import Image from '@tiptap/extension-image';
import Link from '@tiptap/extension-link';
import Placeholder from '@tiptap/extension-placeholder';
import { EditorContent, useEditor, useEditorState, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect, useState, type ReactNode } from 'react';
import '@/components/ui/mention-chip.css';
import type { Mentionable } from './mention-list';
import { createMentionSource, mentionExtension } from './mention-suggestion';

/** What the page may do with the draft from outside the editor (e.g. AI assist). */
export interface ReplyHandle {
  /** Puts HTML at the cursor. */
  insert: (html: string) => void;
  /** Replaces the whole draft with HTML. */
  replace: (html: string) => void;
  /** The draft as plain text. */
  draftText: () => string;
}

export interface ReplyEditorProps {
  onSend: (html: string, internal: boolean, files: File[]) => Promise<unknown>;
  /** Uploads a pasted or dropped image and answers the URL to show it from. */
  onUploadImage: (file: File) => Promise<string>;
  sending: boolean;
  maxFileBytes: number;
  /** Macros offered when `/` is typed in an empty editor. */
  macros?: { id: number; name: string }[];
  /** Applies a macro's changes and answers its rendered reply (HTML) for the editor. */
  onInsertMacro?: (macroId: number) => Promise<{ html: string | null; internal: boolean }>;
  /** Called when the draft becomes non-empty or empty (for presence). */
  /** The draft became non-empty or empty; `internal` while it is an internal note. */
  onDraftingChange?: (drafting: boolean, internal: boolean) => void;
  /** Colleagues offered when `@` is typed in an internal note. */
  mentionables?: Mentionable[];
  /** More toolbar buttons from other features; `insert` puts HTML at the cursor. */
  tools?: (insert: (html: string) => void) => ReactNode;
  /** Receives a handle on the draft once the editor exists, and `null` when it goes. */
  onReady?: (handle: ReplyHandle | null) => void;
}

const NO_ONE: Mentionable[] = [];

const formatSize = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;

const MARKS: { label: string; key: string; run: (e: Editor) => void; active: (e: Editor) => boolean }[] = [
  { label: 'Bold', key: 'B', run: (e) => e.chain().focus().toggleBold().run(), active: (e) => e.isActive('bold') },
  { label: 'Italic', key: 'I', run: (e) => e.chain().focus().toggleItalic().run(), active: (e) => e.isActive('italic') },
  { label: 'Bulleted list', key: '•', run: (e) => e.chain().focus().toggleBulletList().run(), active: (e) => e.isActive('bulletList') },
  { label: 'Numbered list', key: '1.', run: (e) => e.chain().focus().toggleOrderedList().run(), active: (e) => e.isActive('orderedList') },
  { label: 'Quote', key: '❝', run: (e) => e.chain().focus().toggleBlockquote().run(), active: (e) => e.isActive('blockquote') },
  { label: 'Code', key: '</>', run: (e) => e.chain().focus().toggleCode().run(), active: (e) => e.isActive('code') },
];

export function ReplyEditor({
  onSend,
  onUploadImage,
  sending,
  maxFileBytes,
  macros = [],
  onInsertMacro,
  onDraftingChange,
  mentionables = NO_ONE,
  tools,
  onReady,
}: ReplyEditorProps) {
  const [mode, setMode] = useState<'public' | 'internal'>('public');
  const [picking, setPicking] = useState(false);
  const [files, setFiles] = useState<File[]>([]);
  const [fileError, setFileError] = useState<string | null>(null);
  const internal = mode === 'internal';
  // The Mention extension is built once; it reads the current people and mode from here.
  const [mentionSource] = useState(createMentionSource);
  useEffect(() => mentionSource.update(mentionables, internal), [mentionSource, mentionables, internal]);

  const addFiles = (picked: File[]) => {
    const tooBig = picked.filter((f) => f.size > maxFileBytes);
    setFileError(tooBig.length ? `${tooBig.map((f) => f.name).join(', ')}: larger than ${formatSize(maxFileBytes)}` : null);
    setFiles((current) => [...current, ...picked.filter((f) => f.size <= maxFileBytes)]);
  };

  const editor = useEditor({
    extensions: [
      StarterKit.configure({ link: false }),
      Link.configure({ openOnClick: false, autolink: true, protocols: ['http', 'https', 'mailto'] }),
      Image.configure({ inline: true }),
      Placeholder.configure({ placeholder: 'Write a reply…' }),
      mentionExtension(mentionSource),
    ],
    editorProps: {
      attributes: { 'aria-label': 'Reply', role: 'textbox', 'aria-multiline': 'true', style: 'min-height: 96px; outline: none;' },
      // Pasted or dropped images are uploaded and shown inline; other files are attached.
      handlePaste: (_view, event) => takeFiles(event.clipboardData?.files),
      handleDrop: (_view, event) => takeFiles((event as DragEvent).dataTransfer?.files),
      // `/` at the start of an empty reply opens the macro picker.
      handleKeyDown: (view, event) => {
        if (event.key === '/' && onInsertMacro && macros.length > 0 && view.state.doc.textContent === '') {
          setPicking(true);
          return true;
        }
        return false;
      },
    },
  });

  useEffect(() => {
    if (!editor || !onReady) return;
    onReady({
      insert: (html) => editor.chain().focus().insertContent(html).run(),
      replace: (html) => editor.chain().focus().setContent(html).run(),
      draftText: () => editor.getText({ blockSeparator: '\n\n' }),
    });
    return () => onReady(null);
  }, [editor, onReady]);

  function takeFiles(list: FileList | null | undefined): boolean {
    const picked = list ? Array.from(list) : [];
    if (!picked.length) return false;
    const images = picked.filter((f) => f.type.startsWith('image/') && f.size <= maxFileBytes);
    addFiles(picked.filter((f) => !images.includes(f)));
    for (const image of images) {
      onUploadImage(image)
        .then((src) => editor?.chain().focus().setImage({ src, alt: image.name }).run())
        .catch((error: unknown) => setFileError(`${image.name}: ${error instanceof Error ? error.message : String(error)}`));
    }
    return true;
  }
  const drafting = !(useEditorState({ editor, selector: ({ editor: e }) => e?.isEmpty ?? true }) ?? true);
  useEffect(() => onDraftingChange?.(drafting, internal), [drafting, internal, onDraftingChange]);
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      empty: e?.isEmpty ?? true,
      active: e ? MARKS.map((m) => m.active(e)) : [],
      mentions: e ? countMentions(e) : 0,
    }),
  });

  const handleLink = () => {
    if (!editor) return;
    const url = window.prompt('Link address (https://…)');
    if (url === null) return;
    if (url === '') editor.chain().focus().unsetLink().run();
    else editor.chain().focus().extendMarkRange('link').setLink({ href: url }).run();
  };

  const handlePickMacro = async (value: string | null) => {
    setPicking(false);
    if (!value || !onInsertMacro) return;
    try {
      const out = await onInsertMacro(Number(value));
      if (out.html) editor?.chain().focus().setContent(out.html).run();
      if (out.internal) setMode('internal');
    } catch (error) {
      setFileError(error instanceof Error ? error.message : String(error));
    }
  };

  const handleSend = async () => {
    if (!editor || editor.isEmpty) return;
    await onSend(editor.getHTML(), internal, files);
    editor.commands.clearContent();
    setFiles([]);
    setFileError(null);
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
          {tools?.((html) => editor?.chain().focus().insertContent(html).run())}
        </Group>
      </Group>
      {picking && (
        <Select
          autoFocus
          searchable
          defaultDropdownOpened
          placeholder="Macro…"
          aria-label="Insert a macro"
          data={macros.map((m) => ({ value: String(m.id), label: m.name }))}
          onChange={(v) => void handlePickMacro(v)}
          onDropdownClose={() => setPicking(false)}
          mb="xs"
        />
      )}
      <EditorContent editor={editor} />
      {internal && mentionables.length > 0 && (
        <Text size="xs" c="dimmed" mt={4}>
          Type @ to mention a colleague — they get a notification.
        </Text>
      )}
      {!internal && (state?.mentions ?? 0) > 0 && (
        <Text size="xs" c="orange" mt={4} data-testid="public-mention-hint">
          Mentions notify colleagues only in internal notes; in a public reply the customer sees the names as plain text.
        </Text>
      )}
      {files.length > 0 && (
        <Group gap={6} mt="xs" data-testid="staged-files">
          {files.map((f, i) => (
            <Pill key={`${f.name}-${i}`} withRemoveButton onRemove={() => setFiles(files.filter((_, j) => j !== i))}>
              {f.name} ({formatSize(f.size)})
            </Pill>
          ))}
        </Group>
      )}
      {fileError && (
        <Group gap={4} mt="xs">
          <Text size="xs" c="red">
            {fileError}
          </Text>
          <CloseButton size="xs" aria-label="Dismiss" onClick={() => setFileError(null)} />
        </Group>
      )}
      <Group justify="space-between" mt="xs">
        <FileButton onChange={addFiles} multiple>
          {(props) => (
            <Button {...props} size="xs" variant="default">
              Attach files
            </Button>
          )}
        </FileButton>
        <Button size="xs" onClick={() => void handleSend()} loading={sending} disabled={state?.empty ?? true} color={internal ? 'yellow' : undefined}>
          {internal ? 'Add note' : 'Send reply'}
        </Button>
      </Group>
    </Paper>
  );
}

/** How many mention nodes the draft holds. */
function countMentions(editor: Editor): number {
  let n = 0;
  editor.state.doc.descendants((node) => {
    if (node.type.name === 'mention') n += 1;
  });
  return n;
}
