/**
 * Render and send: the send path (`sendMessage` with a real pg pool, guardrails, ledger, the
 * outbox transport) beside a bare React Email `render()` of the same template and props, in
 * this one process. The phases take turns in eight short slices and each is the mean of its
 * slices, so on a shared machine a change of load falls on all of them alike.
 */
import { render } from '@react-email/render';
import { createElement } from 'react';
import { freshDatabase, benchPostgresServer } from './postgres-database';
import { createActivities } from '../activities';
import { createOutboxMailer } from '../activities/email/outbox-mailer';
import { defaultJourneysConfig } from '../config/journeys';
import { createPool } from '../db/pool';
import { migrate } from '../db/migrate';
import { previewContext } from '../emails/components/preview-fixtures';
import { templates } from '../emails';
import type { SendMessageInput } from '../activities/types';

const TEMPLATE = 'abandoned-cart' as const;
const CONCURRENCY = 8;
/** Turns of bare render, sends one at a time and sends 8 at once, each a slice of the phase. */
const ROUNDS = 8;

export interface SendPathResult {
  template: string;
  secondsPerPhase: number;
  bareRenderPerSecond: number;
  sendPathSequentialPerSecond: number;
  sendPathConcurrentPerSecond: number;
  concurrency: number;
  /** best send-path figure ÷ bare render */
  ratio: number;
  /** the lowest and highest ratio of one round (the phases take turns, ROUNDS times) */
  ratioSpread?: { min: number; max: number };
  sent: number;
}

/** Calls `fn` from `workers` loops until `ms` passes; calls per second. */
async function rate(ms: number, workers: number, fn: (i: number) => Promise<unknown>): Promise<{ perSecond: number; calls: number }> {
  let calls = 0;
  const t0 = performance.now();
  const until = t0 + ms;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) await fn(calls++);
    }),
  );
  return { perSecond: Math.round((calls / (performance.now() - t0)) * 1000 * 10) / 10, calls };
}

export async function benchSendPath(options: { serverUrl: string; secondsPerPhase: number }): Promise<SendPathResult> {
  const database = await freshDatabase(options.serverUrl);
  const db = createPool(database.url, 10);
  try {
    await migrate(db);
    const preview = templates[TEMPLATE].PreviewProps;
    const products = preview.items.map((i) => i.productId);
    await db.query(
      `INSERT INTO products (id, title, price, url, stock) SELECT id, id, 10, 'https://shop.example.com/p/' || id, 100 FROM unnest($1::text[]) AS id`,
      [products],
    );
    // One customer per send: the frequency cap would skip a second marketing email to the same one.
    await db.query(
      `INSERT INTO customers (id, email, first_name, marketing_consent, timezone)
       SELECT 'bench-' || n, 'bench-' || n || '@bench.example', 'Ada', true, 'UTC' FROM generate_series(0, 199999) AS n`,
    );
    const { sendMessage } = createActivities({
      db,
      mailer: createOutboxMailer(db),
      config: {
        publicUrl: 'http://127.0.0.1:3000',
        tokenSecret: 'bench-token-secret-0123456789',
        mail: { from: 'Shop <shop@example.com>', shopName: 'Journeys Shop', postalAddress: previewContext.postalAddress },
        // quiet hours would defer every send when the bench runs at night
        journeys: { guardrails: { ...defaultJourneysConfig.guardrails, quietHoursStart: 0, quietHoursEnd: 0 } },
      },
    });
    const { context: _context, ...data } = preview;
    let next = 0;
    const send = async () => {
      const n = next++;
      const outcome = await sendMessage({
        idempotencyKey: `abandoned-cart/bench-${n}/first-reminder/1`,
        workflowId: `abandoned-cart/bench-${n}`,
        journey: 'abandoned-cart',
        step: 'first-reminder',
        customerId: `bench-${n}`,
        template: TEMPLATE,
        data: data as Record<string, unknown>,
        category: 'marketing',
        onCap: 'defer',
        promotes: true,
      } satisfies SendMessageInput);
      if (outcome.status !== 'sent') throw new Error(`send path did not send: ${JSON.stringify(outcome)}`);
    };
    const element = createElement(templates[TEMPLATE], preview);
    const ms = options.secondsPerPhase * 1000;

    // warm-up: JIT, React's caches, the pool's connections
    await rate(Math.min(2000, ms / 2), 1, () => render(element));
    await rate(Math.min(2000, ms / 2), CONCURRENCY, send);

    // The phases take turns in short slices, so a change of load on a shared machine falls on
    // all of them alike instead of on whichever phase ran at that moment; the spread is that of
    // the per-round ratios.
    const slice = Math.max(500, Math.round(ms / ROUNDS));
    const totals = { bare: [] as number[], sequential: [] as number[], concurrent: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      totals.bare.push((await rate(slice, 1, () => render(element))).perSecond);
      totals.sequential.push((await rate(slice, 1, send)).perSecond);
      totals.concurrent.push((await rate(slice, CONCURRENCY, send)).perSecond);
    }
    const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10;
    const bare = { perSecond: mean(totals.bare) };
    const sequential = { perSecond: mean(totals.sequential) };
    const concurrent = { perSecond: mean(totals.concurrent) };
    const best = Math.max(sequential.perSecond, concurrent.perSecond);
    const perRound = totals.bare.map((b, k) => Math.max(totals.sequential[k], totals.concurrent[k]) / b);
    const spread = { min: Math.round(Math.min(...perRound) * 100) / 100, max: Math.round(Math.max(...perRound) * 100) / 100 };
    const sent = Number((await db.query(`SELECT count(*) AS n FROM messages WHERE status = 'sent'`)).rows[0].n);
    return {
      template: TEMPLATE,
      secondsPerPhase: options.secondsPerPhase,
      bareRenderPerSecond: bare.perSecond,
      sendPathSequentialPerSecond: sequential.perSecond,
      sendPathConcurrentPerSecond: concurrent.perSecond,
      concurrency: CONCURRENCY,
      ratio: Math.round((best / bare.perSecond) * 100) / 100,
      ratioSpread: spread,
      sent,
    };
  } finally {
    await db.end();
    await database.drop();
  }
}

if (require.main === module) {
  benchSendPath({
    serverUrl: benchPostgresServer(),
    secondsPerPhase: Number(process.env.BENCH_SECONDS ?? 5),
  })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
