/**
 * The knowledge base's structure: categories and their sections with names
 * per locale; create, rename (in any language), move up and down, delete
 * (empty ones, admins). Selecting a section filters the article list.
 */
import { ActionIcon, Button, Group, Menu, Modal, NavLink, ScrollArea, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/api-client';
import {
  treeQuery,
  useCreateCategory,
  useCreateSection,
  useDeleteCategory,
  useDeleteSection,
  useUpdateCategory,
  useUpdateSection,
  type Category,
  type NameIn,
  type Section,
} from '../api/structure';
import { LANGUAGES, languageName, nameIn } from '../lib/locales';

/** What the list shows: everything, one section, or unfiled articles. */
export type Selection = { kind: 'all' } | { kind: 'unfiled' } | { kind: 'section'; id: number };

interface Props {
  locale: string;
  selection: Selection;
  onSelect: (s: Selection) => void;
}

type Editing =
  | { kind: 'new-category' }
  | { kind: 'new-section'; categoryId: number }
  | { kind: 'category'; item: Category }
  | { kind: 'section'; item: Section };

const fail = (e: unknown) => notifications.show({ color: 'red', message: errorMessage(e) });

export function CategoryTree({ locale, selection, onSelect }: Props) {
  const tree = useQuery(treeQuery);
  const [editing, setEditing] = useState<Editing | null>(null);
  const updateCategory = useUpdateCategory();
  const updateSection = useUpdateSection();
  const deleteCategory = useDeleteCategory();
  const deleteSection = useDeleteSection();
  const categories = tree.data?.data ?? [];

  // Moving swaps positions with the neighbour (positions are renumbered 0…n first).
  const moveCategory = (index: number, by: -1 | 1) => {
    const other = categories[index + by];
    const me = categories[index];
    if (!other || !me) return;
    updateCategory.mutate({ id: me.id, position: index + by }, { onError: fail });
    updateCategory.mutate({ id: other.id, position: index }, { onError: fail });
  };
  const moveSection = (sections: Section[], index: number, by: -1 | 1) => {
    const other = sections[index + by];
    const me = sections[index];
    if (!other || !me) return;
    updateSection.mutate({ id: me.id, position: index + by }, { onError: fail });
    updateSection.mutate({ id: other.id, position: index }, { onError: fail });
  };

  return (
    <Stack gap="xs" h="100%">
      <Group justify="space-between">
        <Text fw={700} size="sm">
          Categories
        </Text>
        <Button size="compact-xs" variant="light" onClick={() => setEditing({ kind: 'new-category' })}>
          New category
        </Button>
      </Group>
      <ScrollArea style={{ flex: 1 }}>
        <nav aria-label="Knowledge base structure">
          <NavLink
            label="All articles"
            active={selection.kind === 'all'}
            onClick={() => onSelect({ kind: 'all' })}
          />
          <NavLink
            label="Not in a section"
            active={selection.kind === 'unfiled'}
            onClick={() => onSelect({ kind: 'unfiled' })}
          />
          {categories.map((c, ci) => (
            <NavLink
              key={c.id}
              label={nameIn(c.translations, locale, locale)}
              defaultOpened
              childrenOffset={12}
              rightSection={
                <HeadingMenu
                  label={`Category ${nameIn(c.translations, locale, locale)}`}
                  first={ci === 0}
                  last={ci === categories.length - 1}
                  onRename={() => setEditing({ kind: 'category', item: c })}
                  onMove={(by) => moveCategory(ci, by)}
                  onAdd={() => setEditing({ kind: 'new-section', categoryId: c.id })}
                  onDelete={() =>
                    window.confirm('Delete this category? It must have no sections.') &&
                    deleteCategory.mutate(c.id, { onError: fail })
                  }
                />
              }
            >
              {c.sections.map((s, si) => (
                <NavLink
                  key={s.id}
                  label={`${nameIn(s.translations, locale, locale)} (${s.article_count})`}
                  active={selection.kind === 'section' && selection.id === s.id}
                  onClick={() => onSelect({ kind: 'section', id: s.id })}
                  rightSection={
                    <HeadingMenu
                      label={`Section ${nameIn(s.translations, locale, locale)}`}
                      first={si === 0}
                      last={si === c.sections.length - 1}
                      onRename={() => setEditing({ kind: 'section', item: s })}
                      onMove={(by) => moveSection(c.sections, si, by)}
                      onDelete={() =>
                        window.confirm('Delete this section? It must have no articles.') &&
                        deleteSection.mutate(s.id, { onError: fail })
                      }
                    />
                  }
                />
              ))}
            </NavLink>
          ))}
        </nav>
      </ScrollArea>
      {editing && <HeadingModal editing={editing} defaultLocale={locale} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function HeadingMenu(props: {
  label: string;
  first: boolean;
  last: boolean;
  onRename: () => void;
  onMove: (by: -1 | 1) => void;
  onAdd?: () => void;
  onDelete: () => void;
}) {
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon
          size="sm"
          variant="subtle"
          aria-label={`${props.label}: actions`}
          onClick={(e) => e.stopPropagation()}
        >
          ⋯
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown onClick={(e) => e.stopPropagation()}>
        <Menu.Item onClick={props.onRename}>Rename / translate</Menu.Item>
        {props.onAdd && <Menu.Item onClick={props.onAdd}>Add section</Menu.Item>}
        <Menu.Item disabled={props.first} onClick={() => props.onMove(-1)}>
          Move up
        </Menu.Item>
        <Menu.Item disabled={props.last} onClick={() => props.onMove(1)}>
          Move down
        </Menu.Item>
        <Menu.Item color="red" onClick={props.onDelete}>
          Delete
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/** Names and descriptions of a category or section, one language at a time. */
function HeadingModal({ editing, defaultLocale, onClose }: { editing: Editing; defaultLocale: string; onClose: () => void }) {
  const existing: Record<string, NameIn> =
    editing.kind === 'category' || editing.kind === 'section' ? { ...editing.item.translations } : {};
  const [names, setNames] = useState<Record<string, NameIn>>(
    Object.keys(existing).length ? existing : { [defaultLocale]: { name: '', description: '' } },
  );
  const [locale, setLocale] = useState(Object.keys(existing)[0] ?? defaultLocale);
  const createCategory = useCreateCategory();
  const createSection = useCreateSection();
  const updateCategory = useUpdateCategory();
  const updateSection = useUpdateSection();
  const current = names[locale] ?? { name: '', description: '' };
  const title =
    editing.kind === 'new-category'
      ? 'New category'
      : editing.kind === 'new-section'
        ? 'New section'
        : editing.kind === 'category'
          ? 'Category'
          : 'Section';

  const handleSubmit = (e: FormEvent) => {
    e.preventDefault();
    // Locales emptied in the form are removed; the rest are sent.
    const send: Record<string, NameIn | null> = {};
    for (const [l, v] of Object.entries(names)) send[l] = v.name.trim() ? v : null;
    for (const l of Object.keys(existing)) if (!(l in names)) send[l] = null;
    const done = { onSuccess: onClose, onError: fail };
    if (editing.kind === 'new-category') createCategory.mutate(send, done);
    else if (editing.kind === 'new-section') createSection.mutate({ categoryId: editing.categoryId, translations: send }, done);
    else if (editing.kind === 'category') updateCategory.mutate({ id: editing.item.id, translations: send }, done);
    else updateSection.mutate({ id: editing.item.id, translations: send }, done);
  };

  const languages = [
    ...Object.keys(names).map((l) => ({ value: l, label: languageName(l) })),
    ...LANGUAGES.filter((l) => !(l.value in names)).map((l) => ({ value: l.value, label: `+ ${l.label}` })),
  ];

  return (
    <Modal opened onClose={onClose} title={title}>
      <form onSubmit={handleSubmit}>
        <Stack>
          <Select
            label="Language"
            data={languages}
            value={locale}
            allowDeselect={false}
            onChange={(v) => {
              if (!v) return;
              setLocale(v);
              if (!names[v]) setNames({ ...names, [v]: { name: '', description: '' } });
            }}
          />
          <TextInput
            label={`Name (${languageName(locale)})`}
            required={Object.keys(names).length === 1}
            maxLength={120}
            value={current.name}
            onChange={(e) => setNames({ ...names, [locale]: { ...current, name: e.currentTarget.value } })}
            data-autofocus
          />
          <Textarea
            label="Description"
            maxLength={500}
            autosize
            minRows={2}
            value={current.description}
            onChange={(e) => setNames({ ...names, [locale]: { ...current, description: e.currentTarget.value } })}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Save</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
