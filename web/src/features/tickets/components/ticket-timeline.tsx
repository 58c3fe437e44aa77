/** The conversation as one timeline: replies, internal notes (visibly distinct) and events, by time. */
import { Anchor, Badge, Box, Group, Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { RelativeTime } from '@/components/ui/relative-time';
import { SafeHtml } from '@/components/ui/safe-html';
import type { Attachment } from '../api/attachments';
import type { Message, TrailEntry } from '../api/conversation';

export type TimelineItem = { kind: 'message'; at: string; message: Message } | { kind: 'event'; at: string; entry: TrailEntry };

/** Events that merely restate a message are left out: the message itself is shown. */
// A note's mentions show as chips in the note itself. The AI's triage of each message shows
// in the ticket's properties; suggestions and what an agent did with them feed the AI report.
const HIDDEN_EVENTS = new Set(['message.created', 'ticket.created', 'ticket.mentioned', 'ai.triaged', 'ai.suggested', 'ai.suggestion_used']);

export function buildTimeline(messages: Message[], trail: TrailEntry[]): TimelineItem[] {
  const items: TimelineItem[] = [
    ...messages.map((message) => ({ kind: 'message' as const, at: message.created_at, message })),
    ...trail.filter((e) => !HIDDEN_EVENTS.has(e.type)).map((entry) => ({ kind: 'event' as const, at: entry.at, entry })),
  ];
  return items.sort((a, b) => a.at.localeCompare(b.at));
}

export interface TicketTimelineProps {
  items: TimelineItem[];
  authorName: (message: Message) => string;
  attachments?: Attachment[];
  /** More about a message under it (the app shows how it crossed a channel: addresses, delivery state). */
  messageDetails?: (messageId: number) => ReactNode;
}

export function TicketTimeline({ items, authorName, attachments = [], messageDetails }: TicketTimelineProps) {
  const filesOf = (messageId: number) => attachments.filter((a) => a.message_id === messageId);
  return (
    <Stack gap="sm" data-testid="timeline">
      {items.map((item) =>
        item.kind === 'event' ? (
          <Text key={`e${item.entry.seq}`} size="xs" c="dimmed" ta="center" data-testid="timeline-event">
            {item.entry.summary} · <RelativeTime iso={item.at} />
          </Text>
        ) : (
          <Paper
            key={`m${item.message.id}`}
            withBorder
            p="sm"
            data-testid={item.message.internal ? 'internal-note' : 'public-message'}
            bg={item.message.internal ? 'var(--mantine-color-yellow-light)' : undefined}
            style={item.message.internal ? { borderLeft: '4px solid var(--mantine-color-yellow-6)' } : undefined}
          >
            <Group justify="space-between" mb={4}>
              <Group gap="xs">
                <Text size="sm" fw={600}>
                  {authorName(item.message)}
                </Text>
                {item.message.internal && (
                  <Badge size="xs" color="yellow">
                    Internal note
                  </Badge>
                )}
                <Badge size="xs" variant="outline" color="gray">
                  {item.message.channel}
                </Badge>
              </Group>
              <Text size="xs" c="dimmed">
                <RelativeTime iso={item.at} />
              </Text>
            </Group>
            <Box>
              <SafeHtml html={item.message.body_html} />
            </Box>
            {filesOf(item.message.id).length > 0 && (
              <Group gap="xs" mt="xs" data-testid="message-attachments">
                {filesOf(item.message.id).map((a) => (
                  <Anchor key={a.id} href={a.url} size="xs" download={a.filename}>
                    📎 {a.filename} ({Math.max(1, Math.round(a.size / 1024))} KB)
                  </Anchor>
                ))}
              </Group>
            )}
            {messageDetails?.(item.message.id)}
          </Paper>
        ),
      )}
    </Stack>
  );
}
