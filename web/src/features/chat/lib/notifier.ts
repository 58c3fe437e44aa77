/** The app's one typing notifier (see `typing.ts`), sending through the API. */
import { sendTyping } from '../api/chat';
import { createTypingNotifier } from './typing';

export const typingNotifier = createTypingNotifier((ticketId, typing) => sendTyping(ticketId, typing));

/** For the ticket page's `onDraftingChange` slot. */
export function chatDrafting(ticketId: number, drafting: boolean): void {
  typingNotifier.drafting(ticketId, drafting);
}
