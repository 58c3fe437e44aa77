/**
 * Signing in and out of the portal: password, e-mailed link, OIDC buttons;
 * sign-up; forgotten password; the pages e-mailed links open.
 */
import { Alert, Anchor, Button, Divider, Loader, PasswordInput, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError, errorMessage, fieldErrors } from '@/lib/api-client';
import {
  portalConfigQuery,
  portalSessionQuery,
  portalWorkspace,
  rememberNext,
  startOidc,
  takeRememberedNext,
  useCompletePasswordReset,
  useFinishOidc,
  usePasswordSignIn,
  useRedeemLink,
  useRequestMagicLink,
  useRequestPasswordReset,
  useSignUp,
} from '../api/account';
import { useI18n } from '../i18n';
import { PublicFrame } from './portal-shell';

/** Only paths inside the portal, never an absolute URL handed in by a link. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/portal') && !next.startsWith('//') ? next : '/portal';
}

export function SignInPage() {
  const { t, locale } = useI18n();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const workspace = portalWorkspace();
  const config = useQuery(portalConfigQuery(workspace));
  const session = useQuery(portalSessionQuery);
  const signIn = usePasswordSignIn();
  const magic = useRequestMagicLink();
  const [mode, setMode] = useState<'password' | 'link'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [oidcError, setOidcError] = useState<string | null>(null);

  if (session.data?.role === 'customer') return <Navigate to={next} replace />;
  const methods = config.data?.methods;
  const handlePassword = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ workspace, email, password }, { onSuccess: () => void navigate(next, { replace: true }) });
  };
  const handleLink = (e: FormEvent) => {
    e.preventDefault();
    rememberNext(next);
    magic.mutate({ workspace, email, locale });
  };
  const handleOidc = (slug: string) => {
    setOidcError(null);
    startOidc(slug, workspace, next).catch((err: unknown) => setOidcError(errorMessage(err)));
  };
  return (
    <PublicFrame>
      <Stack>
        <Title order={1} size="h2">
          {t('signIn.title', { shop: config.data?.workspace.name ?? '' })}
        </Title>
        {methods?.magic_link && (
          <SegmentedControl
            value={mode}
            onChange={(v) => setMode(v as 'password' | 'link')}
            data={[
              { value: 'password', label: t('signIn.withPassword') },
              { value: 'link', label: t('signIn.withLink') },
            ]}
          />
        )}
        {mode === 'password' ? (
          <form onSubmit={handlePassword}>
            <Stack>
              <TextInput label={t('signIn.email')} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
              <PasswordInput label={t('signIn.password')} autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
              {signIn.isError && (
                <Alert color="red" role="alert">
                  {signIn.error instanceof ApiError && signIn.error.status === 401 ? t('signIn.failed') : errorMessage(signIn.error)}
                </Alert>
              )}
              <Button type="submit" loading={signIn.isPending}>
                {t('signIn.submit')}
              </Button>
            </Stack>
          </form>
        ) : (
          <form onSubmit={handleLink}>
            <Stack>
              <TextInput label={t('signIn.email')} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
              {magic.isSuccess && (
                <Alert color="green" role="status">
                  {t('signIn.linkSent')}
                </Alert>
              )}
              {magic.isError && <Alert color="red">{errorMessage(magic.error)}</Alert>}
              <Button type="submit" loading={magic.isPending}>
                {t('signIn.sendLink')}
              </Button>
            </Stack>
          </form>
        )}
        {(config.data?.oidc_providers.length ?? 0) > 0 && <Divider label={t('signIn.or')} />}
        {config.data?.oidc_providers.map((p) => (
          <Button key={p.slug} variant="default" onClick={() => handleOidc(p.slug)}>
            {t('oidc.continue', { name: p.name })}
          </Button>
        ))}
        {oidcError && <Alert color="red">{oidcError}</Alert>}
        <Stack gap={4}>
          {methods?.password_reset && (
            <Anchor component={Link} to="/portal/forgot-password" size="sm">
              {t('signIn.forgot')}
            </Anchor>
          )}
          {methods?.sign_up && (
            <Text size="sm">
              {t('signIn.noAccount')}{' '}
              <Anchor component={Link} to="/portal/sign-up">
                {t('signIn.signUp')}
              </Anchor>
            </Text>
          )}
        </Stack>
      </Stack>
    </PublicFrame>
  );
}

export function SignUpPage() {
  const { t, locale } = useI18n();
  const workspace = portalWorkspace();
  const signUp = useSignUp();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const errors = fieldErrors(signUp.error);
  const handleSubmit = (e: FormEvent) => {
    e.preventDefault();
    signUp.mutate({ workspace, name, email, password, locale });
  };
  return (
    <PublicFrame>
      <Stack>
        <Title order={1} size="h2">
          {t('signUp.title')}
        </Title>
        {signUp.isSuccess ? (
          <Alert color="green" role="status" data-testid="sign-up-sent">
            {t('signUp.sent')}
          </Alert>
        ) : (
          <form onSubmit={handleSubmit}>
            <Stack>
              <TextInput label={t('signUp.name')} autoComplete="name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
              <TextInput label={t('signIn.email')} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errors.email} />
              <PasswordInput
                label={t('signIn.password')}
                description={t('signUp.passwordHint')}
                autoComplete="new-password"
                required
                minLength={10}
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={errors.password}
              />
              {signUp.isError && Object.keys(errors).length === 0 && <Alert color="red">{errorMessage(signUp.error)}</Alert>}
              <Button type="submit" loading={signUp.isPending}>
                {t('signUp.submit')}
              </Button>
            </Stack>
          </form>
        )}
        <Text size="sm">
          {t('signUp.haveAccount')}{' '}
          <Anchor component={Link} to="/portal/sign-in">
            {t('signIn.submit')}
          </Anchor>
        </Text>
      </Stack>
    </PublicFrame>
  );
}

export function ForgotPasswordPage() {
  const { t, locale } = useI18n();
  const request = useRequestPasswordReset();
  const [email, setEmail] = useState('');
  const handleSubmit = (e: FormEvent) => {
    e.preventDefault();
    request.mutate({ workspace: portalWorkspace(), email, locale });
  };
  return (
    <PublicFrame>
      <form onSubmit={handleSubmit}>
        <Stack>
          <Title order={1} size="h2">
            {t('forgot.title')}
          </Title>
          <TextInput label={t('signIn.email')} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          {request.isSuccess && (
            <Alert color="green" role="status">
              {t('forgot.sent')}
            </Alert>
          )}
          {request.isError && <Alert color="red">{errorMessage(request.error)}</Alert>}
          <Button type="submit" loading={request.isPending}>
            {t('forgot.submit')}
          </Button>
          <Anchor component={Link} to="/portal/sign-in" size="sm">
            {t('signIn.submit')}
          </Anchor>
        </Stack>
      </form>
    </PublicFrame>
  );
}

/** Reads the link's token once and takes it out of the address bar (history, referrers). */
function useLinkToken(): string | null {
  const [params] = useSearchParams();
  const [token] = useState(() => params.get('token'));
  useEffect(() => {
    if (token) {
      const url = new URL(window.location.href);
      url.searchParams.delete('token');
      window.history.replaceState(window.history.state, '', url.pathname + url.search);
    }
  }, [token]);
  return token;
}

export function ResetPasswordPage() {
  const { t } = useI18n();
  const token = useLinkToken();
  const complete = useCompletePasswordReset();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const errors = fieldErrors(complete.error);
  const gone = complete.error instanceof ApiError && complete.error.status === 404;
  const handleSubmit = (e: FormEvent) => {
    e.preventDefault();
    complete.mutate({ token: token ?? '', password }, { onSuccess: () => void navigate('/portal', { replace: true }) });
  };
  return (
    <PublicFrame>
      <form onSubmit={handleSubmit}>
        <Stack>
          <Title order={1} size="h2">
            {t('reset.title')}
          </Title>
          <PasswordInput
            label={t('signIn.password')}
            description={t('signUp.passwordHint')}
            autoComplete="new-password"
            required
            minLength={10}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errors.password}
          />
          {(gone || !token) && <LinkGone to="/portal/forgot-password" />}
          <Button type="submit" loading={complete.isPending} disabled={!token}>
            {t('reset.submit')}
          </Button>
        </Stack>
      </form>
    </PublicFrame>
  );
}

function LinkGone({ to }: { to: string }) {
  const { t } = useI18n();
  return (
    <Alert color="red" role="alert">
      {t('link.invalid')}{' '}
      <Anchor component={Link} to={to}>
        {t('link.again')}
      </Anchor>
    </Alert>
  );
}

/** A verification or magic link: signs in at once and goes to the portal (a magic link: to the page asked for). */
export function LinkSignInPage({ kind }: { kind: 'verify' | 'magic' }) {
  const { t } = useI18n();
  const token = useLinkToken();
  const redeem = useRedeemLink(kind);
  const navigate = useNavigate();
  const started = useRef(false);
  useEffect(() => {
    if (started.current || !token) return;
    // Once: a link is single-use, and React may run effects twice in development.
    started.current = true;
    redeem.mutate(token, {
      onSuccess: () => void navigate(kind === 'magic' ? safeNext(takeRememberedNext()) : '/portal', { replace: true }),
    });
  }, [token, redeem, navigate, kind]);
  return (
    <PublicFrame>
      {!token || redeem.isError ? (
        <LinkGone to={kind === 'verify' ? '/portal/sign-up' : '/portal/sign-in'} />
      ) : (
        <Stack align="center">
          <Loader />
          <Text>{t('link.working')}</Text>
        </Stack>
      )}
    </PublicFrame>
  );
}

export function OidcCallbackPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const finish = useFinishOidc();
  const navigate = useNavigate();
  const started = useRef(false);
  const code = params.get('code');
  const state = params.get('state');
  useEffect(() => {
    if (started.current || !code || !state) return;
    started.current = true;
    finish.mutate({ code, state }, { onSuccess: ({ next }) => void navigate(safeNext(next), { replace: true }) });
  }, [code, state, finish, navigate]);
  const failed = finish.isError || !code || !state;
  return (
    <PublicFrame>
      {failed ? (
        <Alert color="red" role="alert">
          {t('oidc.failed')}{' '}
          <Anchor component={Link} to="/portal/sign-in">
            {t('signIn.submit')}
          </Anchor>
        </Alert>
      ) : (
        <Stack align="center">
          <Loader />
          <Text>{t('link.working')}</Text>
        </Stack>
      )}
    </PublicFrame>
  );
}
