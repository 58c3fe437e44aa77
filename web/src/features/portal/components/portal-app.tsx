/** The customer portal at `/portal/*`: its own routes, outside the agents' layout. */
import { Navigate, Route, Routes } from 'react-router';
import { I18nProvider } from '../i18n';
import {
  ForgotPasswordPage,
  LinkSignInPage,
  OidcCallbackPage,
  ResetPasswordPage,
  SignInPage,
  SignUpPage,
} from './auth-pages';
import { NewTicketPage, OrdersPage, PreferencesPage, RatePage, TicketPage, TicketsPage } from './customer-pages';
import { CustomerFrame } from './portal-shell';

export function PortalApp() {
  return (
    <I18nProvider>
      <Routes>
        <Route path="sign-in" element={<SignInPage />} />
        <Route path="sign-up" element={<SignUpPage />} />
        <Route path="forgot-password" element={<ForgotPasswordPage />} />
        <Route path="reset-password" element={<ResetPasswordPage />} />
        <Route path="verify" element={<LinkSignInPage kind="verify" />} />
        <Route path="magic" element={<LinkSignInPage kind="magic" />} />
        <Route path="oidc/callback" element={<OidcCallbackPage />} />
        {/* The e-mail's rating link works without signing in (its token is the credential). */}
        <Route path="tickets/:ticketId/rate" element={<RatePage />} />
        <Route index element={<CustomerFrame><TicketsPage /></CustomerFrame>} />
        <Route path="tickets/new" element={<CustomerFrame><NewTicketPage /></CustomerFrame>} />
        <Route path="tickets/:ticketId" element={<CustomerFrame><TicketPage /></CustomerFrame>} />
        <Route path="orders" element={<CustomerFrame><OrdersPage /></CustomerFrame>} />
        <Route path="preferences" element={<CustomerFrame><PreferencesPage /></CustomerFrame>} />
        <Route path="*" element={<Navigate to="/portal" replace />} />
      </Routes>
    </I18nProvider>
  );
}
