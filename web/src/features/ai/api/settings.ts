/** The workspace's AI settings; the LLM endpoint's key is write-only (the API says only whether one is stored). */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type AiSettings = Schemas['AiSettingsOut'];
export type AiSettingsPatch = Schemas['AiSettingsPatch'];

export const aiSettingsQuery = queryOptions({
  queryKey: ['ai', 'settings'],
  queryFn: () => unwrap(api.GET('/api/v1/ai/settings')),
});

export function useUpdateAiSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: AiSettingsPatch) => unwrap(api.PATCH('/api/v1/ai/settings', { body: patch })),
    onSuccess: (settings) => client.setQueryData(aiSettingsQuery.queryKey, settings),
  });
}
