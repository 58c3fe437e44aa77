/** The one time a mailbox's inbound token is shown: after creating the mailbox or rotating the token. */
import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { INBOUND_PATH } from '../api/mailboxes';

/** The shell command that delivers `message.eml` to the mailbox. */
export function curlExample(endpoint: string, token: string): string {
  return [
    `curl -X POST '${endpoint}' \\`,
    `  -H 'Authorization: Bearer ${token}' \\`,
    `  -H 'Content-Type: message/rfc822' \\`,
    `  --data-binary @message.eml`,
  ].join('\n');
}

export interface InboundTokenModalProps {
  token: string;
  address: string;
  /** Where the admin reached the app (the endpoint is on the same origin). */
  origin: string;
  onClose: () => void;
}

export function InboundTokenModal({ token, address, origin, onClose }: InboundTokenModalProps) {
  const endpoint = `${origin}${INBOUND_PATH}`;
  return (
    <Modal opened onClose={onClose} title={`Inbound token for ${address}`} size="lg">
      <Stack>
        <Alert color="yellow">Copy it now: it is shown only once. Rotate it to get a new one.</Alert>
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <Code block data-testid="inbound-token" style={{ flex: 1, wordBreak: 'break-all' }}>
            {token}
          </Code>
          <CopyButton value={token}>
            {({ copied, copy }) => (
              <Button onClick={copy} variant={copied ? 'light' : 'filled'}>
                {copied ? 'Copied' : 'Copy token'}
              </Button>
            )}
          </CopyButton>
        </Group>
        <Text size="sm">
          Forwarding providers and mail servers post each raw message (RFC 5322, <Code>message/rfc822</Code>) to
        </Text>
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <Code block data-testid="inbound-endpoint" style={{ flex: 1, wordBreak: 'break-all' }}>
            {endpoint}
          </Code>
          <CopyButton value={endpoint}>
            {({ copied, copy }) => (
              <Button onClick={copy} variant="default">
                {copied ? 'Copied' : 'Copy URL'}
              </Button>
            )}
          </CopyButton>
        </Group>
        <Text size="sm">with the token as a bearer token, for example:</Text>
        <Code block>{curlExample(endpoint, token)}</Code>
        <Group justify="flex-end">
          <Button onClick={onClose}>I have copied it</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
