import { Badge, Button, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/api-client';
import { adminTagsQuery, useDeleteTag, useMergeTag, useRenameTag, type TagChange, type TagCount } from '../api/tags';

/**
 * A tag as the server stores it: trimmed, lower case, inner spaces as `-`,
 * 1–64 letters, digits, `-`, `_`, `:` or `.`; `null` when it cannot be a tag.
 */
export function normalizeTag(raw: string): string | null {
  const tag = raw.trim().toLowerCase().split(/\s+/).filter(Boolean).join('-');
  const ok = tag.length > 0 && [...tag].length <= 64 && /^[\p{L}\p{N}_:.-]+$/u.test(tag);
  return ok ? tag : null;
}

/** "on 3 tickets" / "on 1 ticket". */
export function onTickets(n: number): string {
  return `on ${n} ticket${n === 1 ? '' : 's'}`;
}

const done = (verb: string) => (change: TagChange) =>
  notifications.show({ message: `${verb} “${change.tag}” ${onTickets(change.tickets)}` });
const fail = (error: unknown) => notifications.show({ color: 'red', title: 'Not changed', message: errorMessage(error) });

/** Tags in use with their counts; rename, merge or delete a tag on every ticket. */
export function TagsSettings() {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim().toLowerCase(), 200);
  const tags = useQuery(adminTagsQuery(q));
  const remove = useDeleteTag();
  const [renaming, setRenaming] = useState<TagCount | null>(null);
  const [merging, setMerging] = useState<TagCount | null>(null);

  const handleDelete = (t: TagCount) => {
    if (!window.confirm(`Remove “${t.tag}” from ${t.count} ticket${t.count === 1 ? '' : 's'}?`)) return;
    remove.mutate(t.tag, { onSuccess: done('Removed'), onError: fail });
  };

  return (
    <Stack>
      <Group justify="space-between">
        <TextInput placeholder="Search tags" aria-label="Search tags" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={280} />
        <Text c="dimmed" size="sm">
          Changes apply to every ticket carrying the tag and show in each ticket's history.
        </Text>
      </Group>
      <Table striped highlightOnHover data-testid="tags-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Tag</Table.Th>
            <Table.Th>Tickets</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tags.data?.data.map((t) => (
            <Table.Tr key={t.tag}>
              <Table.Td>
                <Badge variant="light" tt="none">
                  {t.tag}
                </Badge>
              </Table.Td>
              <Table.Td>{t.count}</Table.Td>
              <Table.Td>
                <Group gap="xs" justify="flex-end">
                  <Button size="xs" variant="subtle" onClick={() => setRenaming(t)}>
                    Rename
                  </Button>
                  <Button size="xs" variant="subtle" onClick={() => setMerging(t)}>
                    Merge into…
                  </Button>
                  <Button size="xs" variant="subtle" color="red" onClick={() => handleDelete(t)}>
                    Delete
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {tags.data?.data.length === 0 && (
        <Text c="dimmed" size="sm">
          {q ? 'No tag matches.' : 'No ticket carries a tag yet.'}
        </Text>
      )}
      {renaming && <RenameModal tag={renaming} onClose={() => setRenaming(null)} />}
      {merging && <MergeModal tag={merging} onClose={() => setMerging(null)} />}
    </Stack>
  );
}

function RenameModal({ tag, onClose }: { tag: TagCount; onClose: () => void }) {
  const rename = useRenameTag();
  const [name, setName] = useState(tag.tag);
  const normalized = normalizeTag(name);
  const problem = normalized ? undefined : 'Use letters, digits, -, _, : or . (at most 64)';

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!normalized) return;
    rename.mutate(
      { tag: tag.tag, name: normalized },
      {
        onSuccess: (change) => {
          done('Renamed')(change);
          onClose();
        },
      },
    );
  };

  return (
    <Modal opened onClose={onClose} title={`Rename “${tag.tag}”`}>
      <form onSubmit={handleSubmit}>
        <Stack>
          <TextInput
            label="New name"
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={problem}
            description={normalized && normalized !== name ? `Saved as “${normalized}”` : onTickets(tag.count)}
          />
          {rename.isError && (
            <Text c="red" size="sm">
              {errorMessage(rename.error)}
            </Text>
          )}
          <Button type="submit" disabled={!normalized || normalized === tag.tag} loading={rename.isPending}>
            Rename {onTickets(tag.count)}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}

function MergeModal({ tag, onClose }: { tag: TagCount; onClose: () => void }) {
  const merge = useMergeTag();
  const all = useQuery(adminTagsQuery(''));
  const choices = (all.data?.data ?? []).map((t) => t.tag).filter((t) => t !== tag.tag);
  const [into, setInto] = useState<string | null>(null);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!into) return;
    merge.mutate(
      { tag: tag.tag, into },
      {
        onSuccess: (change) => {
          done('Merged')(change);
          onClose();
        },
      },
    );
  };

  return (
    <Modal opened onClose={onClose} title={`Merge “${tag.tag}”`}>
      <form onSubmit={handleSubmit}>
        <Stack>
          <Select
            label="Into"
            description={`Tickets carrying “${tag.tag}” carry this tag instead; “${tag.tag}” disappears.`}
            searchable
            data={choices}
            value={into}
            onChange={setInto}
          />
          {merge.isError && (
            <Text c="red" size="sm">
              {errorMessage(merge.error)}
            </Text>
          )}
          <Button type="submit" disabled={!into} loading={merge.isPending}>
            Merge {onTickets(tag.count)}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
