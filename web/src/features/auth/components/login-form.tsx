import { Alert, Button, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/api-client';
import { useSignIn } from '../api/session';

export interface LoginFormProps {
  defaultWorkspace?: string;
  onSignedIn?: () => void;
}

/** Sign-in with workspace, e-mail and password. */
export function LoginForm({ defaultWorkspace = '', onSignedIn }: LoginFormProps) {
  const signIn = useSignIn();
  const [workspace, setWorkspace] = useState(defaultWorkspace);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ workspace: workspace.trim(), email: email.trim(), password }, { onSuccess: () => onSignedIn?.() });
  };

  return (
    <Paper withBorder shadow="sm" p="xl" radius="md" w={380} maw="100%">
      <form onSubmit={handleSubmit} aria-label="Sign in">
        <Stack>
          <Title order={2}>Sign in to AutoCRM</Title>
          {signIn.isError && (
            <Alert color="red" role="alert">
              {errorMessage(signIn.error)}
            </Alert>
          )}
          <TextInput label="Workspace" required value={workspace} onChange={(e) => setWorkspace(e.currentTarget.value)} />
          <TextInput
            label="E-mail"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Button type="submit" loading={signIn.isPending}>
            Sign in
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
