import { useSession } from '@/features/auth';
import { MacrosPage } from '@/features/tickets';

export function MacrosRoute() {
  const session = useSession();
  if (!session.data) return null;
  return <MacrosPage isAdmin={session.data.role === 'admin'} userId={session.data.user_id} />;
}
