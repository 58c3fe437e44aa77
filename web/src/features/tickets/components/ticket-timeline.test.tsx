import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Message, TrailEntry } from '../api/conversation';
import { buildTimeline, TicketTimeline } from './ticket-timeline';

const message = (id: number, at: string, internal: boolean, html: string): Message => ({
  id,
  ticket_id: 1,
  internal,
  author: { kind: 'user', id: 1 },
  channel: 'web',
  body_html: html,
  body_text: html,
  created_at: at,
});
const event = (seq: number, at: string, type: string, summary: string): TrailEntry => ({
  seq,
  type,
  actor_kind: 'user',
  actor_name: 'Anna',
  summary,
  data: {},
  at,
});

describe('buildTimeline', () => {
  it('interleaves messages and events by time and hides message events', () => {
    const items = buildTimeline(
      [message(1, '2026-01-01T10:00:00Z', false, 'hi'), message(2, '2026-01-01T12:00:00Z', true, 'note')],
      [event(5, '2026-01-01T11:00:00Z', 'ticket.updated', 'Anna changed priority normal → urgent'), event(6, '2026-01-01T12:00:00Z', 'message.created', 'x')],
    );
    expect(items.map((i) => i.kind)).toEqual(['message', 'event', 'message']);
  });

  it("leaves out the AI's per-message triage and suggestion bookkeeping, keeps an agent's category", () => {
    const items = buildTimeline(
      [],
      [
        event(7, '2026-01-01T10:00:00Z', 'ai.triaged', 'triaged'),
        event(8, '2026-01-01T10:01:00Z', 'ai.suggestion_used', 'used'),
        event(10, '2026-01-01T10:01:30Z', 'ai.suggested', 'suggested'),
        event(9, '2026-01-01T10:02:00Z', 'ticket.categorized', 'Anna set the category to Billing'),
      ],
    );
    expect(items.map((i) => (i.kind === 'event' ? i.entry.type : i.kind))).toEqual(['ticket.categorized']);
  });
});

describe('TicketTimeline', () => {
  it('marks internal notes and renders markup as markup, not scripts', () => {
    const items = buildTimeline([message(1, '2026-01-01T10:00:00Z', true, '<p><b>careful</b></p>')], []);
    render(
      <MantineProvider>
        <TicketTimeline items={items} authorName={() => 'Anna'} />
      </MantineProvider>,
    );
    expect(screen.getByTestId('internal-note')).toHaveTextContent('Internal note');
    expect(screen.getByText('careful').tagName).toBe('B');
  });
});
