/**
 * Under a chat ticket's conversation (the ticket page's `conversationFooter`
 * slot): who the visitor is and whether their widget is open, "… is typing"
 * while they type, "Seen" once they read the team's last reply, and
 * "Handled by the chatbot" until the chatbot hands the chat to the team.
 * While an agent has the ticket open, the chat counts as read up to its
 * last message.
 * Renders nothing for tickets that did not come from the widget.
 */
import { Badge, Group, Paper, Text, Tooltip } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { eventStream } from '@/lib/event-stream';
import { chatKeys, sendRead, ticketChatQuery, type TicketChat } from '../api/chat';
import { typingNotifier } from '../lib/notifier';

const TYPING_EXPIRES_MS = 7000;

export function ChatFooter({ ticketId }: { ticketId: number }) {
  const client = useQueryClient();
  const chat = useQuery({ ...ticketChatQuery(ticketId), refetchInterval: 30_000 });
  const isChat = Boolean(chat.data);
  const [typing, setTyping] = useState<string | null>(null);
  const expiry = useRef<number | undefined>(undefined);

  useEffect(() => {
    if (!isChat) return;
    typingNotifier.register(ticketId);
    return () => typingNotifier.unregister(ticketId);
  }, [ticketId, isChat]);

  // The visitor's typing and read signals (ephemeral: not in the event log).
  useEffect(() => {
    if (!isChat) return;
    const source = new EventSource(`/api/v1/tickets/${ticketId}/chat/stream`);
    const handleTyping = (msg: MessageEvent<string>) => {
      try {
        const s = JSON.parse(msg.data) as { name: string; typing: boolean };
        window.clearTimeout(expiry.current);
        setTyping(s.typing ? s.name : null);
        if (s.typing) expiry.current = window.setTimeout(() => setTyping(null), TYPING_EXPIRES_MS);
      } catch {
        // A malformed signal is dropped; the next one replaces it.
      }
    };
    const handleRead = (msg: MessageEvent<string>) => {
      try {
        const s = JSON.parse(msg.data) as { message_id: number; at: string };
        client.setQueryData<TicketChat | null>(chatKeys.ticket(ticketId), (old) =>
          old ? { ...old, visitor_read_message_id: Math.max(old.visitor_read_message_id ?? 0, s.message_id), visitor_read_at: s.at } : old,
        );
        // A refetch started before the read (on the new message) would bring the old position back: refetch now.
        void client.invalidateQueries({ queryKey: chatKeys.ticket(ticketId) });
      } catch {
        // As above.
      }
    };
    source.addEventListener('typing', handleTyping as EventListener);
    source.addEventListener('read', handleRead as EventListener);
    return () => {
      source.close();
      window.clearTimeout(expiry.current);
    };
  }, [ticketId, isChat, client]);

  // A new message on this ticket: refresh the read state (and stop showing "typing" for the visitor who sent it).
  // A hand-off: the team handles the chat now.
  useEffect(
    () =>
      eventStream.subscribe((e) => {
        if (e.ticket_id !== ticketId) return;
        if (e.type === 'chat.handed_off') {
          void client.invalidateQueries({ queryKey: chatKeys.ticket(ticketId) });
          return;
        }
        if (e.type !== 'message.created') return;
        if ((e.data.message as { author_kind?: string } | undefined)?.author_kind === 'contact') setTyping(null);
        void client.invalidateQueries({ queryKey: chatKeys.ticket(ticketId) });
      }),
    [ticketId, client],
  );

  // Reading the ticket reads the chat: tell the visitor ("Seen").
  const last = chat.data?.last_message_id ?? 0;
  const readUpTo = chat.data?.agent_read_message_id ?? 0;
  useEffect(() => {
    if (!isChat || last <= readUpTo) return;
    const mark = () => {
      if (document.visibilityState === 'visible') void sendRead(ticketId, last).catch(() => {});
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [ticketId, isChat, last, readUpTo]);

  const data = chat.data;
  if (!data) return null;
  const visitor = data.visitor;
  const seen = data.last_team_message_id != null && (data.visitor_read_message_id ?? 0) >= data.last_team_message_id;
  return (
    <Paper withBorder p="xs" radius="md" data-testid="chat-footer">
      <Group gap="xs" wrap="wrap">
        <Badge size="sm" variant="light">
          {data.kind === 'offline' ? 'Left in the chat widget' : 'Live chat'}
        </Badge>
        {visitor && (
          <>
            <Text size="sm" fw={600}>
              {visitor.name}
            </Text>
            <Badge size="xs" color={data.visitor_online ? 'green' : 'gray'} variant="dot">
              {data.visitor_online ? 'online' : 'away'}
            </Badge>
            {visitor.identified && (
              <Tooltip label="The shop verified who this is">
                <Badge size="xs" color="teal" variant="outline">
                  verified
                </Badge>
              </Tooltip>
            )}
            {visitor.page_url && (
              <Text size="xs" c="dimmed" truncate maw={320} title={visitor.page_url}>
                on {visitor.page_url}
              </Text>
            )}
          </>
        )}
        {data.handler === 'bot' && (
          <Tooltip label="The chatbot answers this chat until it hands it to the team or the customer asks for a person">
            <Badge size="sm" color="grape" variant="light" data-testid="chat-handler">
              Handled by the chatbot
            </Badge>
          </Tooltip>
        )}
      </Group>
      <Group justify="space-between" mt={4} gap="xs">
        <Text size="sm" c="dimmed" aria-live="polite" data-testid="chat-typing">
          {typing ? `${typing} is typing…` : ''}
        </Text>
        {seen && (
          <Text size="xs" c="dimmed" data-testid="chat-seen">
            Seen by the customer
          </Text>
        )}
      </Group>
    </Paper>
  );
}
