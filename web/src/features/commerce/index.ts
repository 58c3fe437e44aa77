export { CommercePanel } from './components/commerce-panel';
