/**
 * The portal's OIDC sign-in providers (admin): list, add, change, remove.
 * The client secret is write-only: the server says only whether one is set.
 */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type OidcProvider = Schemas['OidcProviderOut'];
export type OidcProviderIn = Schemas['OidcProviderIn'];
export type OidcProviderPatch = Schemas['OidcProviderPatch'];

export const oidcProviderKeys = {
  all: ['portal', 'oidc-providers'] as const,
};

/** Where providers send the browser back; the server's own value is on each provider. */
export const OIDC_CALLBACK_PATH = '/portal/oidc/callback';

export const oidcProvidersQuery = queryOptions({
  queryKey: oidcProviderKeys.all,
  queryFn: () => unwrap(api.GET('/api/v1/portal/oidc-providers')),
});

/** A mutation that refreshes the provider list when it succeeds. */
function useProviderWrite<TIn, TOut>(fn: (input: TIn) => Promise<TOut>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => void client.invalidateQueries({ queryKey: oidcProviderKeys.all }),
  });
}

export const useCreateOidcProvider = () =>
  useProviderWrite((body: OidcProviderIn) => unwrap(api.POST('/api/v1/portal/oidc-providers', { body })));

export const useUpdateOidcProvider = () =>
  useProviderWrite(({ id, patch }: { id: number; patch: OidcProviderPatch }) =>
    unwrap(api.PATCH('/api/v1/portal/oidc-providers/{id}', { params: { path: { id } }, body: patch })),
  );

export const useDeleteOidcProvider = () =>
  useProviderWrite((id: number) =>
    unwrap(api.DELETE('/api/v1/portal/oidc-providers/{id}', { params: { path: { id } } })),
  );
