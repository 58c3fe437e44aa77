/**
 * The @mention picker of internal notes: agents and admins filtered as you
 * type, chosen with ↑/↓ and Enter (or Tab), or a click. Escape closes it.
 */
import { Group, Paper, Text, UnstyledButton } from '@mantine/core';
import { useImperativeHandle, useState, type Ref } from 'react';

/** Someone who can be mentioned (an active admin or agent). */
export interface Mentionable {
  id: number;
  name: string;
  email: string;
}

/** Case- and accent-insensitive form for matching. */
const fold = (s: string) => s.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();

/**
 * The people matching what was typed after `@`: names starting with it first,
 * then a later word of the name, then anywhere in the name or the e-mail's
 * start; ties by name. An empty query lists everyone (up to `limit`).
 */
export function filterMentionables(people: Mentionable[], query: string, limit = 8): Mentionable[] {
  const q = fold(query.trim());
  const rank = (p: Mentionable) => {
    const name = fold(p.name);
    if (name.startsWith(q)) return 0;
    if (name.split(/\s+/).some((word) => word.startsWith(q))) return 1;
    if (name.includes(q) || fold(p.email).startsWith(q)) return 2;
    return -1;
  };
  return people
    .map((person) => ({ person, rank: rank(person) }))
    .filter((m) => m.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.person.name.localeCompare(b.person.name))
    .slice(0, limit)
    .map((m) => m.person);
}

/** What the editor calls while the list is open. */
export interface MentionListHandle {
  /** Handles ↑, ↓, Enter and Tab; answers whether the key was used. */
  onKeyDown: (event: KeyboardEvent) => boolean;
}

export interface MentionListProps {
  items: Mentionable[];
  /** Inserts the chosen person as a mention node. */
  command: (attrs: { id: string; label: string }) => void;
  ref?: Ref<MentionListHandle>;
}

export function MentionList({ items, command, ref }: MentionListProps) {
  const [selected, setSelected] = useState(0);
  const [shown, setShown] = useState(items);
  if (shown !== items) {
    // A new query: start again at the best match.
    setShown(items);
    setSelected(0);
  }
  const handlePick = (index: number) => {
    const person = items[index];
    if (person) command({ id: String(person.id), label: person.name });
  };

  useImperativeHandle(ref, () => ({
    onKeyDown: (event: KeyboardEvent) => {
      if (items.length === 0) return false;
      if (event.key === 'ArrowDown') {
        setSelected((i) => (i + 1) % items.length);
        return true;
      }
      if (event.key === 'ArrowUp') {
        setSelected((i) => (i + items.length - 1) % items.length);
        return true;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        handlePick(selected);
        return true;
      }
      return false;
    },
  }));

  return (
    <Paper shadow="md" withBorder p={4} miw={240} role="listbox" aria-label="Mention a colleague" data-testid="mention-list" style={{ zIndex: 400 }}>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed" px="xs" py={4}>
          No matching colleague
        </Text>
      ) : (
        items.map((person, i) => (
          <UnstyledButton
            key={person.id}
            role="option"
            aria-selected={i === selected}
            display="block"
            w="100%"
            px="xs"
            py={4}
            bg={i === selected ? 'var(--mantine-primary-color-light)' : undefined}
            style={{ borderRadius: 'var(--mantine-radius-sm)' }}
            // Keep the editor's focus (and its selection) while clicking.
            onMouseDown={(event) => event.preventDefault()}
            onMouseEnter={() => setSelected(i)}
            onClick={() => handlePick(i)}
          >
            <Group gap={6} wrap="nowrap">
              <Text size="sm" fw={500}>
                {person.name}
              </Text>
              <Text size="xs" c="dimmed" truncate>
                {person.email}
              </Text>
            </Group>
          </UnstyledButton>
        ))
      )}
    </Paper>
  );
}
