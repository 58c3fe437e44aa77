export { PortalApp } from './components/portal-app';
export { OidcProvidersSettings } from './components/oidc-providers-settings';
