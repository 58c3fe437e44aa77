import { Alert, Anchor, Button, Loader, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '@/lib/api-client';
import { invitationQuery, useAcceptInvitation } from '../api/invitation';

/** What is wrong with the chosen password (the server's rule: 10–200 characters), or `null`. */
export function passwordProblem(password: string, repeated: string): string | null {
  const n = [...password].length;
  if (n < 10) return 'At least 10 characters';
  if (n > 200) return 'At most 200 characters';
  if (password !== repeated) return 'The two passwords differ';
  return null;
}

const notFound = (error: unknown) => error instanceof ApiError && error.status === 404;

export interface AcceptInvitationFormProps {
  token: string;
  onAccepted?: () => void;
}

/** The invitee's page: who they will be, a password twice, then into the app. */
export function AcceptInvitationForm({ token, onAccepted }: AcceptInvitationFormProps) {
  const invitation = useQuery(invitationQuery(token));
  const accept = useAcceptInvitation(token);
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [touched, setTouched] = useState(false);
  const problem = passwordProblem(password, repeated);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    accept.mutate(password, { onSuccess: () => onAccepted?.() });
  };

  if (invitation.isPending) return <Loader />;
  if (invitation.isError || notFound(accept.error)) {
    // Anything but a 404 (a network error, a rate limit) is worth showing as it is.
    const message =
      invitation.isError && !notFound(invitation.error)
        ? errorMessage(invitation.error)
        : 'This link was used, has expired or was replaced by a newer one. Ask an admin of your workspace to send it again.';
    return (
      <Paper withBorder shadow="sm" p="xl" radius="md" w={420} maw="100%">
        <Stack>
          <Title order={2}>Invitation not valid</Title>
          <Alert color="red" role="alert">
            {message}
          </Alert>
          <Anchor href="/login">Go to sign-in</Anchor>
        </Stack>
      </Paper>
    );
  }
  const { email, name, workspace } = invitation.data;
  return (
    <Paper withBorder shadow="sm" p="xl" radius="md" w={420} maw="100%">
      <form onSubmit={handleSubmit} aria-label="Accept invitation">
        <Stack>
          <Title order={2}>Join {workspace.name}</Title>
          <Text size="sm">
            Welcome, {name}. Choose a password for <b>{email}</b>; you will sign in to workspace <b>{workspace.slug}</b> with it.
          </Text>
          {accept.isError && (
            <Alert color="red" role="alert">
              {errorMessage(accept.error)}
            </Alert>
          )}
          <PasswordInput
            label="Password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            description="At least 10 characters"
          />
          <PasswordInput
            label="Repeat password"
            autoComplete="new-password"
            required
            value={repeated}
            onChange={(e) => setRepeated(e.currentTarget.value)}
            error={touched ? problem : null}
          />
          <Button type="submit" loading={accept.isPending}>
            Set password and sign in
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
