/**
 * "Anna is typing…" for the visitor: the ticket page reports whether the
 * agent has a draft (`onDraftingChange`); while it does, the signal is
 * repeated every few seconds (the widget hides it after 7 s of silence),
 * and it stops when the draft is sent or cleared. Only tickets known to be
 * widget chats send anything.
 */

const REPEAT_MS = 4000;

type Send = (ticketId: number, typing: boolean) => void;

/** A notifier with its own state (one per app; tests make their own). */
export function createTypingNotifier(send: Send, timers: Pick<typeof globalThis, 'setInterval' | 'clearInterval'> = globalThis) {
  const chats = new Set<number>();
  const beating = new Map<number, ReturnType<typeof setInterval>>();

  const stop = (ticketId: number) => {
    const beat = beating.get(ticketId);
    if (beat === undefined) return;
    timers.clearInterval(beat);
    beating.delete(ticketId);
    send(ticketId, false);
  };

  return {
    /** Marks a ticket as a widget chat (the chat footer does once it loaded the chat). */
    register(ticketId: number) {
      chats.add(ticketId);
    },
    /** Forgets a ticket (its page closed): a running signal stops. */
    unregister(ticketId: number) {
      stop(ticketId);
      chats.delete(ticketId);
    },
    /** The agent's draft became non-empty (`true`) or empty (`false`). */
    drafting(ticketId: number, drafting: boolean) {
      if (!chats.has(ticketId)) return;
      if (!drafting) {
        stop(ticketId);
        return;
      }
      if (beating.has(ticketId)) return;
      send(ticketId, true);
      beating.set(
        ticketId,
        timers.setInterval(() => send(ticketId, true), REPEAT_MS),
      );
    },
  };
}
