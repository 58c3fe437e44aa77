import { useNavigate, useParams } from 'react-router';
import { useSession } from '@/features/auth';
import { ArticleEditor, KnowledgePage } from '@/features/kb';

/** `/knowledge` (the tree and the articles) and `/knowledge/articles/:articleId` (the editor). */
export function KnowledgeRoute() {
  const { articleId } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  const id = Number(articleId);
  if (articleId && Number.isSafeInteger(id) && id > 0) {
    return (
      <ArticleEditor id={id} onBack={() => void navigate('/knowledge')} canDelete={session.data?.role === 'admin'} />
    );
  }
  return <KnowledgePage onOpenArticle={(a) => void navigate(`/knowledge/articles/${a}`)} />;
}
