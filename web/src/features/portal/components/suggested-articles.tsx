/**
 * "Suggested for you" on the portal's home page: help-center articles and
 * guides picked from the customer's orders and requests, each with why
 * ("About your order #W102"). Nothing at all when there is nothing to
 * suggest (or the suggestions cannot be loaded): it is a help, not a page
 * the customer came for.
 */
import { Anchor, Card, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { suggestionsQuery, type SuggestedArticle } from '../api/self-service';
import { useI18n } from '../i18n';

/** Only links the help center could have made: http(s) and same-origin paths. */
function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function Suggestion({ s }: { s: SuggestedArticle }) {
  const href = safeHref(s.url);
  return (
    <Card component="li" withBorder padding="sm">
      <Stack gap={2}>
        {href ? (
          <Anchor href={href} fw={600}>
            {s.title}
          </Anchor>
        ) : (
          <Text fw={600}>{s.title}</Text>
        )}
        <Text size="xs" c="blue" fw={600}>
          {s.reason}
        </Text>
        {s.excerpt && (
          <Text size="sm" c="dimmed" lineClamp={2}>
            {s.excerpt}
          </Text>
        )}
      </Stack>
    </Card>
  );
}

export function SuggestedArticles() {
  const { t } = useI18n();
  const suggestions = useQuery(suggestionsQuery);
  const list = suggestions.data?.data ?? [];
  if (!list.length) return null;
  return (
    <Stack gap="xs" component="section" aria-labelledby="portal-suggested">
      <Title order={2} size="h4" id="portal-suggested">
        {t('suggested.title')}
      </Title>
      <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }} data-testid="portal-suggestions">
        {list.map((s) => (
          <Suggestion key={`${s.kind}-${s.id}`} s={s} />
        ))}
      </Stack>
    </Stack>
  );
}
