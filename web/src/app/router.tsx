import { createBrowserRouter, Navigate } from 'react-router';
import { AgentLayout } from './routes/agent-layout';
import { InviteRoute } from './routes/invite';
import { LoginRoute } from './routes/login';
import { MacrosRoute } from './routes/macros';
import { QueueRoute } from './routes/queue';
import { ReportsRoute } from './routes/reports';
import { SettingsRoute } from './routes/settings';
import { TicketRoute } from './routes/ticket';

export const router = createBrowserRouter([
  { path: '/login', element: <LoginRoute /> },
  { path: '/invite/:token', element: <InviteRoute /> },
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
      { path: '*', element: <Navigate to="/queue/mine" replace /> },
    ],
  },
]);
