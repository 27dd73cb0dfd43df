import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A local stand-in for Resend's HTTP API (POST /emails) that the real resend SDK talks to via
 * baseUrl. Like Resend it answers a repeated Idempotency-Key with the first result and sends
 * nothing new; `failNext(status, n)` makes the next n calls answer 429/500 to exercise retries.
 */
export interface ReceivedEmail {
  id: string;
  headers: IncomingHttpHeaders;
  idempotencyKey: string | undefined;
  body: {
    from: string;
    to: string[];
    subject: string;
    html: string;
    text: string;
    headers?: Record<string, string>;
    tags?: { name: string; value: string }[];
  };
}

export interface FakeResend {
  url: string;
  /** emails accepted (a replayed idempotency key is not counted twice) */
  emails: ReceivedEmail[];
  /** every POST /emails, including failed and replayed ones */
  requests: number;
  failNext(status: 429 | 500 | 422, times?: number): void;
  close(): Promise<void>;
}

export async function startFakeResend(): Promise<FakeResend> {
  const emails: ReceivedEmail[] = [];
  const byKey = new Map<string, string>();
  const failures: number[] = [];
  let requests = 0;

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/emails') return reply(404, { name: 'not_found', message: 'no route' });
      requests++;
      if (req.headers.authorization !== 'Bearer re_test_key') {
        return reply(401, { statusCode: 401, name: 'missing_api_key', message: 'bad key' });
      }
      const failure = failures.shift();
      if (failure === 429) return reply(429, { statusCode: 429, name: 'rate_limit_exceeded', message: 'slow down' });
      if (failure === 500) return reply(500, { statusCode: 500, name: 'internal_server_error', message: 'oops' });
      if (failure === 422) return reply(422, { statusCode: 422, name: 'validation_error', message: 'Invalid `to` field' });
      const key = req.headers['idempotency-key'] as string | undefined;
      if (key && byKey.has(key)) return reply(200, { id: byKey.get(key) });
      const id = randomUUID();
      if (key) byKey.set(key, id);
      emails.push({ id, headers: req.headers, idempotencyKey: key, body: JSON.parse(raw) });
      reply(200, { id });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    emails,
    get requests() {
      return requests;
    },
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
