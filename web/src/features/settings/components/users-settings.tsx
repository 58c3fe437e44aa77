import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  PasswordInput,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/api-client';
import { inviteLink, useInviteUser, useResendInvitation, useRevokeInvitation, type Invitation } from '../api/invitations';
import { useCreateUser, useUpdateUser, usersQuery, type User } from '../api/settings';

type Role = 'admin' | 'agent' | 'customer';

/** Where an invited user's link stands at `now`; `null` for users who joined. */
export function invitationState(user: Pick<User, 'status' | 'invitation_expires_at'>, now = new Date()): 'pending' | 'expired' | null {
  if (user.status !== 'invited' || !user.invitation_expires_at) return null;
  return new Date(user.invitation_expires_at) > now ? 'pending' : 'expired';
}

/** Users and roles: invite by link or add with a password, change role, deactivate. */
export function UsersSettings({ currentUserId }: { currentUserId: number }) {
  const users = useQuery(usersQuery);
  const update = useUpdateUser();
  const resend = useResendInvitation();
  const revoke = useRevokeInvitation();
  const [adding, setAdding] = useState(false);
  const [inviting, setInviting] = useState(false);
  const [link, setLink] = useState<Invitation | null>(null);
  const fail = (error: unknown) => notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(error) });
  const handleRevoke = (u: User) => {
    if (!window.confirm(`Revoke the invitation of ${u.email}? Their link stops working and the user is removed.`)) return;
    revoke.mutate(u.id, { onSuccess: () => notifications.show({ message: `Invitation of ${u.email} revoked` }), onError: fail });
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          Admins manage settings; agents work tickets; customers use the portal.
        </Text>
        <Group gap="xs">
          <Button variant="default" onClick={() => setAdding(true)}>
            Add with password
          </Button>
          <Button onClick={() => setInviting(true)}>Invite</Button>
        </Group>
      </Group>
      <Table striped highlightOnHover data-testid="users-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>E-mail</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Active</Table.Th>
            <Table.Th>Last sign-in</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {users.data?.map((u) => (
            <Table.Tr key={u.id}>
              <Table.Td>
                {u.name} <StatusBadge user={u} />
              </Table.Td>
              <Table.Td>{u.email}</Table.Td>
              <Table.Td>
                <Select
                  size="xs"
                  w={120}
                  aria-label={`Role of ${u.email}`}
                  value={u.role}
                  disabled={u.id === currentUserId}
                  data={['admin', 'agent', 'customer']}
                  allowDeselect={false}
                  onChange={(role) => role && update.mutate({ id: u.id, patch: { role: role as Role } }, { onError: fail })}
                />
              </Table.Td>
              <Table.Td>
                <Switch
                  aria-label={`${u.email} may sign in`}
                  checked={u.active}
                  disabled={u.id === currentUserId || u.status === 'invited'}
                  onChange={(e) => update.mutate({ id: u.id, patch: { active: e.currentTarget.checked } }, { onError: fail })}
                />
              </Table.Td>
              <Table.Td>{u.last_login_at ? new Date(u.last_login_at).toLocaleString() : '—'}</Table.Td>
              <Table.Td>
                {u.status === 'invited' && (
                  <Group gap="xs" wrap="nowrap" justify="flex-end">
                    <Button size="xs" variant="subtle" onClick={() => resend.mutate(u.id, { onSuccess: setLink, onError: fail })}>
                      Resend link
                    </Button>
                    <Button size="xs" variant="subtle" color="red" onClick={() => handleRevoke(u)}>
                      Revoke
                    </Button>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <AddUserModal opened={adding} onClose={() => setAdding(false)} />
      <InviteModal
        opened={inviting}
        onClose={() => setInviting(false)}
        onInvited={(invitation) => {
          setInviting(false);
          setLink(invitation);
        }}
      />
      {link && <InviteLinkModal invitation={link} origin={window.location.origin} onClose={() => setLink(null)} />}
    </Stack>
  );
}

function StatusBadge({ user }: { user: User }) {
  const invitation = invitationState(user);
  if (invitation === 'pending') {
    const until = user.invitation_expires_at ? new Date(user.invitation_expires_at).toLocaleDateString() : '';
    return (
      <Badge size="xs" variant="light" title={`Link valid until ${until}`}>
        invited
      </Badge>
    );
  }
  if (invitation === 'expired') {
    return (
      <Badge size="xs" variant="light" color="orange" title="The link expired: resend it">
        invitation expired
      </Badge>
    );
  }
  return user.active ? null : (
    <Badge size="xs" variant="light" color="gray">
      inactive
    </Badge>
  );
}

function InviteModal({ opened, onClose, onInvited }: { opened: boolean; onClose: () => void; onInvited: (i: Invitation) => void }) {
  const invite = useInviteUser();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<'agent' | 'admin'>('agent');
  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate(
      { email, name, role },
      {
        onSuccess: (invitation) => {
          setEmail('');
          setName('');
          invite.reset();
          onInvited(invitation);
        },
      },
    );
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Invite a teammate">
      <form onSubmit={handleSubmit}>
        <Stack>
          <TextInput label="E-mail" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select label="Role" value={role} data={['agent', 'admin']} allowDeselect={false} onChange={(r) => r && setRole(r as 'agent' | 'admin')} />
          {invite.isError && (
            <Text c="red" size="sm">
              {errorMessage(invite.error)}
            </Text>
          )}
          <Button type="submit" loading={invite.isPending}>
            Create invitation link
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}

/** The invitation link, shown once (the server keeps only its hash), with a copy button. */
export function InviteLinkModal({ invitation, origin, onClose }: { invitation: Invitation; origin?: string; onClose: () => void }) {
  const link = inviteLink(invitation, origin);
  return (
    <Modal opened onClose={onClose} title={`Invitation for ${invitation.user.email}`}>
      <Stack>
        <Alert color="yellow">
          {invitation.emailed
            ? `We e-mailed this link to ${invitation.user.email}. It is shown here only once if you want to pass it on yourself.`
            : `Copy the link now: it is shown only once. Send it to ${invitation.user.email} yourself (no mail server is configured).`}
        </Alert>
        <Code block data-testid="invite-link" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
          {link}
        </Code>
        <CopyButton value={link}>{({ copied, copy }) => <Button onClick={copy}>{copied ? 'Copied' : 'Copy link'}</Button>}</CopyButton>
        <Text size="xs" c="dimmed">
          Valid until {new Date(invitation.expires_at).toLocaleString()}, for one use. Sending it anew makes this link stop working.
        </Text>
      </Stack>
    </Modal>
  );
}

function AddUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateUser();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [password, setPassword] = useState('');
  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { email, name, role, password },
      {
        onSuccess: () => {
          notifications.show({ message: `${email} added` });
          setEmail('');
          setName('');
          setPassword('');
          onClose();
        },
      },
    );
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Add a user with a password">
      <form onSubmit={handleSubmit}>
        <Stack>
          <TextInput label="E-mail" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select label="Role" value={role} data={['admin', 'agent', 'customer']} allowDeselect={false} onChange={(r) => r && setRole(r as Role)} />
          <PasswordInput
            label="Password"
            description="At least 10 characters. To let them choose their own, use Invite instead."
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          {create.isError && <Text c="red" size="sm">{errorMessage(create.error)}</Text>}
          <Button type="submit" loading={create.isPending}>
            Add
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
