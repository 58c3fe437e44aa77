import { Center } from '@mantine/core';
import { Navigate, useNavigate, useParams } from 'react-router';
import { AcceptInvitationForm } from '@/features/auth';

/** `/invite/:token`: the public page where an invitee chooses a password, then lands in the app. */
export function InviteRoute() {
  const { token } = useParams();
  const navigate = useNavigate();
  if (!token) return <Navigate to="/login" replace />;
  return (
    <Center mih="100vh" p="md">
      <AcceptInvitationForm token={token} onAccepted={() => navigate('/', { replace: true })} />
    </Center>
  );
}
