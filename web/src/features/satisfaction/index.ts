export { TicketRating } from './components/ticket-rating';
