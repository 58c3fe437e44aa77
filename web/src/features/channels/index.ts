export { CHANNEL_SECTIONS, ChannelSettings, type ChannelSection } from './components/channel-settings';
export { MessageDelivery } from './components/delivery-line';
