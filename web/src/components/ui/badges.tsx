import { Badge } from '@mantine/core';

const CATEGORY_COLORS: Record<string, string> = {
  new: 'yellow',
  open: 'red',
  pending: 'blue',
  on_hold: 'gray',
  solved: 'green',
  closed: 'dark',
};

const PRIORITY_COLORS: Record<string, string> = { low: 'gray', normal: 'blue', high: 'orange', urgent: 'red' };

export function StatusBadge({ name, category }: { name: string; category: string }) {
  return (
    <Badge color={CATEGORY_COLORS[category] ?? 'gray'} variant="light" radius="sm">
      {name}
    </Badge>
  );
}

export function PriorityBadge({ priority }: { priority: string }) {
  return (
    <Badge color={PRIORITY_COLORS[priority] ?? 'gray'} variant={priority === 'urgent' ? 'filled' : 'outline'} radius="sm">
      {priority}
    </Badge>
  );
}
