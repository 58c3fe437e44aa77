import { useMemo } from 'react';
import { useNavigate, useParams } from 'react-router';
import { languageOptions, TicketAiBadges, useCategoryOptions } from '@/features/ai';
import { useSession } from '@/features/auth';
import { QueuePage } from '@/features/tickets';
import type { Schemas } from '@/lib/api-client';

/** The AI's reading of a ticket after its subject in the list. */
const ticketBadges = (t: Schemas['TicketOut']) => <TicketAiBadges ai={t.ai} />;

export function QueueRoute() {
  const { viewId } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  const categories = useCategoryOptions();
  const aiFilterOptions = useMemo(() => ({ categories, languages: languageOptions() }), [categories]);
  if (!session.data) return null;
  return (
    <QueuePage
      userId={session.data.user_id}
      isAdmin={session.data.role === 'admin'}
      viewId={viewId}
      onViewChange={(id) => navigate(`/queue/${id}`)}
      onOpenTicket={(t) => navigate(`/tickets/${t.id}`)}
      ticketBadges={ticketBadges}
      aiFilterOptions={aiFilterOptions}
    />
  );
}
