/**
 * Adding or changing a portal sign-in provider (OpenID Connect). The client
 * secret is write-only: an empty field keeps what is stored, so the patch
 * leaves it out (sending `""` would replace it with nothing).
 */
import { Alert, Button, Checkbox, Group, PasswordInput, SimpleGrid, Stack, Switch, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage, fieldErrors } from '@/lib/api-client';
import {
  useCreateOidcProvider,
  useUpdateOidcProvider,
  type OidcProvider,
  type OidcProviderIn,
  type OidcProviderPatch,
} from '../api/oidc-providers';

export const DEFAULT_SCOPES = 'openid email profile';

/** The form's fields; `clientSecret` holds only what was typed now. */
export interface ProviderDraft {
  name: string;
  slug: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  removeSecret: boolean;
  scopes: string;
  enabled: boolean;
}

/** The form filled from `provider`, or empty for a new one. */
export function providerDraftOf(provider?: OidcProvider): ProviderDraft {
  return {
    name: provider?.name ?? '',
    slug: provider?.slug ?? '',
    issuer: provider?.issuer ?? '',
    clientId: provider?.client_id ?? '',
    clientSecret: '',
    removeSecret: false,
    scopes: provider?.scopes ?? DEFAULT_SCOPES,
    enabled: provider?.enabled ?? true,
  };
}

/** A slug from the button label while the admin has not typed one: "Acme SSO" → `acme-sso`. */
export function slugOf(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

/** The body that adds a provider; no secret field for a public client. */
export function toProviderIn(d: ProviderDraft): OidcProviderIn {
  return {
    name: d.name.trim(),
    slug: d.slug.trim(),
    issuer: d.issuer.trim(),
    client_id: d.clientId.trim(),
    scopes: d.scopes.trim() || DEFAULT_SCOPES,
    enabled: d.enabled,
    ...(d.clientSecret ? { client_secret: d.clientSecret } : {}),
  };
}

/** The patch that turns `saved` into the form's values: only what changed. */
export function toProviderPatch(saved: OidcProvider, d: ProviderDraft): OidcProviderPatch {
  const patch: OidcProviderPatch = {};
  if (d.name.trim() !== saved.name) patch.name = d.name.trim();
  if (d.slug.trim() !== saved.slug) patch.slug = d.slug.trim();
  // A changed issuer makes the server fetch its discovery document again.
  if (d.issuer.trim() !== saved.issuer) patch.issuer = d.issuer.trim();
  if (d.clientId.trim() !== saved.client_id) patch.client_id = d.clientId.trim();
  if ((d.scopes.trim() || DEFAULT_SCOPES) !== saved.scopes) patch.scopes = d.scopes.trim() || DEFAULT_SCOPES;
  if (d.enabled !== saved.enabled) patch.enabled = d.enabled;
  if (d.removeSecret) {
    if (saved.has_client_secret) patch.client_secret = null;
  } else if (d.clientSecret) {
    patch.client_secret = d.clientSecret;
  }
  return patch;
}

/** The server's field errors by form field, with a taken slug (409) under the slug. */
export function providerFieldErrors(error: unknown): Record<string, string> {
  const errors = fieldErrors(error);
  if (error instanceof ApiError && error.status === 409 && error.problem?.code === 'oidc_provider_slug_taken') {
    errors.slug = error.message;
  }
  return errors;
}

export interface OidcProviderFormProps {
  /** The provider to change; none to add one. */
  provider?: OidcProvider;
  onSaved: (provider: OidcProvider) => void;
  onCancel: () => void;
}

export function OidcProviderForm({ provider, onSaved, onCancel }: OidcProviderFormProps) {
  const create = useCreateOidcProvider();
  const update = useUpdateOidcProvider();
  const [draft, setDraft] = useState(() => providerDraftOf(provider));
  // A new provider's slug follows its name until the admin edits the slug.
  const [slugTouched, setSlugTouched] = useState(Boolean(provider));
  const set = <K extends keyof ProviderDraft>(key: K, value: ProviderDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const save = provider ? update : create;
  const errors = providerFieldErrors(save.error);
  const patch = provider ? toProviderPatch(provider, draft) : null;
  const secretStored = Boolean(provider?.has_client_secret);

  const handleNameChange = (name: string) =>
    setDraft((d) => ({ ...d, name, slug: slugTouched ? d.slug : slugOf(name) }));

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (provider && patch) update.mutate({ id: provider.id, patch }, { onSuccess: onSaved });
    else create.mutate(toProviderIn(draft), { onSuccess: onSaved });
  };

  return (
    <form onSubmit={handleSubmit} aria-label={provider ? `Edit ${provider.name}` : 'New sign-in provider'} noValidate>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Button label"
            description="Customers see “Continue with …” this name."
            placeholder="Google"
            required
            data-autofocus
            value={draft.name}
            onChange={(e) => handleNameChange(e.currentTarget.value)}
            error={errors.name}
          />
          <TextInput
            label="Slug"
            description="Lowercase letters, digits and -; part of the sign-in URL."
            placeholder="google"
            required
            value={draft.slug}
            onChange={(e) => {
              setSlugTouched(true);
              set('slug', e.currentTarget.value);
            }}
            error={errors.slug}
          />
        </SimpleGrid>
        <TextInput
          label="Issuer URL"
          description="Its discovery document (/.well-known/openid-configuration) is fetched and checked when you save."
          placeholder="https://accounts.google.com"
          required
          value={draft.issuer}
          onChange={(e) => set('issuer', e.currentTarget.value)}
          error={errors.issuer}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Client ID"
            required
            autoComplete="off"
            value={draft.clientId}
            onChange={(e) => set('clientId', e.currentTarget.value)}
            error={errors.client_id}
          />
          <PasswordInput
            label="Client secret"
            description={secretStored ? 'A secret is stored; it is never shown.' : 'Empty for a public client (PKCE only).'}
            placeholder={secretStored ? 'stored — leave empty to keep' : undefined}
            autoComplete="new-password"
            disabled={draft.removeSecret}
            value={draft.clientSecret}
            onChange={(e) => set('clientSecret', e.currentTarget.value)}
            error={errors.client_secret}
          />
        </SimpleGrid>
        {secretStored && (
          <Checkbox
            label="Remove the stored secret (a public client)"
            checked={draft.removeSecret}
            onChange={(e) => set('removeSecret', e.currentTarget.checked)}
          />
        )}
        <TextInput
          label="Scopes"
          description="Space-separated; must include openid."
          value={draft.scopes}
          onChange={(e) => set('scopes', e.currentTarget.value)}
          error={errors.scopes}
        />
        <Switch
          label="Offer it on the portal's sign-in page"
          checked={draft.enabled}
          onChange={(e) => set('enabled', e.currentTarget.checked)}
        />
        {save.isError && Object.keys(errors).length === 0 && (
          <Alert color="red" title="Not saved">
            {errorMessage(save.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={patch !== null && Object.keys(patch).length === 0}>
            {provider ? 'Save' : 'Add provider'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
