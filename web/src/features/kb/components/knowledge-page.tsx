/**
 * The knowledge base for agents: the category tree on the left, the articles
 * of the selection with a status filter and search, and "New article".
 */
import { Badge, Button, Group, Modal, ScrollArea, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage, fieldErrors } from '@/lib/api-client';
import { RelativeTime } from '@/components/ui/relative-time';
import { articlesQuery, useCreateArticle, type ArticleFilter, type Status } from '../api/articles';
import { searchQuery } from '../api/search';
import { treeQuery, workspaceLocaleQuery } from '../api/structure';
import { languageName, nameIn } from '../lib/locales';
import { CategoryTree, type Selection } from './category-tree';

export interface KnowledgePageProps {
  onOpenArticle: (id: number) => void;
}

const STATUS_COLOR: Record<Status, string> = { draft: 'gray', published: 'green', internal: 'violet' };

export function StatusBadge({ status }: { status: Status }) {
  return (
    <Badge color={STATUS_COLOR[status]} variant="light" size="sm">
      {status}
    </Badge>
  );
}

export function KnowledgePage({ onOpenArticle }: KnowledgePageProps) {
  const locale = useQuery(workspaceLocaleQuery).data ?? 'en';
  const [selection, setSelection] = useState<Selection>({ kind: 'all' });
  const [status, setStatus] = useState<Status | ''>('');
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const [creating, setCreating] = useState(false);
  const narrow = useMediaQuery('(max-width: 48em)') ?? false;

  const filter: ArticleFilter = {
    status: status || undefined,
    sectionId: selection.kind === 'section' ? selection.id : undefined,
    unfiled: selection.kind === 'unfiled',
  };
  const list = useQuery(articlesQuery(filter));
  const search = useQuery(searchQuery(debounced, status));
  const searching = debounced.length > 1;

  return (
    <Group align="stretch" gap={0} h="100%" wrap={narrow ? 'wrap' : 'nowrap'}>
      <Stack w={narrow ? '100%' : 300} p="md" style={{ borderRight: '1px solid var(--mantine-color-default-border)' }}>
        <CategoryTree locale={locale} selection={selection} onSelect={setSelection} />
      </Stack>
      <ScrollArea style={{ flex: 1 }} p="md">
        <Group justify="space-between" mb="md">
          <div>
            <Title order={2}>Knowledge base</Title>
            <Text size="sm" c="dimmed">
              Articles for the help center and the chat widget, in every language you support.
            </Text>
          </div>
          <Group>
            <Button component="a" href="/help" target="_blank" rel="noopener" variant="default">
              Open help center
            </Button>
            <Button onClick={() => setCreating(true)}>New article</Button>
          </Group>
        </Group>
        <Group mb="md" align="end">
          <TextInput
            label="Search articles"
            placeholder="Words from titles and bodies (typos are corrected)"
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            style={{ flex: 1, minWidth: 220 }}
          />
          <SegmentedControl
            aria-label="Status"
            value={status}
            onChange={(v) => setStatus(v as Status | '')}
            data={[
              { value: '', label: 'All' },
              { value: 'published', label: 'Published' },
              { value: 'draft', label: 'Drafts' },
              { value: 'internal', label: 'Internal' },
            ]}
          />
        </Group>
        {searching ? (
          <Stack gap="xs" data-testid="kb-search-results">
            {search.data?.did_you_mean && (
              <Text size="sm">
                Showing results for <strong>{search.data.did_you_mean}</strong>
              </Text>
            )}
            {search.data?.data.map((h) => (
              <div key={h.id}>
                <Group gap="xs">
                  <Button variant="subtle" size="compact-sm" onClick={() => onOpenArticle(h.id)}>
                    {h.title}
                  </Button>
                  <StatusBadge status={h.status} />
                  <Text size="xs" c="dimmed">
                    {languageName(h.locale)}
                  </Text>
                </Group>
                {/* Escaped by the server, then marked: safe to insert. */}
                <Text size="sm" c="dimmed" pl="xs" dangerouslySetInnerHTML={{ __html: h.snippet_html }} />
              </div>
            ))}
            {search.data && search.data.data.length === 0 && <Text c="dimmed">No article matches.</Text>}
          </Stack>
        ) : (
          <Table striped highlightOnHover data-testid="kb-articles">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Title</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th visibleFrom="sm">Languages</Table.Th>
                <Table.Th visibleFrom="sm">Views</Table.Th>
                <Table.Th visibleFrom="sm">Helpful</Table.Th>
                <Table.Th visibleFrom="md">Updated</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data?.data.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" onClick={() => onOpenArticle(a.id)}>
                      {a.title || '(untitled)'}
                    </Button>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={a.status} />
                  </Table.Td>
                  <Table.Td visibleFrom="sm">{a.locales.join(', ')}</Table.Td>
                  <Table.Td visibleFrom="sm">{a.view_count}</Table.Td>
                  <Table.Td visibleFrom="sm">
                    {a.helpful_yes + a.helpful_no > 0 ? `${a.helpful_yes} / ${a.helpful_yes + a.helpful_no}` : '—'}
                  </Table.Td>
                  <Table.Td visibleFrom="md">
                    <RelativeTime iso={a.updated_at} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {!searching && list.data?.data.length === 0 && (
          <Text c="dimmed" mt="md">
            No articles here yet.
          </Text>
        )}
      </ScrollArea>
      {creating && (
        <NewArticleModal
          locale={locale}
          sectionId={selection.kind === 'section' ? selection.id : null}
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            onOpenArticle(id);
          }}
        />
      )}
    </Group>
  );
}

function NewArticleModal(props: {
  locale: string;
  sectionId: number | null;
  onClose: () => void;
  onCreated: (id: number) => void;
}) {
  const tree = useQuery(treeQuery);
  const create = useCreateArticle();
  const [title, setTitle] = useState('');
  const [section, setSection] = useState<string | null>(props.sectionId ? String(props.sectionId) : null);
  const sections = (tree.data?.data ?? []).map((c) => ({
    group: nameIn(c.translations, props.locale, props.locale),
    items: c.sections.map((s) => ({ value: String(s.id), label: nameIn(s.translations, props.locale, props.locale) })),
  }));
  const errors = fieldErrors(create.error);

  const handleSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { title, body_html: '', locale: props.locale, section_id: section ? Number(section) : undefined },
      {
        onSuccess: (a) => props.onCreated(a.id),
        onError: (err) => notifications.show({ color: 'red', message: errorMessage(err) }),
      },
    );
  };

  return (
    <Modal opened onClose={props.onClose} title="New article">
      <form onSubmit={handleSubmit}>
        <Stack>
          <TextInput
            label={`Title (${languageName(props.locale)})`}
            required
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            error={errors.title}
            data-autofocus
          />
          <Select label="Section" placeholder="Not in a section yet" data={sections} value={section} onChange={setSection} clearable />
          <Text size="xs" c="dimmed">
            The article starts as a draft; publish it when it is ready.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create draft
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
