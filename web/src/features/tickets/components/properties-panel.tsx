/** The ticket's properties, each editable in place; every change is one PATCH. */
import { Select, Stack, TagsInput, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '@/lib/api-client';
import { agentsQuery, customFieldsQuery, statusesQuery, tagsQuery } from '../api/reference';
import { useUpdateTicket, type Priority, type Ticket, type TicketPatch } from '../api/tickets';
import { CustomFieldInput } from './custom-field-input';

export function PropertiesPanel({ ticket }: { ticket: Ticket }) {
  const update = useUpdateTicket(ticket.id);
  const statuses = useQuery(statusesQuery);
  const agents = useQuery(agentsQuery);
  const tags = useQuery(tagsQuery);
  const fields = useQuery(customFieldsQuery);
  const values = ticket.custom_fields as Record<string, unknown>;

  const change = (patch: TicketPatch) =>
    update.mutate(patch, {
      onError: (error) => notifications.show({ color: 'red', title: 'Could not save', message: errorMessage(error) }),
    });

  return (
    <Stack gap="sm" data-testid="properties">
      <Select
        label="Status"
        value={String(ticket.status.id)}
        data={(statuses.data?.data ?? [])
          .filter((s) => s.active || s.id === ticket.status.id)
          .map((s) => ({ value: String(s.id), label: s.name }))}
        onChange={(v) => v && Number(v) !== ticket.status.id && change({ status_id: Number(v) })}
        allowDeselect={false}
      />
      <Select
        label="Priority"
        value={ticket.priority}
        data={['low', 'normal', 'high', 'urgent']}
        onChange={(v) => v && v !== ticket.priority && change({ priority: v as Priority })}
        allowDeselect={false}
      />
      <Select
        label="Assignee"
        placeholder="Unassigned"
        clearable
        searchable
        value={ticket.assignee ? String(ticket.assignee.id) : null}
        data={(agents.data ?? []).map((u) => ({ value: String(u.id), label: u.name }))}
        onChange={(v) => change({ assignee_id: v ? Number(v) : null })}
      />
      <TagsInput
        label="Tags"
        value={ticket.tags}
        data={(tags.data?.data ?? []).map((t) => t.tag)}
        onChange={(next) => change({ tags: next })}
        clearable
      />
      {fields.data?.data
        .filter((f) => f.entity === 'ticket' && f.active)
        .map((f) => (
          <CustomFieldInput key={f.id} field={f} value={values[f.key]} onSave={(v) => change({ custom_fields: { [f.key]: v } })} />
        ))}
      <Text size="xs" c="dimmed">
        Channel: {ticket.channel}
      </Text>
    </Stack>
  );
}
