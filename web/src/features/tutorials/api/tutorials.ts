/**
 * Tutorials (staff): list, read, create, save the draft (the whole graph at
 * once, with the revision it is based on), check a draft without saving,
 * publish, unpublish, delete, upload step images, and the analytics.
 */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, postForm, unwrap, type Schemas } from '@/lib/api-client';

export type Tutorial = Schemas['TutorialOut'];
export type TutorialSummary = Schemas['TutorialSummaryOut'];
export type TutorialIn = Schemas['TutorialIn'];
export type Step = Schemas['TutorialStep'];
export type Choice = Schemas['TutorialChoice'];
export type Target = Schemas['TutorialTarget'];
export type Image = Schemas['TutorialImageOut'];
export type Analytics = Schemas['AnalyticsOut'];
export type Problem = Schemas['ProblemField'];
/** Texts per locale. */
export type LocaleText = Record<string, string>;

export const tutorialKeys = {
  all: ['tutorials'] as const,
  list: () => [...tutorialKeys.all, 'list'] as const,
  detail: (id: number) => [...tutorialKeys.all, 'detail', id] as const,
  analytics: (id: number) => [...tutorialKeys.all, 'analytics', id] as const,
};

export const tutorialsQuery = queryOptions({
  queryKey: tutorialKeys.list(),
  queryFn: () => unwrap(api.GET('/api/v1/tutorials')),
});

export const tutorialQuery = (id: number) =>
  queryOptions({
    queryKey: tutorialKeys.detail(id),
    queryFn: () => unwrap(api.GET('/api/v1/tutorials/{id}', { params: { path: { id } } })),
  });

/** The workspace's language: a new tutorial's default. */
export const workspaceLocaleQuery = queryOptions({
  queryKey: [...tutorialKeys.all, 'workspace-locale'] as const,
  queryFn: async () => (await unwrap(api.GET('/api/v1/workspace'))).locale,
  staleTime: 5 * 60_000,
});

export const analyticsQuery = (id: number) =>
  queryOptions({
    queryKey: tutorialKeys.analytics(id),
    queryFn: () => unwrap(api.GET('/api/v1/tutorials/{id}/analytics', { params: { path: { id } } })),
  });

/** Stores a tutorial the server answered with and refreshes the list. */
function useTutorialWrite<TIn>(fn: (input: TIn) => Promise<Tutorial>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (t) => {
      client.setQueryData(tutorialKeys.detail(t.id), t);
      void client.invalidateQueries({ queryKey: tutorialKeys.list() });
    },
  });
}

export const useCreateTutorial = () =>
  useTutorialWrite((body: TutorialIn) => unwrap(api.POST('/api/v1/tutorials', { body })));

export const useSaveTutorial = (id: number) =>
  useTutorialWrite((body: TutorialIn) => unwrap(api.PATCH('/api/v1/tutorials/{id}', { params: { path: { id } }, body })));

export const usePublishTutorial = (id: number) =>
  useTutorialWrite(() => unwrap(api.POST('/api/v1/tutorials/{id}/publish', { params: { path: { id } } })));

export const useUnpublishTutorial = (id: number) =>
  useTutorialWrite(() => unwrap(api.POST('/api/v1/tutorials/{id}/unpublish', { params: { path: { id } } })));

export function useDeleteTutorial() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/tutorials/{id}', { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: tutorialKeys.list() }),
  });
}

/** The problems a draft would have, without saving it. */
export function validateTutorial(id: number, body: TutorialIn) {
  return unwrap(api.POST('/api/v1/tutorials/{id}/validate', { params: { path: { id } }, body }));
}

/** Uploads a step image; the tutorial is refetched so its image list includes it. */
export function useUploadImage(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('file', file);
      return postForm<Image>(`/api/v1/tutorials/${id}/images`, form);
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: tutorialKeys.detail(id) }),
  });
}
