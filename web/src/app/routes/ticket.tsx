import { Navigate, useNavigate, useParams } from 'react-router';
import { AiAssistPanel, latestTriage, TicketAiProperties } from '@/features/ai';
import { MessageDelivery } from '@/features/channels';
import { ChatFooter, chatDrafting } from '@/features/chat';
import { CommercePanel } from '@/features/commerce';
import { ArticleLinkPicker, SaveAsArticle } from '@/features/kb';
import { TicketRating } from '@/features/satisfaction';
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
      messageDetails={(messageId) => (
        <>
          <MessageDelivery ticketId={id} messageId={messageId} />
          <SaveAsArticle ticketId={id} messageId={messageId} articleHref={(a) => `/knowledge/articles/${a}`} />
        </>
      )}
      replyTools={(insert) => <ArticleLinkPicker insert={insert} />}
      headerExtras={<TicketRating ticketId={id} />}
      conversationFooter={<ChatFooter ticketId={id} />}
      onDraftingChange={(drafting) => chatDrafting(id, drafting)}
      propertiesExtras={({ ticket, messages, onTicketChange }) => (
        <TicketAiProperties ticket={ticket} triage={latestTriage(messages)} onTicketChange={onTicketChange} />
      )}
      replyAssist={({ ticket, reply, lastSent }) => (
        <AiAssistPanel ticketId={id} language={ticket.ai?.language} reply={reply} lastSent={lastSent} />
      )}
    />
  );
}
