import { Badge, Button, Group, Modal, PasswordInput, Select, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/api-client';
import { useCreateUser, useUpdateUser, usersQuery } from '../api/settings';

type Role = 'admin' | 'agent' | 'customer';

/** Users and roles: add (with a password, or invited to set one), change role, deactivate. */
export function UsersSettings({ currentUserId }: { currentUserId: number }) {
  const users = useQuery(usersQuery);
  const update = useUpdateUser();
  const [adding, setAdding] = useState(false);
  const fail = (error: unknown) => notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(error) });
  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          Admins manage settings; agents work tickets; customers use the portal.
        </Text>
        <Button onClick={() => setAdding(true)}>Add user</Button>
      </Group>
      <Table striped highlightOnHover data-testid="users-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>E-mail</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Active</Table.Th>
            <Table.Th>Last sign-in</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {users.data?.map((u) => (
            <Table.Tr key={u.id}>
              <Table.Td>
                {u.name} {!u.has_password && <Badge size="xs" variant="light">invited</Badge>}
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
                  disabled={u.id === currentUserId}
                  onChange={(e) => update.mutate({ id: u.id, patch: { active: e.currentTarget.checked } }, { onError: fail })}
                />
              </Table.Td>
              <Table.Td>{u.last_login_at ? new Date(u.last_login_at).toLocaleString() : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <AddUserModal opened={adding} onClose={() => setAdding(false)} />
    </Stack>
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
      { email, name, role, password: password || null },
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
    <Modal opened={opened} onClose={onClose} title="Add user">
      <form onSubmit={handleSubmit}>
        <Stack>
          <TextInput label="E-mail" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select label="Role" value={role} data={['admin', 'agent', 'customer']} allowDeselect={false} onChange={(r) => r && setRole(r as Role)} />
          <PasswordInput
            label="Password"
            description="Leave empty to invite: the user sets a password from the invitation."
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
