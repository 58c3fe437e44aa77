/**
 * Settings → Channels → Chat widget: turn the widget on, the sites that may
 * embed it, its colours, position and greeting per language, what happens
 * when nobody is online, identity verification (the secret is shown once,
 * when rotated) and the snippets to put on the shop's pages and backend.
 */
import {
  Alert,
  Button,
  Code,
  ColorInput,
  CopyButton,
  Group,
  Loader,
  Modal,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from '@/lib/api-client';
import {
  chatSettingsQuery,
  useRotateIdentitySecret,
  useUpdateChatSettings,
  type ChatSettings,
  type ChatSettingsPatch,
} from '../api/chat';

/** The form's state. */
export interface ChatDraft {
  enabled: boolean;
  sites: string;
  color: string;
  textColor: string;
  position: string;
  greetings: { locale: string; text: string }[];
  defaultLocale: string;
  offlineMode: string;
  requireIdentity: boolean;
}

export function draftOf(s: ChatSettings): ChatDraft {
  const greetings = Object.entries((s.greetings ?? {}) as Record<string, string>).map(([locale, text]) => ({ locale, text }));
  return {
    enabled: s.enabled,
    sites: s.allowed_origins.join('\n'),
    color: s.color,
    textColor: s.text_color,
    position: s.position,
    greetings,
    defaultLocale: s.default_locale,
    offlineMode: s.offline_mode,
    requireIdentity: s.require_identity,
  };
}

/** What changed, as a patch (one site per line; empty lines ignored). */
export function toPatch(saved: ChatSettings, d: ChatDraft): ChatSettingsPatch {
  const patch: ChatSettingsPatch = {};
  const before = draftOf(saved);
  const sites = d.sites
    .split(/\n|,/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (d.enabled !== before.enabled) patch.enabled = d.enabled;
  if (sites.join('\n') !== saved.allowed_origins.join('\n')) patch.allowed_origins = sites;
  if (d.color !== before.color) patch.color = d.color;
  if (d.textColor !== before.textColor) patch.text_color = d.textColor;
  if (d.position !== before.position) patch.position = d.position;
  const greetings = Object.fromEntries(d.greetings.filter((g) => g.locale.trim()).map((g) => [g.locale.trim(), g.text]));
  if (JSON.stringify(greetings) !== JSON.stringify(Object.fromEntries(before.greetings.map((g) => [g.locale, g.text])))) {
    patch.greetings = greetings;
  }
  if (d.defaultLocale !== before.defaultLocale) patch.default_locale = d.defaultLocale;
  if (d.offlineMode !== before.offlineMode) patch.offline_mode = d.offlineMode;
  if (d.requireIdentity !== before.requireIdentity) patch.require_identity = d.requireIdentity;
  return patch;
}

/** The server's field problems by pointer (`/allowed_origins/1` → `allowed_origins`). */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const e of error.problem?.errors ?? []) {
    const field = e.pointer.split('/')[1] ?? '';
    const rest = e.pointer.split('/').slice(2).join('/');
    out[field] = out[field] ? `${out[field]}; ${rest ? `${rest}: ` : ''}${e.detail}` : `${rest ? `${rest}: ` : ''}${e.detail}`;
  }
  return out;
}

/** How the shop's backend signs a signed-in customer, in a few languages. */
export function backendExamples(): { label: string; code: string }[] {
  return [
    {
      label: 'Node.js',
      code: `import { createHmac } from 'node:crypto';\n// CHAT_IDENTITY_SECRET: the secret shown once in AutoCRM (keep it on the server).\nconst userHash = createHmac('sha256', process.env.CHAT_IDENTITY_SECRET)\n  .update(String(customer.id))   // or customer.email when you have no id\n  .digest('hex');`,
    },
    {
      label: 'PHP',
      code: `$userHash = hash_hmac('sha256', (string) $customer->id, getenv('CHAT_IDENTITY_SECRET'));`,
    },
    {
      label: 'Python',
      code: `import hmac, hashlib, os\nuser_hash = hmac.new(os.environ["CHAT_IDENTITY_SECRET"].encode(), str(customer.id).encode(), hashlib.sha256).hexdigest()`,
    },
    {
      label: 'In the page',
      code: `<script>\n  window.AutoCRM = window.AutoCRM || function () { (AutoCRM.q = AutoCRM.q || []).push(arguments); };\n  AutoCRM('identify', { user_id: '42', email: 'ida@example.com', name: 'Ida', user_hash: '<userHash from your backend>' });\n</script>`,
    },
  ];
}

function CopyBlock({ code, label }: { code: string; label: string }) {
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={600}>
          {label}
        </Text>
        <CopyButton value={code}>
          {({ copied, copy }) => (
            <Button size="compact-xs" variant="light" onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {code}
      </Code>
    </Stack>
  );
}

export function ChatWidgetSettings() {
  const settings = useQuery(chatSettingsQuery);
  if (!settings.data) return settings.isError ? <Alert color="red">The chat settings could not be loaded.</Alert> : <Loader />;
  return <ChatWidgetForm key={settings.data.updated_at} saved={settings.data} />;
}

export function ChatWidgetForm({ saved }: { saved: ChatSettings }) {
  const [draft, setDraft] = useState<ChatDraft>(() => draftOf(saved));
  const [secret, setSecret] = useState<string | null>(null);
  const save = useUpdateChatSettings();
  const rotate = useRotateIdentitySecret();
  const errors = fieldErrors(save.error);
  const patch = toPatch(saved, draft);
  const dirty = Object.keys(patch).length > 0;
  const set = <K extends keyof ChatDraft>(key: K, value: ChatDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const locales = draft.greetings.map((g) => g.locale.trim()).filter(Boolean);

  const handleRotate = () => {
    if (saved.identity_secret_set && !window.confirm('Rotate the secret? Hashes made with the current one stop working at once.')) return;
    rotate.mutate(undefined, { onSuccess: (r) => setSecret(r.secret) });
  };

  return (
    <Stack maw={760} gap="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (dirty) save.mutate(patch);
        }}
      >
        <Stack gap="md">
          <Title order={4}>Chat widget</Title>
          <Switch
            label="Show the chat widget on the sites below"
            checked={draft.enabled}
            onChange={(e) => set('enabled', e.currentTarget.checked)}
          />
          <Textarea
            label="Allowed sites"
            description="One origin per line: https://shop.example, https://*.shop.example for every subdomain, http://127.0.0.2:* for any port. Requests from other sites are refused."
            autosize
            minRows={3}
            value={draft.sites}
            onChange={(e) => set('sites', e.currentTarget.value)}
            error={errors.allowed_origins}
          />
          <Group grow align="flex-start">
            <ColorInput label="Colour" value={draft.color} onChange={(v) => set('color', v)} error={errors.color} format="hex" />
            <ColorInput
              label="Text on the colour"
              value={draft.textColor}
              onChange={(v) => set('textColor', v)}
              error={errors.text_color}
              format="hex"
            />
          </Group>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Launcher position
            </Text>
            <SegmentedControl
              value={draft.position}
              onChange={(v) => set('position', v)}
              data={[
                { label: 'Bottom right', value: 'right' },
                { label: 'Bottom left', value: 'left' },
              ]}
            />
          </Stack>
          <Stack gap="xs">
            <Text size="sm" fw={500}>
              Greeting per language
            </Text>
            {draft.greetings.map((g, i) => (
              <Group key={i} align="flex-start" wrap="nowrap">
                <TextInput
                  aria-label="Language"
                  w={90}
                  value={g.locale}
                  onChange={(e) => {
                    const locale = e.currentTarget.value;
                    set('greetings', draft.greetings.map((x, j) => (j === i ? { ...x, locale } : x)));
                  }}
                  error={errors.greetings && g.locale && errors.greetings.includes(g.locale) ? ' ' : undefined}
                />
                <Textarea
                  aria-label={`Greeting (${g.locale || 'new language'})`}
                  style={{ flex: 1 }}
                  autosize
                  minRows={1}
                  value={g.text}
                  onChange={(e) => {
                    const text = e.currentTarget.value;
                    set('greetings', draft.greetings.map((x, j) => (j === i ? { ...x, text } : x)));
                  }}
                />
                <Button
                  variant="subtle"
                  color="red"
                  aria-label={`Remove ${g.locale || 'language'}`}
                  onClick={() => set('greetings', draft.greetings.filter((_, j) => j !== i))}
                  disabled={draft.greetings.length <= 1}
                >
                  ×
                </Button>
              </Group>
            ))}
            {errors.greetings && (
              <Text size="xs" c="red">
                {errors.greetings}
              </Text>
            )}
            <Group>
              <Button size="xs" variant="light" onClick={() => set('greetings', [...draft.greetings, { locale: '', text: '' }])}>
                Add a language
              </Button>
              <Select
                size="xs"
                label="Default language"
                data={locales}
                value={locales.includes(draft.defaultLocale) ? draft.defaultLocale : null}
                onChange={(v) => v && set('defaultLocale', v)}
                error={errors.default_locale}
                allowDeselect={false}
              />
            </Group>
          </Stack>
          <Select
            label="When nobody is online"
            data={[
              { label: 'Ask visitors to leave a message (answered by e-mail)', value: 'message' },
              { label: 'Let visitors chat anyway (answered when someone is back)', value: 'chat' },
            ]}
            value={draft.offlineMode}
            onChange={(v) => v && set('offlineMode', v)}
            allowDeselect={false}
          />
          <Switch
            label="Only customers the shop identified may chat"
            description="Anonymous visitors can still search the help center and leave a message."
            checked={draft.requireIdentity}
            onChange={(e) => set('requireIdentity', e.currentTarget.checked)}
          />
          {save.error && !Object.keys(errors).length && <Alert color="red">{save.error.message}</Alert>}
          <Group>
            <Button type="submit" disabled={!dirty} loading={save.isPending}>
              Save
            </Button>
            {save.isSuccess && !dirty && (
              <Text size="sm" c="dimmed">
                Saved.
              </Text>
            )}
          </Group>
        </Stack>
      </form>

      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Title order={5}>Put the widget on your site</Title>
          <Text size="sm">Add this tag to every page, before &lt;/body&gt;:</Text>
          <CopyBlock label="Embed snippet" code={saved.embed_snippet} />
          <Text size="sm" c="dimmed">
            {saved.agents_online} agent{saved.agents_online === 1 ? '' : 's'} taking chats right now.
          </Text>
        </Stack>
      </Paper>

      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Title order={5}>Identity verification</Title>
          <Text size="sm">
            When a customer is signed in to your shop, your backend computes <Code>user_hash</Code> — an HMAC-SHA256 of their user id
            (or e-mail) with this secret — and the page passes it to the widget. Visitors then see their earlier conversations,
            and nobody can claim to be someone else.
          </Text>
          <Group>
            <Text size="sm" data-testid="identity-secret-state">
              {saved.identity_secret_set ? `A secret is set (ends in …${saved.identity_secret_hint ?? ''}).` : 'No secret yet.'}
            </Text>
            <Button size="xs" variant="light" onClick={handleRotate} loading={rotate.isPending}>
              {saved.identity_secret_set ? 'Rotate secret' : 'Create secret'}
            </Button>
          </Group>
          <Tabs defaultValue="Node.js">
            <Tabs.List>
              {backendExamples().map((e) => (
                <Tabs.Tab key={e.label} value={e.label}>
                  {e.label}
                </Tabs.Tab>
              ))}
            </Tabs.List>
            {backendExamples().map((e) => (
              <Tabs.Panel key={e.label} value={e.label} pt="xs">
                <CopyBlock label={e.label} code={e.code} />
              </Tabs.Panel>
            ))}
          </Tabs>
        </Stack>
      </Paper>

      <Modal opened={secret !== null} onClose={() => setSecret(null)} title="Identity secret" size="lg">
        <Stack>
          <Alert color="yellow">This is the only time the secret is shown. Store it with your shop's server settings.</Alert>
          {secret && <CopyBlock label="Secret" code={secret} />}
          <Button onClick={() => setSecret(null)}>Done</Button>
        </Stack>
      </Modal>
    </Stack>
  );
}
