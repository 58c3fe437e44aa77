/**
 * Settings → Channels → E-mail: the workspace's mailboxes with their state
 * (active, how mail arrives, last poll and its error), and the actions on
 * each: edit, test the IMAP login, rotate the inbound token, delete.
 */
import { Alert, Anchor, Badge, Button, Group, Loader, Modal, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { RelativeTime } from '@/components/ui/relative-time';
import { errorMessage } from '@/lib/api-client';
import {
  mailboxesQuery,
  useDeleteMailbox,
  useRotateMailboxToken,
  useTestMailbox,
  type Mailbox,
  type MailboxTest,
} from '../api/mailboxes';
import { ConfirmModal } from './confirm-modal';
import { InboundTokenModal } from './inbound-token-modal';
import { MailboxForm } from './mailbox-form';

type Editing = { mode: 'new' } | { mode: 'edit'; mailbox: Mailbox };
type Confirming = { action: 'rotate' | 'delete'; mailbox: Mailbox };

const fail = (title: string) => (error: unknown) => notifications.show({ color: 'red', title, message: errorMessage(error) });

export interface MailboxesSettingsProps {
  /** Where the admin reached the app; the inbound endpoint is shown on it. */
  origin?: string;
}

export function MailboxesSettings({ origin = window.location.origin }: MailboxesSettingsProps) {
  const mailboxes = useQuery(mailboxesQuery);
  const rotate = useRotateMailboxToken();
  const remove = useDeleteMailbox();
  const test = useTestMailbox();
  const [editing, setEditing] = useState<Editing | null>(null);
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const [revealed, setRevealed] = useState<{ token: string; address: string } | null>(null);
  const [tests, setTests] = useState<Record<number, MailboxTest | { pending: true }>>({});

  const handleTest = (m: Mailbox) => {
    setTests((t) => ({ ...t, [m.id]: { pending: true } }));
    // `mutateAsync`: each row hears its own answer even when several tests run at once.
    test.mutateAsync(m.id).then(
      (result) => setTests((t) => ({ ...t, [m.id]: result })),
      (error: unknown) => setTests((t) => ({ ...t, [m.id]: { ok: false, error: errorMessage(error) } })),
    );
  };

  const handleConfirm = () => {
    if (!confirming) return;
    const { action, mailbox } = confirming;
    if (action === 'rotate') {
      rotate.mutate(mailbox.id, {
        onSuccess: ({ inbound_token }) => {
          setConfirming(null);
          setRevealed({ token: inbound_token, address: mailbox.address });
        },
        onError: fail('Token not rotated'),
      });
    } else {
      remove.mutate(mailbox.id, {
        onSuccess: () => {
          setConfirming(null);
          notifications.show({ message: `Deleted ${mailbox.address}` });
        },
        onError: fail('Not deleted'),
      });
    }
  };

  if (mailboxes.isError) return <Alert color="red">{errorMessage(mailboxes.error)}</Alert>;
  if (!mailboxes.data) return <Loader size="sm" />;
  const rows = mailboxes.data.data;

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text size="sm" c="dimmed" maw={640}>
          Mail to these addresses becomes tickets; replies go out from them. Mail arrives by IMAP polling or through the
          inbound endpoint, authenticated by each mailbox&apos;s own token.
        </Text>
        <Button onClick={() => setEditing({ mode: 'new' })}>Add mailbox</Button>
      </Group>
      {rows.length === 0 ? (
        <Text c="dimmed" size="sm">
          No mailbox yet.{' '}
          <Anchor size="sm" onClick={() => setEditing({ mode: 'new' })}>
            Add the address your customers write to.
          </Anchor>
        </Text>
      ) : (
        <Table striped verticalSpacing="sm" data-testid="mailboxes-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th miw={200}>Address</Table.Th>
              <Table.Th miw={130}>Status</Table.Th>
              <Table.Th>Receiving</Table.Th>
              <Table.Th>Sending</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((m) => (
              <MailboxRow
                key={m.id}
                mailbox={m}
                test={tests[m.id]}
                onEdit={() => setEditing({ mode: 'edit', mailbox: m })}
                onTest={() => handleTest(m)}
                onRotate={() => setConfirming({ action: 'rotate', mailbox: m })}
                onDelete={() => setConfirming({ action: 'delete', mailbox: m })}
              />
            ))}
          </Table.Tbody>
        </Table>
      )}

      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing?.mode === 'edit' ? `Edit ${editing.mailbox.address}` : 'Add a mailbox'}
        size="lg"
      >
        {editing && (
          <MailboxForm
            mailbox={editing.mode === 'edit' ? editing.mailbox : undefined}
            onCancel={() => setEditing(null)}
            onSaved={({ mailbox, created }) => {
              setEditing(null);
              if (created) setRevealed({ token: created.inbound_token, address: mailbox.address });
              else notifications.show({ message: `Saved ${mailbox.address}` });
            }}
          />
        )}
      </Modal>

      {confirming?.action === 'rotate' && (
        <ConfirmModal
          title={`Rotate the inbound token of ${confirming.mailbox.address}?`}
          confirmLabel="Rotate token"
          danger
          loading={rotate.isPending}
          onConfirm={handleConfirm}
          onCancel={() => setConfirming(null)}
        >
          The current token stops working at once: mail posted with it is refused until your forwarding provider or mail
          server uses the new one. IMAP polling is not affected.
        </ConfirmModal>
      )}
      {confirming?.action === 'delete' && (
        <ConfirmModal
          title={`Delete ${confirming.mailbox.address}?`}
          confirmLabel="Delete mailbox"
          danger
          loading={remove.isPending}
          onConfirm={handleConfirm}
          onCancel={() => setConfirming(null)}
        >
          Mail to this address is no longer received and replies can no longer go out from it. Messages already received
          stay on their tickets.
        </ConfirmModal>
      )}
      {revealed && (
        <InboundTokenModal token={revealed.token} address={revealed.address} origin={origin} onClose={() => setRevealed(null)} />
      )}
    </Stack>
  );
}

interface MailboxRowProps {
  mailbox: Mailbox;
  test: MailboxTest | { pending: true } | undefined;
  onEdit: () => void;
  onTest: () => void;
  onRotate: () => void;
  onDelete: () => void;
}

function MailboxRow({ mailbox: m, test, onEdit, onTest, onRotate, onDelete }: MailboxRowProps) {
  const pending = test !== undefined && 'pending' in test;
  return (
    <Table.Tr data-testid={`mailbox-${m.id}`}>
      <Table.Td>
        <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
          {m.address}
        </Text>
        {m.name && (
          <Text size="xs" c="dimmed">
            {m.name}
          </Text>
        )}
        {m.aliases.length > 0 && (
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            also {m.aliases.join(', ')}
          </Text>
        )}
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Stack gap={4} align="flex-start">
          <Badge color={m.active ? 'green' : 'gray'} variant="light">
            {m.active ? 'Active' : 'Inactive'}
          </Badge>
          {m.last_error && (
            <Badge color="red" variant="filled" title={m.last_error}>
              Poll failing
            </Badge>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        {m.imap ? (
          <Stack gap={2}>
            <Text size="sm">
              IMAP {m.imap.host}:{m.imap.port}{' '}
              <Text span size="xs" c="dimmed">
                {m.imap.security} · {m.imap.folder} · every {m.poll_interval_secs} s
              </Text>
            </Text>
            <Text size="xs" c="dimmed">
              Last checked {m.last_polled_at ? <RelativeTime iso={m.last_polled_at} /> : 'never'}
            </Text>
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            Inbound endpoint only
          </Text>
        )}
        {m.last_error && (
          <Alert color="red" p={6} mt={4} data-testid="mailbox-last-error">
            <Text size="xs" style={{ wordBreak: 'break-word' }}>
              {m.last_error}
            </Text>
          </Alert>
        )}
        {test && !pending && (
          <Text size="xs" mt={4} c={test.ok ? 'green' : 'red'} data-testid="mailbox-test-result">
            {test.ok ? '✓ Connection works: signed in and opened the folder.' : `✗ Connection failed: ${test.error ?? 'unknown error'}`}
          </Text>
        )}
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Text size="sm">{m.smtp_configured ? 'Own SMTP server' : 'Server mail settings'}</Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4} justify="flex-end" wrap="nowrap">
          <Button size="xs" variant="default" onClick={onEdit}>
            Edit
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={onTest}
            loading={pending}
            disabled={!m.imap}
            title={m.imap ? 'Sign in to the IMAP server with the saved settings' : 'No IMAP settings to test'}
          >
            Test connection
          </Button>
          <Button size="xs" variant="subtle" onClick={onRotate}>
            Rotate inbound token
          </Button>
          <Button size="xs" variant="subtle" color="red" onClick={onDelete}>
            Delete
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
