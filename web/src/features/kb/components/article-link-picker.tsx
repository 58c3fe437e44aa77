/**
 * The reply editor's "Insert article link": search every article, pick a
 * published one, and its public address goes into the reply as a link with
 * its title. Drafts and internal articles are listed but cannot be linked
 * (customers could not open them).
 */
import { ActionIcon, Badge, Group, Popover, ScrollArea, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { searchQuery } from '../api/search';
import { articleLinkHtml, languageName } from '../lib/locales';

export function ArticleLinkPicker({ insert }: { insert: (html: string) => void }) {
  const [opened, setOpened] = useState(false);
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q.trim(), 200);
  const results = useQuery(searchQuery(debounced));

  const handlePick = (url: string, title: string) => {
    insert(`${articleLinkHtml(url, title)} `);
    setOpened(false);
    setQ('');
  };

  return (
    <Popover opened={opened} onChange={setOpened} position="top-end" width={380} trapFocus shadow="md">
      <Popover.Target>
        <ActionIcon
          variant="subtle"
          size="sm"
          aria-label="Insert article link"
          title="Insert article link"
          onClick={() => setOpened((o) => !o)}
        >
          <span style={{ fontSize: 12 }}>📖</span>
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <TextInput
          label="Knowledge base"
          placeholder="Search articles…"
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          data-autofocus
        />
        <ScrollArea.Autosize mah={280} mt="xs">
          <Stack gap={2} role="listbox" aria-label="Articles">
            {results.data?.did_you_mean && (
              <Text size="xs" c="dimmed">
                Showing results for {results.data.did_you_mean}
              </Text>
            )}
            {results.data?.data.map((h) => {
              const linkable = h.status === 'published';
              return (
                <UnstyledButton
                  key={h.id}
                  role="option"
                  aria-selected={false}
                  aria-disabled={!linkable}
                  disabled={!linkable}
                  onClick={() => linkable && handlePick(h.url, h.title)}
                  p={6}
                  style={{ borderRadius: 4, opacity: linkable ? 1 : 0.6 }}
                >
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" fw={600} truncate>
                      {h.title}
                    </Text>
                    {!linkable && (
                      <Badge size="xs" variant="light" color="gray">
                        {h.status}
                      </Badge>
                    )}
                    <Text size="xs" c="dimmed">
                      {languageName(h.locale)}
                    </Text>
                  </Group>
                  {/* Escaped by the server, then marked: safe to insert. */}
                  <Text size="xs" c="dimmed" lineClamp={2} dangerouslySetInnerHTML={{ __html: h.snippet_html }} />
                </UnstyledButton>
              );
            })}
            {debounced.length > 1 && results.data?.data.length === 0 && (
              <Text size="sm" c="dimmed">
                No article matches.
              </Text>
            )}
          </Stack>
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}
