import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A local stand-in for Resend's HTTP API (POST /emails) that the real resend SDK talks to via
 * baseUrl. Like Resend it answers a repeated Idempotency-Key with the first result and sends
 * nothing new, answers 409 `invalid_idempotent_request` when the key comes back with a different
 * body and 409 `concurrent_idempotent_requests` while the first request with that key is still
 * being processed, and 400 `invalid_idempotency_key` for a key over 256 characters. `failNext(status, n)` makes the next n calls answer 429/500 to exercise
 * retries; `faults` makes a share of all calls fail at random (the fault-injection suite).
 */
export interface ReceivedEmail {
  id: string;
  headers: IncomingHttpHeaders;
  idempotencyKey: string | undefined;
  /** Date.now() when the fake accepted it */
  receivedAt: number;
  body: {
    from: string;
    to: string[];
    subject: string;
    html: string;
    text: string;
    headers?: Record<string, string>;
    /** the Reply-To address(es) the resend SDK sends as `reply_to` */
    reply_to?: string | string[];
    tags?: { name: string; value: string }[];
  };
}

/** Shares of POST /emails (0–1) that fail in each way, checked in this order. */
export interface FakeResendFaults {
  /** 429 rate_limit_exceeded with a retry-after header */
  rateLimited?: number;
  /** 500 internal_server_error */
  serverError?: number;
  /** 409 concurrent_idempotent_requests (Resend is still processing the key) */
  conflict?: number;
  /** the email is accepted and recorded, but the answer comes only after `hangMs` */
  acceptThenHang?: number;
  hangMs?: number;
  /** a seeded random source, so a run's faults can be reproduced */
  random?: () => number;
}

export interface FakeResendCounts {
  requests: number;
  accepted: number;
  replayed: number;
  rateLimited: number;
  serverError: number;
  conflict: number;
  hung: number;
  /** a key reused with a different body: Resend refuses it, and it means the sender re-rendered */
  bodyMismatch: number;
}

export interface FakeResend {
  url: string;
  /** emails accepted (a replayed idempotency key is not counted twice) */
  emails: ReceivedEmail[];
  /** every POST /emails, including failed and replayed ones */
  requests: number;
  /** what the fake answered, by kind */
  counts: FakeResendCounts;
  /** Date.now() of every POST /emails, in arrival order (for rate checks) */
  requestTimes: number[];
  /** the most POST /emails that arrived within any `windowMs` */
  peakRequests(windowMs: number): number;
  failNext(status: 429 | 500 | 422 | 409, times?: number, name?: string): void;
  /** accept the next new email, then drop the connection: the provider has it, the caller never learns */
  loseNextResponse(): void;
  /** forget failures queued by failNext that no call has used */
  clearFailures(): void;
  close(): Promise<void>;
}

export async function startFakeResend(options: { faults?: FakeResendFaults; port?: number } = {}): Promise<FakeResend> {
  const faults = options.faults ?? {};
  const random = faults.random ?? Math.random;
  const emails: ReceivedEmail[] = [];
  const byKey = new Map<string, { id: string; body: string }>();
  const inFlight = new Set<string>();
  const failures: { status: number; name?: string }[] = [];
  let loseResponses = 0;
  const requestTimes: number[] = [];
  const counts: FakeResendCounts = {
    requests: 0,
    accepted: 0,
    replayed: 0,
    rateLimited: 0,
    serverError: 0,
    conflict: 0,
    hung: 0,
    bodyMismatch: 0,
  };
  const hanging = new Set<NodeJS.Timeout>();
  const roll = (share: number | undefined) => share !== undefined && share > 0 && random() < share;

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/emails') return reply(404, { name: 'not_found', message: 'no route' });
      counts.requests++;
      requestTimes.push(Date.now());
      if (req.headers.authorization !== 'Bearer re_test_key') {
        return reply(401, { statusCode: 401, name: 'missing_api_key', message: 'bad key' });
      }
      const queued = failures.shift();
      const failure = queued?.status;
      if (failure === 429 || (failure === undefined && roll(faults.rateLimited))) {
        counts.rateLimited++;
        return reply(429, { statusCode: 429, name: 'rate_limit_exceeded', message: 'slow down' }, { 'retry-after': '1' });
      }
      if (failure === 500 || (failure === undefined && roll(faults.serverError))) {
        counts.serverError++;
        return reply(500, { statusCode: 500, name: 'internal_server_error', message: 'oops' });
      }
      if (failure === 422) return reply(422, { statusCode: 422, name: 'validation_error', message: 'Invalid `to` field' });
      if (failure === 409) {
        return reply(409, { statusCode: 409, name: queued?.name ?? 'concurrent_idempotent_requests', message: 'idempotency conflict' });
      }
      const key = req.headers['idempotency-key'] as string | undefined;
      if (key !== undefined && (key.length < 1 || key.length > 256)) {
        return reply(400, { statusCode: 400, name: 'invalid_idempotency_key', message: 'The key must be between 1-256 chars.' });
      }
      const conflict = () => {
        counts.conflict++;
        reply(409, {
          statusCode: 409,
          name: 'concurrent_idempotent_requests',
          message: 'Same idempotency key used while original request is still in progress',
        });
      };
      if (key && inFlight.has(key)) return conflict();
      const known = key ? byKey.get(key) : undefined;
      if (known) {
        if (known.body !== raw) {
          counts.bodyMismatch++;
          return reply(409, {
            statusCode: 409,
            name: 'invalid_idempotent_request',
            message: 'Same idempotency key used with a different request payload',
          });
        }
        counts.replayed++;
        return reply(200, { id: known.id });
      }
      if (roll(faults.conflict)) return conflict();
      const id = randomUUID();
      if (key) byKey.set(key, { id, body: raw });
      emails.push({ id, headers: req.headers, idempotencyKey: key, receivedAt: Date.now(), body: JSON.parse(raw) });
      counts.accepted++;
      if (loseResponses > 0) {
        loseResponses--;
        return req.socket.destroy();
      }
      if (roll(faults.acceptThenHang)) {
        // Accepted and queued for delivery, but the answer never reaches the client in time:
        // the sender cannot know, and only the idempotency key keeps its retry from mailing twice.
        counts.hung++;
        if (key) inFlight.add(key);
        const timer = setTimeout(() => {
          hanging.delete(timer);
          if (key) inFlight.delete(key);
          reply(200, { id });
        }, faults.hangMs ?? 30_000);
        hanging.add(timer);
        return;
      }
      reply(200, { id });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    emails,
    get requests() {
      return counts.requests;
    },
    counts,
    requestTimes,
    peakRequests(windowMs) {
      let best = 0;
      for (let i = 0, j = 0; j < requestTimes.length; j++) {
        while (requestTimes[j] - requestTimes[i] >= windowMs) i++;
        best = Math.max(best, j - i + 1);
      }
      return best;
    },
    failNext(status, times = 1, name) {
      for (let i = 0; i < times; i++) failures.push({ status, name });
    },
    loseNextResponse() {
      loseResponses++;
    },
    clearFailures() {
      failures.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of hanging) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
