import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireStaff, type StaffAuth } from './auth.js';
import type { MetricsBucket, StoreWatch } from './watch.js';

/** One minute of the charts: rates and means derived from the counts. */
export interface MetricsPoint {
  minute: number;
  visits: number;
  basketSize: number | null;
  receiptLatencyMs: number | null;
  reviewRate: number | null;
  disputeRate: number | null;
}

/** Turns per-minute counts into the chart series (null where there were no receipts). */
export function metricsSeries(buckets: readonly MetricsBucket[]): MetricsPoint[] {
  return buckets.map((b) => ({
    minute: b.minute,
    visits: b.visits,
    basketSize: b.receipts ? b.items / b.receipts : null,
    receiptLatencyMs: b.receipts ? b.latencyMsSum / b.receipts : null,
    reviewRate: b.receipts ? b.reviewed / b.receipts : null,
    disputeRate: b.receipts ? b.disputes / b.receipts : null,
  }));
}

/** `GET /api/metrics`: visits, basket size, receipt latency, review and dispute rate per minute. */
export const metricsRoutes: FastifyPluginAsyncZod<{ watch: StoreWatch; auth?: StaffAuth }> = async (
  app,
  opts,
) => {
  app.get('/api/metrics', { preHandler: requireStaff(opts.auth, ['operator']) }, async () => ({
    series: metricsSeries(opts.watch.metrics()),
  }));
};
