import { Center } from '@mantine/core';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { LoginForm, useSession } from '@/features/auth';

export function LoginRoute() {
  const session = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next') ?? '/';
  // Only same-app paths, never an absolute URL handed in by a link.
  const target = next.startsWith('/') && !next.startsWith('//') ? next : '/';
  if (session.data) return <Navigate to={target} replace />;
  return (
    <Center mih="100vh" p="md">
      <LoginForm defaultWorkspace={params.get('workspace') ?? 'demo'} onSignedIn={() => navigate(target, { replace: true })} />
    </Center>
  );
}
