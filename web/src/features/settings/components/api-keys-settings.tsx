import { Alert, Badge, Button, Code, CopyButton, Group, Modal, MultiSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage, type Schemas } from '@/lib/api-client';
import { apiKeysQuery, useCreateApiKey, useRevokeApiKey } from '../api/settings';

type Scope = Schemas['Scope'];
const SCOPES: Scope[] = [
  'tickets:read',
  'tickets:write',
  'contacts:read',
  'contacts:write',
  'orders:read',
  'orders:write',
  'admin',
];

/** API keys: scoped, optionally expiring, shown once at creation. */
export function ApiKeysSettings() {
  const keys = useQuery(apiKeysQuery);
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['tickets:read']);
  const [secret, setSecret] = useState<string | null>(null);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { name, scopes: scopes as Scope[] },
      {
        onSuccess: (created) => {
          setSecret(created.key);
          setName('');
        },
        onError: (error) => notifications.show({ color: 'red', title: 'Not created', message: errorMessage(error) }),
      },
    );
  };

  return (
    <Stack>
      <form onSubmit={handleSubmit}>
        <Group align="flex-end">
          <TextInput label="Key name" placeholder="Zapier" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <MultiSelect label="Scopes" data={SCOPES} value={scopes} onChange={setScopes} w={360} required />
          <Button type="submit" loading={create.isPending}>
            Create key
          </Button>
        </Group>
      </form>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Key</Table.Th>
            <Table.Th>Scopes</Table.Th>
            <Table.Th>Last used</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {keys.data?.data.map((k) => (
            <Table.Tr key={k.id}>
              <Table.Td>{k.name}</Table.Td>
              <Table.Td>
                <Code>{k.prefix}…</Code>
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {k.scopes.map((s) => (
                    <Badge key={s} size="xs" variant="light">
                      {s}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>{k.last_used_at ? new Date(k.last_used_at).toLocaleString() : 'never'}</Table.Td>
              <Table.Td>
                {k.revoked_at ? (
                  <Badge color="gray">revoked</Badge>
                ) : (
                  <Button size="xs" color="red" variant="subtle" onClick={() => window.confirm(`Revoke ${k.name}?`) && revoke.mutate(k.id)}>
                    Revoke
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Modal opened={secret !== null} onClose={() => setSecret(null)} title="Your new API key">
        <Stack>
          <Alert color="yellow">Copy it now: it is shown only once and stored only as a hash.</Alert>
          <Code block data-testid="new-api-key">
            {secret}
          </Code>
          <CopyButton value={secret ?? ''}>
            {({ copied, copy }) => <Button onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}
          </CopyButton>
          <Text size="xs" c="dimmed">
            Send it as <Code>Authorization: Bearer …</Code>.
          </Text>
        </Stack>
      </Modal>
    </Stack>
  );
}
