/**
 * Creating or changing a mailbox. Secrets are write-only: an empty password
 * or SMTP URL field keeps what is stored, so the patch leaves them out
 * (sending `""` would replace the stored value with nothing).
 */
import {
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage, fieldErrors } from '@/lib/api-client';
import {
  useCreateMailbox,
  useUpdateMailbox,
  type ImapIn,
  type Mailbox,
  type MailboxCreated,
  type MailboxIn,
  type MailboxPatch,
} from '../api/mailboxes';

export type ImapSecurity = 'tls' | 'starttls' | 'plain';

const SECURITY_OPTIONS: { value: ImapSecurity; label: string }[] = [
  { value: 'tls', label: 'TLS (port 993)' },
  { value: 'starttls', label: 'STARTTLS (port 143)' },
  { value: 'plain', label: 'None — unencrypted (port 143)' },
];
const DEFAULT_PORT: Record<ImapSecurity, number> = { tls: 993, starttls: 143, plain: 143 };

/** The form's fields; `password` and `smtpUrl` hold only what was typed now. */
export interface MailboxDraft {
  address: string;
  name: string;
  aliases: string[];
  active: boolean;
  imapEnabled: boolean;
  host: string;
  port: number;
  security: ImapSecurity;
  username: string;
  password: string;
  folder: string;
  pollIntervalSecs: number;
  smtpUrl: string;
  removeSmtp: boolean;
}

/** The form filled from `mailbox`, or empty for a new one. */
export function draftOf(mailbox?: Mailbox): MailboxDraft {
  const imap = mailbox?.imap;
  return {
    address: mailbox?.address ?? '',
    name: mailbox?.name ?? '',
    aliases: mailbox?.aliases ?? [],
    active: mailbox?.active ?? true,
    imapEnabled: Boolean(imap),
    host: imap?.host ?? '',
    port: imap?.port ?? 993,
    security: (imap?.security as ImapSecurity | undefined) ?? 'tls',
    username: imap?.username ?? '',
    password: '',
    folder: imap?.folder ?? 'INBOX',
    pollIntervalSecs: mailbox?.poll_interval_secs ?? 60,
    smtpUrl: '',
    removeSmtp: false,
  };
}

function imapOf(d: MailboxDraft): ImapIn {
  return {
    host: d.host.trim(),
    port: d.port,
    security: d.security,
    username: d.username.trim(),
    folder: d.folder.trim() || 'INBOX',
    // Empty keeps the stored password.
    ...(d.password ? { password: d.password } : {}),
  };
}

/** The body that creates a mailbox from the form. */
export function toMailboxIn(d: MailboxDraft): MailboxIn {
  return {
    address: d.address.trim(),
    name: d.name.trim(),
    aliases: d.aliases,
    active: d.active,
    poll_interval_secs: d.pollIntervalSecs,
    ...(d.imapEnabled ? { imap: imapOf(d) } : {}),
    ...(d.smtpUrl.trim() ? { smtp_url: d.smtpUrl.trim() } : {}),
  };
}

/**
 * The patch that turns `saved` into the form's values: only what changed.
 * IMAP settings are sent only when they change, because saving them restarts
 * polling and clears the last error.
 */
export function toMailboxPatch(saved: Mailbox, d: MailboxDraft): MailboxPatch {
  const patch: MailboxPatch = {};
  if (d.address.trim() !== saved.address) patch.address = d.address.trim();
  if (d.name.trim() !== saved.name) patch.name = d.name.trim();
  if (d.aliases.join('\n') !== saved.aliases.join('\n')) patch.aliases = d.aliases;
  if (d.active !== saved.active) patch.active = d.active;
  if (d.pollIntervalSecs !== saved.poll_interval_secs) patch.poll_interval_secs = d.pollIntervalSecs;
  if (!d.imapEnabled) {
    if (saved.imap) patch.imap = null;
  } else {
    const next = imapOf(d);
    const s = saved.imap;
    const changed =
      !s ||
      next.password !== undefined ||
      next.host !== s.host ||
      next.port !== s.port ||
      next.security !== s.security ||
      next.username !== s.username ||
      next.folder !== s.folder;
    if (changed) patch.imap = next;
  }
  if (d.removeSmtp) {
    if (saved.smtp_configured) patch.smtp_url = null;
  } else if (d.smtpUrl.trim()) {
    patch.smtp_url = d.smtpUrl.trim();
  }
  return patch;
}

/**
 * The server's field errors by form field: `/aliases/2` → `aliases` (naming
 * the alias), and a taken address (409) under the address.
 */
export function mailboxFieldErrors(error: unknown, aliases: string[]): Record<string, string> {
  const byPointer = fieldErrors(error);
  const errors: Record<string, string> = {};
  const aliasProblems: string[] = [];
  for (const [field, detail] of Object.entries(byPointer)) {
    const alias = /^aliases\/(\d+)$/.exec(field);
    if (alias) aliasProblems.push(`${aliases[Number(alias[1])] ?? `Alias ${Number(alias[1]) + 1}`} ${detail}`);
    else errors[field] = detail;
  }
  if (aliasProblems.length) errors.aliases = aliasProblems.join('; ');
  if (error instanceof ApiError && error.status === 409 && error.problem?.code === 'mailbox_address_taken') {
    errors.address = error.message;
  }
  return errors;
}

export interface MailboxFormProps {
  /** The mailbox to change; none to create one. */
  mailbox?: Mailbox;
  /** After saving; a new mailbox comes with its inbound token. */
  onSaved: (result: { mailbox: Mailbox; created?: MailboxCreated }) => void;
  onCancel: () => void;
}

export function MailboxForm({ mailbox, onSaved, onCancel }: MailboxFormProps) {
  const create = useCreateMailbox();
  const update = useUpdateMailbox();
  const [draft, setDraft] = useState(() => draftOf(mailbox));
  const set = <K extends keyof MailboxDraft>(key: K, value: MailboxDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const save = mailbox ? update : create;
  const errors = mailboxFieldErrors(save.error, draft.aliases);
  const patch = mailbox ? toMailboxPatch(mailbox, draft) : null;
  const passwordStored = Boolean(mailbox?.imap?.password_set);
  const smtpStored = Boolean(mailbox?.smtp_configured);

  const handleSecurityChange = (value: string | null) => {
    if (!value) return;
    const security = value as ImapSecurity;
    // Follow the usual port unless someone typed another one.
    setDraft((d) => ({ ...d, security, port: d.port === DEFAULT_PORT[d.security] ? DEFAULT_PORT[security] : d.port }));
  };

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (mailbox && patch) {
      update.mutate({ id: mailbox.id, patch }, { onSuccess: (saved) => onSaved({ mailbox: saved }) });
    } else {
      create.mutate(toMailboxIn(draft), { onSuccess: (created) => onSaved({ mailbox: created, created }) });
    }
  };

  return (
    <form onSubmit={handleSubmit} aria-label={mailbox ? `Edit ${mailbox.address}` : 'New mailbox'} noValidate>
      <Stack>
        <TextInput
          label="Address"
          description="The address customers write to."
          placeholder="support@example.com"
          required
          data-autofocus
          value={draft.address}
          onChange={(e) => set('address', e.currentTarget.value)}
          error={errors.address}
        />
        <TextInput
          label="Display name"
          description="Shown as the sender of replies; empty uses the workspace's name."
          placeholder="Everline Support"
          value={draft.name}
          onChange={(e) => set('name', e.currentTarget.value)}
          error={errors.name}
        />
        <TagsInput
          label="Aliases"
          description="Other addresses that deliver to this mailbox. Press Enter after each."
          placeholder="help@example.com"
          value={draft.aliases}
          onChange={(v) => set('aliases', v)}
          error={errors.aliases}
        />
        <Switch
          label="Active (receives and sends)"
          checked={draft.active}
          onChange={(e) => set('active', e.currentTarget.checked)}
        />

        <Fieldset legend="Receiving">
          <Stack gap="sm">
            <Switch
              label="Fetch mail from an IMAP mailbox"
              checked={draft.imapEnabled}
              onChange={(e) => set('imapEnabled', e.currentTarget.checked)}
            />
            {!draft.imapEnabled && (
              <Text size="xs" c="dimmed">
                {mailbox?.imap
                  ? 'Saving stops polling; mail then arrives only through the inbound endpoint.'
                  : 'Off: mail arrives only through the inbound endpoint (forwarding providers, your MTA).'}
              </Text>
            )}
            {draft.imapEnabled && (
              <>
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <TextInput
                    label="IMAP server"
                    placeholder="imap.example.com"
                    required
                    value={draft.host}
                    onChange={(e) => set('host', e.currentTarget.value)}
                    error={errors['imap/host']}
                    style={{ gridColumn: 'span 2' }}
                  />
                  <NumberInput
                    label="Port"
                    required
                    min={1}
                    max={65535}
                    allowDecimal={false}
                    value={draft.port}
                    onChange={(v) => set('port', typeof v === 'number' ? v : Number(v) || 0)}
                    error={errors['imap/port']}
                  />
                </SimpleGrid>
                <Select
                  label="Security"
                  data={SECURITY_OPTIONS}
                  allowDeselect={false}
                  value={draft.security}
                  onChange={handleSecurityChange}
                  error={errors['imap/security']}
                />
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <TextInput
                    label="Username"
                    required
                    autoComplete="off"
                    value={draft.username}
                    onChange={(e) => set('username', e.currentTarget.value)}
                    error={errors['imap/username']}
                  />
                  <PasswordInput
                    label="Password"
                    required={!passwordStored}
                    autoComplete="new-password"
                    placeholder={passwordStored ? 'stored — leave empty to keep' : undefined}
                    description={passwordStored ? 'A password is stored; it is never shown.' : undefined}
                    value={draft.password}
                    onChange={(e) => set('password', e.currentTarget.value)}
                    error={errors['imap/password']}
                  />
                </SimpleGrid>
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <TextInput
                    label="Folder"
                    value={draft.folder}
                    onChange={(e) => set('folder', e.currentTarget.value)}
                    error={errors['imap/folder']}
                  />
                  <NumberInput
                    label="Check every (seconds)"
                    min={5}
                    max={86400}
                    allowDecimal={false}
                    value={draft.pollIntervalSecs}
                    onChange={(v) => set('pollIntervalSecs', typeof v === 'number' ? v : Number(v) || 0)}
                    error={errors.poll_interval_secs}
                  />
                </SimpleGrid>
                {errors.imap && (
                  <Text c="red" size="sm">
                    {errors.imap}
                  </Text>
                )}
              </>
            )}
          </Stack>
        </Fieldset>

        <Fieldset legend="Sending">
          <Stack gap="sm">
            <PasswordInput
              label="SMTP server URL"
              description={
                smtpStored
                  ? 'This mailbox has its own SMTP server; the URL is never shown.'
                  : "Empty sends through the server's mail settings. Like smtps://user:password@smtp.example.com:465"
              }
              placeholder={smtpStored ? 'stored — leave empty to keep' : 'smtp://user:password@smtp.example.com:587'}
              autoComplete="off"
              disabled={draft.removeSmtp}
              value={draft.smtpUrl}
              onChange={(e) => set('smtpUrl', e.currentTarget.value)}
              error={errors.smtp_url}
            />
            {smtpStored && (
              <Checkbox
                label="Remove it and send through the server's mail settings"
                checked={draft.removeSmtp}
                onChange={(e) => set('removeSmtp', e.currentTarget.checked)}
              />
            )}
          </Stack>
        </Fieldset>

        {save.isError && Object.keys(errors).length === 0 && (
          <Alert color="red" title="Not saved">
            {errorMessage(save.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={patch !== null && Object.keys(patch).length === 0}>
            {mailbox ? 'Save' : 'Add mailbox'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
