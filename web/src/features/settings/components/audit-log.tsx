import { Button, Select, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { auditQuery } from '../api/settings';

const FILTERS = [
  { value: '', label: 'Everything' },
  { value: 'session.*', label: 'Sign-ins' },
  { value: 'user.*', label: 'Users' },
  { value: 'api_key.*', label: 'API keys' },
  { value: 'webhook.*', label: 'Webhooks' },
  { value: 'ticket.*', label: 'Tickets' },
  { value: 'custom_field.*', label: 'Custom fields' },
  { value: 'status.*', label: 'Statuses' },
];

/** The workspace audit log, read from the event log, newest first. */
export function AuditLog() {
  const [type, setType] = useState('');
  const log = useInfiniteQuery(auditQuery(type));
  const rows = log.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Stack>
      <Select label="Show" w={220} value={type} data={FILTERS} allowDeselect={false} onChange={(v) => setType(v ?? '')} />
      <Table striped data-testid="audit-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>What</Table.Th>
            <Table.Th>Subject</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((e) => (
            <Table.Tr key={e.seq}>
              <Table.Td>{new Date(e.at).toLocaleString()}</Table.Td>
              <Table.Td>
                {e.actor_name} <Text span size="xs" c="dimmed">({e.actor_kind})</Text>
              </Table.Td>
              <Table.Td>{e.type}</Table.Td>
              <Table.Td>
                {e.subject_type} {e.subject_id ?? ''}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {log.hasNextPage && (
        <Button variant="default" loading={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
          Older entries
        </Button>
      )}
    </Stack>
  );
}
