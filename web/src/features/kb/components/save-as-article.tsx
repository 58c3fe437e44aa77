/**
 * "Save as article draft" under an agent's public reply: the knowledge base
 * grows from real answers. The draft opens in the knowledge base editor.
 */
import { Anchor, Button, Group } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '@/lib/api-client';
import { replyIdsQuery, useArticleFromMessage } from '../api/articles';

export interface SaveAsArticleProps {
  ticketId: number;
  messageId: number;
  /** Where the new draft is edited (`/knowledge/articles/{id}`). */
  articleHref: (id: number) => string;
}

export function SaveAsArticle({ ticketId, messageId, articleHref }: SaveAsArticleProps) {
  const replies = useQuery(replyIdsQuery(ticketId));
  const draft = useArticleFromMessage();
  const [created, setCreated] = useState<number | null>(null);
  if (!replies.data?.has(messageId)) return null;
  return (
    <Group gap="xs">
      {created ? (
        <Anchor size="xs" href={articleHref(created)}>
          Draft article created – edit it
        </Anchor>
      ) : (
        <Button
          size="compact-xs"
          variant="subtle"
          loading={draft.isPending}
          onClick={() =>
            draft.mutate(messageId, {
              onSuccess: (a) => {
                setCreated(a.id);
                notifications.show({ color: 'green', message: 'Saved as a draft article in the knowledge base.' });
              },
              onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
            })
          }
        >
          Save as article draft
        </Button>
      )}
    </Group>
  );
}
