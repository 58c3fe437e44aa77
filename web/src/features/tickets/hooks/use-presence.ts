/**
 * Presence on one ticket: announces that this agent views (or replies to) it,
 * with a heartbeat, and tracks the other agents' signals, dropping any that
 * stop beating.
 */
import { useEffect, useState } from 'react';
import { api, postOnExit } from '@/lib/api-client';
import { eventStream, type PresenceSignal } from '@/lib/event-stream';

const HEARTBEAT_MS = 20_000;
const EXPIRES_MS = 45_000;

type State = 'viewing' | 'replying' | 'left';

function announce(ticketId: number, state: State) {
  // Presence is best effort: a failed signal is replaced by the next one.
  void api.POST('/api/v1/tickets/{id}/presence', { params: { path: { id: ticketId } }, body: { state } }).catch(() => {});
}

export interface OtherAgent {
  userId: number;
  name: string;
  state: 'viewing' | 'replying';
}

export function usePresence(ticketId: number, replying: boolean): OtherAgent[] {
  const [others, setOthers] = useState<Map<number, PresenceSignal & { seen: number }>>(new Map());

  useEffect(() => {
    const state: State = replying ? 'replying' : 'viewing';
    announce(ticketId, state);
    const beat = window.setInterval(() => announce(ticketId, state), HEARTBEAT_MS);
    return () => window.clearInterval(beat);
  }, [ticketId, replying]);

  useEffect(() => {
    // Leaving the page (closing the tab) says so even though React never unmounts.
    const handlePageHide = () => postOnExit(`/api/v1/tickets/${ticketId}/presence`, { state: 'left' });
    window.addEventListener('pagehide', handlePageHide);
    return () => {
      window.removeEventListener('pagehide', handlePageHide);
      announce(ticketId, 'left');
    };
  }, [ticketId]);

  useEffect(() => {
    const off = eventStream.subscribePresence((signal) => {
      if (signal.ticket_id !== ticketId) return;
      setOthers((current) => {
        const next = new Map(current);
        if (signal.state === 'left') next.delete(signal.user_id);
        else next.set(signal.user_id, { ...signal, seen: Date.now() });
        return next;
      });
    });
    const prune = window.setInterval(() => {
      setOthers((current) => {
        const now = Date.now();
        const next = new Map([...current].filter(([, s]) => now - s.seen < EXPIRES_MS));
        return next.size === current.size ? current : next;
      });
    }, 5_000);
    return () => {
      off();
      window.clearInterval(prune);
    };
  }, [ticketId]);

  return [...others.values()].map((s) => ({ userId: s.user_id, name: s.name, state: s.state === 'replying' ? 'replying' : 'viewing' }));
}
