import { describe, expect, it, vi } from 'vitest';
import { createTypingNotifier } from './typing';

describe('createTypingNotifier', () => {
  it('signals typing for chats only, repeats while drafting and stops once', () => {
    vi.useFakeTimers();
    const send = vi.fn();
    const n = createTypingNotifier(send);
    n.drafting(1, true);
    expect(send).not.toHaveBeenCalled(); // not a chat ticket
    n.register(1);
    n.drafting(1, true);
    n.drafting(1, true);
    expect(send.mock.calls).toEqual([[1, true]]);
    vi.advanceTimersByTime(8100);
    expect(send).toHaveBeenCalledTimes(3);
    n.drafting(1, false);
    n.drafting(1, false);
    expect(send.mock.calls.at(-1)).toEqual([1, false]);
    vi.advanceTimersByTime(10_000);
    expect(send).toHaveBeenCalledTimes(4);
    vi.useRealTimers();
  });

  it('stops a running signal when the ticket page closes', () => {
    vi.useFakeTimers();
    const send = vi.fn();
    const n = createTypingNotifier(send);
    n.register(2);
    n.drafting(2, true);
    n.unregister(2);
    expect(send.mock.calls).toEqual([
      [2, true],
      [2, false],
    ]);
    n.drafting(2, true);
    expect(send).toHaveBeenCalledTimes(2);
    vi.useRealTimers();
  });
});
