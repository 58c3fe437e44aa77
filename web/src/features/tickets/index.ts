export { QueuePage } from './components/queue-page';
export { TicketPage } from './components/ticket-page';
export { MacrosPage } from './components/macros-page';
