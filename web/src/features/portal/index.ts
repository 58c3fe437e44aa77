export { PortalApp } from './components/portal-app';
