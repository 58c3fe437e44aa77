/**
 * The chatbot's card on Reports → AI: conversations it took part in, how
 * many it kept (containment), why it handed the others to the team, and
 * what its answers were. Counts come from the server; only the labels and
 * the rate's formatting are decided here.
 */
import { Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { ChatbotStats } from '../api/report';

const OUTCOME_LABELS: Record<string, string> = {
  answered: 'Answered',
  clarify: 'Asked to clarify',
  confirm: 'Asked to confirm an action',
  acted: 'Acted after confirmation',
  handoff: 'Handed to the team',
};

const REASON_LABELS: Record<string, string> = {
  requested: 'Visitor asked for a person',
  low_confidence: 'Not confident enough',
  upset: 'Customer upset',
  needs_agent: 'Needs an agent',
  bot_failed: 'Chatbot failed',
};

/** "42 %" for 0.42. */
function percent(x: number): string {
  return `${Math.round(x * 100)} %`;
}

/** Known keys first in their usual order, then anything newer the server reports. */
function rows(counts: Record<string, number>, labels: Record<string, string>): { key: string; label: string; count: number }[] {
  const known = Object.keys(labels).filter((k) => k in counts);
  const other = Object.keys(counts)
    .filter((k) => !(k in labels))
    .sort();
  return [...known, ...other].map((key) => ({ key, label: labels[key] ?? key, count: counts[key] ?? 0 }));
}

function CountTable({ title, counts, labels, testId }: { title: string; counts: Record<string, number>; labels: Record<string, string>; testId: string }) {
  const list = rows(counts, labels);
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        {title}
      </Text>
      {list.length === 0 ? (
        <Text size="sm" c="dimmed">
          None in this period.
        </Text>
      ) : (
        <Table data-testid={testId} aria-label={title}>
          <Table.Tbody>
            {list.map((r) => (
              <Table.Tr key={r.key}>
                <Table.Td>{r.label}</Table.Td>
                <Table.Td ta="right">{r.count}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

export function ChatbotReportCard({ stats }: { stats: ChatbotStats }) {
  return (
    <Paper withBorder p="sm" component="section" aria-label="Chatbot" data-testid="chatbot-report">
      <Title order={5} mb="xs">
        Chatbot
      </Title>
      {stats.conversations === 0 ? (
        <Text size="sm" c="dimmed">
          The chatbot took part in no conversation in this period.
        </Text>
      ) : (
        <Stack gap="sm">
          <Group gap="xl">
            <Stack gap={0}>
              <Text size="xl" fw={700} data-testid="chatbot-conversations">
                {stats.conversations}
              </Text>
              <Text size="xs" c="dimmed">
                Conversations
              </Text>
            </Stack>
            <Stack gap={0}>
              <Text size="xl" fw={700} data-testid="chatbot-containment">
                {percent(stats.containment_rate)}
              </Text>
              <Text size="xs" c="dimmed">
                Resolved without the team
              </Text>
            </Stack>
            <Stack gap={0}>
              <Text size="xl" fw={700} data-testid="chatbot-handed-off">
                {stats.handed_off}
              </Text>
              <Text size="xs" c="dimmed">
                Handed to the team
              </Text>
            </Stack>
          </Group>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <CountTable title="Hand-offs by reason" counts={stats.hand_off_reasons} labels={REASON_LABELS} testId="chatbot-reasons" />
            <CountTable title="Answers by outcome" counts={stats.answers} labels={OUTCOME_LABELS} testId="chatbot-answers" />
          </SimpleGrid>
        </Stack>
      )}
    </Paper>
  );
}
