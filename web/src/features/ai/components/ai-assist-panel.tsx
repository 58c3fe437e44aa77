/**
 * "AI assist" beside the reply editor: suggest a reply (editable, with the
 * sources it drew on), summarise the thread, translate the draft.
 *
 * Invariants: suggested text is plain text everywhere — shown in a textarea,
 * escaped when inserted into the editor — and sources link only to web
 * addresses, in a new tab without access to this page. What the agent does
 * with a reply suggestion is reported for the AI report: `accepted` or
 * `edited` when inserted, then again with the message once the reply is
 * sent (`edited` with the text sent if the agent changed it), `rejected`
 * when dismissed.
 */
import { Alert, Anchor, Badge, Button, CloseButton, Group, List, Paper, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import { useEffect, useId, useRef, useState } from 'react';
import { errorMessage } from '@/lib/api-client';
import {
  problemCode,
  useSuggestionOutcome,
  useSuggestReply,
  useSummarise,
  useTranslate,
  type Citation,
  type Suggestion,
} from '../api/assist';
import { htmlToText, safeHref, sameText, textToHtml } from '../lib/text';
import { languageOptions, percent } from '../lib/triage';

/** What the panel may do with the reply editor. */
export interface ReplyAccess {
  /** Puts HTML at the cursor. */
  insert: (html: string) => void;
  /** Replaces the whole draft with HTML. */
  replace: (html: string) => void;
  /** The draft as plain text. */
  draftText: () => string;
}

/** A message the agent just sent from the reply editor. */
export interface SentReply {
  id: number;
  html: string;
  internal: boolean;
}

export interface AiAssistPanelProps {
  ticketId: number;
  /** The customer's language (ISO 639-1): the default translation target. */
  language?: string | null;
  /** The reply editor, once it is ready. */
  reply: ReplyAccess | null;
  /** The last message sent from the editor (to report what became of an inserted suggestion). */
  lastSent?: SentReply | null;
}

/** A friendly explanation for the AI's known refusals; `null` for other errors. */
export function aiProblem(error: unknown): { title: string; message: string } | null {
  switch (problemCode(error)) {
    case 'llm_not_configured':
      return {
        title: 'Translation needs a language model',
        message: 'No LLM endpoint is connected. An admin can connect one in Settings → AI; suggestions and summaries work without it.',
      };
    case 'ai_budget_spent':
      return { title: 'AI budget used up', message: "This month's AI token budget is spent. An admin can raise it in Settings → AI." };
    default:
      return null;
  }
}

function ErrorNote({ error }: { error: unknown }) {
  const known = aiProblem(error);
  return (
    <Alert color={known ? 'blue' : 'red'} title={known?.title} py="xs" role="alert">
      {known?.message ?? errorMessage(error)}
    </Alert>
  );
}

function Sources({ citations }: { citations: Citation[] }) {
  const labelId = useId();
  if (citations.length === 0) return null;
  return (
    <Stack gap={2}>
      <Text size="xs" fw={600} c="dimmed" id={labelId}>
        Sources
      </Text>
      <List size="xs" spacing={2} aria-labelledby={labelId} data-testid="ai-citations">
        {citations.map((c) => {
          const href = safeHref(c.url);
          return (
            <List.Item key={`${c.kind}-${c.id}`}>
              <Group gap={4} wrap="nowrap">
                <Badge size="xs" variant="light" color="gray" radius="sm">
                  {c.kind}
                </Badge>
                {href ? (
                  <Anchor href={href} target="_blank" rel="noopener noreferrer" size="xs">
                    {c.title}
                  </Anchor>
                ) : (
                  <Text size="xs">{c.title}</Text>
                )}
                <Text size="xs" c="dimmed">
                  {percent(c.score)}
                </Text>
              </Group>
            </List.Item>
          );
        })}
      </List>
    </Stack>
  );
}

function Provenance({ s }: { s: Suggestion }) {
  return (
    <Text size="xs" c="dimmed" data-testid="ai-provenance">
      {s.provenance.engine === 'llm' ? 'Language model' : 'Built-in engine'} · {s.provenance.model}
      {s.confidence != null && ` · ${percent(s.confidence)} match`}
    </Text>
  );
}

export function AiAssistPanel({ ticketId, language, reply, lastSent }: AiAssistPanelProps) {
  const suggest = useSuggestReply(ticketId);
  const summarise = useSummarise(ticketId);
  const translate = useTranslate(ticketId);
  const { mutate: record } = useSuggestionOutcome();
  const [draft, setDraft] = useState<{ suggestion: Suggestion; text: string } | null>(null);
  const [summary, setSummary] = useState<Suggestion | null>(null);
  const [translation, setTranslation] = useState<{ suggestion: Suggestion; text: string; fromDraft: boolean } | null>(null);
  const [source, setSource] = useState<string | null>(null);
  const [target, setTarget] = useState<string | null>(language ?? null);
  // An inserted reply suggestion waiting for the reply to be sent.
  const pending = useRef<{ id: number; text: string } | null>(null);

  useEffect(() => {
    const waiting = pending.current;
    if (!lastSent || lastSent.internal || !waiting) return;
    pending.current = null;
    const sent = htmlToText(lastSent.html);
    record(
      sameText(sent, waiting.text)
        ? { id: waiting.id, outcome: 'accepted', message_id: lastSent.id }
        : { id: waiting.id, outcome: 'edited', final_text: sent, message_id: lastSent.id },
    );
  }, [lastSent, record]);

  const handleSuggest = () => suggest.mutate(undefined, { onSuccess: (s) => setDraft({ suggestion: s, text: s.text }) });

  const handleInsert = () => {
    if (!draft || !reply) return;
    reply.insert(textToHtml(draft.text));
    const { suggestion, text } = draft;
    record(
      sameText(text, suggestion.text)
        ? { id: suggestion.id, outcome: 'accepted' }
        : { id: suggestion.id, outcome: 'edited', final_text: text },
    );
    pending.current = { id: suggestion.id, text: suggestion.text };
    setDraft(null);
  };

  const handleDismiss = () => {
    if (!draft) return;
    record({ id: draft.suggestion.id, outcome: 'rejected' });
    setDraft(null);
  };

  const runTranslate = (text: string, fromDraft: boolean) =>
    translate.mutate(
      { text, target },
      {
        onSuccess: (s) => {
          setTranslation({ suggestion: s, text: s.text, fromDraft });
          setSource(null);
        },
      },
    );

  const handleTranslateDraft = () => {
    const text = reply?.draftText().trim() ?? '';
    // Without a draft, the agent types the text to translate.
    if (text) runTranslate(text, true);
    else setSource((s) => s ?? '');
  };

  const handleUseTranslation = () => {
    if (!translation || !reply) return;
    const html = textToHtml(translation.text);
    if (translation.fromDraft) reply.replace(html);
    else reply.insert(html);
    const { suggestion, text } = translation;
    record(
      sameText(text, suggestion.text)
        ? { id: suggestion.id, outcome: 'accepted' }
        : { id: suggestion.id, outcome: 'edited', final_text: text },
    );
    setTranslation(null);
  };

  const handleDismissTranslation = () => {
    if (!translation) return;
    record({ id: translation.suggestion.id, outcome: 'rejected' });
    setTranslation(null);
  };

  return (
    <Paper withBorder p="sm" component="section" aria-label="AI assist" data-testid="ai-assist">
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Title order={5}>AI assist</Title>
        <Group gap="xs" wrap="wrap">
          <Button size="xs" variant="light" onClick={handleSuggest} loading={suggest.isPending}>
            Suggest reply
          </Button>
          <Button size="xs" variant="light" onClick={() => summarise.mutate(undefined, { onSuccess: setSummary })} loading={summarise.isPending}>
            Summarise
          </Button>
          <Select
            size="xs"
            w={170}
            aria-label="Translate into"
            placeholder="Into…"
            searchable
            value={target}
            onChange={setTarget}
            data={languageOptions(language ? [language] : [])}
          />
          <Button size="xs" variant="light" onClick={handleTranslateDraft} loading={translate.isPending}>
            Translate draft
          </Button>
        </Group>
      </Group>
      <Stack gap="sm" mt={draft || summary || translation || source !== null || suggest.isError || suggest.streamed || summarise.isError || translate.isError ? 'sm' : 0}>
        {suggest.isError && <ErrorNote error={suggest.error} />}
        {suggest.isPending && suggest.streamed && (
          <Stack gap={4} data-testid="ai-reply-streaming" aria-busy="true">
            <Text size="sm" fw={500}>
              Writing a reply…
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {suggest.streamed}
            </Text>
          </Stack>
        )}
        {draft && (
          <Stack gap={6} data-testid="ai-reply-suggestion">
            <Textarea
              label="Suggested reply"
              autosize
              minRows={3}
              maxRows={14}
              value={draft.text}
              onChange={(e) => {
                const text = e.currentTarget.value;
                setDraft((d) => (d ? { ...d, text } : d));
              }}
            />
            <Sources citations={draft.suggestion.citations} />
            <Provenance s={draft.suggestion} />
            <Group gap="xs">
              <Button size="xs" onClick={handleInsert} disabled={!reply || draft.text.trim() === ''}>
                Insert into reply
              </Button>
              <Button size="xs" variant="default" onClick={handleDismiss}>
                Dismiss
              </Button>
            </Group>
          </Stack>
        )}
        {summarise.isError && <ErrorNote error={summarise.error} />}
        {summary && (
          <Paper bg="var(--mantine-color-default-hover)" p="xs" data-testid="ai-summary">
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Text size="sm" fw={600}>
                Summary
              </Text>
              <CloseButton size="sm" aria-label="Close summary" onClick={() => setSummary(null)} />
            </Group>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {summary.text}
            </Text>
            {summary.bullets.length > 0 && (
              <List size="sm" mt={4} spacing={2}>
                {summary.bullets.map((b, i) => (
                  <List.Item key={i}>{b}</List.Item>
                ))}
              </List>
            )}
            <Provenance s={summary} />
          </Paper>
        )}
        {source !== null && (
          <Stack gap={6}>
            <Textarea label="Text to translate" autosize minRows={2} maxRows={8} value={source} onChange={(e) => setSource(e.currentTarget.value)} />
            <Group gap="xs">
              <Button size="xs" onClick={() => runTranslate(source, false)} disabled={source.trim() === ''} loading={translate.isPending}>
                Translate
              </Button>
              <Button size="xs" variant="default" onClick={() => setSource(null)}>
                Cancel
              </Button>
            </Group>
          </Stack>
        )}
        {translate.isError && <ErrorNote error={translate.error} />}
        {translation && (
          <Stack gap={6} data-testid="ai-translation">
            <Textarea
              label="Translation"
              autosize
              minRows={2}
              maxRows={14}
              value={translation.text}
              onChange={(e) => {
                const text = e.currentTarget.value;
                setTranslation((t) => (t ? { ...t, text } : t));
              }}
            />
            <Provenance s={translation.suggestion} />
            <Group gap="xs">
              <Button size="xs" onClick={handleUseTranslation} disabled={!reply}>
                {translation.fromDraft ? 'Replace draft with translation' : 'Insert translation'}
              </Button>
              <Button size="xs" variant="default" onClick={handleDismissTranslation}>
                Dismiss translation
              </Button>
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
