export { AiAssistPanel, type ReplyAccess, type SentReply } from './components/ai-assist-panel';
export { AiReportSection } from './components/ai-report-section';
export { AiSettings } from './components/ai-settings';
export { TicketAiBadges } from './components/ticket-ai-badges';
export { TicketAiProperties } from './components/ticket-ai-properties';
export { useCategoryOptions } from './api/categories';
export { latestTriage, languageOptions, SENTIMENTS, URGENCIES } from './lib/triage';
