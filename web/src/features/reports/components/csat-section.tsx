/** The CSAT part of the performance dashboard: totals, a trend, and tables per agent, team and channel. */
import { Anchor, Group, Paper, SegmentedControl, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { errorMessage } from '@/lib/api-client';
import { csatQuery, formatCsat, type CsatInterval, type CsatReport } from '../api/csat';

function CsatTable({ title, rows, testId }: { title: string; rows: CsatReport['by_agent']; testId: string }) {
  return (
    <Paper withBorder p="sm">
      <Text fw={600} mb="xs">
        {title}
      </Text>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No ratings in this period.
        </Text>
      ) : (
        <Table data-testid={testId}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th />
              <Table.Th>CSAT</Table.Th>
              <Table.Th>👍</Table.Th>
              <Table.Th>👎</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.key}>
                <Table.Td>{r.label}</Table.Td>
                <Table.Td>{formatCsat(r.csat)}</Table.Td>
                <Table.Td>{r.good}</Table.Td>
                <Table.Td>{r.bad}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

export function CsatSection({ period }: { period: { from: string; to: string } }) {
  const [interval, setInterval] = useState<CsatInterval>('week');
  const csat = useQuery(csatQuery(period, interval));
  const c = csat.data;
  return (
    <>
      <Group justify="space-between" mt="lg" mb="xs">
        <Title order={4}>Customer satisfaction</Title>
        <SegmentedControl
          size="xs"
          value={interval}
          onChange={(v) => setInterval(v as CsatInterval)}
          data={[
            { value: 'day', label: 'Day' },
            { value: 'week', label: 'Week' },
            { value: 'month', label: 'Month' },
          ]}
        />
      </Group>
      {csat.isError && <Text c="red">{errorMessage(csat.error)}</Text>}
      {c && (
        <>
          <SimpleGrid cols={{ base: 3 }} mb="md">
            <Paper withBorder p="sm">
              <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
                CSAT
              </Text>
              <Text size="xl" fw={700} data-testid="csat-total">
                {formatCsat(c.total.csat)}
              </Text>
            </Paper>
            <Paper withBorder p="sm">
              <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
                Good
              </Text>
              <Text size="xl" fw={700}>
                {c.total.good}
              </Text>
            </Paper>
            <Paper withBorder p="sm">
              <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
                Bad
              </Text>
              <Text size="xl" fw={700}>
                {c.total.bad}
              </Text>
            </Paper>
          </SimpleGrid>
          <Paper withBorder p="sm" mb="md">
            <Text fw={600} mb="xs">
              Ratings per {interval}
            </Text>
            <ResponsiveContainer width="100%" height={220}>
              <BarChart data={c.by_period}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="label" tick={{ fontSize: 10 }} />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="good" stackId="r" fill="#40c057" name="Good" />
                <Bar dataKey="bad" stackId="r" fill="#fa5252" name="Bad" />
              </BarChart>
            </ResponsiveContainer>
          </Paper>
          <SimpleGrid cols={{ base: 1, md: 3 }} mb="md">
            <CsatTable title="Per agent" rows={c.by_agent} testId="csat-agents" />
            <CsatTable title="Per team" rows={c.by_team} testId="csat-teams" />
            <CsatTable title="Per channel" rows={c.by_channel} testId="csat-channels" />
          </SimpleGrid>
          {c.recent_comments.length > 0 && (
            <Paper withBorder p="sm">
              <Text fw={600} mb="xs">
                Latest comments
              </Text>
              {c.recent_comments.map((r) => (
                <Text key={`${r.ticket_id}-${r.rated_at}`} size="sm">
                  {r.score === 'good' ? '👍' : '👎'}{' '}
                  <Anchor component={Link} to={`/tickets/${r.ticket_id}`}>
                    Ticket {r.ticket_id}
                  </Anchor>
                  : {r.comment}
                </Text>
              ))}
            </Paper>
          )}
        </>
      )}
    </>
  );
}
