/**
 * The signed-in customer's pages: their requests (list, conversation with
 * live updates, reply with files, rating) with articles suggested for them,
 * a new request, their orders,
 * preferences, and the rating page e-mail links open.
 */
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  FileInput,
  Group,
  Loader,
  NumberInput,
  Paper,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { StatusBadge } from '@/components/ui/badges';
import { SafeHtml } from '@/components/ui/safe-html';
import { errorMessage, fieldErrors } from '@/lib/api-client';
import { portalSessionQuery, profileQuery, useUpdateProfile } from '../api/account';
import {
  attachmentsQuery,
  customerFieldsQuery,
  messagesQuery,
  myOrdersQuery,
  myTicketsQuery,
  ratingPageQuery,
  ticketQuery,
  ticketRatingQuery,
  useCreateRequest,
  useReply,
  type PortalField,
  type RatingScore,
} from '../api/tickets';
import { useTicketStream } from '../hooks/use-ticket-stream';
import { useI18n } from '../i18n';
import { PublicFrame } from './portal-shell';
import { RatingForm } from './rating-form';
import { SuggestedArticles } from './suggested-articles';

function useDate() {
  const { locale } = useI18n();
  return (iso: string) => new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

function Failure({ error }: { error: unknown }) {
  const { t } = useI18n();
  return <Alert color="red">{t('common.error', { message: errorMessage(error) })}</Alert>;
}

export function TicketsPage() {
  const { t } = useI18n();
  const date = useDate();
  const tickets = useQuery(myTicketsQuery);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('tickets.title')}
        </Title>
        <Button component={Link} to="/portal/tickets/new">
          {t('tickets.new')}
        </Button>
      </Group>
      {tickets.isLoading && <Loader />}
      {tickets.isError && <Failure error={tickets.error} />}
      {tickets.data?.data.length === 0 && <Text c="dimmed">{t('tickets.empty')}</Text>}
      <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }} data-testid="portal-tickets">
        {tickets.data?.data.map((tk) => (
          <Card key={tk.id} component="li" withBorder padding="sm">
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Stack gap={2} style={{ minWidth: 0 }}>
                <Anchor component={Link} to={`/portal/tickets/${tk.id}`} fw={600} truncate>
                  {tk.display_number} · {tk.subject}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {t('tickets.updated')} {date(tk.updated_at)}
                </Text>
              </Stack>
              <Group gap={4} wrap="nowrap">
                {tk.rating && (
                  <Badge variant="light" color={tk.rating.score === 'good' ? 'green' : 'red'}>
                    {tk.rating.score === 'good' ? '👍' : '👎'}
                  </Badge>
                )}
                <StatusBadge name={tk.status.name} category={tk.status.category} />
              </Group>
            </Group>
          </Card>
        ))}
      </Stack>
      <SuggestedArticles />
    </Stack>
  );
}

export function TicketPage() {
  const { t } = useI18n();
  const date = useDate();
  const id = Number(useParams().ticketId);
  const live = useTicketStream(id);
  const ticket = useQuery(ticketQuery(id));
  const messages = useQuery(messagesQuery(id));
  const attachments = useQuery(attachmentsQuery(id));
  const rating = useQuery(ticketRatingQuery(id));
  const session = useQuery(portalSessionQuery);
  const reply = useReply(id);
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);

  if (ticket.isLoading) return <Loader />;
  if (ticket.isError || !ticket.data) return <Failure error={ticket.error} />;
  const tk = ticket.data;
  const solved = tk.status.category === 'solved' || tk.status.category === 'closed';
  const byMessage = new Map<number, { id: string; filename: string; url: string }[]>();
  for (const a of attachments.data?.data ?? []) {
    if (a.message_id == null) continue;
    byMessage.set(a.message_id, [...(byMessage.get(a.message_id) ?? []), a]);
  }
  const handleSend = (e: FormEvent) => {
    e.preventDefault();
    reply.mutate(
      { body, files },
      {
        onSuccess: () => {
          setBody('');
          setFiles([]);
        },
      },
    );
  };
  return (
    <Stack>
      <Anchor component={Link} to="/portal" size="sm">
        ← {t('ticket.back')}
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <Title order={1} size="h3">
          {tk.display_number} · {tk.subject}
        </Title>
        <Group gap="xs">
          <StatusBadge name={tk.status.name} category={tk.status.category} />
          <Badge size="xs" variant="dot" color={live ? 'green' : 'gray'}>
            {t('ticket.live')}
          </Badge>
        </Group>
      </Group>
      <Stack gap="sm" data-testid="portal-conversation" aria-live="polite">
        {messages.data?.data.map((m) => {
          const mine = m.author.kind === 'contact' && m.author.id === session.data?.contact_id;
          return (
            <Paper key={m.id} withBorder p="sm" bg={mine ? 'var(--mantine-color-default-hover)' : undefined} data-testid="portal-message">
              <Group justify="space-between" mb={4}>
                <Text size="sm" fw={600}>
                  {mine ? t('ticket.you') : t('ticket.support')}
                </Text>
                <Text size="xs" c="dimmed">
                  {date(m.created_at)}
                </Text>
              </Group>
              <SafeHtml html={m.body_html} />
              {(byMessage.get(m.id) ?? []).map((a) => (
                <Anchor key={a.id} href={a.url} size="sm" display="block">
                  📎 {a.filename}
                </Anchor>
              ))}
            </Paper>
          );
        })}
      </Stack>
      {solved && rating.data && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            {t('rate.title')}
          </Title>
          <RatingForm
            key={rating.data.rating?.rated_at ?? 'none'}
            token={rating.data.token}
            ticketId={id}
            rating={rating.data.rating}
            canRate={rating.data.can_rate}
            solved={solved}
          />
        </Paper>
      )}
      <form onSubmit={handleSend}>
        <Stack gap="xs">
          <Textarea label={t('ticket.reply')} autosize minRows={3} required value={body} onChange={(e) => setBody(e.currentTarget.value)} />
          {solved && (
            <Text size="xs" c="dimmed">
              {t('ticket.solvedReply')}
            </Text>
          )}
          <FileInput label={t('ticket.attach')} multiple clearable value={files} onChange={setFiles} />
          {reply.isError && <Failure error={reply.error} />}
          <Group justify="flex-end">
            <Button type="submit" loading={reply.isPending} disabled={!body.trim()}>
              {t('ticket.send')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

/** One input for a customer-visible custom field. */
function FieldInput({ field, value, onChange, error }: { field: PortalField; value: unknown; onChange: (v: unknown) => void; error?: string }) {
  const common = { label: field.label, required: field.required, error };
  switch (field.type) {
    case 'number':
    case 'decimal':
      return <NumberInput {...common} value={(value as number | undefined) ?? ''} onChange={(v) => onChange(v === '' ? undefined : v)} allowDecimal={field.type === 'decimal'} />;
    case 'checkbox':
      return <Checkbox label={field.label} checked={Boolean(value)} onChange={(e) => onChange(e.currentTarget.checked)} />;
    case 'select':
      return <Select {...common} data={field.options} value={(value as string | undefined) ?? null} onChange={(v) => onChange(v ?? undefined)} clearable />;
    case 'date':
      return <TextInput {...common} type="date" value={(value as string | undefined) ?? ''} onChange={(e) => onChange(e.currentTarget.value || undefined)} />;
    default:
      return <TextInput {...common} value={(value as string | undefined) ?? ''} onChange={(e) => onChange(e.currentTarget.value || undefined)} />;
  }
}

/** Longest subject the server takes; a longer prefilled one is cut, not refused. */
const SUBJECT_MAX = 250;

/**
 * A new request. Links from elsewhere (a tutorial's "open a ticket") start it
 * with `?subject=…&prefill=…`; both stay editable.
 */
export function NewTicketPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const fields = useQuery(customerFieldsQuery);
  const create = useCreateRequest();
  // Read once: the form owns the text after the first render.
  const [subject, setSubject] = useState(() => (params.get('subject') ?? '').slice(0, SUBJECT_MAX));
  const [description, setDescription] = useState(() => params.get('prefill') ?? '');
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [files, setFiles] = useState<File[]>([]);
  const errors = fieldErrors(create.error);
  const handleSubmit = (e: FormEvent) => {
    e.preventDefault();
    const customFields = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
    create.mutate(
      { subject, description, customFields, files },
      { onSuccess: (tk) => void navigate(`/portal/tickets/${tk.id}`) },
    );
  };
  return (
    <form onSubmit={handleSubmit}>
      <Stack>
        <Title order={1} size="h2">
          {t('new.title')}
        </Title>
        <TextInput label={t('new.subject')} required maxLength={SUBJECT_MAX} value={subject} onChange={(e) => setSubject(e.currentTarget.value)} error={errors.subject} />
        <Textarea label={t('new.description')} required autosize minRows={5} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        {fields.data?.map((f) => (
          <FieldInput
            key={f.key}
            field={f}
            value={values[f.key]}
            onChange={(v) => setValues((old) => ({ ...old, [f.key]: v }))}
            error={errors[`custom_fields/${f.key}`]}
          />
        ))}
        <FileInput label={t('ticket.attach')} multiple clearable value={files} onChange={setFiles} />
        {create.isError && Object.keys(errors).length === 0 && <Failure error={create.error} />}
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending}>
            {t('new.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function money(cents: number, currency: string, locale: string) {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(cents / 100);
}

export function OrdersPage() {
  const { t, locale } = useI18n();
  const date = useDate();
  const orders = useQuery(myOrdersQuery);
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('orders.title')}
      </Title>
      {orders.isLoading && <Loader />}
      {orders.isError && <Failure error={orders.error} />}
      {orders.data?.data.length === 0 && <Text c="dimmed">{t('orders.empty')}</Text>}
      {orders.data?.data.map((o) => (
        <Card key={o.id} withBorder padding="sm" data-testid="portal-order">
          <Group justify="space-between">
            <Text fw={700}>{o.name}</Text>
            <Badge variant="light">{o.status_label}</Badge>
          </Group>
          <Text size="xs" c="dimmed">
            {t('orders.placed')} {date(o.placed_at)} · {t('orders.total')} {money(o.total_cents, o.currency, locale)}
          </Text>
          <Stack gap={2} mt="xs">
            {o.items.map((i) => (
              <Text key={i.id} size="sm">
                {i.name} — {money(i.price_cents, o.currency, locale)}
              </Text>
            ))}
          </Stack>
          {(o.fulfilments ?? []).map((f) => (
            <Text key={f.tracking_number} size="sm" mt={4}>
              {t('orders.tracking')}: {f.carrier}{' '}
              {f.tracking_url ? (
                <Anchor href={f.tracking_url} target="_blank" rel="noopener noreferrer">
                  {f.tracking_number}
                </Anchor>
              ) : (
                f.tracking_number
              )}
            </Text>
          ))}
        </Card>
      ))}
    </Stack>
  );
}

export function PreferencesPage() {
  const { t } = useI18n();
  const profile = useQuery(profileQuery);
  const update = useUpdateProfile();
  const [name, setName] = useState<string | null>(null);
  if (profile.isLoading) return <Loader />;
  if (profile.isError || !profile.data) return <Failure error={profile.error} />;
  const p = profile.data;
  const handleName = (e: FormEvent) => {
    e.preventDefault();
    if (name != null) update.mutate({ name });
  };
  return (
    <Stack maw={520}>
      <Title order={1} size="h2">
        {t('prefs.title')}
      </Title>
      <form onSubmit={handleName}>
        <Group align="flex-end">
          <TextInput label={t('prefs.name')} value={name ?? p.name} onChange={(e) => setName(e.currentTarget.value)} style={{ flex: 1 }} />
          <Button type="submit" variant="default" loading={update.isPending}>
            {t('prefs.save')}
          </Button>
        </Group>
      </form>
      <Text size="sm" c="dimmed">
        {p.email}
      </Text>
      <Switch
        label={t('prefs.email')}
        checked={p.email_notifications ?? false}
        onChange={(e) => update.mutate({ email_notifications: e.currentTarget.checked })}
      />
      <Switch
        label={t('prefs.sms')}
        checked={p.sms_notifications ?? false}
        onChange={(e) => update.mutate({ sms_notifications: e.currentTarget.checked })}
      />
      {update.isSuccess && (
        <Text size="sm" c="green" role="status">
          {t('prefs.saved')}
        </Text>
      )}
      {update.isError && <Failure error={update.error} />}
    </Stack>
  );
}

/**
 * `/portal/tickets/:id/rate`: from the e-mail link (`?token=`, no sign-in
 * needed) or, for the signed-in requester, with the token the API gives them.
 */
export function RatePage() {
  const { t } = useI18n();
  const id = Number(useParams().ticketId);
  const [params] = useSearchParams();
  const linkToken = params.get('token');
  const initial = params.get('score');
  const session = useQuery({ ...portalSessionQuery, enabled: !linkToken });
  const own = useQuery({ ...ticketRatingQuery(id), enabled: !linkToken && Boolean(session.data) });
  const token = linkToken ?? own.data?.token ?? null;
  const page = useQuery({ ...ratingPageQuery(token ?? ''), enabled: Boolean(token) });
  const waiting = page.isLoading || (!linkToken && (session.isLoading || own.isLoading));
  return (
    <PublicFrame>
      <Stack>
        <Title order={1} size="h2">
          {t('rate.title')}
        </Title>
        {waiting && <Loader />}
        {!waiting && !token && (
          <Alert color="red">
            {t('link.invalid')}{' '}
            <Anchor component={Link} to={`/portal/sign-in?next=${encodeURIComponent(`/portal/tickets/${id}/rate`)}`}>
              {t('signIn.submit')}
            </Anchor>
          </Alert>
        )}
        {page.isError && <Failure error={page.error} />}
        {page.data && (
          <>
            <Text>{t('rate.question', { subject: `${page.data.display_number} ${page.data.subject}` })}</Text>
            <RatingForm
              token={token}
              ticketId={id}
              rating={page.data.rating}
              canRate={page.data.can_rate}
              solved={page.data.solved}
              initialScore={initial === 'good' || initial === 'bad' ? (initial as RatingScore) : null}
            />
          </>
        )}
      </Stack>
    </PublicFrame>
  );
}
