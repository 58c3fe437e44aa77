/** Good / bad with an optional comment; shows the current rating and until when it can change. */
import { Alert, Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { errorMessage, type Schemas } from '@/lib/api-client';
import { useRate, type RatingScore } from '../api/tickets';
import { useI18n } from '../i18n';

export interface RatingFormProps {
  token: string | null | undefined;
  ticketId?: number;
  rating: Schemas['RatingOut'] | null | undefined;
  canRate: boolean;
  solved: boolean;
  /** Pre-selected by the e-mail link (`?score=good`). */
  initialScore?: RatingScore | null;
}

export function RatingForm({ token, ticketId, rating, canRate, solved, initialScore }: RatingFormProps) {
  const { t, locale } = useI18n();
  const rate = useRate(token, ticketId);
  const [score, setScore] = useState<RatingScore | null>(initialScore ?? rating?.score ?? null);
  const [comment, setComment] = useState(rating?.comment ?? '');
  const current = rate.data ?? rating;
  const fmt = (iso: string) => new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });

  if (!solved) return <Text c="dimmed">{t('rate.notSolved')}</Text>;
  return (
    <Stack gap="sm" data-testid="rating-form">
      {current && (
        <Text fw={600} data-testid="current-rating">
          {t('rate.yours', { score: current.score === 'good' ? t('rate.goodShort') : t('rate.badShort') })}
        </Text>
      )}
      {rate.isSuccess && (
        <Alert color="green" role="status">
          {t('rate.thanks')}
        </Alert>
      )}
      {canRate && token ? (
        <>
          <Group grow>
            <Button
              variant={score === 'good' ? 'filled' : 'default'}
              color="green"
              aria-pressed={score === 'good'}
              onClick={() => setScore('good')}
            >
              👍 {t('rate.good')}
            </Button>
            <Button
              variant={score === 'bad' ? 'filled' : 'default'}
              color="red"
              aria-pressed={score === 'bad'}
              onClick={() => setScore('bad')}
            >
              👎 {t('rate.bad')}
            </Button>
          </Group>
          <Textarea label={t('rate.comment')} autosize minRows={2} maxLength={2000} value={comment} onChange={(e) => setComment(e.currentTarget.value)} />
          {rate.isError && <Alert color="red">{errorMessage(rate.error)}</Alert>}
          <Button disabled={!score} loading={rate.isPending} onClick={() => score && rate.mutate({ score, comment: comment || null })}>
            {t('rate.submit')}
          </Button>
          {current && <Text size="sm" c="dimmed">{t('rate.changeUntil', { date: fmt(current.editable_until) })}</Text>}
        </>
      ) : (
        current && <Text size="sm" c="dimmed">{t('rate.final')}</Text>
      )}
    </Stack>
  );
}
