import { useNavigate, useParams } from 'react-router';
import { useSession } from '@/features/auth';
import { QueuePage } from '@/features/tickets';

export function QueueRoute() {
  const { viewId } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  if (!session.data) return null;
  return (
    <QueuePage
      userId={session.data.user_id}
      isAdmin={session.data.role === 'admin'}
      viewId={viewId}
      onViewChange={(id) => navigate(`/queue/${id}`)}
      onOpenTicket={(t) => navigate(`/tickets/${t.id}`)}
    />
  );
}
