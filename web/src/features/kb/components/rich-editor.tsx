/**
 * The article body editor: Tiptap rich text with headings, lists, quotes,
 * code, links and images (uploaded to the article and shown from the help
 * center's file URL). The server sanitises whatever it receives.
 */
import { ActionIcon, FileButton, Group, Paper, Tooltip } from '@mantine/core';
import Image from '@tiptap/extension-image';
import Link from '@tiptap/extension-link';
import Placeholder from '@tiptap/extension-placeholder';
import { EditorContent, useEditor, useEditorState, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';

export interface RichEditorProps {
  /** The initial HTML (the editor is uncontrolled; remount it with a `key` to load other content). */
  initialHtml: string;
  onChange: (html: string) => void;
  /** Uploads an image and answers its URL; absent while the article is not saved yet. */
  onUploadImage?: (file: File) => Promise<string>;
  onError?: (message: string) => void;
  label: string;
}

const TOOLS: { label: string; key: string; run: (e: Editor) => void; active: (e: Editor) => boolean }[] = [
  { label: 'Heading', key: 'H2', run: (e) => e.chain().focus().toggleHeading({ level: 2 }).run(), active: (e) => e.isActive('heading', { level: 2 }) },
  { label: 'Subheading', key: 'H3', run: (e) => e.chain().focus().toggleHeading({ level: 3 }).run(), active: (e) => e.isActive('heading', { level: 3 }) },
  { label: 'Bold', key: 'B', run: (e) => e.chain().focus().toggleBold().run(), active: (e) => e.isActive('bold') },
  { label: 'Italic', key: 'I', run: (e) => e.chain().focus().toggleItalic().run(), active: (e) => e.isActive('italic') },
  { label: 'Bulleted list', key: '•', run: (e) => e.chain().focus().toggleBulletList().run(), active: (e) => e.isActive('bulletList') },
  { label: 'Numbered list', key: '1.', run: (e) => e.chain().focus().toggleOrderedList().run(), active: (e) => e.isActive('orderedList') },
  { label: 'Quote', key: '❝', run: (e) => e.chain().focus().toggleBlockquote().run(), active: (e) => e.isActive('blockquote') },
  { label: 'Code', key: '</>', run: (e) => e.chain().focus().toggleCode().run(), active: (e) => e.isActive('code') },
];

export function RichEditor({ initialHtml, onChange, onUploadImage, onError, label }: RichEditorProps) {
  const editor = useEditor({
    extensions: [
      StarterKit.configure({ link: false, heading: { levels: [2, 3] } }),
      Link.configure({ openOnClick: false, autolink: true, protocols: ['http', 'https', 'mailto', 'tel'] }),
      Image.configure({ inline: false }),
      Placeholder.configure({ placeholder: 'Write the article…' }),
    ],
    content: initialHtml,
    editorProps: {
      attributes: {
        'aria-label': label,
        role: 'textbox',
        'aria-multiline': 'true',
        style: 'min-height: 280px; outline: none;',
        'data-testid': 'article-body',
      },
      handlePaste: (_view, event) => takeImages(event.clipboardData?.files),
      handleDrop: (_view, event) => takeImages((event as DragEvent).dataTransfer?.files),
    },
    onUpdate: ({ editor: e }) => onChange(e.getHTML()),
  });

  function insertImages(files: File[]) {
    if (!onUploadImage) {
      onError?.('Save the article once before adding images.');
      return;
    }
    for (const file of files) {
      onUploadImage(file)
        .then((src) => editor?.chain().focus().setImage({ src, alt: file.name }).run())
        .catch((error: unknown) => onError?.(`${file.name}: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  function takeImages(list: FileList | null | undefined): boolean {
    const images = list ? Array.from(list).filter((f) => f.type.startsWith('image/')) : [];
    if (!images.length) return false;
    insertImages(images);
    return true;
  }

  const active = useEditorState({ editor, selector: ({ editor: e }) => (e ? TOOLS.map((t) => t.active(e)) : []) });

  const handleLink = () => {
    if (!editor) return;
    const url = window.prompt('Link address (https://…)');
    if (url === null) return;
    if (url === '') editor.chain().focus().unsetLink().run();
    else editor.chain().focus().extendMarkRange('link').setLink({ href: url }).run();
  };

  return (
    <Paper withBorder p="sm">
      <Group gap={4} mb="xs" role="toolbar" aria-label="Formatting">
        {TOOLS.map((t, i) => (
          <Tooltip key={t.label} label={t.label}>
            <ActionIcon
              variant={active?.[i] ? 'filled' : 'subtle'}
              size="sm"
              aria-label={t.label}
              aria-pressed={Boolean(active?.[i])}
              onClick={() => editor && t.run(editor)}
            >
              <span style={{ fontSize: 11, fontWeight: 700 }}>{t.key}</span>
            </ActionIcon>
          </Tooltip>
        ))}
        <Tooltip label="Link">
          <ActionIcon variant="subtle" size="sm" aria-label="Link" onClick={handleLink}>
            <span style={{ fontSize: 12 }}>🔗</span>
          </ActionIcon>
        </Tooltip>
        <FileButton onChange={(files) => insertImages(files)} accept="image/png,image/jpeg,image/gif,image/webp" multiple>
          {(props) => (
            <Tooltip label="Insert image">
              <ActionIcon {...props} variant="subtle" size="sm" aria-label="Insert image">
                <span style={{ fontSize: 12 }}>🖼</span>
              </ActionIcon>
            </Tooltip>
          )}
        </FileButton>
      </Group>
      <EditorContent editor={editor} />
    </Paper>
  );
}
