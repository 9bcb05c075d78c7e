import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpMailer } from './mailer.js';
import { startTestSmtpServer } from './test-server.js';

let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;
beforeAll(async () => {
  smtp = await startTestSmtpServer();
});
afterAll(() => smtp.close());

describe('the SMTP mailer', () => {
  it('delivers a receipt with its PDF to a real SMTP server, and the message parses back', async () => {
    const mailer = smtpMailer({
      host: '127.0.0.1',
      port: smtp.port,
      from: 'receipts@walkout.test',
      ignoreTLS: true,
    });
    await mailer.send({
      to: 'ana@example.com',
      subject: 'Demo Market receipt',
      text: '2 × FIJI Water 0.5 L',
      html: '<p>2 × FIJI Water 0.5 L</p>',
      messageId: '<receipt-v1.v1@walkout.demo-1>',
      attachments: [
        { filename: 'receipt.pdf', content: Buffer.from('%PDF-1.3 test'), contentType: 'application/pdf' },
      ],
    });
    const [mail] = await smtp.waitFor(1);
    expect(mail!.subject).toBe('Demo Market receipt');
    expect(mail!.messageId).toBe('<receipt-v1.v1@walkout.demo-1>');
    expect(mail!.text?.trim()).toBe('2 × FIJI Water 0.5 L');
    expect(mail!.attachments[0]!.filename).toBe('receipt.pdf');
    mailer.close();
  });

  it('throws when the server refuses the message, so the outbox retries', async () => {
    const mailer = smtpMailer({
      host: '127.0.0.1',
      port: smtp.port,
      from: 'receipts@walkout.test',
      ignoreTLS: true,
    });
    smtp.rejectNext(1);
    await expect(
      mailer.send({
        to: 'a@example.com',
        subject: 's',
        text: 't',
        html: '<p>t</p>',
        messageId: '<x@y>',
        attachments: [],
      }),
    ).rejects.toThrow(/451|try again/);
    mailer.close();
  });
});
