/**
 * The tutorial editor: the graph on one side, the selected step's form (or
 * the tutorial's settings) on the other, in one editing language at a time.
 * Every change is checked by the server as you type (problems show inline
 * and on the graph); Save stores the draft with the revision it is based on;
 * Publish makes the saved draft the version customers run; Preview walks
 * the draft; Analytics shows the funnel.
 */
import { Alert, Badge, Button, Group, Loader, Paper, ScrollArea, Select, Stack, Tabs, TagsInput, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, errorMessage } from '@/lib/api-client';
import {
  analyticsQuery,
  tutorialQuery,
  usePublishTutorial,
  useSaveTutorial,
  useUnpublishTutorial,
  useUploadImage,
  validateTutorial,
  type LocaleText,
  type Step,
  type Tutorial,
  type TutorialIn,
} from '../api/tutorials';
import { stepOfPointer } from '../lib/graph';
import { pick } from '../lib/walk';
import { AnalyticsPanel } from './analytics-panel';
import { GraphView } from './graph-view';
import { PreviewModal } from './preview-modal';
import { freshKey, StepForm, withText } from './step-form';

/** What the editor changes before saving. */
export interface Draft {
  title: LocaleText;
  description: LocaleText;
  tags: string[];
  default_locale: string;
  start: string;
  steps: Step[];
}

export const draftOf = (t: Tutorial): Draft => ({
  title: t.title,
  description: t.description,
  tags: t.tags,
  default_locale: t.default_locale,
  start: t.start,
  steps: t.steps,
});

export const toInput = (d: Draft, revision?: number): TutorialIn => ({ ...d, revision });

/** Languages offered for translations (any BCP 47 tag can be typed too). */
const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'sv', 'da', 'pl'];

/** Renames a step and every reference to it (choices, the start). */
export function renameStep(d: Draft, from: string, to: string): Draft {
  return {
    ...d,
    start: d.start === from ? to : d.start,
    steps: d.steps.map((s) => ({
      ...(s.key === from ? { ...s, key: to } : s),
      choices: (s.choices ?? []).map((c) => (c.target.type === 'step' && c.target.step === from ? { ...c, target: { type: 'step' as const, step: to } } : c)),
    })),
  };
}

export function TutorialEditor({ id, onBack }: { id: number; onBack: () => void }) {
  const q = useQuery(tutorialQuery(id));
  if (q.isError) return <Alert color="red">{errorMessage(q.error)}</Alert>;
  if (!q.data) return <Loader m="md" />;
  return <Editor key={q.data.id} tutorial={q.data} onBack={onBack} />;
}

function Editor({ tutorial, onBack }: { tutorial: Tutorial; onBack: () => void }) {
  const save = useSaveTutorial(tutorial.id);
  const publish = usePublishTutorial(tutorial.id);
  const unpublish = useUnpublishTutorial(tutorial.id);
  const upload = useUploadImage(tutorial.id);
  const [draft, setDraft] = useState<Draft>(() => draftOf(tutorial));
  const [revision, setRevision] = useState(tutorial.revision);
  const [dirty, setDirty] = useState(false);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState<string | null>(tutorial.start);
  const [locale, setLocale] = useState(tutorial.default_locale);
  const [extraLocales, setExtraLocales] = useState<string[]>([]);
  const [tab, setTab] = useState<string | null>('edit');
  const [previewing, setPreviewing] = useState(false);
  const [conflict, setConflict] = useState(false);
  const analytics = useQuery({ ...analyticsQuery(tutorial.id), enabled: tab === 'analytics' });

  const change = (next: Draft) => {
    setDraft(next);
    setDirty(true);
  };

  // The server checks the draft as it is edited (debounced); nothing is saved.
  useEffect(() => {
    if (!dirty) return;
    const timer = window.setTimeout(() => {
      validateTutorial(tutorial.id, toInput(draft))
        .then((out) => setProblems(Object.fromEntries(out.problems.map((p) => [p.pointer, p.detail]))))
        .catch(() => {});
    }, 400);
    return () => window.clearTimeout(timer);
  }, [draft, dirty, tutorial.id]);

  const locales = useMemo(() => {
    const set = new Set<string>([draft.default_locale, ...Object.keys(draft.title), ...extraLocales]);
    for (const s of draft.steps) Object.keys(s.title).forEach((l) => set.add(l));
    return [...set];
  }, [draft, extraLocales]);

  const invalidSteps = useMemo(() => {
    const out = new Set<string>();
    for (const p of Object.keys(problems)) {
      const i = stepOfPointer(p);
      if (i !== null && draft.steps[i]) out.add(draft.steps[i].key);
    }
    return out;
  }, [problems, draft.steps]);

  const graphSteps = useMemo(
    () =>
      draft.steps.map((s) => ({
        key: s.key,
        title: pick(s.title, locale, draft.default_locale),
        choices: (s.choices ?? []).map((c) => ({
          key: c.key,
          label: pick(c.label, locale, draft.default_locale) || c.key,
          target: c.target.type === 'step' ? { type: 'step', step: c.target.step } : { type: c.target.type },
        })),
      })),
    [draft, locale],
  );

  const index = draft.steps.findIndex((s) => s.key === selected);
  const step = index >= 0 ? draft.steps[index] : undefined;

  const handleSave = async (): Promise<boolean> => {
    try {
      const saved = await save.mutateAsync(toInput(draft, revision));
      setDraft(draftOf(saved));
      setRevision(saved.revision);
      setDirty(false);
      setProblems({});
      notifications.show({ color: 'green', message: 'Saved' });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setConflict(true);
      if (e instanceof ApiError && e.status === 422) {
        setProblems(Object.fromEntries((e.problem?.errors ?? []).map((p) => [p.pointer, p.detail])));
      }
      notifications.show({ color: 'red', message: errorMessage(e) });
      return false;
    }
  };

  const handlePublish = async () => {
    if (dirty && !(await handleSave())) return;
    publish.mutate(undefined, {
      onSuccess: (t) => notifications.show({ color: 'green', message: `Published version ${t.published_version}` }),
      onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
    });
  };

  const current = publish.data ?? unpublish.data ?? save.data ?? tutorial;
  const status = current.status === 'published' ? (dirty || current.has_unpublished_changes ? 'published, with unsaved or unpublished changes' : `published (version ${current.published_version})`) : 'draft';

  const updateStep = (next: Step) => change({ ...draft, steps: draft.steps.map((s, i) => (i === index ? next : s)) });
  const addStep = (after?: Step) => {
    const key = freshKey(`step-${draft.steps.length + 1}`, draft.steps.map((s) => s.key));
    const created: Step = {
      key,
      title: { [draft.default_locale]: 'New step' },
      content: {},
      image: null,
      choices: [{ key: 'solved', label: { [draft.default_locale]: 'That solved it' }, target: { type: 'solved', message: {} } }],
    };
    let steps = [...draft.steps, created];
    if (after) {
      // Link the new step from the one it comes after.
      steps = steps.map((s) =>
        s.key === after.key
          ? { ...s, choices: [...(s.choices ?? []), { key: freshKey('next', (s.choices ?? []).map((c) => c.key)), label: { [draft.default_locale]: 'Next' }, target: { type: 'step', step: key } }] }
          : s,
      );
    }
    change({ ...draft, steps });
    setSelected(key);
  };

  const problemList = Object.entries(problems);
  const reached = tab === 'analytics' && analytics.data ? Object.fromEntries(analytics.data.steps.map((s) => [s.step, s.reached])) : undefined;

  return (
    <Stack h="100%" gap={0}>
      <Group justify="space-between" p="sm" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }} wrap="wrap">
        <Group gap="xs">
          <Button variant="subtle" size="xs" onClick={onBack}>
            ← Tutorials
          </Button>
          <Title order={3}>{pick(draft.title, draft.default_locale, draft.default_locale) || 'Untitled'}</Title>
          <Badge variant="light" color={current.status === 'published' ? 'green' : 'gray'} data-testid="tutorial-status">
            {status}
          </Badge>
        </Group>
        <Group gap="xs">
          <Select
            aria-label="Editing language"
            size="xs"
            w={110}
            value={locale}
            data={locales}
            allowDeselect={false}
            onChange={(v) => v && setLocale(v)}
          />
          <Select
            aria-label="Add a language"
            placeholder="+ language"
            size="xs"
            w={120}
            searchable
            value={null}
            data={LANGUAGES.filter((l) => !locales.includes(l))}
            onChange={(v) => {
              if (!v) return;
              setExtraLocales((x) => [...x, v]);
              setLocale(v);
            }}
          />
          <Button size="xs" variant="default" onClick={() => setPreviewing(true)}>
            Preview
          </Button>
          <Button size="xs" onClick={() => void handleSave()} disabled={!dirty} loading={save.isPending}>
            Save
          </Button>
          <Button size="xs" color="green" onClick={() => void handlePublish()} loading={publish.isPending} disabled={problemList.length > 0}>
            Publish
          </Button>
          {current.status === 'published' && (
            <Button size="xs" variant="subtle" color="red" onClick={() => unpublish.mutate()} loading={unpublish.isPending}>
              Unpublish
            </Button>
          )}
        </Group>
      </Group>
      {conflict && (
        <Alert color="orange" m="sm" title="Changed by someone else">
          This tutorial was saved elsewhere after you opened it. Reload to see their version (your unsaved changes are lost).{' '}
          <Button size="xs" variant="light" onClick={() => window.location.reload()}>
            Reload
          </Button>
        </Alert>
      )}
      {problemList.length > 0 && (
        <Alert color="red" m="sm" title={`${problemList.length} problem${problemList.length === 1 ? '' : 's'} to fix before saving`} data-testid="tutorial-problems">
          <Stack gap={2}>
            {problemList.map(([pointer, detail]) => {
              const i = stepOfPointer(pointer);
              const key = i !== null ? draft.steps[i]?.key : undefined;
              return (
                <Text size="sm" key={pointer}>
                  {key ? (
                    <Button variant="subtle" size="compact-xs" onClick={() => setSelected(key)}>
                      {key}
                    </Button>
                  ) : (
                    <code>{pointer}</code>
                  )}{' '}
                  {detail}
                </Text>
              );
            })}
          </Stack>
        </Alert>
      )}
      <Tabs value={tab} onChange={setTab} px="sm">
        <Tabs.List>
          <Tabs.Tab value="edit">Steps</Tabs.Tab>
          <Tabs.Tab value="settings">Title and description</Tabs.Tab>
          <Tabs.Tab value="analytics">Analytics</Tabs.Tab>
        </Tabs.List>
      </Tabs>
      <Group align="stretch" gap={0} style={{ flex: 1, minHeight: 0 }} wrap="nowrap">
        <Paper style={{ flex: 3, minWidth: 0, overflow: 'auto', background: 'var(--mantine-color-gray-0)' }} radius={0} p="sm">
          <Group justify="space-between" mb="xs">
            <Text size="xs" c="dimmed">
              Click a step to edit it. Dashed arrows loop back; dashed boxes cannot be reached from the start.
            </Text>
            <Button size="xs" variant="default" onClick={() => addStep()}>
              Add step
            </Button>
          </Group>
          <GraphView steps={graphSteps} start={draft.start} selected={selected} invalid={invalidSteps} reached={reached} onSelect={(k) => { setSelected(k); if (tab === 'settings') setTab('edit'); }} />
        </Paper>
        <ScrollArea style={{ flex: 2, minWidth: 360, borderLeft: '1px solid var(--mantine-color-gray-3)' }} p="sm">
          {tab === 'edit' && step && (
            <StepForm
              step={step}
              index={index}
              steps={draft.steps}
              isStart={draft.start === step.key}
              locale={locale}
              defaultLocale={draft.default_locale}
              images={current.images}
              problems={problems}
              uploading={upload.isPending}
              onChange={updateStep}
              onRename={(from, to) => {
                change(renameStep(draft, from, to));
                setSelected(to);
              }}
              onMakeStart={() => change({ ...draft, start: step.key })}
              onAddAfter={() => addStep(step)}
              onDelete={() => {
                change({ ...draft, steps: draft.steps.filter((s) => s.key !== step.key) });
                setSelected(draft.start === step.key ? null : draft.start);
              }}
              onUpload={(file) =>
                upload.mutate(file, {
                  onSuccess: (img) => updateStep({ ...step, image: img.id }),
                  onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
                })
              }
            />
          )}
          {tab === 'edit' && !step && <Text c="dimmed">Select a step in the graph.</Text>}
          {tab === 'settings' && (
            <Stack gap="sm">
              <TextInput
                label={`Title (${locale})`}
                value={draft.title[locale] ?? ''}
                placeholder={locale !== draft.default_locale ? draft.title[draft.default_locale] : undefined}
                error={problems[`/title/${locale}`] ?? problems[`/title/${draft.default_locale}`]}
                onChange={(e) => change({ ...draft, title: withText(draft.title, locale, e.currentTarget.value) })}
              />
              <Textarea
                label={`Description (${locale})`}
                autosize
                minRows={2}
                value={draft.description[locale] ?? ''}
                onChange={(e) => change({ ...draft, description: withText(draft.description, locale, e.currentTarget.value) })}
              />
              <TagsInput label="Tags" value={draft.tags} onChange={(tags) => change({ ...draft, tags })} />
              <Select
                label="Default language"
                description="Every text needs this language; customers in other languages fall back to it."
                value={draft.default_locale}
                data={locales}
                allowDeselect={false}
                error={problems['/default_locale']}
                onChange={(v) => v && change({ ...draft, default_locale: v })}
              />
            </Stack>
          )}
          {tab === 'analytics' && <AnalyticsPanel id={tutorial.id} steps={draft.steps} defaultLocale={draft.default_locale} />}
        </ScrollArea>
      </Group>
      {previewing && (
        <PreviewModal
          title={draft.title}
          steps={draft.steps}
          start={draft.start}
          locale={locale}
          defaultLocale={draft.default_locale}
          images={current.images}
          onClose={() => setPreviewing(false)}
        />
      )}
    </Stack>
  );
}
