/** Admin settings, one tab per area. */
import { ScrollArea, Tabs, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiKeysSettings } from './api-keys-settings';
import { AuditLog } from './audit-log';
import { CustomFieldsSettings } from './custom-fields-settings';
import { StatusesSettings } from './statuses-settings';
import { TagsSettings } from './tags-settings';
import { UsersSettings } from './users-settings';
import { WebhooksSettings } from './webhooks-settings';
import { WorkspaceSettings } from './workspace-settings';

export const SETTINGS_TABS = ['workspace', 'users', 'statuses', 'fields', 'tags', 'channels', 'portal', 'ai', 'api-keys', 'webhooks', 'audit'] as const;
export type SettingsTab = (typeof SETTINGS_TABS)[number];

export interface SettingsPageProps {
  tab: SettingsTab;
  onTabChange: (tab: SettingsTab) => void;
  currentUserId: number;
  /** The Channels tab's content (the app puts the mailboxes there); no tab without it. */
  channels?: ReactNode;
  /** The Customer portal tab's content (the app puts the sign-in providers there); no tab without it. */
  portal?: ReactNode;
  /** The AI tab's content (the app puts categories, models and the LLM endpoint there); no tab without it. */
  ai?: ReactNode;
}

export function SettingsPage({ tab, onTabChange, currentUserId, channels, portal, ai }: SettingsPageProps) {
  return (
    <ScrollArea h="100%" p="md">
      <Title order={2} mb="md">
        Settings
      </Title>
      <Tabs value={tab} onChange={(t) => t && onTabChange(t as SettingsTab)} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="workspace">Workspace</Tabs.Tab>
          <Tabs.Tab value="users">Users</Tabs.Tab>
          <Tabs.Tab value="statuses">Statuses</Tabs.Tab>
          <Tabs.Tab value="fields">Custom fields</Tabs.Tab>
          <Tabs.Tab value="tags">Tags</Tabs.Tab>
          {channels && <Tabs.Tab value="channels">Channels</Tabs.Tab>}
          {portal && <Tabs.Tab value="portal">Customer portal</Tabs.Tab>}
          {ai && <Tabs.Tab value="ai">AI</Tabs.Tab>}
          <Tabs.Tab value="api-keys">API keys</Tabs.Tab>
          <Tabs.Tab value="webhooks">Webhooks</Tabs.Tab>
          <Tabs.Tab value="audit">Audit log</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="workspace">
          <WorkspaceSettings />
        </Tabs.Panel>
        <Tabs.Panel value="users">
          <UsersSettings currentUserId={currentUserId} />
        </Tabs.Panel>
        <Tabs.Panel value="statuses">
          <StatusesSettings />
        </Tabs.Panel>
        <Tabs.Panel value="fields">
          <CustomFieldsSettings />
        </Tabs.Panel>
        <Tabs.Panel value="tags">
          <TagsSettings />
        </Tabs.Panel>
        {channels && <Tabs.Panel value="channels">{channels}</Tabs.Panel>}
        {portal && <Tabs.Panel value="portal">{portal}</Tabs.Panel>}
        {ai && <Tabs.Panel value="ai">{ai}</Tabs.Panel>}
        <Tabs.Panel value="api-keys">
          <ApiKeysSettings />
        </Tabs.Panel>
        <Tabs.Panel value="webhooks">
          <WebhooksSettings />
        </Tabs.Panel>
        <Tabs.Panel value="audit">
          <AuditLog />
        </Tabs.Panel>
      </Tabs>
    </ScrollArea>
  );
}
