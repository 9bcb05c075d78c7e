/** The money side of Walkout: accounts, entry, payments, receipts, disputes, and the outbox that carries them out. */
export { createCommerce, startOutboxWorker, inboxKey } from './commerce.js';
export type {
  Commerce,
  CommerceDeps,
  AdmitResult,
  AdmitRefusal,
  DrainReport,
  VisitEventOutcome,
} from './commerce.js';
export { commerceRoutes, type CommerceRoutesOptions } from './http/routes.js';
export { commerceMigrations } from './store/migrations.js';
export { createCommerceRepo, type CommerceRepo, type CommerceTables, type CommerceDb } from './store/repo.js';
export { openCommerceSqlite, migrateCommerce } from './store/sqlite.js';
export { openCommercePostgres, commerceSchemaFor } from './store/postgres.js';
export { LiveReceipts } from './receipts/live.js';
export { receiptHtml } from './receipts/html.js';
export { receiptPdf } from './receipts/pdf.js';
export type { Mailer, MailMessage, WebhookSender, WebhookTarget, WebhookEvent } from './receipts/delivery.js';
export { GatewayError, type PaymentGateway } from './payments/gateway.js';
export {
  DEFAULT_DISPUTE_POLICY,
  disputeExamples,
  type DisputePolicy,
  type DisputeExample,
} from './disputes/policy.js';
export {
  countChargedLines,
  disputeAccuracy,
  DisputeAccuracy,
  DisputeExport,
  exportDisputes,
  type ChargedLines,
} from './disputes/accuracy.js';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './outbox/jobs.js';
export { QR_TTL_MS } from './entry/tokens.js';
export type * from './types.js';
