/**
 * Articles (staff): list, read, create, change metadata, publish, save a
 * translation (each save is a version), versions and restore, files,
 * feedback, views, and drafting an article from a ticket reply.
 */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, postForm, unwrap, type Schemas } from '@/lib/api-client';
import { kbKeys } from './structure';

export type Article = Schemas['KbArticleOut'];
export type ArticleSummary = Schemas['KbArticleSummaryOut'];
export type ArticleIn = Schemas['KbArticleIn'];
export type ArticlePatch = Schemas['KbArticlePatch'];
export type Translation = Schemas['KbTranslationOut'];
export type Version = Schemas['KbVersionOut'];
export type KbFile = Schemas['KbFileOut'];
export type Status = Schemas['KbStatus'];
export type Feedback = Schemas['KbArticleFeedbackOut'];
export type Stats = Schemas['KbStatsOut'];

export interface ArticleFilter {
  status?: Status;
  sectionId?: number;
  unfiled?: boolean;
}

export const articlesQuery = (filter: ArticleFilter) =>
  queryOptions({
    queryKey: [...kbKeys.articles(), filter] as const,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/kb/articles', {
          params: {
            query: {
              status: filter.status,
              section_id: filter.sectionId,
              unfiled: filter.unfiled || undefined,
              limit: filter.sectionId || filter.unfiled ? undefined : 500,
            },
          },
        }),
      ),
  });

export const articleQuery = (id: number) =>
  queryOptions({
    queryKey: kbKeys.article(id),
    queryFn: () => unwrap(api.GET('/api/v1/kb/articles/{id}', { params: { path: { id } } })),
  });

export const versionsQuery = (id: number) =>
  queryOptions({
    queryKey: kbKeys.versions(id),
    queryFn: () => unwrap(api.GET('/api/v1/kb/articles/{id}/versions', { params: { path: { id } } })),
  });

export const feedbackQuery = (id: number) =>
  queryOptions({
    queryKey: kbKeys.feedback(id),
    queryFn: () => unwrap(api.GET('/api/v1/kb/articles/{id}/feedback', { params: { path: { id } } })),
  });

/** The last 30 days of an article's views. */
export const statsQuery = (id: number) =>
  queryOptions({
    queryKey: kbKeys.stats(id),
    queryFn: () => unwrap(api.GET('/api/v1/kb/stats', { params: { query: { article_id: id } } })),
  });

/** A write on one article: refreshes it, its versions and the lists. */
function useArticleWrite<TIn, TOut>(fn: (input: TIn) => Promise<TOut>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => void client.invalidateQueries({ queryKey: kbKeys.all }),
  });
}

export const useCreateArticle = () =>
  useArticleWrite((body: ArticleIn) => unwrap(api.POST('/api/v1/kb/articles', { body })));

export const useUpdateArticle = (id: number) =>
  useArticleWrite((body: ArticlePatch) =>
    unwrap(api.PATCH('/api/v1/kb/articles/{id}', { params: { path: { id } }, body })),
  );

export const useDeleteArticle = () =>
  useArticleWrite((id: number) => unwrap(api.DELETE('/api/v1/kb/articles/{id}', { params: { path: { id } } })));

export const usePublishArticle = (id: number) =>
  useArticleWrite((publish: boolean) =>
    publish
      ? unwrap(api.POST('/api/v1/kb/articles/{id}/publish', { params: { path: { id } } }))
      : unwrap(api.POST('/api/v1/kb/articles/{id}/unpublish', { params: { path: { id } } })),
  );

export const useSaveTranslation = (id: number) =>
  useArticleWrite(({ locale, title, body_html }: { locale: string; title: string; body_html: string }) =>
    unwrap(
      api.PUT('/api/v1/kb/articles/{id}/translations/{locale}', {
        params: { path: { id, locale } },
        body: { title, body_html },
      }),
    ),
  );

export const useDeleteTranslation = (id: number) =>
  useArticleWrite((locale: string) =>
    unwrap(api.DELETE('/api/v1/kb/articles/{id}/translations/{locale}', { params: { path: { id, locale } } })),
  );

export const useRestoreVersion = (id: number) =>
  useArticleWrite((versionId: number) =>
    unwrap(
      api.POST('/api/v1/kb/articles/{id}/versions/{version_id}/restore', {
        params: { path: { id, version_id: versionId } },
      }),
    ),
  );

/** Uploads an image or file to an article; answers where it is served. */
export async function uploadFile(articleId: number, file: File): Promise<KbFile> {
  const form = new FormData();
  form.append('file', file);
  return postForm<KbFile>(`/api/v1/kb/articles/${articleId}/attachments`, form);
}

export const useUploadFile = (id: number) => useArticleWrite((file: File) => uploadFile(id, file));

export const useDeleteFile = (id: number) =>
  useArticleWrite((fileId: string) =>
    unwrap(
      api.DELETE('/api/v1/kb/articles/{id}/attachments/{file_id}', { params: { path: { id, file_id: fileId } } }),
    ),
  );

/** Drafts an article from an agent's public reply. */
export const useArticleFromMessage = () =>
  useArticleWrite((messageId: number) =>
    unwrap(api.POST('/api/v1/kb/articles/from-message', { body: { message_id: messageId } })),
  );

/**
 * The ids of a ticket's public agent replies (the ones that can become an
 * article): one query per ticket, shared by every message on the page.
 */
export const replyIdsQuery = (ticketId: number) =>
  queryOptions({
    queryKey: kbKeys.replies(ticketId),
    queryFn: async () => {
      const ids = new Set<number>();
      let cursor: string | undefined;
      // A ticket's conversation is a few pages at most; stop at ten (1,000 messages).
      for (let page = 0; page < 10; page++) {
        const out = await unwrap(
          api.GET('/api/v1/tickets/{id}/messages', { params: { path: { id: ticketId }, query: { limit: 100, cursor } } }),
        );
        for (const m of out.data) if (!m.internal && m.author.kind === 'user') ids.add(m.id);
        if (!out.next_cursor) break;
        cursor = out.next_cursor;
      }
      return ids;
    },
  });
