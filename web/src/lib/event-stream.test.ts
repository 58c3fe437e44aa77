import { describe, expect, it } from 'vitest';
import { EventStream, type StreamEvent } from './event-stream';

class FakeSource {
  static last: FakeSource | null = null;
  readonly url: string;
  readonly handlers = new Map<string, EventListener>();
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(url: string) {
    this.url = url;
    FakeSource.last = this;
  }
  addEventListener(type: string, handler: EventListener) {
    this.handlers.set(type, handler);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, seq: number) {
    const data = JSON.stringify({ seq, type, subject_type: 'ticket', actor_kind: 'user', actor_name: 'A', data: {}, at: '' });
    this.handlers.get(type)?.(new MessageEvent(type, { data }));
  }
}

function stream() {
  return new EventStream('/api/v1/events', (url) => new FakeSource(url) as unknown as EventSource);
}

describe('EventStream', () => {
  it('reopening resumes after the last seen seq', () => {
    const s = stream();
    s.open();
    FakeSource.last?.emit('ticket.created', 41);
    s.open();
    expect(FakeSource.last?.url).toBe('/api/v1/events?last_event_id=41');
  });

  it('drops replayed events it has already delivered', () => {
    const s = stream();
    const seen: StreamEvent[] = [];
    s.subscribe((e) => seen.push(e));
    s.open();
    FakeSource.last?.emit('ticket.created', 5);
    FakeSource.last?.emit('ticket.updated', 5);
    FakeSource.last?.emit('message.created', 6);
    expect(seen.map((e) => e.seq)).toEqual([5, 6]);
  });

  it('forgets the position on reset', () => {
    const s = stream();
    s.open();
    FakeSource.last?.emit('ticket.created', 9);
    s.reset();
    s.open();
    expect(FakeSource.last?.url).toBe('/api/v1/events');
  });
});

describe('EventStream presence', () => {
  it('hands presence signals to their own listeners without moving the resume point', () => {
    const s = stream();
    const seen: string[] = [];
    s.subscribePresence((p) => seen.push(`${p.name}:${p.state}`));
    s.open();
    FakeSource.last?.emit('ticket.created', 3);
    const data = JSON.stringify({ ticket_id: 1, user_id: 2, name: 'Anna', state: 'replying', at: '' });
    FakeSource.last?.handlers.get('presence')?.(new MessageEvent('presence', { data }));
    s.open();
    expect(seen).toEqual(['Anna:replying']);
    expect(FakeSource.last?.url).toBe('/api/v1/events?last_event_id=3');
  });
});
