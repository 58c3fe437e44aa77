/**
 * One article: a tab per language (title and rich-text body; each save is a
 * version), status and publishing, section, tags, related articles, files,
 * version history with restore, and what readers thought (views, votes).
 */
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Drawer,
  FileButton,
  Group,
  Loader,
  Menu,
  MultiSelect,
  ScrollArea,
  Select,
  Stack,
  Tabs,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { SafeHtml } from '@/components/ui/safe-html';
import { RelativeTime } from '@/components/ui/relative-time';
import { errorMessage, fieldErrors } from '@/lib/api-client';
import {
  articleQuery,
  articlesQuery,
  feedbackQuery,
  statsQuery,
  useDeleteArticle,
  useDeleteFile,
  useDeleteTranslation,
  usePublishArticle,
  useSaveTranslation,
  useUpdateArticle,
  useUploadFile,
  versionsQuery,
  useRestoreVersion,
  type Article,
  type Status,
} from '../api/articles';
import { treeQuery, workspaceLocaleQuery } from '../api/structure';
import { LANGUAGES, languageName, nameIn } from '../lib/locales';
import { StatusBadge } from './knowledge-page';
import { RichEditor } from './rich-editor';

export interface ArticleEditorProps {
  id: number;
  onBack: () => void;
  /** Admins may delete articles. */
  canDelete: boolean;
}

const fail = (e: unknown) => notifications.show({ color: 'red', message: errorMessage(e) });

export function ArticleEditor({ id, onBack, canDelete }: ArticleEditorProps) {
  const article = useQuery(articleQuery(id));
  const workspaceLocale = useQuery(workspaceLocaleQuery).data ?? 'en';
  if (article.isLoading) return <Loader m="xl" />;
  if (!article.data) {
    return (
      <Alert color="red" m="md" title="This article cannot be opened">
        {article.error ? errorMessage(article.error) : 'Not found.'}{' '}
        <Anchor onClick={onBack}>Back to the knowledge base</Anchor>
      </Alert>
    );
  }
  return <Editor key={id} article={article.data} defaultLocale={workspaceLocale} onBack={onBack} canDelete={canDelete} />;
}

function Editor({
  article,
  defaultLocale,
  onBack,
  canDelete,
}: {
  article: Article;
  defaultLocale: string;
  onBack: () => void;
  canDelete: boolean;
}) {
  const narrow = useMediaQuery('(max-width: 62em)') ?? false;
  const locales = article.translations.map((t) => t.locale);
  const [tab, setTab] = useState(locales.includes(defaultLocale) ? defaultLocale : (locales[0] ?? defaultLocale));
  // Languages added in this session but not saved yet.
  const [added, setAdded] = useState<string[]>([]);
  const [historyOpen, setHistoryOpen] = useState(false);
  const publish = usePublishArticle(article.id);
  const update = useUpdateArticle(article.id);
  const remove = useDeleteArticle();
  const tabs = [...locales, ...added.filter((l) => !locales.includes(l))];
  const title = article.translations.find((t) => t.locale === tab)?.title ?? article.translations[0]?.title ?? '';
  const publicUrl = article.translations.find((t) => t.locale === tab)?.url ?? article.translations[0]?.url;

  return (
    <ScrollArea h="100%">
      <Stack p="md" gap="md" maw={1280}>
        <Group justify="space-between" wrap="wrap">
          <Group gap="xs">
            <Button variant="subtle" size="xs" onClick={onBack}>
              ← Knowledge base
            </Button>
            <Title order={3}>{title || '(untitled)'}</Title>
            <StatusBadge status={article.status} />
          </Group>
          <Group gap="xs">
            {article.status === 'published' && publicUrl && (
              <Button component="a" href={publicUrl} target="_blank" rel="noopener" variant="default" size="xs">
                View in help center
              </Button>
            )}
            <Button variant="default" size="xs" onClick={() => setHistoryOpen(true)}>
              Version history
            </Button>
            {article.status === 'published' ? (
              <Button size="xs" variant="light" color="orange" loading={publish.isPending} onClick={() => publish.mutate(false, { onError: fail })}>
                Unpublish
              </Button>
            ) : (
              <Button
                size="xs"
                color="green"
                loading={publish.isPending}
                onClick={() =>
                  publish.mutate(true, {
                    onSuccess: () => notifications.show({ color: 'green', message: 'Published to the help center.' }),
                    onError: fail,
                  })
                }
              >
                Publish
              </Button>
            )}
            {canDelete && (
              <Button
                size="xs"
                variant="subtle"
                color="red"
                onClick={() =>
                  window.confirm('Delete this article with all its translations, versions and files?') &&
                  remove.mutate(article.id, { onSuccess: onBack, onError: fail })
                }
              >
                Delete
              </Button>
            )}
          </Group>
        </Group>
        {article.source_ticket_id && (
          <Text size="sm" c="dimmed">
            Drafted from <Anchor href={`/tickets/${article.source_ticket_id}`}>a reply on ticket {article.source_ticket_id}</Anchor>.
          </Text>
        )}
        <Group align="flex-start" gap="md" wrap={narrow ? 'wrap' : 'nowrap'}>
          <Stack style={{ flex: 1, minWidth: 0 }} w={narrow ? '100%' : undefined}>
            <Tabs value={tab} onChange={(v) => v && setTab(v)} keepMounted={false}>
              <Tabs.List>
                {tabs.map((l) => (
                  <Tabs.Tab key={l} value={l}>
                    {languageName(l)}
                    {!locales.includes(l) && ' (new)'}
                  </Tabs.Tab>
                ))}
                <Menu>
                  <Menu.Target>
                    <Button variant="subtle" size="compact-sm" ml="xs">
                      + Add language
                    </Button>
                  </Menu.Target>
                  <Menu.Dropdown>
                    {LANGUAGES.filter((l) => !tabs.includes(l.value)).map((l) => (
                      <Menu.Item
                        key={l.value}
                        onClick={() => {
                          setAdded([...added, l.value]);
                          setTab(l.value);
                        }}
                      >
                        {l.label}
                      </Menu.Item>
                    ))}
                  </Menu.Dropdown>
                </Menu>
              </Tabs.List>
              {tabs.map((l) => (
                <Tabs.Panel key={l} value={l} pt="md">
                  <TranslationForm
                    article={article}
                    locale={l}
                    onSaved={() => setAdded(added.filter((a) => a !== l))}
                    onDeleted={() => setTab(locales.find((x) => x !== l) ?? defaultLocale)}
                  />
                </Tabs.Panel>
              ))}
            </Tabs>
          </Stack>
          <Stack w={narrow ? '100%' : 340} gap="md">
            <Settings article={article} locale={defaultLocale} update={update} />
            <Files article={article} />
            <Insights article={article} />
          </Stack>
        </Group>
      </Stack>
      <Drawer opened={historyOpen} onClose={() => setHistoryOpen(false)} title="Version history" position="right" size="lg">
        <History article={article} onRestored={() => setHistoryOpen(false)} />
      </Drawer>
    </ScrollArea>
  );
}

function TranslationForm({
  article,
  locale,
  onSaved,
  onDeleted,
}: {
  article: Article;
  locale: string;
  onSaved: () => void;
  onDeleted: () => void;
}) {
  const existing = article.translations.find((t) => t.locale === locale);
  const [title, setTitle] = useState(existing?.title ?? '');
  const [html, setHtml] = useState(existing?.body_html ?? '');
  const save = useSaveTranslation(article.id);
  const remove = useDeleteTranslation(article.id);
  const upload = useUploadFile(article.id);
  const errors = fieldErrors(save.error);
  const dirty = title !== (existing?.title ?? '') || html !== (existing?.body_html ?? '');

  const handleSave = () =>
    save.mutate(
      { locale, title, body_html: html },
      {
        onSuccess: (t) => {
          notifications.show({ color: 'green', message: `Saved ${languageName(locale)} as version ${t.version}.` });
          onSaved();
        },
        onError: fail,
      },
    );

  return (
    <Stack>
      <TextInput
        label={`Title (${languageName(locale)})`}
        required
        maxLength={200}
        value={title}
        onChange={(e) => setTitle(e.currentTarget.value)}
        error={errors.title}
      />
      <RichEditor
        key={`${locale}-${existing?.version ?? 0}`}
        label={`Body (${languageName(locale)})`}
        initialHtml={existing?.body_html ?? ''}
        onChange={setHtml}
        onUploadImage={async (file) => (await upload.mutateAsync(file)).url}
        onError={(message) => notifications.show({ color: 'red', message })}
      />
      <Group justify="space-between">
        <Text size="xs" c="dimmed">
          {existing ? (
            <>
              Version {existing.version}, saved <RelativeTime iso={existing.updated_at} />
            </>
          ) : (
            'Not saved yet'
          )}
        </Text>
        <Group gap="xs">
          {existing && article.translations.length > 1 && (
            <Button
              variant="subtle"
              color="red"
              size="xs"
              onClick={() =>
                window.confirm(`Delete the ${languageName(locale)} translation?`) &&
                remove.mutate(locale, { onSuccess: onDeleted, onError: fail })
              }
            >
              Delete translation
            </Button>
          )}
          <Button onClick={handleSave} loading={save.isPending} disabled={!dirty || !title.trim()}>
            Save {languageName(locale)}
          </Button>
        </Group>
      </Group>
    </Stack>
  );
}

function Settings({ article, locale, update }: { article: Article; locale: string; update: ReturnType<typeof useUpdateArticle> }) {
  const tree = useQuery(treeQuery);
  const all = useQuery(articlesQuery({}));
  const sections = (tree.data?.data ?? []).map((c) => ({
    group: nameIn(c.translations, locale, locale),
    items: c.sections.map((s) => ({ value: String(s.id), label: nameIn(s.translations, locale, locale) })),
  }));
  const others = (all.data?.data ?? [])
    .filter((a) => a.id !== article.id)
    .map((a) => ({ value: String(a.id), label: `${a.title}${a.status === 'published' ? '' : ` (${a.status})`}` }));
  const change = (patch: Parameters<typeof update.mutate>[0]) => update.mutate(patch, { onError: fail });

  return (
    <Card withBorder>
      <Stack gap="sm">
        <Select
          label="Status"
          value={article.status}
          allowDeselect={false}
          data={[
            { value: 'draft', label: 'Draft (agents only)' },
            { value: 'published', label: 'Published (help center)' },
            { value: 'internal', label: 'Internal (agents only, finished)' },
          ]}
          onChange={(v) => v && change({ status: v as Status })}
        />
        <Select
          label="Section"
          placeholder="Not in a section"
          data={sections}
          value={article.section_id ? String(article.section_id) : null}
          clearable
          onChange={(v) => change({ section_id: v ? Number(v) : null })}
        />
        <TagsInput
          label="Tags"
          value={article.tags}
          onChange={(tags) => change({ tags })}
          clearable
          maxTags={20}
        />
        <MultiSelect
          label="Related articles"
          searchable
          data={others}
          value={article.related.map((r) => String(r.id))}
          onChange={(ids) => change({ related_ids: ids.map(Number) })}
          maxValues={10}
        />
        <Text size="xs" c="dimmed">
          Created by {article.author_name ?? 'someone'} <RelativeTime iso={article.created_at} />
        </Text>
      </Stack>
    </Card>
  );
}

function Files({ article }: { article: Article }) {
  const upload = useUploadFile(article.id);
  const remove = useDeleteFile(article.id);
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Text fw={600} size="sm">
          Files
        </Text>
        <FileButton onChange={(files) => files.forEach((f) => upload.mutate(f, { onError: fail }))} multiple>
          {(props) => (
            <Button {...props} size="compact-xs" variant="light" loading={upload.isPending}>
              Attach file
            </Button>
          )}
        </FileButton>
      </Group>
      <Stack gap={4}>
        {article.attachments.map((f) => (
          <Group key={f.id} justify="space-between" wrap="nowrap">
            <Anchor href={f.url} target="_blank" size="sm" truncate>
              {f.filename}
            </Anchor>
            <Button
              size="compact-xs"
              variant="subtle"
              color="red"
              aria-label={`Remove ${f.filename}`}
              onClick={() => remove.mutate(f.id, { onError: fail })}
            >
              ✕
            </Button>
          </Group>
        ))}
        {article.attachments.length === 0 && (
          <Text size="xs" c="dimmed">
            Files appear under the article in the help center; images can also go into the body.
          </Text>
        )}
      </Stack>
    </Card>
  );
}

function Insights({ article }: { article: Article }) {
  const feedback = useQuery(feedbackQuery(article.id));
  const stats = useQuery(statsQuery(article.id));
  const last30 = (stats.data?.daily ?? []).reduce((sum, d) => sum + d.views, 0);
  const votes = article.helpful_yes + article.helpful_no;
  return (
    <Card withBorder>
      <Text fw={600} size="sm" mb="xs">
        Readers
      </Text>
      <Group gap="lg" mb="xs">
        <div>
          <Text size="xl" fw={700}>
            {article.view_count}
          </Text>
          <Text size="xs" c="dimmed">
            views ({last30} in 30 days)
          </Text>
        </div>
        <div>
          <Text size="xl" fw={700}>
            {votes ? `${Math.round((article.helpful_yes / votes) * 100)}%` : '—'}
          </Text>
          <Text size="xs" c="dimmed">
            found it helpful ({article.helpful_yes} of {votes})
          </Text>
        </div>
      </Group>
      <Stack gap={6}>
        {feedback.data?.data
          .filter((f) => f.comment)
          .slice(0, 10)
          .map((f) => (
            <Text key={f.id} size="xs">
              <Badge size="xs" color={f.helpful ? 'green' : 'red'} variant="light" mr={4}>
                {f.helpful ? 'yes' : 'no'}
              </Badge>
              {f.comment} <Text span c="dimmed" size="xs">({languageName(f.locale)})</Text>
            </Text>
          ))}
      </Stack>
    </Card>
  );
}

function History({ article, onRestored }: { article: Article; onRestored: () => void }) {
  const versions = useQuery(versionsQuery(article.id));
  const restore = useRestoreVersion(article.id);
  const [shown, setShown] = useState<number | null>(null);
  return (
    <Stack>
      {versions.data?.data.map((v) => (
        <Card key={v.id} withBorder padding="sm">
          <Group justify="space-between">
            <div>
              <Text size="sm" fw={600}>
                {languageName(v.locale)} · version {v.number}
                {v.restored_from && ' (restored)'}
              </Text>
              <Text size="xs" c="dimmed">
                {v.author_name} · <RelativeTime iso={v.created_at} />
              </Text>
            </div>
            <Group gap="xs">
              <Button size="compact-xs" variant="default" onClick={() => setShown(shown === v.id ? null : v.id)}>
                {shown === v.id ? 'Hide' : 'Show'}
              </Button>
              <Button
                size="compact-xs"
                onClick={() =>
                  restore.mutate(v.id, {
                    onSuccess: (t) => {
                      notifications.show({ color: 'green', message: `Restored as version ${t.version}.` });
                      onRestored();
                    },
                    onError: fail,
                  })
                }
              >
                Restore
              </Button>
            </Group>
          </Group>
          {shown === v.id && (
            <Stack gap={4} mt="xs">
              <Text fw={600}>{v.title}</Text>
              <SafeHtml html={v.body_html} />
            </Stack>
          )}
        </Card>
      ))}
    </Stack>
  );
}
