export { SETTINGS_TABS, SettingsPage, type SettingsTab } from './components/settings-page';
