import { Autocomplete, Button, Code, Group, Loader, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage, fieldErrors } from '@/lib/api-client';
import { useUpdateWorkspace, workspaceQuery, type Workspace, type WorkspacePatch } from '../api/workspace';

/** Locales offered first; any BCP 47 tag may be typed. */
export const COMMON_LOCALES = [
  'en', 'en-US', 'en-GB', 'de', 'de-DE', 'de-AT', 'de-CH', 'fr', 'fr-FR', 'fr-CA', 'es', 'es-ES', 'es-419', 'it',
  'nl', 'pt-BR', 'pt-PT', 'sv', 'da', 'nb', 'fi', 'pl', 'cs', 'tr', 'ja', 'ko', 'zh-CN', 'zh-TW',
];

/** The IANA time zones this browser knows, sorted, with `UTC` and `current` always offered. */
export function timeZoneOptions(current: string, known: readonly string[] = browserTimeZones()): string[] {
  const zones = new Set(known);
  zones.add('UTC');
  if (current) zones.add(current);
  return [...zones].sort((a, b) => a.localeCompare(b));
}

function browserTimeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** `tag` in canonical BCP 47 case (`en-us` → `en-US`), or `null` when it is not a language tag. */
export function canonicalLocale(tag: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.trim());
    return canonical ?? null;
  } catch {
    return null;
  }
}

/** A language tag's name in English (`de-CH` → `Swiss High German`), when the browser knows it. */
export function localeName(tag: string): string | null {
  const canonical = canonicalLocale(tag);
  if (!canonical) return null;
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of(canonical);
    return name ?? null;
  } catch {
    return null;
  }
}

/** The fields of `draft` that differ from `saved`: the patch to send. */
export function changedFields(saved: Workspace, draft: Required<WorkspacePatch>): WorkspacePatch {
  const patch: WorkspacePatch = {};
  if (draft.name?.trim() !== saved.name) patch.name = draft.name;
  if (draft.time_zone !== saved.time_zone) patch.time_zone = draft.time_zone;
  if (draft.locale?.trim() !== saved.locale) patch.locale = draft.locale;
  return patch;
}

/** The current time in `zone`, for the time zone picker's hint. */
function nowIn(zone: string): string | null {
  try {
    return new Date().toLocaleTimeString('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' });
  } catch {
    return null;
  }
}

/** Workspace settings: name, time zone, locale. */
export function WorkspaceSettings() {
  const workspace = useQuery(workspaceQuery);
  if (workspace.isError) return <Text c="red">{errorMessage(workspace.error)}</Text>;
  if (!workspace.data) return <Loader size="sm" />;
  // Re-mounts with the saved values after each save.
  return <WorkspaceForm key={workspace.data.updated_at} workspace={workspace.data} />;
}

function WorkspaceForm({ workspace }: { workspace: Workspace }) {
  const update = useUpdateWorkspace();
  const [name, setName] = useState(workspace.name);
  const [timeZone, setTimeZone] = useState(workspace.time_zone);
  const [locale, setLocale] = useState(workspace.locale);
  const patch = changedFields(workspace, { name, time_zone: timeZone, locale });
  const dirty = Object.keys(patch).length > 0;
  const errors = fieldErrors(update.error);
  const localeHint = canonicalLocale(locale) ? localeName(locale) : 'Not a language tag (like en, en-US or de)';
  const now = nowIn(timeZone);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(patch, { onSuccess: () => notifications.show({ message: 'Workspace settings saved' }) });
  };

  return (
    <form onSubmit={handleSubmit} aria-label="Workspace settings">
      <Stack maw={520}>
        <TextInput label="Workspace name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
        <Select
          label="Time zone"
          description={now ? `It is ${now} there now.` : undefined}
          searchable
          limit={100}
          allowDeselect={false}
          data={timeZoneOptions(timeZone)}
          value={timeZone}
          onChange={(z) => z && setTimeZone(z)}
          error={errors.time_zone}
        />
        <Autocomplete
          label="Locale"
          description={localeHint ?? 'A BCP 47 language tag'}
          data={COMMON_LOCALES}
          value={locale}
          onChange={setLocale}
          error={errors.locale}
        />
        <Text size="sm" c="dimmed">
          Sign-in name (fixed): <Code>{workspace.slug}</Code>
        </Text>
        {update.isError && Object.keys(errors).length === 0 && (
          <Text c="red" size="sm">
            {errorMessage(update.error)}
          </Text>
        )}
        <Group>
          <Button type="submit" disabled={!dirty} loading={update.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
