/** Settings → Channels: one section per channel the server offers (e-mail for now). */
import { Tabs } from '@mantine/core';
import { MailboxesSettings } from './mailboxes-settings';

export const CHANNEL_SECTIONS = ['email'] as const;
export type ChannelSection = (typeof CHANNEL_SECTIONS)[number];

export interface ChannelSettingsProps {
  section: ChannelSection;
  onSectionChange: (section: ChannelSection) => void;
}

export function ChannelSettings({ section, onSectionChange }: ChannelSettingsProps) {
  return (
    <Tabs value={section} onChange={(s) => s && onSectionChange(s as ChannelSection)} variant="pills" keepMounted={false}>
      <Tabs.List mb="md">
        <Tabs.Tab value="email">E-mail</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="email">
        <MailboxesSettings />
      </Tabs.Panel>
    </Tabs>
  );
}
