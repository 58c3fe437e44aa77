import { AiReportSection } from '@/features/ai';
import { ReportsPage } from '@/features/reports';

export function ReportsRoute() {
  return <ReportsPage sections={(period) => <AiReportSection period={period} />} />;
}
