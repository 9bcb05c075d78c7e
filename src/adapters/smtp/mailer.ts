import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from '../../commerce/receipts/delivery.js';

export interface SmtpOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). Otherwise STARTTLS if the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  from: string;
  /** Skip STARTTLS even when offered (local test servers with self-signed certificates). */
  ignoreTLS?: boolean;
  /** Socket and greeting timeouts (ms): a hung server must not stall the outbox. */
  timeoutMs?: number;
}

/** A Mailer over SMTP with nodemailer; one pooled connection reused across messages (receipts come in bursts). */
export function smtpMailer(opts: SmtpOptions): Mailer & { close(): void } {
  const timeout = opts.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    host: opts.host,
    port: opts.port,
    secure: opts.secure ?? false,
    ignoreTLS: opts.ignoreTLS ?? false,
    ...(opts.auth ? { auth: opts.auth } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    tls: { rejectUnauthorized: false },
  });
  return {
    async send(m: MailMessage): Promise<void> {
      await transport.sendMail({
        from: opts.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
        attachments: m.attachments.map((a) => ({
          filename: a.filename,
          content: a.content,
          contentType: a.contentType,
        })),
      });
    },
    close: () => transport.close(),
  };
}
