/** The portal's frame: the shop's name, navigation, language switcher, sign-out; pages inside. */
import { Anchor, Box, Burger, Button, Center, Container, Drawer, Group, Loader, NativeSelect, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { portalConfigQuery, portalSessionQuery, portalWorkspace, usePortalSignOut } from '../api/account';
import { usePortalChat } from '../hooks/use-portal-chat';
import { forgetChatIdentity } from '../lib/chat-widget';
import { LOCALES, useI18n, type Locale } from '../i18n';

export function LanguageSwitcher() {
  const { locale, setLocale, t } = useI18n();
  return (
    <NativeSelect
      size="xs"
      aria-label={t('nav.language')}
      value={locale}
      onChange={(e) => setLocale(e.currentTarget.value as Locale)}
      data={LOCALES}
      w={110}
    />
  );
}

/** A page for signed-out visitors (sign-in, sign-up, links): centred, narrow. */
export function PublicFrame({ children }: { children: ReactNode }) {
  const config = useQuery(portalConfigQuery(portalWorkspace()));
  const { t } = useI18n();
  return (
    <Box mih="100dvh" bg="var(--mantine-color-body)">
      <Group justify="space-between" p="sm" wrap="nowrap">
        <Text fw={800} truncate>
          {config.data?.workspace.name ?? ''}
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Anchor href={config.data?.help_center_url ?? '/help'} size="sm">
            {t('nav.help')}
          </Anchor>
          <LanguageSwitcher />
        </Group>
      </Group>
      <Container size={440} px="md" py="xl">
        {children}
      </Container>
    </Box>
  );
}

const NAV = [
  { to: '/portal', key: 'nav.tickets' },
  { to: '/portal/tickets/new', key: 'nav.new' },
  { to: '/portal/orders', key: 'nav.orders' },
  { to: '/portal/preferences', key: 'nav.preferences' },
] as const;

/**
 * The signed-in customer's frame; sends everyone else to the sign-in page.
 * It also brings the chat widget, signed in as the customer.
 */
export function CustomerFrame({ children }: { children: ReactNode }) {
  const session = useQuery(portalSessionQuery);
  const config = useQuery(portalConfigQuery(portalWorkspace()));
  const signOut = usePortalSignOut();
  const { t, locale } = useI18n();
  const location = useLocation();
  const navigate = useNavigate();
  const [open, { toggle, close }] = useDisclosure(false);
  usePortalChat(session.data?.role === 'customer', locale);

  if (session.isLoading) {
    return (
      <Center h="100dvh">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  }
  if (!session.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/portal/sign-in?next=${next}`} replace />;
  }
  if (session.data.role !== 'customer') {
    // Staff see every ticket: the portal would show them everyone's requests.
    return (
      <Center h="100dvh" p="md">
        <Stack align="center">
          <Text>The portal is for customers. You are signed in as {session.data.name}.</Text>
          <Group>
            <Button component="a" href="/">
              Open the agents' app
            </Button>
            <Button variant="default" onClick={() => signOut.mutate()}>
              {t('nav.signOut')}
            </Button>
          </Group>
        </Stack>
      </Center>
    );
  }
  const links = NAV.map((n) => (
    <Button
      key={n.to}
      component={Link}
      to={n.to}
      variant={location.pathname === n.to ? 'light' : 'subtle'}
      size="sm"
      onClick={close}
      aria-current={location.pathname === n.to ? 'page' : undefined}
    >
      {t(n.key)}
    </Button>
  ));
  const handleSignOut = () => {
    forgetChatIdentity();
    signOut.mutate(undefined, { onSettled: () => void navigate('/portal/sign-in', { replace: true }) });
  };
  return (
    <Box mih="100dvh">
      <Box component="header" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
        <Group justify="space-between" p="sm" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={open} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text fw={800} truncate component={Link} to="/portal">
              {config.data?.workspace.name ?? ''}
            </Text>
          </Group>
          <Group gap={4} visibleFrom="sm" wrap="nowrap" component="nav">
            {links}
            <Button component="a" href={config.data?.help_center_url ?? '/help'} variant="subtle" size="sm">
              {t('nav.help')}
            </Button>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LanguageSwitcher />
            <Button size="xs" variant="default" onClick={handleSignOut} loading={signOut.isPending}>
              {t('nav.signOut')}
            </Button>
          </Group>
        </Group>
      </Box>
      <Drawer opened={open} onClose={close} size="xs" title={config.data?.workspace.name}>
        <Stack gap="xs" component="nav">
          {links}
          <Button component="a" href={config.data?.help_center_url ?? '/help'} variant="subtle" size="sm">
            {t('nav.help')}
          </Button>
        </Stack>
      </Drawer>
      <Container size="md" px="md" py="lg" component="main">
        {children}
      </Container>
    </Box>
  );
}
