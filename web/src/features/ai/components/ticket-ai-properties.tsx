/**
 * The AI's reading of one ticket among its properties: the category as a
 * select (choosing one is the agent's one-click correction: it is saved as
 * the agent's and trains the classifier), who set it, and the customer's
 * language, sentiment and urgency with the reasons the AI gave.
 */
import { Anchor, Badge, Group, Select, Stack, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '@/lib/api-client';
import { categoriesQuery, categoryName, useSetTicketCategory, type Ticket } from '../api/categories';
import { foundEntities, isSentiment, isUrgency, languageLabel, SENTIMENT_LOOK, URGENCY_COLORS, type Triage } from '../lib/triage';
import { categorySourceText } from './ticket-ai-badges';

export interface TicketAiPropertiesProps {
  ticket: Ticket;
  /** The newest customer message's triage (urgency reasons, entities), when there is one. */
  triage?: Triage | null;
  /** Called with the ticket as the server answered after a category change. */
  onTicketChange?: (ticket: Ticket) => void;
}

export function TicketAiProperties({ ticket, triage, onTicketChange }: TicketAiPropertiesProps) {
  const categories = useQuery(categoriesQuery);
  const setCategory = useSetTicketCategory(ticket.id);
  const ai = ticket.ai ?? null;
  const current = ai?.category ?? null;
  const options = (categories.data?.data ?? []).map((c) => ({ value: c.key, label: c.name }));
  // A category deleted since it was set still shows under its key.
  if (current && !options.some((o) => o.value === current)) options.push({ value: current, label: categoryName(undefined, current) });

  const handleChange = (key: string | null) =>
    setCategory.mutate(key, {
      onSuccess: (t) => onTicketChange?.(t),
      onError: (error) => notifications.show({ color: 'red', title: 'Category not saved', message: errorMessage(error) }),
    });

  const sentiment = isSentiment(ai?.sentiment) ? SENTIMENT_LOOK[ai.sentiment] : null;
  const urgency = isUrgency(ai?.urgency) ? ai.urgency : null;
  const reasons = triage?.urgency_reasons ?? [];
  const entities = triage ? foundEntities(triage.entities) : [];

  return (
    <Stack gap={6} data-testid="ticket-ai">
      <Select
        label="Category"
        placeholder="No category"
        searchable
        clearable
        allowDeselect={false}
        value={current}
        data={options}
        disabled={setCategory.isPending}
        onChange={(v) => v !== current && handleChange(v)}
      />
      {ai && current && (
        <Group gap={6}>
          <Text size="xs" c="dimmed" data-testid="category-source">
            {categorySourceText(ai)}
          </Text>
          {ai.category_source === 'ai' && (
            <Anchor component="button" type="button" size="xs" onClick={() => handleChange(current)} aria-label="Confirm the AI's category">
              Confirm
            </Anchor>
          )}
        </Group>
      )}
      {ai && (ai.language || sentiment || urgency) && (
        <Group gap={6} data-testid="ticket-ai-signals">
          {ai.language && (
            <Badge size="sm" variant="default" radius="sm" tt="none">
              <VisuallyHidden>Language: </VisuallyHidden>
              {languageLabel(ai.language)}
            </Badge>
          )}
          {sentiment && (
            <Badge size="sm" variant="light" color={sentiment.color} radius="sm" tt="none" data-testid="ticket-sentiment">
              <span aria-hidden="true">{sentiment.symbol} </span>
              {sentiment.label}
              <VisuallyHidden> sentiment</VisuallyHidden>
            </Badge>
          )}
          {urgency && (
            <Tooltip label={reasons.length ? reasons.join(' · ') : 'No particular signal'} multiline maw={280} withArrow>
              <Badge size="sm" variant="light" color={URGENCY_COLORS[urgency]} radius="sm" tt="none" data-testid="ticket-urgency">
                Urgency: {urgency}
                {reasons.length > 0 && <VisuallyHidden>{` (${reasons.join(', ')})`}</VisuallyHidden>}
              </Badge>
            </Tooltip>
          )}
        </Group>
      )}
      {entities.length > 0 && (
        <Stack gap={0} data-testid="ticket-ai-entities">
          {entities.map((e) => (
            <Text key={e.kind} size="xs" c="dimmed">
              {e.label}: {e.values.join(', ')}
            </Text>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
