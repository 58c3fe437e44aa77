/**
 * Settings → Customer portal: the OpenID Connect providers customers can sign
 * in to the portal with. Each one is offered as a "Continue with …" button
 * while enabled; the redirect URI to register at the provider is shown to copy.
 */
import { Alert, Anchor, Badge, Button, Code, CopyButton, Group, Loader, Modal, Stack, Switch, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmModal } from '@/components/ui/confirm-modal';
import { errorMessage } from '@/lib/api-client';
import {
  OIDC_CALLBACK_PATH,
  oidcProvidersQuery,
  useDeleteOidcProvider,
  useUpdateOidcProvider,
  type OidcProvider,
} from '../api/oidc-providers';
import { OidcProviderForm } from './oidc-provider-form';

type Editing = { mode: 'new' } | { mode: 'edit'; provider: OidcProvider };

const fail = (title: string) => (error: unknown) => notifications.show({ color: 'red', title, message: errorMessage(error) });

export interface OidcProvidersSettingsProps {
  /** Where the admin reached the app; the redirect URI is built on it until the server names one. */
  origin?: string;
}

export function OidcProvidersSettings({ origin = window.location.origin }: OidcProvidersSettingsProps) {
  const providers = useQuery(oidcProvidersQuery);
  const update = useUpdateOidcProvider();
  const remove = useDeleteOidcProvider();
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<OidcProvider | null>(null);

  if (providers.isError) return <Alert color="red">{errorMessage(providers.error)}</Alert>;
  if (!providers.data) return <Loader size="sm" />;
  const rows = providers.data.data;
  // The server's value (from its public URL) wins: it is what the callback checks.
  const redirectUri = rows[0]?.redirect_uri ?? `${origin}${OIDC_CALLBACK_PATH}`;

  const handleToggle = (p: OidcProvider, enabled: boolean) =>
    update.mutate({ id: p.id, patch: { enabled } }, { onError: fail('Not saved') });

  const handleDelete = () => {
    if (!deleting) return;
    remove.mutate(deleting.id, {
      onSuccess: () => {
        notifications.show({ message: `Removed ${deleting.name}` });
        setDeleting(null);
      },
      onError: fail('Not removed'),
    });
  };

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text size="sm" c="dimmed" maw={640}>
          Customers can sign in to the portal with these OpenID Connect providers (Google, Microsoft, your own SSO) as
          well as with their e-mail address. Only addresses the provider has verified are accepted.
        </Text>
        <Button onClick={() => setEditing({ mode: 'new' })}>Add provider</Button>
      </Group>
      <Stack gap={4}>
        <Text size="sm" fw={600}>
          Redirect URI to register at the provider
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Code data-testid="oidc-redirect-uri" style={{ overflowWrap: 'anywhere' }}>
            {redirectUri}
          </Code>
          <CopyButton value={redirectUri}>
            {({ copied, copy }) => (
              <Button size="xs" variant="default" onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
      {rows.length === 0 ? (
        <Text c="dimmed" size="sm">
          No sign-in provider yet.{' '}
          <Anchor size="sm" onClick={() => setEditing({ mode: 'new' })}>
            Add one.
          </Anchor>
        </Text>
      ) : (
        <Table striped verticalSpacing="sm" data-testid="oidc-providers-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Provider</Table.Th>
              <Table.Th>Issuer</Table.Th>
              <Table.Th>Client</Table.Th>
              <Table.Th>Enabled</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((p) => (
              <Table.Tr key={p.id} data-testid={`oidc-provider-${p.id}`}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {p.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {p.slug}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {p.issuer}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {p.client_id}
                  </Text>
                  <Badge size="xs" variant="light" color={p.has_client_secret ? 'blue' : 'gray'}>
                    {p.has_client_secret ? 'secret stored' : 'public client'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Switch
                    aria-label={`${p.name} enabled`}
                    checked={p.enabled}
                    onChange={(e) => handleToggle(p, e.currentTarget.checked)}
                  />
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap" justify="flex-end">
                    <Button size="xs" variant="default" onClick={() => setEditing({ mode: 'edit', provider: p })}>
                      Edit
                    </Button>
                    <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(p)}>
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}

      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing?.mode === 'edit' ? `Edit ${editing.provider.name}` : 'Add a sign-in provider'}
        size="lg"
      >
        {editing && (
          <OidcProviderForm
            provider={editing.mode === 'edit' ? editing.provider : undefined}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setEditing(null);
              notifications.show({ message: `Saved ${saved.name}` });
            }}
          />
        )}
      </Modal>
      {deleting && (
        <ConfirmModal
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete provider"
          danger
          loading={remove.isPending}
          onConfirm={handleDelete}
          onCancel={() => setDeleting(null)}
        >
          Customers can no longer sign in with {deleting.name}. Their portal accounts stay: they sign in with their e-mail
          address instead.
        </ConfirmModal>
      )}
    </Stack>
  );
}
