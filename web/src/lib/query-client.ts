/** The one TanStack Query client: short staleness, because the event stream keeps data fresh. */
import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-client';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (failures, error) => {
          // 4xx answers will not change by asking again.
          if (error instanceof ApiError && error.status < 500) return false;
          return failures < 2;
        },
      },
    },
  });
}
