/**
 * Edits one step in the editing language: its key, heading, content, image
 * and choices (each leading to a step or an outcome). Problems from the
 * server's validation show under the field they point at.
 */
import { ActionIcon, Badge, Button, FileButton, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import type { Choice, Image, LocaleText, Step, Target } from '../api/tutorials';
import { RichText } from './rich-text';

/** Sets (or, when empty, removes) one locale's text. */
export function withText(text: LocaleText | undefined, locale: string, value: string): LocaleText {
  const out = { ...(text ?? {}) };
  if (value.trim() === '') delete out[locale];
  else out[locale] = value;
  return out;
}

const TARGET_TYPES = [
  { value: 'step', label: 'Go to a step' },
  { value: 'solved', label: 'Outcome: solved' },
  { value: 'open_ticket', label: 'Outcome: open a ticket' },
  { value: 'article', label: 'Outcome: read an article' },
];

function targetOfType(type: string, steps: Step[]): Target {
  switch (type) {
    case 'step':
      return { type: 'step', step: steps[0]?.key ?? '' };
    case 'open_ticket':
      return { type: 'open_ticket', subject: {}, category: null };
    case 'article':
      return { type: 'article', url: '/help' };
    default:
      return { type: 'solved', message: {} };
  }
}

/** A key that is not yet used among `keys`: `base`, `base-2`, … */
export function freshKey(base: string, keys: string[]): string {
  if (!keys.includes(base)) return base;
  let n = 2;
  while (keys.includes(`${base}-${n}`)) n += 1;
  return `${base}-${n}`;
}

export interface StepFormProps {
  step: Step;
  index: number;
  steps: Step[];
  isStart: boolean;
  locale: string;
  defaultLocale: string;
  images: Image[];
  /** Field problems of this tutorial: pointer → detail. */
  problems: Record<string, string>;
  uploading: boolean;
  onChange: (step: Step) => void;
  onRename: (from: string, to: string) => void;
  onMakeStart: () => void;
  onAddAfter: () => void;
  onDelete: () => void;
  onUpload: (file: File) => void;
}

export function StepForm(props: StepFormProps) {
  const { step, index, steps, locale, defaultLocale, problems } = props;
  const at = `/steps/${index}`;
  const translating = locale !== defaultLocale;
  const hint = (text: LocaleText | undefined) => (translating ? (text?.[defaultLocale] ?? '') : undefined);
  const choices = step.choices ?? [];
  const setChoice = (j: number, c: Choice) => props.onChange({ ...step, choices: choices.map((x, i) => (i === j ? c : x)) });
  const problemOf = (pointer: string) => problems[pointer];
  const stepProblem = problems[at];

  return (
    <Stack gap="sm" data-testid="step-form">
      <Group justify="space-between" align="center">
        <Title order={4}>
          Step {props.isStart && <Badge ml="xs">start</Badge>}
        </Title>
        <Group gap="xs">
          {!props.isStart && (
            <Button size="xs" variant="default" onClick={props.onMakeStart}>
              Make start step
            </Button>
          )}
          <Button size="xs" variant="subtle" color="red" onClick={props.onDelete} disabled={steps.length <= 1}>
            Delete step
          </Button>
        </Group>
      </Group>
      {stepProblem && (
        <Text c="red" size="sm" role="alert">
          {stepProblem}
        </Text>
      )}
      <TextInput
        label="Key"
        description="Stable id used in analytics: a-z, 0-9, _ and -"
        value={step.key}
        error={problemOf(`${at}/key`)}
        onChange={(e) => props.onRename(step.key, e.currentTarget.value.toLowerCase())}
      />
      <TextInput
        label={`Question or heading (${locale})`}
        value={step.title[locale] ?? ''}
        placeholder={hint(step.title)}
        error={problemOf(`${at}/title/${locale}`) ?? problemOf(`${at}/title/${defaultLocale}`)}
        onChange={(e) => props.onChange({ ...step, title: withText(step.title, locale, e.currentTarget.value) })}
        data-testid="step-title"
      />
      <RichText
        key={`${step.key}:${locale}`}
        label={`Content (${locale})`}
        value={step.content?.[locale] ?? ''}
        placeholder={hint(step.content) ? 'Translate the content…' : 'Explain what to check…'}
        onChange={(html) => props.onChange({ ...step, content: withText(step.content, locale, html) })}
      />
      <Group align="flex-end" gap="xs">
        <Select
          label="Image"
          clearable
          placeholder="No image"
          value={step.image ?? null}
          error={problemOf(`${at}/image`)}
          data={props.images.map((i) => ({ value: i.id, label: i.filename }))}
          onChange={(v) => props.onChange({ ...step, image: v })}
          style={{ flex: 1 }}
        />
        <FileButton onChange={(f) => f && props.onUpload(f)} accept="image/png,image/jpeg,image/gif,image/webp">
          {(p) => (
            <Button {...p} variant="default" loading={props.uploading}>
              Upload image
            </Button>
          )}
        </FileButton>
      </Group>
      {step.image && props.images.find((i) => i.id === step.image) && (
        <img src={props.images.find((i) => i.id === step.image)?.url} alt="" style={{ maxWidth: '100%', maxHeight: 160, objectFit: 'contain' }} />
      )}
      <Title order={5} mt="sm">
        Choices
      </Title>
      {problemOf(`${at}/choices`) && (
        <Text c="red" size="sm" role="alert">
          {problemOf(`${at}/choices`)}
        </Text>
      )}
      {choices.map((c, j) => (
        <ChoiceForm
          key={j}
          choice={c}
          pointer={`${at}/choices/${j}`}
          steps={steps}
          self={step.key}
          locale={locale}
          defaultLocale={defaultLocale}
          problems={problems}
          onChange={(next) => setChoice(j, next)}
          onRemove={() => props.onChange({ ...step, choices: choices.filter((_, i) => i !== j) })}
        />
      ))}
      <Group gap="xs">
        <Button
          size="xs"
          variant="default"
          onClick={() =>
            props.onChange({
              ...step,
              choices: [
                ...choices,
                { key: freshKey(`choice-${choices.length + 1}`, choices.map((x) => x.key)), label: {}, target: { type: 'solved', message: {} } },
              ],
            })
          }
        >
          Add choice
        </Button>
        <Button size="xs" variant="light" onClick={props.onAddAfter} data-testid="add-step-after">
          Add a step after this one
        </Button>
      </Group>
    </Stack>
  );
}

interface ChoiceFormProps {
  choice: Choice;
  pointer: string;
  steps: Step[];
  self: string;
  locale: string;
  defaultLocale: string;
  problems: Record<string, string>;
  onChange: (c: Choice) => void;
  onRemove: () => void;
}

function ChoiceForm({ choice, pointer, steps, self, locale, defaultLocale, problems, onChange, onRemove }: ChoiceFormProps) {
  const t = choice.target;
  const translating = locale !== defaultLocale;
  const err = (p: string) => problems[`${pointer}${p}`];
  return (
    <Paper withBorder p="xs" data-testid="choice-form">
      <Stack gap={6}>
        <Group align="flex-end" gap="xs" wrap="nowrap">
          <TextInput
            label={`Answer (${locale})`}
            value={choice.label[locale] ?? ''}
            placeholder={translating ? choice.label[defaultLocale] : 'Yes, No, It is on its way…'}
            error={err(`/label/${locale}`) ?? err(`/label/${defaultLocale}`)}
            onChange={(e) => onChange({ ...choice, label: withText(choice.label, locale, e.currentTarget.value) })}
            style={{ flex: 2 }}
            data-testid="choice-label"
          />
          <TextInput
            label="Key"
            value={choice.key}
            error={err('/key')}
            onChange={(e) => onChange({ ...choice, key: e.currentTarget.value.toLowerCase() })}
            style={{ flex: 1 }}
          />
          <ActionIcon variant="subtle" color="red" aria-label="Remove choice" onClick={onRemove} mb={4}>
            ✕
          </ActionIcon>
        </Group>
        <Group align="flex-end" gap="xs" grow>
          <Select
            label="Leads to"
            value={t.type}
            data={TARGET_TYPES}
            allowDeselect={false}
            onChange={(v) => v && v !== t.type && onChange({ ...choice, target: targetOfType(v, steps.filter((s) => s.key !== self)) })}
            data-testid="choice-target-type"
          />
          {t.type === 'step' && (
            <Select
              label="Step"
              value={t.step || null}
              error={err('/target/step')}
              data={steps.map((s) => ({ value: s.key, label: `${s.title[defaultLocale] || s.key} (${s.key})` }))}
              onChange={(v) => onChange({ ...choice, target: { type: 'step', step: v ?? '' } })}
              data-testid="choice-target-step"
            />
          )}
          {t.type === 'solved' && (
            <TextInput
              label={`Closing message (${locale}, optional)`}
              value={t.message?.[locale] ?? ''}
              onChange={(e) => onChange({ ...choice, target: { ...t, message: withText(t.message, locale, e.currentTarget.value) } })}
            />
          )}
          {t.type === 'article' && (
            <TextInput
              label="Article link"
              description="/help/articles/… or https://…"
              value={t.url}
              error={err('/target/url')}
              onChange={(e) => onChange({ ...choice, target: { ...t, url: e.currentTarget.value } })}
            />
          )}
        </Group>
        {t.type === 'open_ticket' && (
          <Group gap="xs" grow>
            <TextInput
              label={`Ticket subject (${locale})`}
              placeholder="Default: the tutorial's title"
              value={t.subject?.[locale] ?? ''}
              error={err(`/target/subject/${locale}`)}
              onChange={(e) => onChange({ ...choice, target: { ...t, subject: withText(t.subject, locale, e.currentTarget.value) } })}
            />
            <TextInput
              label="Category (tag)"
              placeholder="returns"
              value={t.category ?? ''}
              error={err('/target/category')}
              onChange={(e) => onChange({ ...choice, target: { ...t, category: e.currentTarget.value || null } })}
            />
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
