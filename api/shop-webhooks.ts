import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { Webhook } from 'svix';

/**
 * Outbound webhooks that let the shop's own consent record follow ours: `customer.unsubscribed`,
 * `customer.resubscribed`, `email.suppressed`. The change and its webhook row commit in one
 * transaction (the outbox), and this sender drains the rows with backoff, so a webhook survives
 * a crash, a restart and a shop that is down for hours.
 *
 * Signed the Standard Webhooks way (as Svix and Resend sign theirs): headers `webhook-id`,
 * `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * with the secret `SHOP_WEBHOOK_SECRET` (`whsec_…`). Delivery is at least once and may be out
 * of order after a retry: the shop dedupes on `webhook-id` and orders by `data.occurredAt`.
 */
export type ShopWebhookType = 'customer.unsubscribed' | 'customer.resubscribed' | 'email.suppressed';

/** SQL for a fresh webhook id, for the INSERTs that enqueue a webhook inside a change's statement. */
export const NEW_SHOP_WEBHOOK_ID = `'msg_' || replace(gen_random_uuid()::text, '-', '')`;

/** After this many failed attempts (about two days with the backoff below) a webhook is given up, visibly. */
export const MAX_SHOP_WEBHOOK_ATTEMPTS = 20;

/** 10 s, 20 s, 40 s … capped at 4 h between attempts. */
export function shopWebhookBackoffMs(attempts: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, attempts - 1), 4 * 60 * 60 * 1000);
}

interface DueWebhook {
  id: number;
  webhook_id: string;
  type: ShopWebhookType;
  payload: Record<string, unknown>;
  created_at: Date;
  attempts: number;
}

export interface ShopWebhookSenderOptions {
  db: Pool;
  url: string;
  secret: string;
  log?: Pick<Logger, 'warn' | 'error'>;
  /** how often to look for due webhooks when not nudged */
  pollIntervalMs?: number;
  /** per request; a shop slower than this is retried */
  timeoutMs?: number;
  batchSize?: number;
}

export class ShopWebhookSender {
  private readonly signer: Webhook;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: ShopWebhookSenderOptions) {
    this.signer = new Webhook(options.secret);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Deliver every webhook that is due now; returns how many were delivered. Rows are leased
   * (next_attempt_at pushed past the request timeout) before the requests go out, so two API
   * replicas draining together do not post the same row at once.
   */
  async drainOnce(): Promise<number> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const { rows } = await this.options.db.query<DueWebhook>(
      `UPDATE shop_webhooks SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM shop_webhooks
                      WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= now()
                      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, webhook_id, type, payload, created_at, attempts`,
      [this.options.batchSize ?? 50, (timeoutMs * 2) / 1000],
    );
    let delivered = 0;
    for (const row of rows.sort((a, b) => a.id - b.id)) {
      const error = await this.post(row, timeoutMs);
      if (!error) {
        delivered++;
        await this.options.db.query('UPDATE shop_webhooks SET delivered_at = now(), last_error = NULL WHERE id = $1', [row.id]);
        continue;
      }
      const giveUp = row.attempts >= MAX_SHOP_WEBHOOK_ATTEMPTS;
      if (giveUp) this.options.log?.error({ webhookId: row.webhook_id, type: row.type, error }, 'shop webhook given up');
      else this.options.log?.warn({ webhookId: row.webhook_id, type: row.type, attempts: row.attempts, error }, 'shop webhook failed; retrying');
      await this.options.db.query(
        `UPDATE shop_webhooks SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3),
                gave_up_at = CASE WHEN $4 THEN now() END
          WHERE id = $1`,
        [row.id, error.slice(0, 500), shopWebhookBackoffMs(row.attempts) / 1000, giveUp],
      );
    }
    return delivered;
  }

  /** Look again soon: a change was just committed. */
  nudge(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.drainOnce()
        .catch((err: Error) => this.options.log?.warn({ err }, 'shop webhook pass failed'))
        .then(() => undefined)
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.options.pollIntervalMs ?? 5_000);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** POST one webhook; undefined when the shop answered 2xx, else what went wrong. */
  private async post(row: DueWebhook, timeoutMs: number): Promise<string | undefined> {
    const body = JSON.stringify({ type: row.type, timestamp: row.created_at.toISOString(), data: row.payload });
    const sentAt = new Date();
    try {
      const res = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': row.webhook_id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': this.signer.sign(row.webhook_id, sentAt, body),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      return res.ok ? undefined : `HTTP ${res.status}`;
    } catch (err) {
      return (err as Error).message;
    }
  }
}
