import { PortalApp } from '@/features/portal';

/** The customer portal: its own routes and frame, outside the agents' layout. */
export function PortalRoute() {
  return <PortalApp />;
}
