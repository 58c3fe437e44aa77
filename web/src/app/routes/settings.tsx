import { Navigate, useNavigate, useParams } from 'react-router';
import { useSession } from '@/features/auth';
import { SETTINGS_TABS, SettingsPage, type SettingsTab } from '@/features/settings';

export function SettingsRoute() {
  const { tab } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  if (!session.data) return null;
  if (session.data.role !== 'admin') return <Navigate to="/queue" replace />;
  const current = (SETTINGS_TABS as readonly string[]).includes(tab ?? '') ? (tab as SettingsTab) : 'users';
  return <SettingsPage tab={current} onTabChange={(t) => navigate(`/settings/${t}`)} currentUserId={session.data.user_id} />;
}
