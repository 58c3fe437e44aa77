/** The workspace's settings: name, time zone, locale. */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';
import { useWrite } from './settings';

export type Workspace = Schemas['WorkspaceOut'];
export type WorkspacePatch = Schemas['WorkspacePatch'];

export const workspaceQuery = queryOptions({
  queryKey: ['workspace'],
  queryFn: () => unwrap(api.GET('/api/v1/workspace')),
  staleTime: 5 * 60_000,
});

export const useUpdateWorkspace = () =>
  useWrite((patch: WorkspacePatch) => unwrap(api.PATCH('/api/v1/workspace', { body: patch })), workspaceQuery.queryKey);
