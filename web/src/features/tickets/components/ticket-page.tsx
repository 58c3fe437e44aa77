/** One ticket: header, timeline with the reply editor, properties and the requester's card. */
import { Alert, Anchor, Box, Flex, Group, Loader, ScrollArea, Select, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { PriorityBadge, StatusBadge } from '@/components/ui/badges';
import { errorMessage } from '@/lib/api-client';
import { attachmentKeys, attachmentsQuery, MAX_ATTACHMENT_BYTES, uploadAttachment } from '../api/attachments';
import { conversationKeys, messagesQuery, trailQuery, useSendMessage, type Message } from '../api/conversation';
import { macrosQuery, previewMacro, useApplyMacro } from '../api/macros';
import { agentsQuery } from '../api/reference';
import { ticketKeys, ticketQuery, type Ticket } from '../api/tickets';
import { viewKeys } from '../api/views';
import { useLiveTickets } from '../hooks/use-live-tickets';
import { usePresence } from '../hooks/use-presence';
import { MergeButton } from './merge-button';
import { PropertiesPanel } from './properties-panel';
import { RequesterCard } from './requester-card';
import { ReplyEditor, type ReplyHandle } from './reply-editor';
import { buildTimeline, TicketTimeline } from './ticket-timeline';

/** A message just sent from the reply editor. */
export interface SentMessage {
  id: number;
  /** The body as sent (HTML). */
  html: string;
  internal: boolean;
}

export interface TicketPageProps {
  ticketId: number;
  onBack: () => void;
  onOpenTicket: (id: number) => void;
  /** More about the requester (the app puts the shop's orders and subscriptions here). */
  customerPanel?: ReactNode;
  /** More about a message, under it (the app shows how it crossed a channel). */
  messageDetails?: (messageId: number) => ReactNode;
  /** Beside the ticket's status and priority (e.g. the customer's rating). */
  headerExtras?: ReactNode;
  /** Under the conversation, above the reply box (e.g. "customer is typing"). */
  conversationFooter?: ReactNode;
  /** More reply-editor toolbar buttons; `insert` puts HTML at the cursor. */
  replyTools?: (insert: (html: string) => void) => ReactNode;
  /**
   * Called when the agent's public reply draft becomes non-empty or empty
   * (e.g. "agent is typing" for a chat's visitor); an internal note's draft
   * counts as no draft here, so the customer never learns of one.
   */
  onDraftingChange?: (drafting: boolean) => void;
  /**
   * Under the properties (e.g. the AI's category, editable, and its reading
   * of the customer). `onTicketChange` takes the ticket as the server answered
   * a change made there, so every screen shows it at once.
   */
  propertiesExtras?: (context: { ticket: Ticket; messages: Message[]; onTicketChange: (ticket: Ticket) => void }) => ReactNode;
  /**
   * Above the reply editor (e.g. AI assist): `reply` is a handle on the draft
   * once the editor exists, `lastSent` the last message sent from it.
   */
  replyAssist?: (context: { ticket: Ticket; reply: ReplyHandle | null; lastSent: SentMessage | null }) => ReactNode;
}

export function TicketPage({
  ticketId,
  onBack,
  onOpenTicket,
  customerPanel,
  messageDetails,
  headerExtras,
  conversationFooter,
  replyTools,
  onDraftingChange,
  propertiesExtras,
  replyAssist,
}: TicketPageProps) {
  useLiveTickets();
  const ticket = useQuery(ticketQuery(ticketId));
  const messages = useInfiniteQuery(messagesQuery(ticketId));
  const trail = useQuery(trailQuery(ticketId));
  const agents = useQuery(agentsQuery);
  const send = useSendMessage(ticketId);
  const [drafting, setDrafting] = useState(false);
  const others = usePresence(ticketId, drafting);
  const handleDraftingChange = useCallback(
    (now: boolean, internal: boolean) => {
      setDrafting(now);
      onDraftingChange?.(now && !internal);
    },
    [onDraftingChange],
  );
  const attachments = useQuery(attachmentsQuery(ticketId));
  const client = useQueryClient();
  const compact = useMediaQuery('(max-width: 62em)') ?? false;
  const [reply, setReply] = useState<ReplyHandle | null>(null);
  const [lastSent, setLastSent] = useState<SentMessage | null>(null);
  const handleTicketChange = useCallback(
    (changed: Ticket) => {
      client.setQueryData(ticketKeys.detail(ticketId), changed);
      void client.invalidateQueries({ queryKey: ticketKeys.lists() });
      void client.invalidateQueries({ queryKey: viewKeys.all });
      void client.invalidateQueries({ queryKey: conversationKeys.trail(ticketId) });
    },
    [client, ticketId],
  );

  const handleSend = async (body: string, internal: boolean, files: File[]) => {
    if (internal) {
      // A note's files follow it, so they are never visible to the customer on their own.
      const message = await send.mutateAsync({ body, internal });
      setLastSent({ id: message.id, html: body, internal });
      await Promise.all(files.map((f) => uploadAttachment(ticketId, f, message.id)));
    } else {
      // A reply's files go first and travel with it (e-mail attachments).
      const uploaded = await Promise.all(files.map((f) => uploadAttachment(ticketId, f)));
      const message = await send.mutateAsync({ body, internal, attachment_ids: uploaded.map((a) => a.id) });
      setLastSent({ id: message.id, html: body, internal });
    }
    if (files.length) void client.invalidateQueries({ queryKey: attachmentKeys.list(ticketId) });
  };
  const handleUploadImage = async (file: File) => (await uploadAttachment(ticketId, file)).url;
  const macros = useQuery(macrosQuery);
  const applyMacro = useApplyMacro(ticketId);
  const handleApplyMacro = (value: string | null) => {
    if (!value) return;
    applyMacro.mutate(
      { macroId: Number(value), sendReply: true },
      {
        onSuccess: () => notifications.show({ message: 'Macro applied' }),
        onError: (error) => notifications.show({ color: 'red', title: 'Macro not applied', message: errorMessage(error) }),
      },
    );
  };
  // From the editor's `/` menu: the reply goes into the editor, the changes apply now.
  const handleInsertMacro = async (macroId: number) => {
    const preview = await previewMacro(ticketId, macroId);
    await applyMacro.mutateAsync({ macroId, sendReply: false });
    return { html: preview.reply_html ?? null, internal: preview.reply_internal };
  };

  const allMessages = useMemo(() => messages.data?.pages.flatMap((p) => p.data) ?? [], [messages.data]);
  const items = useMemo(() => buildTimeline(allMessages, trail.data?.data ?? []), [allMessages, trail.data]);
  const t = ticket.data;
  const authorName = useCallback(
    (m: Message) => {
      if (m.author.kind === 'contact') return t && m.author.id === t.requester.id ? t.requester.name : 'Customer';
      if (m.author.kind === 'system') return 'AutoCRM';
      return agents.data?.find((u) => u.id === m.author.id)?.name ?? 'Agent';
    },
    [agents.data, t],
  );

  if (ticket.isError) {
    return (
      <Alert color="red" m="md" title="This ticket cannot be shown">
        {errorMessage(ticket.error)}
      </Alert>
    );
  }
  if (!t) return <Loader m="xl" />;

  // Side by side with a scrolling pane each on wide screens; one column that scrolls as a whole on phones.
  const Pane = compact ? Box : ScrollArea;
  return (
    <Flex direction={compact ? 'column' : 'row'} h="100%" style={compact ? { overflowY: 'auto' } : undefined}>
      <Box style={{ flex: compact ? 'none' : 3, minWidth: 0, minHeight: 0 }}>
        <Pane h={compact ? undefined : '100%'} p="md">
          <Stack gap="md" maw={900}>
            <Group gap="xs">
              <Anchor size="sm" onClick={onBack}>
                ← Queue
              </Anchor>
            </Group>
            <Group gap="sm" wrap="wrap">
              <Text c="dimmed">{t.display_number}</Text>
              <Title order={2} style={{ wordBreak: 'break-word' }} data-testid="ticket-subject">
                {t.subject}
              </Title>
              <StatusBadge name={t.status.name} category={t.status.category} />
              <PriorityBadge priority={t.priority} />
              <MergeButton ticket={t} onMerged={onOpenTicket} />
              {headerExtras}
            </Group>
            {t.merged_into_id != null && (
              <Alert color="gray">
                This ticket was merged into{' '}
                <Anchor onClick={() => onOpenTicket(t.merged_into_id as number)}>ticket {t.merged_into_id}</Anchor>.
              </Alert>
            )}
            <TicketTimeline
              items={items}
              authorName={authorName}
              attachments={attachments.data?.data ?? []}
              messageDetails={messageDetails}
            />
            {messages.hasNextPage && (
              <Anchor size="sm" onClick={() => void messages.fetchNextPage()}>
                Load more messages
              </Anchor>
            )}
            {others.length > 0 && (
              <Alert color={others.some((o) => o.state === 'replying') ? 'orange' : 'blue'} py={6} data-testid="presence">
                {others.map((o) => `${o.name} is ${o.state}`).join(' · ')}
              </Alert>
            )}
            {conversationFooter}
            {replyAssist?.({ ticket: t, reply, lastSent })}
            <ReplyEditor
              onReady={setReply}
              onDraftingChange={handleDraftingChange}
              tools={replyTools}
              sending={send.isPending}
              onSend={handleSend}
              onUploadImage={handleUploadImage}
              maxFileBytes={MAX_ATTACHMENT_BYTES}
              macros={macros.data?.data ?? []}
              onInsertMacro={handleInsertMacro}
              mentionables={agents.data}
            />
            {send.isError && <Text c="red">{errorMessage(send.error)}</Text>}
          </Stack>
        </Pane>
      </Box>
      <Box
        style={{
          flex: compact ? 'none' : 1,
          minWidth: compact ? 0 : 300,
          minHeight: 0,
          [compact ? 'borderTop' : 'borderLeft']: '1px solid var(--mantine-color-default-border)',
        }}
      >
        <Pane h={compact ? undefined : '100%'}>
        <Stack p="md" gap="md">
          <Select
            placeholder="Apply a macro…"
            aria-label="Apply a macro"
            searchable
            clearable
            value={null}
            disabled={applyMacro.isPending}
            data={(macros.data?.data ?? []).map((m) => ({ value: String(m.id), label: m.name }))}
            onChange={handleApplyMacro}
          />
          <Box>
            <PropertiesPanel ticket={t} />
            {propertiesExtras && (
              <Box mt="sm">{propertiesExtras({ ticket: t, messages: allMessages, onTicketChange: handleTicketChange })}</Box>
            )}
          </Box>
          <RequesterCard ticket={t} onOpenTicket={onOpenTicket} />
          {customerPanel}
        </Stack>
        </Pane>
      </Box>
    </Flex>
  );
}
