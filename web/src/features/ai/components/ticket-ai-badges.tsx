/**
 * The AI's reading of a ticket, compact enough for a queue row: its category
 * (marked "AI" with the confidence in a tooltip when the AI chose it), the
 * customer's sentiment and, only when it matters, a high or urgent urgency.
 * Every mark carries words for screen readers; colour is never the only cue.
 */
import { Badge, Group, Tooltip, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { categoriesQuery, categoryName, type TicketAi } from '../api/categories';
import { isSentiment, isUrgency, percent, SENTIMENT_LOOK, URGENCY_COLORS } from '../lib/triage';

/** "Set by AI (82%)" or "Set by agent". */
export function categorySourceText(ai: Pick<TicketAi, 'category_source' | 'category_confidence'>): string {
  return ai.category_source === 'ai' ? `Set by AI (${percent(ai.category_confidence)})` : 'Set by agent';
}

export function TicketAiBadges({ ai }: { ai: TicketAi | null | undefined }) {
  const categories = useQuery(categoriesQuery);
  if (!ai) return null;
  const byAi = ai.category_source === 'ai';
  const sentiment = isSentiment(ai.sentiment) ? SENTIMENT_LOOK[ai.sentiment] : null;
  const urgency = isUrgency(ai.urgency) && (ai.urgency === 'high' || ai.urgency === 'urgent') ? ai.urgency : null;
  return (
    <Group gap={4} wrap="nowrap" data-testid="ticket-ai-badges" style={{ flexShrink: 0 }}>
      {ai.category && (
        <Tooltip label={categorySourceText(ai)} withArrow>
          <Badge size="sm" variant="light" color="grape" radius="sm" tt="none" data-testid="category-badge">
            <VisuallyHidden>Category: </VisuallyHidden>
            {categoryName(categories.data?.data, ai.category)}
            {byAi && <span aria-hidden="true"> · AI</span>}
            <VisuallyHidden>{`, ${categorySourceText(ai).replace(/^Set/, 'set')}`}</VisuallyHidden>
          </Badge>
        </Tooltip>
      )}
      {sentiment && (
        <Tooltip label={`Sentiment: ${sentiment.label.toLowerCase()}`} withArrow>
          <Badge
            size="sm"
            variant="outline"
            color={sentiment.color}
            radius="sm"
            px={4}
            role="img"
            aria-label={`Sentiment: ${sentiment.label.toLowerCase()}`}
            data-testid="sentiment-mark"
          >
            {sentiment.symbol}
          </Badge>
        </Tooltip>
      )}
      {urgency && (
        <Badge size="sm" variant={urgency === 'urgent' ? 'filled' : 'light'} color={URGENCY_COLORS[urgency]} radius="sm" data-testid="urgency-badge">
          <VisuallyHidden>Urgency: </VisuallyHidden>
          <span aria-hidden="true">⚡ </span>
          {urgency}
        </Badge>
      )}
    </Group>
  );
}
