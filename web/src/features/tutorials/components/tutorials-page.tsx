/** The tutorials: their status, languages and steps; create one (it starts as a valid draft with one question). */
import { Badge, Button, Group, Modal, ScrollArea, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage, fieldErrors } from '@/lib/api-client';
import { tutorialsQuery, useCreateTutorial, useDeleteTutorial, workspaceLocaleQuery } from '../api/tutorials';

export function TutorialsPage({ onOpen }: { onOpen: (id: number) => void }) {
  const list = useQuery(tutorialsQuery);
  const remove = useDeleteTutorial();
  const [creating, setCreating] = useState(false);
  return (
    <ScrollArea h="100%" p="md">
      <Group justify="space-between" mb="md">
        <div>
          <Title order={2}>Tutorials</Title>
          <Text size="sm" c="dimmed">
            Step-by-step guides with branches for the help center and the chat widget.
          </Text>
        </div>
        <Button onClick={() => setCreating(true)}>New tutorial</Button>
      </Group>
      <Table striped highlightOnHover data-testid="tutorials-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Title</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Languages</Table.Th>
            <Table.Th>Steps</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.data?.data.map((t) => (
            <Table.Tr key={t.id}>
              <Table.Td>
                <Button variant="subtle" size="compact-sm" onClick={() => onOpen(t.id)}>
                  {t.title}
                </Button>
                {t.description && (
                  <Text size="xs" c="dimmed" lineClamp={1} pl="xs">
                    {t.description}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Badge color={t.status === 'published' ? 'green' : 'gray'} variant="light">
                  {t.status === 'published' ? `published v${t.published_version}` : 'draft'}
                </Badge>
                {t.has_unpublished_changes && (
                  <Badge color="orange" variant="light" ml={4}>
                    changes
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>{t.locales.join(', ')}</Table.Td>
              <Table.Td>{t.step_count}</Table.Td>
              <Table.Td>
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  onClick={() =>
                    window.confirm(`Delete “${t.title}” with its runs and analytics?`) &&
                    remove.mutate(t.id, { onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }) })
                  }
                >
                  Delete
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data?.data.length === 0 && (
        <Text c="dimmed" mt="md">
          No tutorials yet.
        </Text>
      )}
      {creating && <NewTutorial onClose={() => setCreating(false)} onCreated={onOpen} />}
    </ScrollArea>
  );
}

function NewTutorial({ onClose, onCreated }: { onClose: () => void; onCreated: (id: number) => void }) {
  const create = useCreateTutorial();
  const workspaceLocale = useQuery(workspaceLocaleQuery);
  const [title, setTitle] = useState('');
  const [locale, setLocale] = useState('');
  const errors = fieldErrors(create.error);
  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const lang = locale.trim() || workspaceLocale.data || 'en';
    create.mutate(
      { title: { [lang]: title }, default_locale: lang },
      { onSuccess: (t) => onCreated(t.id) },
    );
  };
  return (
    <Modal opened onClose={onClose} title="New tutorial">
      <form onSubmit={handleSubmit} aria-label="New tutorial">
        <Stack gap="sm">
          <TextInput label="Title" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={Object.entries(errors).find(([k]) => k.startsWith('title'))?.[1]} data-testid="new-tutorial-title" />
          <TextInput
            label="Default language"
            placeholder={workspaceLocale.data ?? 'en'}
            description="Every text needs this language (BCP 47: en, de, pt-BR)."
            value={locale}
            onChange={(e) => setLocale(e.currentTarget.value)}
            error={errors.default_locale}
          />
          {create.isError && !Object.keys(errors).length && (
            <Text c="red" size="sm" role="alert">
              {errorMessage(create.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
