import { Button, Group, Menu, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '@/lib/api-client';
import { agentsQuery, statusesQuery } from '../api/reference';
import { useBulkUpdate, type TicketPatch } from '../api/tickets';

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

export interface BulkBarProps {
  selected: ReadonlySet<number>;
  onDone: () => void;
}

/** Actions on every selected ticket, applied in one transaction by the server. */
export function BulkBar({ selected, onDone }: BulkBarProps) {
  const bulk = useBulkUpdate();
  const statuses = useQuery(statusesQuery);
  const agents = useQuery(agentsQuery);

  const apply = (patch: TicketPatch, what: string) =>
    bulk.mutate(
      { ids: [...selected], patch },
      {
        onSuccess: (out) => {
          notifications.show({ message: `${what}: ${out.updated} tickets updated` });
          onDone();
        },
        onError: (error) => notifications.show({ color: 'red', title: 'Bulk update failed', message: errorMessage(error) }),
      },
    );

  return (
    <Group gap="xs" p="xs" bg="var(--mantine-color-blue-light)" wrap="wrap" data-testid="bulk-bar">
      <Text size="sm" fw={600}>
        {selected.size} selected
      </Text>
      <Menu>
        <Menu.Target>
          <Button size="xs" variant="default" loading={bulk.isPending}>Status</Button>
        </Menu.Target>
        <Menu.Dropdown>
          {statuses.data?.data.filter((s) => s.active).map((s) => (
            <Menu.Item key={s.id} onClick={() => apply({ status_id: s.id }, `Status ${s.name}`)}>
              {s.name}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      <Menu>
        <Menu.Target>
          <Button size="xs" variant="default">Assign</Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => apply({ assignee_id: null }, 'Unassigned')}>Unassigned</Menu.Item>
          {agents.data?.map((u) => (
            <Menu.Item key={u.id} onClick={() => apply({ assignee_id: u.id }, `Assigned to ${u.name}`)}>
              {u.name}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      <Menu>
        <Menu.Target>
          <Button size="xs" variant="default">Priority</Button>
        </Menu.Target>
        <Menu.Dropdown>
          {PRIORITIES.map((p) => (
            <Menu.Item key={p} onClick={() => apply({ priority: p }, `Priority ${p}`)}>
              {p}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      <Button
        size="xs"
        variant="default"
        onClick={() => {
          const tag = window.prompt('Tag to add to the selected tickets');
          if (tag?.trim()) apply({ add_tags: [tag.trim()] }, `Tagged ${tag.trim()}`);
        }}
      >
        Add tag
      </Button>
      <Button size="xs" variant="subtle" onClick={onDone}>
        Clear
      </Button>
    </Group>
  );
}
