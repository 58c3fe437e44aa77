import { createBrowserRouter, Navigate } from 'react-router';
import { AgentLayout } from './routes/agent-layout';
import { InviteRoute } from './routes/invite';
import { KnowledgeRoute } from './routes/knowledge';
import { LoginRoute } from './routes/login';
import { MacrosRoute } from './routes/macros';
import { PortalRoute } from './routes/portal';
import { QueueRoute } from './routes/queue';
import { ReportsRoute } from './routes/reports';
import { SettingsRoute } from './routes/settings';
import { TicketRoute } from './routes/ticket';
import { TutorialsRoute } from './routes/tutorials';

export const router = createBrowserRouter([
  { path: '/login', element: <LoginRoute /> },
  { path: '/invite/:token', element: <InviteRoute /> },
  { path: '/portal/*', element: <PortalRoute /> },
  {
    path: '/',
    element: <AgentLayout />,
    children: [
      { index: true, element: <Navigate to="/queue/mine" replace /> },
      { path: 'queue/:viewId?', element: <QueueRoute /> },
      { path: 'tickets/:ticketId', element: <TicketRoute /> },
      { path: 'settings/:tab?/:section?', element: <SettingsRoute /> },
      { path: 'macros', element: <MacrosRoute /> },
      { path: 'reports', element: <ReportsRoute /> },
      { path: 'tutorials/:tutorialId?', element: <TutorialsRoute /> },
      { path: 'knowledge', element: <KnowledgeRoute /> },
      { path: 'knowledge/articles/:articleId', element: <KnowledgeRoute /> },
      { path: '*', element: <Navigate to="/queue/mine" replace /> },
    ],
  },
]);
