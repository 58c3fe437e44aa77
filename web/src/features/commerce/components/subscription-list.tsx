/** The requester's subscriptions with pause/resume, skip, frequency and cancel. */
import { Badge, Button, Group, Menu, Modal, NumberInput, Paper, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { errorMessage } from '@/lib/api-client';
import { useSubscriptionAction, type Subscription, type SubscriptionAction } from '../api/commerce';
import { formatMoney } from '../money';

const STATUS_COLOR: Record<Subscription['status'], string> = { active: 'green', paused: 'yellow', cancelled: 'gray' };

function every(s: Subscription): string {
  const unit = s.interval_unit === 'week' ? 'week' : 'month';
  return s.interval_count === 1 ? `every ${unit}` : `every ${s.interval_count} ${unit}s`;
}

export function SubscriptionList({ ticketId, subscriptions }: { ticketId: number; subscriptions: Subscription[] }) {
  const mutation = useSubscriptionAction(ticketId);
  const [dialog, setDialog] = useState<{ sub: Subscription; kind: 'cancel' | 'frequency' } | null>(null);
  const run = async (sub: Subscription, action: SubscriptionAction) => {
    try {
      const out = await mutation.mutateAsync({ subscriptionId: sub.id, action });
      notifications.show({ color: 'green', message: out.outcome.summary });
      setDialog(null);
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    }
  };
  if (subscriptions.length === 0) return <Text size="sm" c="dimmed">No subscriptions.</Text>;
  return (
    <Stack gap={6} data-testid="subscriptions">
      {subscriptions.map((s) => (
        <Paper key={s.id} withBorder p={6}>
          <Group justify="space-between" wrap="nowrap" gap={4}>
            <div style={{ minWidth: 0 }}>
              <Text size="sm" lineClamp={1}>
                {s.name}
              </Text>
              <Text size="xs" c="dimmed">
                {formatMoney(s.price_cents, s.currency)} {every(s)}
                {s.next_charge_date ? ` · next ${s.next_charge_date}` : ''}
              </Text>
            </div>
            <Group gap={4} wrap="nowrap">
              <Badge size="xs" color={STATUS_COLOR[s.status]}>
                {s.status}
              </Badge>
              {s.status !== 'cancelled' && (
                <Menu position="bottom-end" withinPortal>
                  <Menu.Target>
                    <Button size="compact-xs" variant="subtle" aria-label={`Actions for ${s.name}`}>
                      ⋯
                    </Button>
                  </Menu.Target>
                  <Menu.Dropdown>
                    {s.status === 'active' && <Menu.Item onClick={() => void run(s, { kind: 'skip' })}>Skip next delivery</Menu.Item>}
                    {s.status === 'active' && <Menu.Item onClick={() => void run(s, { kind: 'pause' })}>Pause</Menu.Item>}
                    {s.status === 'paused' && <Menu.Item onClick={() => void run(s, { kind: 'resume' })}>Resume</Menu.Item>}
                    <Menu.Item onClick={() => setDialog({ sub: s, kind: 'frequency' })}>Change frequency</Menu.Item>
                    <Menu.Item color="red" onClick={() => setDialog({ sub: s, kind: 'cancel' })}>
                      Cancel subscription
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              )}
            </Group>
          </Group>
        </Paper>
      ))}
      {dialog && <SubscriptionDialog {...dialog} busy={mutation.isPending} onClose={() => setDialog(null)} onRun={run} />}
    </Stack>
  );
}

function SubscriptionDialog({
  sub,
  kind,
  busy,
  onClose,
  onRun,
}: {
  sub: Subscription;
  kind: 'cancel' | 'frequency';
  busy: boolean;
  onClose: () => void;
  onRun: (sub: Subscription, action: SubscriptionAction) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [unit, setUnit] = useState<Subscription['interval_unit']>(sub.interval_unit);
  const [count, setCount] = useState<number>(sub.interval_count);
  return (
    <Modal opened onClose={onClose} title={`${kind === 'cancel' ? 'Cancel' : 'Change frequency of'} ${sub.name}`}>
      <Stack>
        {kind === 'cancel' ? (
          <TextInput label="Reason (optional)" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        ) : (
          <Group grow>
            <NumberInput label="Every" min={1} max={12} value={count} onChange={(v) => setCount(Number(v) || 1)} />
            <Select
              label="Unit"
              value={unit}
              onChange={(v) => setUnit(v === 'week' ? 'week' : 'month')}
              data={[
                { value: 'week', label: 'weeks' },
                { value: 'month', label: 'months' },
              ]}
            />
          </Group>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Back
          </Button>
          <Button
            color={kind === 'cancel' ? 'red' : 'blue'}
            loading={busy}
            onClick={() =>
              void onRun(
                sub,
                kind === 'cancel' ? { kind, body: { reason } } : { kind, body: { interval_unit: unit, interval_count: count } },
              )
            }
          >
            Confirm
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
