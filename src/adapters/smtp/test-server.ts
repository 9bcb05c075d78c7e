import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 (port 0) that parses each accepted message back; for tests. */
export async function startTestSmtpServer(opts: { rejectNext?: number } = {}): Promise<{
  port: number;
  messages: ParsedMail[];
  /** The next `n` messages are refused with a 451 (temporary failure). */
  rejectNext(n: number): void;
  /** Resolves when `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}> {
  const messages: ParsedMail[] = [];
  let reject = opts.rejectNext ?? 0;
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (reject > 0) {
            reject--;
            const err = new Error('try again later') as Error & { responseCode: number };
            err.responseCode = 451;
            return callback(err);
          }
          messages.push(mail);
          waiters.splice(0).forEach((w) => w());
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  // A client killed in the middle of a session (the outbox kill test does that on purpose) resets
  // its connection; a mail server must shrug that off, not crash the process that hosts it.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    messages,
    rejectNext: (n) => void (reject += n),
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline)
          throw new Error(`waited ${timeoutMs} ms for ${count} messages, got ${messages.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
