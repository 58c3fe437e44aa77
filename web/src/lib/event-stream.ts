/**
 * One Server-Sent Events connection to `/api/v1/events` for the whole app.
 *
 * Every event carries its workspace `seq` as the SSE id. The browser's
 * EventSource resumes with `Last-Event-ID` by itself after a network error;
 * when we reopen the stream ourselves (sign-in, tab back from sleep) we pass
 * the last seen seq as `last_event_id`, so the server replays what was missed.
 */

/** An event as the server streams it (see `EventOut` in the OpenAPI document). */
export interface StreamEvent {
  seq: number;
  type: string;
  subject_type: string;
  subject_id?: number | null;
  ticket_id?: number | null;
  actor_kind: string;
  actor_id?: number | null;
  actor_name: string;
  data: Record<string, unknown>;
  at: string;
}

/** The event types the app reacts to; each is an SSE `event:` name. */
export const STREAM_EVENT_TYPES = [
  'ticket.created',
  'ticket.updated',
  'ticket.merged',
  'ticket.mentioned',
  'ticket.rated',
  'message.created',
  'contact.created',
  'contact.updated',
  'user.created',
  'user.updated',
  'status.created',
  'status.updated',
  'custom_field.created',
  'custom_field.updated',
  'ai.triaged',
  'ticket.categorized',
  'chat.handed_off',
] as const;

/** Someone else viewing or answering a ticket (ephemeral: no seq, not in the log). */
export interface PresenceSignal {
  ticket_id: number;
  user_id: number;
  name: string;
  state: 'viewing' | 'replying' | 'left';
  at: string;
}

type Listener = (event: StreamEvent) => void;
type PresenceListener = (signal: PresenceSignal) => void;
type StateListener = (connected: boolean) => void;

/** A reconnecting event stream with fan-out to listeners. */
export class EventStream {
  private source: EventSource | null = null;
  private lastSeq: number | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly presenceListeners = new Set<PresenceListener>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly url: string;
  private readonly factory: (url: string) => EventSource;

  constructor(url = '/api/v1/events', factory: (url: string) => EventSource = (u) => new EventSource(u)) {
    this.url = url;
    this.factory = factory;
  }

  /** Opens the stream (again), resuming after the last seen event. */
  open(): void {
    this.close();
    const url = this.lastSeq === null ? this.url : `${this.url}?last_event_id=${this.lastSeq}`;
    const source = this.factory(url);
    const handleMessage = (msg: MessageEvent<string>) => this.dispatch(msg);
    for (const type of STREAM_EVENT_TYPES) {
      source.addEventListener(type, handleMessage as EventListener);
    }
    source.addEventListener('presence', ((msg: MessageEvent<string>) => this.dispatchPresence(msg)) as EventListener);
    source.onopen = () => this.setConnected(true);
    source.onerror = () => this.setConnected(false);
    this.source = source;
  }

  /** Closes the stream; listeners stay registered. */
  close(): void {
    this.source?.close();
    this.source = null;
    this.setConnected(false);
  }

  /** Forgets the resume position (on sign-out). */
  reset(): void {
    this.close();
    this.lastSeq = null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribePresence(listener: PresenceListener): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  onStateChange(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private dispatch(msg: MessageEvent<string>): void {
    let event: StreamEvent;
    try {
      event = JSON.parse(msg.data) as StreamEvent;
    } catch {
      return;
    }
    // Replays after a reconnect may overlap what was already seen.
    if (this.lastSeq !== null && event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    for (const listener of this.listeners) listener(event);
  }

  private dispatchPresence(msg: MessageEvent<string>): void {
    try {
      const signal = JSON.parse(msg.data) as PresenceSignal;
      for (const listener of this.presenceListeners) listener(signal);
    } catch {
      // A malformed signal is dropped; the next heartbeat replaces it.
    }
  }

  private setConnected(connected: boolean): void {
    for (const listener of this.stateListeners) listener(connected);
  }
}

export const eventStream = new EventStream();
