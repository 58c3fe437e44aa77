/**
 * The AI part of the reports page: suggestions shown to agents and what they
 * did with them, per kind and engine; then the chatbot's card.
 */
import { Box, Paper, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '@/lib/api-client';
import { aiReportQuery } from '../api/report';
import { ChatbotReportCard } from './chatbot-report-card';

const KIND_LABELS: Record<string, string> = { reply: 'Reply', summary: 'Summary', translation: 'Translation' };
const ENGINE_LABELS: Record<string, string> = { builtin: 'Built-in', llm: 'Language model' };

/** "42 %" for 0.42; "—" when unknown. */
export function formatRate(x: number | null | undefined): string {
  return x == null ? '—' : `${Math.round(x * 100)} %`;
}

export function AiReportSection({ period }: { period: { from: string; to: string } }) {
  const report = useQuery(aiReportQuery(period));
  const rows = report.data?.suggestions ?? [];
  return (
    <>
      <Title order={4} mt="lg" mb="xs">
        AI assistance
      </Title>
      {report.isError && <Text c="red">{errorMessage(report.error)}</Text>}
      <Paper withBorder p="sm">
        {report.data && rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            No suggestions in this period.
          </Text>
        ) : (
          <Table data-testid="ai-report" aria-label="AI suggestions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Suggestion</Table.Th>
                <Table.Th>Engine</Table.Th>
                <Table.Th>Shown</Table.Th>
                <Table.Th>Accepted</Table.Th>
                <Table.Th>Edited</Table.Th>
                <Table.Th>Rejected</Table.Th>
                <Table.Th>Use rate</Table.Th>
                <Table.Th>Mean similarity</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={`${r.kind}-${r.engine}`}>
                  <Table.Td>{KIND_LABELS[r.kind] ?? r.kind}</Table.Td>
                  <Table.Td>{ENGINE_LABELS[r.engine] ?? r.engine}</Table.Td>
                  <Table.Td>{r.shown}</Table.Td>
                  <Table.Td>{r.accepted}</Table.Td>
                  <Table.Td>{r.edited}</Table.Td>
                  <Table.Td>{r.rejected}</Table.Td>
                  <Table.Td>{formatRate(r.use_rate)}</Table.Td>
                  <Table.Td>{formatRate(r.mean_similarity)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
      <Text size="xs" c="dimmed" mt={4}>
        Use rate: suggestions sent as suggested or after editing, of those shown. Mean similarity: how much of a used suggestion survived in
        the reply sent.
      </Text>
      {report.data?.chatbot && (
        <Box mt="md">
          <ChatbotReportCard stats={report.data.chatbot} />
        </Box>
      )}
    </>
  );
}
