/** A tutorial's numbers: starts, completions, outcomes, tickets and the funnel per step with its drop-off. */
import { Alert, Group, Paper, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '@/lib/api-client';
import { analyticsQuery, type Choice, type Step } from '../api/tutorials';
import { pick } from '../lib/walk';

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="xl" data-testid={`stat-${label.toLowerCase().replace(/\s+/g, '-')}`}>
        {value}
      </Text>
    </Paper>
  );
}

export function AnalyticsPanel({ id, steps, defaultLocale }: { id: number; steps: Step[]; defaultLocale: string }) {
  const a = useQuery(analyticsQuery(id));
  if (a.isError) return <Alert color="red">{errorMessage(a.error)}</Alert>;
  if (!a.data) return <Text c="dimmed">Loading…</Text>;
  const d = a.data;
  const rate = d.starts ? Math.round((d.completions / d.starts) * 100) : 0;
  const labelOf = (stepKey: string, choiceKey: string) => {
    const c: Choice | undefined = steps.find((s) => s.key === stepKey)?.choices?.find((x) => x.key === choiceKey);
    return c ? pick(c.label, defaultLocale, defaultLocale) : choiceKey;
  };
  return (
    <Stack gap="md" data-testid="tutorial-analytics">
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Stat label="Starts" value={d.starts} />
        <Stat label="Completions" value={`${d.completions} (${rate}%)`} />
        <Stat label="Solved" value={d.outcomes.solved ?? 0} />
        <Stat label="Tickets" value={d.tickets} />
      </SimpleGrid>
      <Group gap="lg">
        {Object.entries(d.outcomes).map(([k, n]) => (
          <Text size="sm" key={k}>
            {k.replace('_', ' ')}: <strong>{n}</strong>
          </Text>
        ))}
        {Object.entries(d.channels).map(([k, n]) => (
          <Text size="sm" c="dimmed" key={k}>
            {k.replace('_', ' ')}: {n}
          </Text>
        ))}
      </Group>
      <Title order={4}>Funnel per step</Title>
      <Text size="xs" c="dimmed">
        “Left” counts runs idle for {d.idle_minutes} minutes without an outcome at that step.
      </Text>
      <Table data-testid="funnel-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Step</Table.Th>
            <Table.Th>Reached</Table.Th>
            <Table.Th>Answers</Table.Th>
            <Table.Th>Ended here</Table.Th>
            <Table.Th>Left here</Table.Th>
            <Table.Th>In progress</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {d.steps.map((s) => (
            <Table.Tr key={s.step} data-testid={`funnel-${s.step}`}>
              <Table.Td>
                <Text size="sm">{s.title || s.step}</Text>
                <Progress value={d.starts ? (s.reached / d.starts) * 100 : 0} size="sm" mt={4} aria-label={`${s.reached} of ${d.starts} reached`} />
              </Table.Td>
              <Table.Td>{s.reached}</Table.Td>
              <Table.Td>
                {Object.entries(s.choices).map(([c, n]) => (
                  <Text size="xs" key={c}>
                    {labelOf(s.step, c)}: {n}
                  </Text>
                ))}
              </Table.Td>
              <Table.Td>{s.finished}</Table.Td>
              <Table.Td>
                <Text size="sm" c={s.dropped ? 'red' : undefined}>
                  {s.dropped}
                  {s.reached ? ` (${Math.round((s.dropped / s.reached) * 100)}%)` : ''}
                </Text>
              </Table.Td>
              <Table.Td>{s.in_progress}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
