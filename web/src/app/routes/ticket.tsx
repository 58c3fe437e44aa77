import { Navigate, useNavigate, useParams } from 'react-router';
import { MessageDelivery } from '@/features/channels';
import { CommercePanel } from '@/features/commerce';
import { TicketPage } from '@/features/tickets';

export function TicketRoute() {
  const { ticketId } = useParams();
  const navigate = useNavigate();
  const id = Number(ticketId);
  if (!Number.isSafeInteger(id) || id <= 0) return <Navigate to="/queue" replace />;
  return (
    <TicketPage
      key={id}
      ticketId={id}
      onBack={() => navigate(-1)}
      onOpenTicket={(other) => navigate(`/tickets/${other}`)}
      customerPanel={<CommercePanel ticketId={id} />}
      messageDetails={(messageId) => <MessageDelivery ticketId={id} messageId={messageId} />}
    />
  );
}
