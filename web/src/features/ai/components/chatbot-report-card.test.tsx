import { MantineProvider } from '@mantine/core';
import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ChatbotStats } from '../api/report';
import { ChatbotReportCard } from './chatbot-report-card';

const stats: ChatbotStats = {
  conversations: 8,
  handed_off: 3,
  containment_rate: 0.625,
  hand_off_reasons: { requested: 2, upset: 1 },
  answers: { handoff: 3, answered: 9, clarify: 2, escalated_twice: 1 },
};

function renderCard(s: ChatbotStats) {
  render(
    <MantineProvider>
      <ChatbotReportCard stats={s} />
    </MantineProvider>,
  );
}

const rowsOf = (testId: string) =>
  within(screen.getByTestId(testId))
    .getAllByRole('row')
    .map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));

describe('ChatbotReportCard', () => {
  it('shows conversations, containment, hand-offs by reason and answers by outcome', () => {
    renderCard(stats);
    expect(screen.getByTestId('chatbot-conversations')).toHaveTextContent('8');
    expect(screen.getByTestId('chatbot-containment')).toHaveTextContent('63 %');
    expect(screen.getByTestId('chatbot-handed-off')).toHaveTextContent('3');
    expect(rowsOf('chatbot-reasons')).toEqual([
      ['Visitor asked for a person', '2'],
      ['Customer upset', '1'],
    ]);
    // Known outcomes in their usual order, then any the page does not know yet, by key.
    expect(rowsOf('chatbot-answers')).toEqual([
      ['Answered', '9'],
      ['Asked to clarify', '2'],
      ['Handed to the team', '3'],
      ['escalated_twice', '1'],
    ]);
  });

  it('says so when the chatbot took part in nothing', () => {
    renderCard({ conversations: 0, handed_off: 0, containment_rate: 0, hand_off_reasons: {}, answers: {} });
    expect(screen.getByTestId('chatbot-report')).toHaveTextContent('The chatbot took part in no conversation in this period.');
    expect(screen.queryByTestId('chatbot-containment')).not.toBeInTheDocument();
  });
});
