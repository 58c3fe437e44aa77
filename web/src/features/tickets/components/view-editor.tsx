/** Create or change a custom view: filters on any property, custom field conditions, columns, sort, sharing. */
import { ActionIcon, Button, Checkbox, Group, Modal, MultiSelect, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/api-client';
import { agentsQuery, customFieldsQuery, type CustomField } from '../api/reference';
import { useSaveView, type FieldCondition, type SavedView, type ViewFilter } from '../api/views';

const CATEGORIES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const CHANNELS = ['email', 'chat', 'sms', 'web', 'api', 'phone', 'social'];
export const VIEW_COLUMNS = ['number', 'subject', 'requester', 'status', 'priority', 'assignee', 'team', 'channel', 'tags', 'created', 'updated'];
const DEFAULT_COLUMNS = ['number', 'subject', 'requester', 'status', 'priority', 'assignee', 'updated'];
/** The AI's sentiment and urgency hints a view may filter on (mirrors the server). */
const SENTIMENTS = [
  { value: 'negative', label: 'Negative' },
  { value: 'neutral', label: 'Neutral' },
  { value: 'positive', label: 'Positive' },
];
const URGENCIES = ['low', 'normal', 'high', 'urgent'];
const SORTS = [
  { value: '-updated_at', label: 'Last updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
];

/** The comparisons that make sense for a field type (mirrors the server's rules). */
export function opsFor(type: CustomField['type']): FieldCondition['op'][] {
  switch (type) {
    case 'multi_select':
      return ['contains', 'set', 'unset'];
    case 'text':
      return ['eq', 'ne', 'contains', 'set', 'unset'];
    case 'number':
    case 'decimal':
    case 'date':
      return ['eq', 'ne', 'gt', 'lt', 'set', 'unset'];
    default:
      return ['eq', 'ne', 'set', 'unset'];
  }
}

const OP_LABELS: Record<FieldCondition['op'], string> = {
  eq: 'is',
  ne: 'is not',
  contains: 'contains',
  gt: 'greater than',
  lt: 'less than',
  set: 'is set',
  unset: 'is empty',
};

const emptyFilter = (): ViewFilter => ({
  categories: [],
  status_ids: [],
  priorities: [],
  assignee: null,
  team_id: null,
  channels: [],
  tags: [],
  exclude_tags: [],
  fields: [],
  q: null,
  ticket_categories: [],
  sentiments: [],
  urgencies: [],
  languages: [],
});

/** Choices for the AI filters, from the app (the ticket categories live in another feature). */
export interface AiFilterOptions {
  categories: { value: string; label: string }[];
  languages: { value: string; label: string }[];
}

/** Options plus any chosen value they lack (a category deleted since), so a saved view still shows it. */
export function withChosen(options: { value: string; label: string }[], chosen: readonly string[]): { value: string; label: string }[] {
  const missing = chosen.filter((v) => !options.some((o) => o.value === v));
  return [...options, ...missing.map((v) => ({ value: v, label: v }))];
}

export interface ViewEditorProps {
  opened: boolean;
  onClose: () => void;
  onSaved: (view: SavedView) => void;
  view?: SavedView;
  canShare: boolean;
  /** Choices for the category and language filters; without them only values already chosen are offered. */
  aiFilterOptions?: AiFilterOptions;
}

export function ViewEditor({ opened, onClose, onSaved, view, canShare, aiFilterOptions }: ViewEditorProps) {
  const save = useSaveView();
  const fields = useQuery(customFieldsQuery);
  const agents = useQuery(agentsQuery);
  const [name, setName] = useState(view?.name ?? '');
  // Views saved before the AI filters existed may lack them.
  const [filter, setFilter] = useState<ViewFilter>(view ? { ...emptyFilter(), ...view.filters } : { ...emptyFilter(), categories: ['new', 'open'] });
  const [columns, setColumns] = useState<string[]>(view?.columns ?? DEFAULT_COLUMNS);
  const [sort, setSort] = useState(view?.sort ?? '-updated_at');
  const [shared, setShared] = useState(view?.shared ?? false);
  const defs = (fields.data?.data ?? []).filter((f) => f.entity === 'ticket' && f.active);
  const patch = (p: Partial<ViewFilter>) => setFilter((f) => ({ ...f, ...p }));
  const setCondition = (i: number, c: FieldCondition | null) =>
    patch({ fields: c ? filter.fields.map((x, j) => (j === i ? c : x)) : filter.fields.filter((_, j) => j !== i) });

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(
      { id: view?.id, input: { name, filters: filter, columns, sort, ...(canShare ? { shared } : {}) } },
      { onSuccess: (saved) => onSaved(saved) },
    );
  };

  return (
    <Modal opened={opened} onClose={onClose} title={view ? `Edit “${view.name}”` : 'New view'} size="lg">
      <form onSubmit={handleSubmit} aria-label="View">
        <Stack gap="sm">
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Group grow align="flex-start">
            <MultiSelect label="Status" data={CATEGORIES} value={filter.categories} onChange={(v) => patch({ categories: v as ViewFilter['categories'] })} />
            <MultiSelect label="Priority" data={PRIORITIES} value={filter.priorities} onChange={(v) => patch({ priorities: v as ViewFilter['priorities'] })} />
          </Group>
          <Group grow align="flex-start">
            <Select
              label="Assignee"
              clearable
              value={filter.assignee}
              data={[{ value: 'me', label: 'Me' }, { value: 'none', label: 'Unassigned' }, ...(agents.data ?? []).map((u) => ({ value: String(u.id), label: u.name }))]}
              onChange={(v) => patch({ assignee: v })}
            />
            <MultiSelect label="Channel" data={CHANNELS} value={filter.channels} onChange={(v) => patch({ channels: v as ViewFilter['channels'] })} />
          </Group>
          <Group grow align="flex-start">
            <TagsInput label="Has all tags" value={filter.tags} onChange={(v) => patch({ tags: v })} />
            <TagsInput label="Has none of the tags" value={filter.exclude_tags} onChange={(v) => patch({ exclude_tags: v })} />
          </Group>
          <Group grow align="flex-start">
            <MultiSelect
              label="Category"
              searchable
              data={withChosen(aiFilterOptions?.categories ?? [], filter.ticket_categories)}
              value={filter.ticket_categories}
              onChange={(v) => patch({ ticket_categories: v })}
            />
            <MultiSelect
              label="Language"
              searchable
              data={withChosen(aiFilterOptions?.languages ?? [], filter.languages)}
              value={filter.languages}
              onChange={(v) => patch({ languages: v })}
            />
          </Group>
          <Group grow align="flex-start">
            <MultiSelect label="Sentiment" data={SENTIMENTS} value={filter.sentiments} onChange={(v) => patch({ sentiments: v })} />
            <MultiSelect label="Urgency" data={URGENCIES} value={filter.urgencies} onChange={(v) => patch({ urgencies: v })} />
          </Group>
          <TextInput label="Words" placeholder="refund damaged" value={filter.q ?? ''} onChange={(e) => patch({ q: e.currentTarget.value || null })} />
          <Text size="sm" fw={500}>
            Custom fields
          </Text>
          {filter.fields.map((c, i) => {
            const def = defs.find((d) => d.key === c.key);
            const needsValue = c.op !== 'set' && c.op !== 'unset';
            return (
              <Group key={i} gap="xs" wrap="nowrap" data-testid="field-condition">
                <Select aria-label="Field" w={170} value={c.key} data={defs.map((d) => ({ value: d.key, label: d.label }))} onChange={(k) => k && setCondition(i, { key: k, op: 'eq', value: null })} />
                <Select
                  aria-label="Comparison"
                  w={140}
                  value={c.op}
                  data={(def ? opsFor(def.type) : []).map((o) => ({ value: o, label: OP_LABELS[o] }))}
                  onChange={(o) => o && setCondition(i, { ...c, op: o as FieldCondition['op'] })}
                />
                {needsValue && def && <ConditionValue def={def} value={c.value} onChange={(value) => setCondition(i, { ...c, value })} />}
                <ActionIcon variant="subtle" color="red" aria-label="Remove condition" onClick={() => setCondition(i, null)}>
                  ✕
                </ActionIcon>
              </Group>
            );
          })}
          {defs.length > 0 && (
            <Button
              variant="subtle"
              size="xs"
              w="fit-content"
              onClick={() => patch({ fields: [...filter.fields, { key: defs[0]!.key, op: opsFor(defs[0]!.type)[0]!, value: null }] })}
            >
              + Add a field condition
            </Button>
          )}
          <MultiSelect label="Columns" data={VIEW_COLUMNS} value={columns} onChange={setColumns} />
          <Select label="Sort" data={SORTS} value={sort} allowDeselect={false} onChange={(s) => s && setSort(s)} />
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
              Save view
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ConditionValue({ def, value, onChange }: { def: CustomField; value: unknown; onChange: (v: unknown) => void }) {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  switch (def.type) {
    case 'checkbox':
      return <Select aria-label="Value" w={110} value={value === true ? 'true' : value === false ? 'false' : null} data={['true', 'false']} onChange={(v) => onChange(v === 'true')} />;
    case 'select':
    case 'multi_select':
      return <Select aria-label="Value" w={160} value={typeof value === 'string' ? value : null} data={def.options} onChange={onChange} />;
    case 'number':
    case 'decimal':
      return <TextInput aria-label="Value" w={120} inputMode="decimal" value={text} onChange={(e) => onChange(e.currentTarget.value === '' ? null : def.type === 'number' ? Number(e.currentTarget.value) : e.currentTarget.value)} />;
    case 'date':
      return <TextInput aria-label="Value" type="date" w={160} value={text} onChange={(e) => onChange(e.currentTarget.value || null)} />;
    default:
      return <TextInput aria-label="Value" w={160} value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}
