import { describe, expect, it } from 'vitest';
import { parseSse } from './api-client';

describe('parseSse', () => {
  it('returns whole events and keeps an unfinished one for the next chunk', () => {
    const first = parseSse('event: delta\ndata: {"text":"Hi"}\n\nevent: del');
    expect(first.events).toEqual([{ event: 'delta', data: '{"text":"Hi"}' }]);
    expect(first.rest).toBe('event: del');
    const second = parseSse(`${first.rest}ta\ndata: {"text":"Hi A"}\n\n`);
    expect(second.events).toEqual([{ event: 'delta', data: '{"text":"Hi A"}' }]);
    expect(second.rest).toBe('');
  });

  it('joins data lines, reads CRLF, names unnamed events "message" and skips comments and ids', () => {
    const { events } = parseSse(': keep-alive\r\n\r\nid: 4\r\ndata: one\r\ndata: two\r\n\r\nevent: done\ndata:{}\n\n');
    expect(events).toEqual([
      { event: 'message', data: 'one\ntwo' },
      { event: 'done', data: '{}' },
    ]);
  });
});
