/** A small rich-text field for step content (bold, italic, lists, links), emitting HTML the server sanitises. */
import { Button, Group, Input, Paper } from '@mantine/core';
import Link from '@tiptap/extension-link';
import Placeholder from '@tiptap/extension-placeholder';
import { EditorContent, useEditor, useEditorState } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';

export interface RichTextProps {
  label: string;
  value: string;
  placeholder?: string;
  onChange: (html: string) => void;
}

/** Remount it (a `key`) to load another value: the editor owns its content while mounted. */
export function RichText({ label, value, placeholder, onChange }: RichTextProps) {
  const editor = useEditor({
    extensions: [
      StarterKit.configure({ link: false, heading: { levels: [3, 4] } }),
      Link.configure({ openOnClick: false, autolink: true, protocols: ['http', 'https', 'mailto'] }),
      Placeholder.configure({ placeholder: placeholder ?? '' }),
    ],
    content: value,
    editorProps: { attributes: { 'aria-label': label, role: 'textbox', 'aria-multiline': 'true', style: 'min-height: 72px; outline: none;' } },
    onUpdate: ({ editor: e }) => onChange(e.isEmpty ? '' : e.getHTML()),
  });
  const active = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e?.isActive('bold') ?? false,
      italic: e?.isActive('italic') ?? false,
      bullet: e?.isActive('bulletList') ?? false,
      ordered: e?.isActive('orderedList') ?? false,
      link: e?.isActive('link') ?? false,
    }),
  });
  const handleLink = () => {
    if (!editor) return;
    const url = window.prompt('Link address (https://… or /help/…)');
    if (url === null) return;
    if (url === '') editor.chain().focus().unsetLink().run();
    else editor.chain().focus().extendMarkRange('link').setLink({ href: url }).run();
  };
  const button = (name: string, text: string, on: boolean | undefined, run: () => void) => (
    <Button size="compact-xs" variant={on ? 'filled' : 'subtle'} aria-label={name} aria-pressed={on} onClick={run}>
      {text}
    </Button>
  );
  return (
    <Input.Wrapper label={label}>
      <Paper withBorder p="xs">
        <Group gap={4} mb={4}>
          {button('Bold', 'Bold', active?.bold, () => editor?.chain().focus().toggleBold().run())}
          {button('Italic', 'Italic', active?.italic, () => editor?.chain().focus().toggleItalic().run())}
          {button('Bulleted list', '• List', active?.bullet, () => editor?.chain().focus().toggleBulletList().run())}
          {button('Numbered list', '1. List', active?.ordered, () => editor?.chain().focus().toggleOrderedList().run())}
          {button('Link', 'Link', active?.link, handleLink)}
        </Group>
        <EditorContent editor={editor} />
      </Paper>
    </Input.Wrapper>
  );
}
