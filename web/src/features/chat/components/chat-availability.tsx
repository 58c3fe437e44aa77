/**
 * The agent's chat availability in the header: "Chats" on means visitors
 * may start live chats (while at least one agent is online); a heartbeat
 * every 30 s keeps the agent online while the app is open.
 */
import { Switch, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { sendAvailability } from '../api/chat';

const HEARTBEAT_MS = 30_000;

export function ChatAvailability() {
  const [available, setAvailable] = useState<boolean | null>(null);
  const [online, setOnline] = useState(0);

  useEffect(() => {
    let stopped = false;
    const beat = () =>
      sendAvailability()
        .then((r) => {
          if (stopped) return;
          setAvailable(r.available);
          setOnline(r.agents_online);
        })
        .catch(() => {});
    void beat();
    const timer = window.setInterval(() => void beat(), HEARTBEAT_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, []);

  const handleChange = (next: boolean) => {
    setAvailable(next);
    void sendAvailability(next)
      .then((r) => {
        setAvailable(r.available);
        setOnline(r.agents_online);
      })
      .catch(() => setAvailable(!next));
  };

  if (available === null) return null;
  return (
    <Tooltip label={`${online} agent${online === 1 ? '' : 's'} taking chats`}>
      <Switch
        size="xs"
        label="Chats"
        checked={available}
        onChange={(e) => handleChange(e.currentTarget.checked)}
        aria-label={available ? 'Taking chats (switch to away)' : 'Away from chats (switch to online)'}
        data-testid="chat-availability"
      />
    </Tooltip>
  );
}
