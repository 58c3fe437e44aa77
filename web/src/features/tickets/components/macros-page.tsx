/** Macros: what each does, how often it is used; create and edit personal or shared ones. */
import { Badge, Button, Checkbox, Group, Modal, ScrollArea, Select, Stack, Table, TagsInput, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage, type Schemas } from '@/lib/api-client';
import { useDeleteMacro, macrosQuery, useSaveMacro, type Macro } from '../api/macros';
import { agentsQuery, statusesQuery } from '../api/reference';

type Actions = Schemas['MacroActions'];

/** Placeholders offered in the template help. */
export const PLACEHOLDERS = [
  '{{ requester.first_name }}',
  '{{ requester.name }}',
  '{{ ticket.number }}',
  '{{ ticket.subject }}',
  '{{ agent.first_name }}',
  '{{ order.number }}',
  '{{ order.status }}',
  '{{ order.carrier }}',
  '{{ order.tracking_number }}',
  '{{ order.total }}',
  '{{ workspace.name }}',
];

export function MacrosPage({ isAdmin, userId }: { isAdmin: boolean; userId: number }) {
  const macros = useQuery(macrosQuery);
  const remove = useDeleteMacro();
  const [editing, setEditing] = useState<Macro | 'new' | null>(null);
  return (
    <ScrollArea h="100%" p="md">
      <Group justify="space-between" mb="md">
        <Title order={2}>Macros</Title>
        <Button onClick={() => setEditing('new')}>New macro</Button>
      </Group>
      <Table striped data-testid="macros-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Reply</Table.Th>
            <Table.Th>Used</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {macros.data?.data.map((m) => (
            <Table.Tr key={m.id}>
              <Table.Td>
                {m.name} {m.shared ? <Badge size="xs">shared</Badge> : <Badge size="xs" variant="light">personal</Badge>}
              </Table.Td>
              <Table.Td>
                <Text size="xs" c="dimmed" lineClamp={2}>
                  {m.reply ?? '—'}
                </Text>
              </Table.Td>
              <Table.Td>{m.usage_count}</Table.Td>
              <Table.Td>
                {(!m.shared || isAdmin) && (m.owner_user_id == null || m.owner_user_id === userId) && (
                  <Group gap="xs" wrap="nowrap">
                    <Button size="xs" variant="default" onClick={() => setEditing(m)}>
                      Edit
                    </Button>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      onClick={() =>
                        window.confirm(`Delete “${m.name}”?`) &&
                        remove.mutate(m.id, { onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }) })
                      }
                    >
                      Delete
                    </Button>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {editing && (
        <MacroEditor macro={editing === 'new' ? undefined : editing} canShare={isAdmin} onClose={() => setEditing(null)} />
      )}
    </ScrollArea>
  );
}

function MacroEditor({ macro, canShare, onClose }: { macro?: Macro; canShare: boolean; onClose: () => void }) {
  const save = useSaveMacro();
  const statuses = useQuery(statusesQuery);
  const agents = useQuery(agentsQuery);
  const [name, setName] = useState(macro?.name ?? '');
  const [reply, setReply] = useState(macro?.reply ?? '');
  const [internal, setInternal] = useState(macro?.reply_internal ?? false);
  const [shared, setShared] = useState(macro?.shared ?? false);
  const [actions, setActions] = useState<Actions>(
    macro?.actions ?? { status_id: null, priority: null, assignee: null, add_tags: [], remove_tags: [], custom_fields: {} },
  );
  const patch = (p: Partial<Actions>) => setActions((a) => ({ ...a, ...p }));

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(
      { id: macro?.id, input: { name, reply, reply_internal: internal, actions, ...(canShare ? { shared } : {}) } },
      { onSuccess: onClose },
    );
  };

  return (
    <Modal opened onClose={onClose} title={macro ? `Edit “${macro.name}”` : 'New macro'} size="lg">
      <form onSubmit={handleSubmit} aria-label="Macro">
        <Stack gap="sm">
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Textarea
            label="Reply"
            description={`HTML or text with placeholders: ${PLACEHOLDERS.join(' ')}`}
            autosize
            minRows={4}
            value={reply}
            onChange={(e) => setReply(e.currentTarget.value)}
          />
          <Checkbox label="Post the reply as an internal note" checked={internal} onChange={(e) => setInternal(e.currentTarget.checked)} />
          <Group grow>
            <Select
              label="Set status"
              clearable
              value={actions.status_id == null ? null : String(actions.status_id)}
              data={(statuses.data?.data ?? []).filter((s) => s.active).map((s) => ({ value: String(s.id), label: s.name }))}
              onChange={(v) => patch({ status_id: v ? Number(v) : null })}
            />
            <Select
              label="Set priority"
              clearable
              value={actions.priority ?? null}
              data={['low', 'normal', 'high', 'urgent']}
              onChange={(v) => patch({ priority: (v as Actions['priority']) ?? null })}
            />
            <Select
              label="Assign to"
              clearable
              value={actions.assignee ?? null}
              data={[{ value: 'me', label: 'Whoever applies it' }, { value: 'none', label: 'Nobody' }, ...(agents.data ?? []).map((u) => ({ value: String(u.id), label: u.name }))]}
              onChange={(v) => patch({ assignee: v })}
            />
          </Group>
          <Group grow>
            <TagsInput label="Add tags" value={actions.add_tags} onChange={(v) => patch({ add_tags: v })} />
            <TagsInput label="Remove tags" value={actions.remove_tags} onChange={(v) => patch({ remove_tags: v })} />
          </Group>
          {canShare && <Checkbox label="Share with the team" checked={shared} onChange={(e) => setShared(e.currentTarget.checked)} />}
          {save.isError && (
            <Text c="red" size="sm" role="alert">
              {errorMessage(save.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save macro
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
