/** The workspace's trained classifiers and retraining them. */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Model = Schemas['ModelOut'];

export const modelsQuery = queryOptions({
  queryKey: ['ai', 'models'],
  queryFn: () => unwrap(api.GET('/api/v1/ai/models')),
});

export function useRetrain() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/ai/models/retrain')),
    onSuccess: (models) => client.setQueryData(modelsQuery.queryKey, models),
  });
}
