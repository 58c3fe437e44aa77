import { describe, expect, it } from 'vitest';
import { BUILT_IN_VIEWS, findView } from './views';

describe('built-in views', () => {
  const counts = { 't:asg:7:new': 2, 't:asg:7:open': 3, 't:asg:7:solved': 9, 't:asg:none:open': 4, 't:cat:new': 1, 't:cat:open': 5, 't:cat:pending': 6 };

  it('count only unsolved tickets assigned to me', () => {
    expect(findView('mine').count(counts, 7)).toBe(5);
    expect(findView('mine').filter(7)).toEqual({ assignee: 'me', status: 'new,open,pending,on_hold' });
  });

  it('sum categories for workspace-wide views', () => {
    expect(findView('open').count(counts, 7)).toBe(6);
    expect(findView('pending').count(counts, 7)).toBe(6);
    expect(findView('unassigned').count(counts, 7)).toBe(4);
  });

  it('fall back to the first view for unknown ids', () => {
    expect(findView('nope')).toBe(BUILT_IN_VIEWS[0]);
  });
});
