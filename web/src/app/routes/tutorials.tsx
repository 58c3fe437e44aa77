import { useNavigate, useParams } from 'react-router';
import { TutorialEditor, TutorialsPage } from '@/features/tutorials';

/** `/tutorials` (the list) and `/tutorials/:tutorialId` (the editor). */
export function TutorialsRoute() {
  const { tutorialId } = useParams();
  const navigate = useNavigate();
  if (tutorialId) return <TutorialEditor id={Number(tutorialId)} onBack={() => void navigate('/tutorials')} />;
  return <TutorialsPage onOpen={(id) => void navigate(`/tutorials/${id}`)} />;
}
