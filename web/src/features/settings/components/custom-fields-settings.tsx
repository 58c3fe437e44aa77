import { Badge, Button, Checkbox, Group, Modal, Select, Stack, Switch, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage, type Schemas } from '@/lib/api-client';
import { customFieldsQuery, useCreateCustomField, useUpdateCustomField } from '../api/settings';

type FieldType = Schemas['FieldType'];
const TYPES: FieldType[] = ['text', 'number', 'decimal', 'date', 'checkbox', 'select', 'multi_select'];

/** A key from a label: `Order number` → `order_number`. */
export function keyFromLabel(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
}

/** Ticket custom fields: a new field appears on every ticket and in the filters at once. */
export function CustomFieldsSettings() {
  const fields = useQuery(customFieldsQuery);
  const update = useUpdateCustomField();
  const [adding, setAdding] = useState(false);
  const fail = (error: unknown) => notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(error) });
  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          Values are validated on every write; customer-visible fields show in the portal.
        </Text>
        <Button onClick={() => setAdding(true)}>Add field</Button>
      </Group>
      <Table striped data-testid="custom-fields-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Label</Table.Th>
            <Table.Th>Key</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Required</Table.Th>
            <Table.Th>Customers see it</Table.Th>
            <Table.Th>Active</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {fields.data?.data.map((f) => (
            <Table.Tr key={f.id}>
              <Table.Td>
                {f.label}
                {f.options.length > 0 && (
                  <Text size="xs" c="dimmed">
                    {f.options.join(', ')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <code>{f.key}</code>
              </Table.Td>
              <Table.Td>
                <Badge variant="light">{f.type}</Badge>
              </Table.Td>
              <Table.Td>
                <Switch aria-label={`${f.label} required`} checked={f.required} onChange={(e) => update.mutate({ id: f.id, patch: { required: e.currentTarget.checked } }, { onError: fail })} />
              </Table.Td>
              <Table.Td>
                <Switch aria-label={`${f.label} visible to customers`} checked={f.customer_visible} onChange={(e) => update.mutate({ id: f.id, patch: { customer_visible: e.currentTarget.checked } }, { onError: fail })} />
              </Table.Td>
              <Table.Td>
                <Switch aria-label={`${f.label} active`} checked={f.active} onChange={(e) => update.mutate({ id: f.id, patch: { active: e.currentTarget.checked } }, { onError: fail })} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <AddFieldModal opened={adding} onClose={() => setAdding(false)} />
    </Stack>
  );
}

function AddFieldModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateCustomField();
  const [label, setLabel] = useState('');
  const [key, setKey] = useState('');
  const [type, setType] = useState<FieldType>('text');
  const [options, setOptions] = useState<string[]>([]);
  const [required, setRequired] = useState(false);
  const [customerVisible, setCustomerVisible] = useState(false);
  const choices = type === 'select' || type === 'multi_select';

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { entity: 'ticket', key: key || keyFromLabel(label), label, type, required, customer_visible: customerVisible, options: choices ? options : [] },
      {
        onSuccess: () => {
          setLabel('');
          setKey('');
          setOptions([]);
          onClose();
        },
      },
    );
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Add a ticket field">
      <form onSubmit={handleSubmit}>
        <Stack>
          <TextInput label="Label" required value={label} onChange={(e) => setLabel(e.currentTarget.value)} />
          <TextInput label="Key" description="Used in the API and templates" placeholder={keyFromLabel(label)} value={key} onChange={(e) => setKey(e.currentTarget.value)} />
          <Select label="Type" value={type} data={TYPES} allowDeselect={false} onChange={(t) => t && setType(t as FieldType)} />
          {choices && <TagsInput label="Options" required value={options} onChange={setOptions} />}
          <Checkbox label="Required" checked={required} onChange={(e) => setRequired(e.currentTarget.checked)} />
          <Checkbox label="Visible to customers" checked={customerVisible} onChange={(e) => setCustomerVisible(e.currentTarget.checked)} />
          {create.isError && <Text c="red" size="sm">{errorMessage(create.error)}</Text>}
          <Button type="submit" loading={create.isPending}>
            Add field
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
