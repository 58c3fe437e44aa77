/** The signed-in shell: header with notifications, the user and sign-out, the event stream, the routed page. */
import { AppShell, Badge, Button, Center, Group, Loader, Text } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { Navigate, NavLink as RouterLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useSession, useSignOut } from '@/features/auth';
import { ChatAvailability } from '@/features/chat';
import { NotificationBell } from '@/features/notifications';
import { eventStream } from '@/lib/event-stream';

export function AgentLayout() {
  const session = useSession();
  const signOut = useSignOut();
  const location = useLocation();
  const navigate = useNavigate();
  const handleOpenTicket = useCallback((id: number) => void navigate(`/tickets/${id}`), [navigate]);
  const [live, setLive] = useState(false);
  const signedIn = Boolean(session.data);

  useEffect(() => {
    if (!signedIn) return;
    const off = eventStream.onStateChange(setLive);
    eventStream.open();
    return () => {
      off();
      eventStream.close();
    };
  }, [signedIn]);

  if (session.isLoading) {
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  }
  if (!session.data) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  if (session.data.role === 'customer') {
    return (
      <Center h="100vh" p="md">
        <Text>
          This app is for the support team. Customers track their requests in the{' '}
          <RouterLink to="/portal">help portal</RouterLink>.
        </Text>
      </Center>
    );
  }

  return (
    <AppShell header={{ height: 52 }} padding={0}>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Text fw={800}>AutoCRM</Text>
            <Button component={RouterLink} to="/queue" size="xs" variant="subtle">
              Queue
            </Button>
            <Button component={RouterLink} to="/macros" size="xs" variant="subtle" visibleFrom="sm">
              Macros
            </Button>
            <Button component={RouterLink} to="/knowledge" size="xs" variant="subtle" visibleFrom="sm">
              Knowledge base
            </Button>
            <Button component={RouterLink} to="/tutorials" size="xs" variant="subtle" visibleFrom="sm">
              Tutorials
            </Button>
            <Button component={RouterLink} to="/reports" size="xs" variant="subtle" visibleFrom="sm">
              Performance
            </Button>
            {session.data.role === 'admin' && (
              <Button component={RouterLink} to="/settings" size="xs" variant="subtle">
                Settings
              </Button>
            )}
            <Badge size="xs" color={live ? 'green' : 'gray'} variant="dot" data-testid="live-indicator">
              {live ? 'live' : 'offline'}
            </Badge>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <ChatAvailability />
            <NotificationBell userId={session.data.user_id} onOpenTicket={handleOpenTicket} />
            <Text size="sm" visibleFrom="xs">
              {session.data.name}
            </Text>
            <Button size="xs" variant="default" onClick={() => signOut.mutate()} loading={signOut.isPending}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main style={{ height: '100dvh', display: 'flex', flexDirection: 'column' }}>
        <div style={{ flex: 1, minHeight: 0 }}>
          <Outlet />
        </div>
      </AppShell.Main>
    </AppShell>
  );
}
