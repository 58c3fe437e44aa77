export { ChatAvailability } from './components/chat-availability';
export { ChatFooter } from './components/chat-footer';
export { ChatWidgetSettings } from './components/chat-widget-settings';
export { chatDrafting } from './lib/notifier';
