export { ArticleEditor } from './components/article-editor';
export { ArticleLinkPicker } from './components/article-link-picker';
export { KnowledgePage } from './components/knowledge-page';
export { SaveAsArticle } from './components/save-as-article';
