import { SegmentedControl, Stack } from '@mantine/core';
import { Navigate, useNavigate, useParams } from 'react-router';
import { AiSettings } from '@/features/ai';
import { useSession } from '@/features/auth';
import { CHANNEL_SECTIONS, ChannelSettings, type ChannelSection } from '@/features/channels';
import { ChatWidgetSettings } from '@/features/chat';
import { OidcProvidersSettings } from '@/features/portal';
import { SETTINGS_TABS, SettingsPage, type SettingsTab } from '@/features/settings';

export function SettingsRoute() {
  const { tab, section } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  if (!session.data) return null;
  if (session.data.role !== 'admin') return <Navigate to="/queue" replace />;
  const current = (SETTINGS_TABS as readonly string[]).includes(tab ?? '') ? (tab as SettingsTab) : 'users';
  const channel = (CHANNEL_SECTIONS as readonly string[]).includes(section ?? '') ? (section as ChannelSection) : 'email';
  return (
    <SettingsPage
      tab={current}
      onTabChange={(t) => navigate(`/settings/${t}`)}
      currentUserId={session.data.user_id}
      portal={<OidcProvidersSettings />}
      ai={<AiSettings />}
      channels={
        // The chat widget's settings sit beside the channels feature's own sections.
        <Stack gap="sm">
          <SegmentedControl
            w="fit-content"
            value={section === 'chat' ? 'chat' : 'other'}
            onChange={(v) => navigate(v === 'chat' ? '/settings/channels/chat' : '/settings/channels/email')}
            data={[
              { label: 'E-mail and messaging', value: 'other' },
              { label: 'Chat widget', value: 'chat' },
            ]}
          />
          {section === 'chat' ? (
            <ChatWidgetSettings />
          ) : (
            <ChannelSettings section={channel} onSectionChange={(s) => navigate(`/settings/channels/${s}`)} />
          )}
        </Stack>
      }
    />
  );
}
