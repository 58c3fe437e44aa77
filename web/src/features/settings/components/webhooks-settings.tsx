import { Badge, Button, Code, Drawer, Group, MultiSelect, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/api-client';
import {
  deliveriesQuery,
  eventTypesQuery,
  useCreateWebhook,
  useDeleteWebhook,
  useRedeliver,
  useUpdateWebhook,
  webhooksQuery,
  type Webhook,
} from '../api/settings';

/** Webhook subscriptions, their signing secrets, delivery log and redelivery. */
export function WebhooksSettings() {
  const hooks = useQuery(webhooksQuery);
  const types = useQuery(eventTypesQuery);
  const create = useCreateWebhook();
  const update = useUpdateWebhook();
  const remove = useDeleteWebhook();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['ticket.created']);
  const [open, setOpen] = useState<Webhook | null>(null);
  const fail = (error: unknown) => notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(error) });

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ url, events }, { onSuccess: () => setUrl(''), onError: fail });
  };
  const typeOptions = ['*', ...(types.data?.data.map((t) => t.type) ?? [])];

  return (
    <Stack>
      <form onSubmit={handleSubmit}>
        <Group align="flex-end">
          <TextInput label="Endpoint URL" placeholder="https://example.com/hooks/autocrm" required w={360} value={url} onChange={(e) => setUrl(e.currentTarget.value)} />
          <MultiSelect label="Events" data={typeOptions} value={events} onChange={setEvents} searchable w={320} required />
          <Button type="submit" loading={create.isPending}>
            Add webhook
          </Button>
        </Group>
      </form>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>URL</Table.Th>
            <Table.Th>Events</Table.Th>
            <Table.Th>Enabled</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {hooks.data?.data.map((h) => (
            <Table.Tr key={h.id}>
              <Table.Td>
                <Text size="sm" style={{ wordBreak: 'break-all' }}>
                  {h.url}
                </Text>
                {h.disabled_reason && (
                  <Text size="xs" c="red">
                    {h.disabled_reason}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{h.events.join(', ')}</Table.Td>
              <Table.Td>
                <Switch aria-label={`${h.url} enabled`} checked={h.enabled} onChange={(e) => update.mutate({ id: h.id, patch: { enabled: e.currentTarget.checked } }, { onError: fail })} />
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button size="xs" variant="default" onClick={() => setOpen(h)}>
                    Deliveries
                  </Button>
                  <Button size="xs" variant="subtle" color="red" onClick={() => window.confirm(`Delete the webhook to ${h.url}?`) && remove.mutate(h.id, { onError: fail })}>
                    Delete
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Drawer opened={open !== null} onClose={() => setOpen(null)} position="right" size="xl" title={open?.url}>
        {open && <Deliveries webhook={open} />}
      </Drawer>
    </Stack>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const deliveries = useQuery(deliveriesQuery(webhook.id));
  const redeliver = useRedeliver(webhook.id);
  return (
    <Stack>
      <Text size="sm">
        Signing secret: <Code>{webhook.secret}</Code>
      </Text>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th>Attempt</Table.Th>
            <Table.Th>Result</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {deliveries.data?.data.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>{new Date(d.created_at).toLocaleString()}</Table.Td>
              <Table.Td>
                {d.event_type} <Text span size="xs" c="dimmed">#{d.event_seq}</Text>
              </Table.Td>
              <Table.Td>{d.attempt}</Table.Td>
              <Table.Td>
                <Badge color={d.ok ? 'green' : 'red'}>{d.status_code ?? 'error'}</Badge>{' '}
                <Text span size="xs" c="dimmed">
                  {d.duration_ms} ms {d.error ?? ''}
                </Text>
              </Table.Td>
              <Table.Td>
                <Button size="xs" variant="default" loading={redeliver.isPending} onClick={() => redeliver.mutate(d.id)}>
                  Redeliver
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {deliveries.data?.data.length === 0 && <Text c="dimmed">No deliveries yet.</Text>}
    </Stack>
  );
}
