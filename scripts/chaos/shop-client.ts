import { request } from 'node:http';
import { sleep } from './processes';

export interface Answer {
  status: number;
  body: any;
}

/** One HTTP request on a fresh connection (no keep-alive: a connection refused never reached the server). */
export function httpRequest(url: string, options: { method: string; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(url, { method: options.method, headers: options.headers, agent: false, timeout: options.timeoutMs ?? 15_000 }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (raw += chunk));
      res.on('end', () => {
        let body: unknown = raw;
        try {
          body = JSON.parse(raw);
        } catch {
          /* an HTML page */
        }
        done({ status: res.statusCode ?? 0, body });
      });
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', fail);
    req.end(options.body);
  });
}

export interface ClientStats {
  /** answers worth retrying (5xx, 429) and network errors, each retried on the other API */
  retried: number;
  /** connection refused: the request never reached a server */
  refused: number;
  /** the connection broke after the request was sent, per API name */
  cutOff: Map<string, number>;
  /** requests that were still in flight to a server when it got SIGTERM, and how they ended */
  inFlightAtSigterm: { answered: number; cut: number; cutDetails: string[] };
}

/**
 * The shop's backend as the API contract expects it: it posts to any API replica and, on a
 * failure or no answer, posts the same thing again (same event ids) to the other one, until it
 * gets an answer. A 202 is recorded as the event's promise of being applied.
 */
export class ShopClient {
  readonly stats: ClientStats = { retried: 0, refused: 0, cutOff: new Map(), inFlightAtSigterm: { answered: 0, cut: 0, cutDetails: [] } };
  /** ids of events answered 202 (duplicates included: they were answered too) */
  readonly accepted = new Set<string>();
  /** the events answered 202, for re-posting them as the shop's retries do */
  readonly acceptedEvents: object[] = [];
  /** 4xx answers other than 429: a mistake in the traffic, or an API that refuses good input */
  readonly rejected: { path: string; status: number; body: unknown }[] = [];
  private readonly draining = new Set<string>();
  private readonly inFlight = new Map<string, Set<symbol>>();

  constructor(
    private readonly apis: { name: string; url: string }[],
    private readonly apiKey: string,
    private readonly giveUpAfterMs = 120_000,
  ) {}

  /** Called just before an API gets SIGTERM: requests then in flight to it are watched. */
  markDraining(name: string): number {
    this.draining.add(name);
    return this.inFlight.get(name)?.size ?? 0;
  }

  markBack(name: string): void {
    this.draining.delete(name);
  }

  async postEvents(events: object[], prefer: number): Promise<void> {
    const body = events.length === 1 ? events[0] : { events };
    const answer = await this.send('POST', '/v1/events', body, prefer);
    if (answer.status !== 202) return;
    for (const e of events as { id: string }[]) {
      if (!this.accepted.has(e.id)) this.acceptedEvents.push(e);
      this.accepted.add(e.id);
    }
  }

  async put(path: string, body: unknown, prefer: number): Promise<Answer> {
    return this.send('PUT', path, body, prefer);
  }

  /** A public link from an email (unsubscribe): its path, on whichever API is up. */
  async postLink(link: string, form: string, prefer: number): Promise<Answer> {
    const { pathname } = new URL(link);
    return this.send('POST', pathname, form, prefer, { 'content-type': 'application/x-www-form-urlencoded' });
  }

  async get(path: string, prefer: number): Promise<Answer> {
    return this.send('GET', path, undefined, prefer);
  }

  private async send(method: string, path: string, body: unknown, prefer: number, headers: Record<string, string> = {}): Promise<Answer> {
    const deadline = Date.now() + this.giveUpAfterMs;
    let attempt = 0;
    for (;;) {
      const api = this.apis[(prefer + attempt) % this.apis.length];
      attempt++;
      const token = Symbol(path);
      const watching = this.inFlight.get(api.name) ?? new Set();
      this.inFlight.set(api.name, watching);
      watching.add(token);
      const startedDraining = this.draining.has(api.name);
      try {
        const answer = await httpRequest(`${api.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.apiKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        });
        if (!startedDraining && this.draining.has(api.name)) this.stats.inFlightAtSigterm.answered++;
        if (answer.status < 400 || (answer.status >= 400 && answer.status < 500 && answer.status !== 429)) {
          if (answer.status >= 400) this.rejected.push({ path, status: answer.status, body: answer.body });
          return answer;
        }
        this.stats.retried++;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ECONNREFUSED') {
          this.stats.refused++;
        } else {
          this.stats.cutOff.set(api.name, (this.stats.cutOff.get(api.name) ?? 0) + 1);
          if (!startedDraining && this.draining.has(api.name)) {
            this.stats.inFlightAtSigterm.cut++;
            this.stats.inFlightAtSigterm.cutDetails.push(`${method} ${path} to ${api.name}: ${code ?? ''} ${(err as Error).message}`);
          }
        }
        this.stats.retried++;
      } finally {
        watching.delete(token);
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path}: no answer from any API within ${this.giveUpAfterMs} ms`);
      await sleep(Math.min(2_000, 100 * attempt));
    }
  }
}
