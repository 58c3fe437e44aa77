export { LoginForm } from './components/login-form';
export { sessionQuery, useSession, useSignOut, type Session } from './api/session';
