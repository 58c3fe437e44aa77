import { MantineProvider } from '@mantine/core';
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createRef } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { filterMentionables, MentionList, type Mentionable, type MentionListHandle } from './mention-list';

const people: Mentionable[] = [
  { id: 1, name: 'Anna Berg', email: 'anna.berg@everline.example' },
  { id: 2, name: 'Marco Rossi', email: 'marco.rossi@everline.example' },
  { id: 3, name: 'Priya Shah', email: 'priya.shah@everline.example' },
  { id: 4, name: 'Sam Admin', email: 'admin@everline.example' },
  { id: 5, name: 'Zoë Ångström', email: 'zoe@everline.example' },
];
const names = (list: Mentionable[]) => list.map((p) => p.name);

describe('filterMentionables', () => {
  it('lists everyone for a bare @, up to the limit', () => {
    expect(filterMentionables(people, '')).toHaveLength(5);
    expect(filterMentionables(people, '', 2)).toHaveLength(2);
  });

  it('ranks names that start with the query before later words and substrings', () => {
    // "a": Anna starts with it; Sam Admin and Zoë Ångström have a later word starting with it; the rest contain it.
    expect(names(filterMentionables(people, 'a'))).toEqual(['Anna Berg', 'Sam Admin', 'Zoë Ångström', 'Marco Rossi', 'Priya Shah']);
    expect(names(filterMentionables(people, 'ros'))).toEqual(['Marco Rossi']);
  });

  it('ignores case and accents and matches the start of the e-mail', () => {
    expect(names(filterMentionables(people, 'ZOE ANG'))).toEqual(['Zoë Ångström']);
    expect(names(filterMentionables(people, 'angs'))).toEqual(['Zoë Ångström']);
    expect(names(filterMentionables(people, 'admin@'))).toEqual(['Sam Admin']);
    expect(filterMentionables(people, 'nobody')).toEqual([]);
  });
});

function renderList(items: Mentionable[]) {
  const command = vi.fn();
  const ref = createRef<MentionListHandle>();
  const view = render(
    <MantineProvider>
      <MentionList items={items} command={command} ref={ref} />
    </MantineProvider>,
  );
  const key = (k: string) => {
    let used = false;
    act(() => {
      used = ref.current?.onKeyDown(new KeyboardEvent('keydown', { key: k })) ?? false;
    });
    return used;
  };
  return { command, key, view };
}

describe('MentionList', () => {
  it('is navigated with the arrow keys and picks with Enter', () => {
    const { command, key } = renderList(people.slice(0, 3));
    expect(screen.getByRole('option', { name: /Anna Berg/ })).toHaveAttribute('aria-selected', 'true');
    expect(key('ArrowDown')).toBe(true);
    expect(key('ArrowDown')).toBe(true);
    expect(key('ArrowDown')).toBe(true); // wraps around to the first
    expect(key('ArrowUp')).toBe(true); // and back to the last
    expect(screen.getByRole('option', { name: /Priya Shah/ })).toHaveAttribute('aria-selected', 'true');
    expect(key('Enter')).toBe(true);
    expect(command).toHaveBeenCalledWith({ id: '3', label: 'Priya Shah' });
    expect(key('x')).toBe(false);
  });

  it('starts again at the best match when the query changes, and picks by click', async () => {
    const { command, key, view } = renderList(people);
    key('ArrowDown');
    view.rerender(
      <MantineProvider>
        <MentionList items={people.slice(1, 3)} command={command} />
      </MantineProvider>,
    );
    expect(screen.getByRole('option', { name: /Marco Rossi/ })).toHaveAttribute('aria-selected', 'true');
    await userEvent.click(screen.getByRole('option', { name: /Priya Shah/ }));
    expect(command).toHaveBeenCalledWith({ id: '3', label: 'Priya Shah' });
  });

  it('says so when nobody matches and leaves Enter to the editor', () => {
    const { key } = renderList([]);
    expect(screen.getByText('No matching colleague')).toBeInTheDocument();
    expect(key('Enter')).toBe(false);
  });
});
