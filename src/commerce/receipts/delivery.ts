/** The delivery channels' ports; adapters in src/adapters/smtp and src/adapters/webhooks implement them. */

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per receipt version, so a resend after a crash is recognisable as the same message. */
  messageId: string;
  attachments: { filename: string; content: Buffer; contentType: string }[];
}

/** Sends e-mail; throws when the server did not accept the message (the outbox retries). */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** A webhook endpoint an integrator registered. */
export interface WebhookTarget {
  /** Short name, part of the delivery's idempotency key. */
  name: string;
  url: string;
  secret: string;
}

/** One webhook event; `id` is stable per receipt version, receivers deduplicate by it. */
export interface WebhookEvent {
  id: string;
  type: 'receipt.issued' | 'receipt.updated';
  created: number;
  data: unknown;
}

/** Posts a webhook event; throws unless the receiver answered 2xx (the outbox retries). */
export interface WebhookSender {
  send(target: WebhookTarget, event: WebhookEvent): Promise<void>;
}
