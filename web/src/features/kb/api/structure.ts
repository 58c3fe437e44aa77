/** The knowledge base's tree: categories with their sections (names per locale); create, rename, re-order, delete. */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Category = Schemas['KbCategoryOut'];
export type Section = Schemas['KbSectionOut'];
export type NameIn = Schemas['KbNameIn'];
/** Names per locale; `null` removes a locale. */
export type Names = Record<string, NameIn | null>;

/**
 * The document types names as a plain map (utoipa cannot describe nullable
 * map values); the server accepts `null` to remove a locale.
 */
const asBody = (names: Names | undefined) => names as Record<string, NameIn> | undefined;

export const kbKeys = {
  all: ['kb'] as const,
  tree: () => [...kbKeys.all, 'tree'] as const,
  articles: () => [...kbKeys.all, 'articles'] as const,
  article: (id: number) => [...kbKeys.all, 'article', id] as const,
  versions: (id: number) => [...kbKeys.all, 'versions', id] as const,
  feedback: (id: number) => [...kbKeys.all, 'feedback', id] as const,
  stats: (id: number) => [...kbKeys.all, 'stats', id] as const,
  search: (q: string, status: string) => [...kbKeys.all, 'search', q, status] as const,
  replies: (ticketId: number) => [...kbKeys.all, 'replies', ticketId] as const,
};

export const treeQuery = queryOptions({
  queryKey: kbKeys.tree(),
  queryFn: () => unwrap(api.GET('/api/v1/kb/categories')),
});

/** The workspace's language: the first translation's and the fallback locale. */
export const workspaceLocaleQuery = queryOptions({
  queryKey: [...kbKeys.all, 'workspace-locale'] as const,
  queryFn: async () => (await unwrap(api.GET('/api/v1/workspace'))).locale,
  staleTime: 5 * 60_000,
});

/** A mutation that refreshes the tree (and article counts) when it succeeds. */
function useTreeWrite<TIn, TOut>(fn: (input: TIn) => Promise<TOut>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => void client.invalidateQueries({ queryKey: kbKeys.all }),
  });
}

export const useCreateCategory = () =>
  useTreeWrite((translations: Names) => unwrap(api.POST('/api/v1/kb/categories', { body: { translations: asBody(translations) } })));

export const useUpdateCategory = () =>
  useTreeWrite(({ id, translations, position }: { id: number; translations?: Names; position?: number }) =>
    unwrap(
      api.PATCH('/api/v1/kb/categories/{id}', { params: { path: { id } }, body: { translations: asBody(translations), position } }),
    ),
  );

export const useDeleteCategory = () =>
  useTreeWrite((id: number) => unwrap(api.DELETE('/api/v1/kb/categories/{id}', { params: { path: { id } } })));

export const useCreateSection = () =>
  useTreeWrite(({ categoryId, translations }: { categoryId: number; translations: Names }) =>
    unwrap(
      api.POST('/api/v1/kb/categories/{id}/sections', {
        params: { path: { id: categoryId } },
        body: { translations: asBody(translations) ?? {} },
      }),
    ),
  );

export const useUpdateSection = () =>
  useTreeWrite(
    ({ id, translations, position, categoryId }: { id: number; translations?: Names; position?: number; categoryId?: number }) =>
      unwrap(
        api.PATCH('/api/v1/kb/sections/{id}', {
          params: { path: { id } },
          body: { translations: asBody(translations), position, category_id: categoryId },
        }),
      ),
  );

export const useDeleteSection = () =>
  useTreeWrite((id: number) => unwrap(api.DELETE('/api/v1/kb/sections/{id}', { params: { path: { id } } })));
