/** The personal performance page and the team dashboard, with charts. */
import { Card, Group, Paper, ScrollArea, SegmentedControl, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { errorMessage } from '@/lib/api-client';
import { formatDuration, lastDays, myReportQuery, teamReportQuery } from '../api/reports';
import { CsatSection } from './csat-section';

function Stat({ label, value, testId }: { label: string; value: string | number; testId?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {value}
      </Text>
    </Card>
  );
}

/** A bar chart of labelled counts. */
function BucketChart({ title, data, color }: { title: string; data: { key: string; count: number }[]; color: string }) {
  return (
    <Paper withBorder p="sm">
      <Text fw={600} mb="xs">
        {title}
      </Text>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="key" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Bar dataKey="count" fill={color} />
        </BarChart>
      </ResponsiveContainer>
    </Paper>
  );
}

export interface ReportsPageProps {
  /** More sections after the built-in ones, for the chosen period (the app adds the AI report). */
  sections?: (period: { from: string; to: string }) => ReactNode;
}

export function ReportsPage({ sections }: ReportsPageProps = {}) {
  const [days, setDays] = useState('30');
  const period = useMemo(() => lastDays(Number(days)), [days]);
  const me = useQuery(myReportQuery(period));
  const team = useQuery(teamReportQuery(period));
  const t = team.data;

  return (
    <ScrollArea h="100%" p="md">
      <Group justify="space-between" mb="md">
        <Title order={2}>Performance</Title>
        <SegmentedControl
          value={days}
          onChange={setDays}
          data={[
            { value: '7', label: '7 days' },
            { value: '30', label: '30 days' },
            { value: '90', label: '90 days' },
          ]}
        />
      </Group>
      <Title order={4} mb="xs">
        You
      </Title>
      {me.isError && <Text c="red">{errorMessage(me.error)}</Text>}
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} mb="lg">
        <Stat label="Tickets solved" value={me.data?.solved ?? '…'} testId="my-solved" />
        <Stat label="Replies" value={me.data?.replies ?? '…'} />
        <Stat label="Median first response" value={formatDuration(me.data?.median_first_response_secs)} />
        <Stat label="Median resolution" value={formatDuration(me.data?.median_resolution_secs)} />
        <Stat label="Reopen rate" value={me.data ? `${Math.round(me.data.reopen_rate * 100)} %` : '…'} />
        <Stat label="Macros used" value={me.data?.macro_uses ?? '…'} />
      </SimpleGrid>
      <Title order={4} mb="xs">
        Team
      </Title>
      {team.isError && <Text c="red">{errorMessage(team.error)}</Text>}
      {t && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 4 }} mb="md">
            <Stat label="Created" value={t.created_by_channel.reduce((n, b) => n + b.count, 0)} />
            <Stat label="Solved" value={t.daily.reduce((n, d) => n + d.solved, 0)} />
            <Stat label="Median first response" value={formatDuration(t.median_first_response_secs)} />
            <Stat label="Median resolution" value={formatDuration(t.median_resolution_secs)} />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }} mb="md">
            <Paper withBorder p="sm">
              <Text fw={600} mb="xs">
                Created and solved per day
              </Text>
              <ResponsiveContainer width="100%" height={220}>
                <LineChart data={t.daily}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="date" tick={{ fontSize: 10 }} />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Legend />
                  <Line type="monotone" dataKey="created" stroke="#4c6ef5" dot={false} />
                  <Line type="monotone" dataKey="solved" stroke="#40c057" dot={false} />
                </LineChart>
              </ResponsiveContainer>
            </Paper>
            <BucketChart title="Volume by channel" data={t.created_by_channel} color="#4c6ef5" />
            <BucketChart title="Tickets by status now" data={t.by_status} color="#fab005" />
            <BucketChart title="Backlog age (unsolved)" data={t.backlog_age} color="#fa5252" />
          </SimpleGrid>
          <Table striped data-testid="agents-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Agent</Table.Th>
                <Table.Th>Solved</Table.Th>
                <Table.Th>Replies</Table.Th>
                <Table.Th>Median first response</Table.Th>
                <Table.Th>Median resolution</Table.Th>
                <Table.Th>Reopen rate</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {t.agents.map((a) => (
                <Table.Tr key={a.user_id}>
                  <Table.Td>{a.name}</Table.Td>
                  <Table.Td>{a.solved}</Table.Td>
                  <Table.Td>{a.replies}</Table.Td>
                  <Table.Td>{formatDuration(a.median_first_response_secs)}</Table.Td>
                  <Table.Td>{formatDuration(a.median_resolution_secs)}</Table.Td>
                  <Table.Td>{Math.round(a.reopen_rate * 100)} %</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
      <CsatSection period={period} />
      {sections?.(period)}
    </ScrollArea>
  );
}
