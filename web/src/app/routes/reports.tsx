import { ReportsPage } from '@/features/reports';

export function ReportsRoute() {
  return <ReportsPage />;
}
