/**
 * The portal's account endpoints: configuration, the session (the same
 * cookie as the agents' app), sign-up, password and magic-link sign-in,
 * password reset, OIDC, the profile.
 */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken, unwrap, type Schemas } from '@/lib/api-client';

export type PortalConfig = Schemas['PortalConfigOut'];
export type PortalSession = Schemas['SessionOut'];
export type Profile = Schemas['ProfileOut'];

const WORKSPACE_KEY = 'autocrm.portal.workspace';

/** The workspace the portal is for: `?workspace=` once, remembered for the tab; else the server's default. */
export function portalWorkspace(search = window.location.search): string | undefined {
  const fromUrl = new URLSearchParams(search).get('workspace');
  if (fromUrl) {
    sessionStorage.setItem(WORKSPACE_KEY, fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem(WORKSPACE_KEY) ?? undefined;
}

export function portalConfigQuery(workspace: string | undefined) {
  return queryOptions({
    queryKey: ['portal', 'config', workspace ?? ''],
    queryFn: () => unwrap(api.GET('/api/v1/portal/config', { params: { query: { workspace } } })),
    staleTime: 5 * 60_000,
  });
}

/** Who is signed in (shared with the agents' app: the same session). */
export const portalSessionQuery = queryOptions({
  queryKey: ['session'],
  queryFn: async (): Promise<PortalSession | null> => {
    try {
      const session = await unwrap(api.GET('/api/v1/session'));
      setCsrfToken(session.csrf_token);
      return session;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  staleTime: Infinity,
});

/** Every way of signing in ends here: remember the CSRF token and the session. */
function useSignedIn() {
  const client = useQueryClient();
  return (session: PortalSession) => {
    setCsrfToken(session.csrf_token);
    client.setQueryData(portalSessionQuery.queryKey, session);
  };
}

export function usePasswordSignIn() {
  const done = useSignedIn();
  return useMutation({
    mutationFn: (body: Schemas['PortalSessionIn']) => unwrap(api.POST('/api/v1/portal/session', { body })),
    onSuccess: done,
  });
}

export function useSignUp() {
  return useMutation({
    mutationFn: (body: Schemas['SignUpIn']) => unwrap(api.POST('/api/v1/portal/sign-up', { body })),
  });
}

export function useRequestMagicLink() {
  return useMutation({
    mutationFn: (body: Schemas['EmailLinkIn']) => unwrap(api.POST('/api/v1/portal/magic-link', { body })),
  });
}

export function useRequestPasswordReset() {
  return useMutation({
    mutationFn: (body: Schemas['EmailLinkIn']) => unwrap(api.POST('/api/v1/portal/password-reset', { body })),
  });
}

const NEXT_KEY = 'autocrm.portal.next';
/** As long as a magic link lives: an older remembered page is stale. */
const NEXT_TTL_MS = 20 * 60_000;

/**
 * Remembers where the customer was going when they asked for a magic link, so
 * the link (opened in another tab of this browser) lands there, not on the
 * list. Local storage, because the mail client opens a new tab.
 */
export function rememberNext(next: string, now = Date.now()): void {
  localStorage.setItem(NEXT_KEY, JSON.stringify({ next, at: now }));
}

/** The page remembered by `rememberNext`, once; `null` when none or stale. */
export function takeRememberedNext(now = Date.now()): string | null {
  const raw = localStorage.getItem(NEXT_KEY);
  localStorage.removeItem(NEXT_KEY);
  try {
    const saved = JSON.parse(raw ?? 'null') as { next?: unknown; at?: unknown } | null;
    if (!saved || typeof saved.next !== 'string' || typeof saved.at !== 'number') return null;
    return now - saved.at <= NEXT_TTL_MS ? saved.next : null;
  } catch {
    return null;
  }
}

/** Uses an e-mailed link: verify a sign-up or sign in with a magic link. */
export function useRedeemLink(kind: 'verify' | 'magic') {
  const done = useSignedIn();
  return useMutation({
    mutationFn: (token: string) =>
      kind === 'verify'
        ? unwrap(api.POST('/api/v1/portal/sign-up/verify', { body: { token } }))
        : unwrap(api.POST('/api/v1/portal/magic-link/sign-in', { body: { token } })),
    onSuccess: done,
  });
}

export function useCompletePasswordReset() {
  const done = useSignedIn();
  return useMutation({
    mutationFn: (body: Schemas['ResetPasswordIn']) =>
      unwrap(api.POST('/api/v1/portal/password-reset/complete', { body })),
    onSuccess: done,
  });
}

const OIDC_KEY = 'autocrm.portal.oidc';

/** Starts an OIDC sign-in: keeps state and binding in this tab, then leaves for the provider. */
export async function startOidc(slug: string, workspace: string | undefined, next: string): Promise<void> {
  const started = await unwrap(
    api.POST('/api/v1/portal/oidc/{slug}/start', { params: { path: { slug } }, body: { workspace } }),
  );
  sessionStorage.setItem(OIDC_KEY, JSON.stringify({ state: started.state, binding: started.binding, workspace, next }));
  window.location.assign(started.authorize_url);
}

/** The provider came back: check the state is ours, then finish on the server. */
export function useFinishOidc() {
  const done = useSignedIn();
  return useMutation({
    mutationFn: async ({ code, state }: { code: string; state: string }) => {
      const saved = JSON.parse(sessionStorage.getItem(OIDC_KEY) ?? 'null') as {
        state: string;
        binding: string;
        workspace?: string;
        next?: string;
      } | null;
      sessionStorage.removeItem(OIDC_KEY);
      // A callback this tab did not start (a forged link) is dropped before the server sees it.
      if (!saved || saved.state !== state) throw new ApiError(400, { code: 'oidc_state_mismatch' });
      const session = await unwrap(
        api.POST('/api/v1/portal/oidc/callback', {
          body: { code, state, binding: saved.binding, workspace: saved.workspace },
        }),
      );
      return { session, next: saved.next ?? '/portal' };
    },
    onSuccess: ({ session }) => done(session),
  });
}

export function usePortalSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/session', {})),
    onSettled: () => {
      setCsrfToken(null);
      client.clear();
      client.setQueryData(portalSessionQuery.queryKey, null);
    },
  });
}

export const profileQuery = queryOptions({
  queryKey: ['portal', 'me'],
  queryFn: () => unwrap(api.GET('/api/v1/portal/me')),
});

export function useUpdateProfile() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['ProfilePatch']) => unwrap(api.PATCH('/api/v1/portal/me', { body })),
    onSuccess: (profile) => client.setQueryData(profileQuery.queryKey, profile),
  });
}
