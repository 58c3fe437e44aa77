export { QueuePage } from './components/queue-page';
export { TicketPage } from './components/ticket-page';
