export { AcceptInvitationForm } from './components/accept-invitation-form';
export { LoginForm } from './components/login-form';
export { sessionQuery, useSession, useSignOut, type Session } from './api/session';
