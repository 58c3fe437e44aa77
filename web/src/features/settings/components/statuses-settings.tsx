import { Badge, Button, Group, Select, Stack, Switch, Table, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/api-client';
import { statusesQuery, useCreateStatus, useUpdateStatus } from '../api/settings';

const CATEGORIES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
type Category = (typeof CATEGORIES)[number];

/** Custom statuses, each in one of the fixed categories that views and reports use. */
export function StatusesSettings() {
  const statuses = useQuery(statusesQuery);
  const create = useCreateStatus();
  const update = useUpdateStatus();
  const [name, setName] = useState('');
  const [category, setCategory] = useState<Category>('open');
  const fail = (error: unknown) => notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(error) });

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, category }, { onSuccess: () => setName(''), onError: fail });
  };

  return (
    <Stack>
      <form onSubmit={handleSubmit}>
        <Group align="flex-end">
          <TextInput label="New status" placeholder="Waiting on warehouse" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select label="Category" w={140} value={category} data={[...CATEGORIES]} allowDeselect={false} onChange={(c) => c && setCategory(c as Category)} />
          <Button type="submit" loading={create.isPending}>
            Add status
          </Button>
        </Group>
      </form>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Category</Table.Th>
            <Table.Th>Active</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {statuses.data?.data.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>
                {s.name} {s.is_default && <Badge size="xs" variant="light">default</Badge>}
              </Table.Td>
              <Table.Td>{s.category}</Table.Td>
              <Table.Td>
                <Switch
                  aria-label={`${s.name} active`}
                  checked={s.active}
                  disabled={s.is_default}
                  onChange={(e) => update.mutate({ id: s.id, patch: { active: e.currentTarget.checked } }, { onError: fail })}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
