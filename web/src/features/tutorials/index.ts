export { TutorialEditor } from './components/tutorial-editor';
export { TutorialsPage } from './components/tutorials-page';
