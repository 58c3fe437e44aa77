import { Navigate, useNavigate, useParams } from 'react-router';
import { useSession } from '@/features/auth';
import { CHANNEL_SECTIONS, ChannelSettings, type ChannelSection } from '@/features/channels';
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
      channels={<ChannelSettings section={channel} onSectionChange={(s) => navigate(`/settings/channels/${s}`)} />}
    />
  );
}
