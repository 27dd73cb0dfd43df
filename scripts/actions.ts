/**
 * `npm run actions`: what Temporal Cloud would bill (actions, see scripts/billable-actions.ts),
 * counted from real event histories.
 *
 *   npm run actions                          every journey's recorder scenario (test/replay/record.ts)
 *                                            and a typical customer's first 90 days, on the current code
 *   npm run actions -- --recorded 2026-12-01 the same, from the histories committed under
 *                                            test/replay/histories/ with that date (an older version)
 *   npm run actions -- --save-customer DIR   also write the customer's run histories to DIR
 *   npm run actions -- --compare 2026-12-01  the committed histories of that date beside the
 *                                            current code, written to bench/RESULTS.md
 *
 * The typical customer signs up (with a birthday), fills a cart twice in a sitting, comes back
 * on day 10 with a second cart, checks out and orders it five minutes later (a tea pot and coffee beans that run out), gets it
 * shipped on day 11 and delivered on day 13. Its events go through the real dispatch
 * (ingest/dispatch.ts: the routing table, held starts, signal-with-start with search attributes)
 * to the journeys on the time-skipping server, against the fake shop of the replay recorder and
 * an in-memory journey_instances and held_starts (scripts/dispatch-db.ts); a held journey's
 * journey.due event is dispatched when its wait is over, as the relay would.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { defaultJourneysConfig } from '../config/journeys';
import { dispatchEvent } from '../ingest/dispatch';
import type { EventProperties, ShopEvent } from '../ingest/event-schemas';
import type { RoutedEvent } from '../ingest/routes';
import { DAY, HOUR, startTimeSkipping, withWorker } from '../test/helpers/time-skipping';
import { catalogue, openShop } from '../test/replay/fake-shop';
import { playScenario, scenarioNames } from '../test/replay/record';
import { addCounts, countBillableActions, emptyCount, type ActionCount } from './billable-actions';
import { dispatchDb } from './dispatch-db';
import { writeResultsSection } from '../bench/results-file';

const HISTORIES = join(__dirname, '../test/replay/histories');
const CUSTOMER_HISTORIES = join(HISTORIES, 'customer-90-days');
type History = temporal.api.history.v1.IHistory;

const journeyOf = (h: History) => h.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';

/** The recorded history per journey, from the files of `date`. */
function recordedScenarios(date: string): { name: string; history: History }[] {
  return readdirSync(HISTORIES)
    .filter((f) => f.endsWith(`-${date}.binpb`))
    .map((f) => ({ name: f.slice(0, -`-${date}.binpb`.length), history: decode(join(HISTORIES, f)) }));
}

function decode(file: string): History {
  return temporal.api.history.v1.History.decode(readFileSync(file));
}

async function liveScenarios(): Promise<{ name: string; history: History }[]> {
  const out: { name: string; history: History }[] = [];
  for (const name of scenarioNames) out.push({ name, history: (await playScenario(name)).history });
  return out;
}

/** The typical customer's first 90 days; every run of every journey its events reached. */
export async function typicalCustomer(): Promise<History[]> {
  const env = await startTimeSkipping();
  try {
    const { shop, activities } = openShop(env);
    return await withWorker(env, activities, async (taskQueue) => {
      const runs = new Map<string, { workflowId: string; runId?: string }>();
      const client = recordingRuns(env.client, runs);
      // What dispatch asks Postgres: the shop's data from the fake shop, the journeys started and
      // the held starts in memory (scripts/dispatch-db.ts); an unknown question fails loudly.
      const database = dispatchDb({
        now: () => env.currentTimeMs(),
        shop: (sql, params) => {
          if (sql.includes('replenish_days')) {
            return { rows: (params[0] as string[]).filter((id) => catalogue[id]?.replenishDays).map((id) => ({ id })) };
          }
          if (sql.includes('FROM orders')) {
            const orders = shop.orders.filter((o) => o.customerId === params[0]);
            return { rows: [{ order_count: String(orders.length), revenue: String(orders.reduce((sum, o) => sum + o.total, 0)), currency: 'EUR' }] };
          }
          if (sql.includes('vip-invitation')) return { rows: [] };
          // nobody paused or resumed a journey: each runs as its config says
          if (sql.includes('journey_controls')) return { rows: [] };
          return undefined;
        },
      });
      const deps = { db: database.db, client, taskQueue, journeys: defaultJourneysConfig };
      const start = await env.currentTimeMs();
      const customerId = 'c-typical';
      // As the relay does: dispatch the event, then record the journeys it started.
      const dispatch = async (event: RoutedEvent) => {
        const { started } = await dispatchEvent(deps, event, new Date(await env.currentTimeMs()));
        database.recordStarted(started);
      };
      let n = 0;
      const post = async <T extends ShopEvent['type']>(type: T, properties: EventProperties<T>) => {
        await dispatch({ id: `evt-typical-${++n}`, type, customerId, occurredAt: new Date(await env.currentTimeMs()).toISOString(), properties } as ShopEvent);
      };
      /** Time passes to `ms` after the start; a held journey due on the way is started then, as the relay's due check would. */
      const until = async (ms: number) => {
        for (let due = database.nextDueAt(); due !== undefined && due <= start + ms; due = database.nextDueAt()) {
          await env.sleep(Math.max(0, Math.ceil(due - (await env.currentTimeMs()))));
          for (const event of await database.enqueueDue()) await dispatch(event);
        }
        await env.sleep(Math.max(0, start + ms - (await env.currentTimeMs())));
      };
      const cartOf = (cartId: string, ids: string[]) => ({
        cartId,
        cartUrl: `https://shop.example.com/cart/${cartId}`,
        items: ids.map((id) => ({ productId: id, title: catalogue[id].title, price: catalogue[id].price, quantity: 1 })),
      });

      const birthday = `1990-${new Date(start + 200 * DAY).toISOString().slice(5, 10)}`;
      shop.profiles.set(customerId, { birthday, timezone: 'Europe/Berlin' });
      await post('customer.created', { email: 'typical@example.com', firstName: 'Ada', marketingConsent: true, birthday, timezone: 'Europe/Berlin' });
      await until(2 * HOUR);
      await post('cart.updated', cartOf('cart-1', ['sencha']));
      await until(2 * HOUR + 20 * 60_000);
      await post('cart.updated', cartOf('cart-1', ['sencha', 'cups']));
      await until(10 * DAY);
      await post('cart.updated', cartOf('cart-2', ['kyusu', 'beans']));
      await until(10 * DAY + HOUR);
      await post('checkout.started', { cartId: 'cart-2' });
      await until(10 * DAY + HOUR + 5 * 60_000);
      const placed = shop.place(customerId, 'o-typical', await env.currentTimeMs(), [
        { productId: 'kyusu', quantity: 1 },
        { productId: 'beans', quantity: 1 },
      ]);
      await post('order.placed', placed.properties as EventProperties<'order.placed'>);
      await until(11 * DAY);
      await post('order.shipped', { orderId: 'o-typical', carrier: 'DHL', trackingNumber: 'JD9', trackingUrl: 'https://track.example.com/JD9' });
      await until(13 * DAY);
      await post('order.delivered', { orderId: 'o-typical' });
      await until(90 * DAY);
      return allRuns(env.client, [...runs.values()]);
    });
  } finally {
    await env.teardown();
  }
}

/** The client dispatch uses, noting every run its signal-with-start reached. */
function recordingRuns(client: Client, runs: Map<string, { workflowId: string; runId?: string }>): Client {
  const workflow = new Proxy(client.workflow, {
    get(target, prop, receiver) {
      if (prop !== 'signalWithStart') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<Client['workflow']['signalWithStart']>) => {
        const handle = await target.signalWithStart(...args);
        runs.set(handle.signaledRunId, { workflowId: handle.workflowId, runId: handle.signaledRunId });
        return handle;
      };
    },
  });
  return new Proxy(client, { get: (target, prop, receiver) => (prop === 'workflow' ? workflow : Reflect.get(target, prop, receiver)) });
}

/** Each run's history, following continue-as-new to the runs after it. */
async function allRuns(client: Client, runs: { workflowId: string; runId?: string }[]): Promise<History[]> {
  const seen = new Set<string>();
  const out: History[] = [];
  const queue = [...runs];
  while (queue.length) {
    const { workflowId, runId } = queue.shift()!;
    if (!runId || seen.has(runId)) continue;
    seen.add(runId);
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    out.push(history);
    const next = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (next) queue.push({ workflowId, runId: next });
  }
  return out;
}

const COLUMNS: (keyof ActionCount)[] = ['starts', 'signals', 'timers', 'activities', 'localActivityTasks', 'upserts', 'updates', 'children', 'total'];

function table(rows: { name: string; count: ActionCount }[]): string {
  const head = `| journey (scenario) | ${COLUMNS.join(' | ')} |\n|---|${COLUMNS.map(() => '---:').join('|')}|`;
  return [head, ...rows.map((r) => `| ${r.name} | ${COLUMNS.map((c) => r.count[c]).join(' | ')} |`)].join('\n');
}

interface Counted {
  scenarios: { name: string; count: ActionCount }[];
  customer: { name: string; count: ActionCount }[];
  customerTotal: ActionCount;
  customerRuns: number;
}

async function countAll(recorded: string | undefined, saveTo?: string): Promise<Counted> {
  const scenarios = recorded ? recordedScenarios(recorded) : await liveScenarios();
  const customer = recorded
    ? readdirSync(join(CUSTOMER_HISTORIES, recorded)).map((f) => decode(join(CUSTOMER_HISTORIES, recorded, f)))
    : await typicalCustomer();
  if (saveTo) {
    mkdirSync(saveTo, { recursive: true });
    customer.forEach((h, i) => writeFileSync(join(saveTo, `${String(i + 1).padStart(2, '0')}-${journeyOf(h)}.binpb`), temporal.api.history.v1.History.encode(h).finish()));
  }
  const byJourney = new Map<string, ActionCount>();
  for (const h of customer) byJourney.set(journeyOf(h), addCounts(byJourney.get(journeyOf(h)) ?? emptyCount(), countBillableActions(h)));
  const customerRows = [...byJourney].map(([name, count]) => ({ name, count }));
  return {
    scenarios: scenarios.map(({ name, history }) => ({ name, count: countBillableActions(history) })).sort((a, b) => a.name.localeCompare(b.name)),
    customer: customerRows,
    customerTotal: customerRows.reduce((sum, r) => addCounts(sum, r.count), emptyCount()),
    customerRuns: customer.length,
  };
}

const cell = (c: ActionCount) => `${c.total} (${COLUMNS.filter((k) => k !== 'total' && c[k]).map((k) => `${c[k]} ${SHORT[k]}`).join(', ')})`;
const SHORT: Record<keyof ActionCount, string> = {
  starts: 'start',
  signals: 'sig',
  timers: 'timer',
  activities: 'act',
  localActivityTasks: 'local',
  upserts: 'upsert',
  updates: 'update',
  children: 'child',
  total: '',
};

function comparison(before: Counted, after: Counted, date: string): string {
  const rows = (b: { name: string; count: ActionCount }[], a: { name: string; count: ActionCount }[]) => {
    const names = [...new Set([...b.map((r) => r.name), ...a.map((r) => r.name)])];
    return names.map((name) => {
      const x = b.find((r) => r.name === name)?.count ?? emptyCount();
      const y = a.find((r) => r.name === name)?.count ?? emptyCount();
      return `| ${name} | ${cell(x)} | ${cell(y)} | ${y.total - x.total} |`;
    });
  };
  const head = ['| journey | before | after | change |', '|---|---|---|---:|'];
  return [
    '## Temporal Cloud billable actions (`npm run actions`)',
    '',
    `Counted from real event histories: before = the histories recorded on ${date} (test/replay/histories), after = the same scenarios on the current code. sig = signal, act = activity attempt, local = workflow task with local activities, upsert = search-attribute upsert. Queries are billed too but leave no trace in a history.`,
    '',
    '### Per journey, each one\'s full recorded timeline',
    '',
    ...head,
    ...rows(before.scenarios, after.scenarios),
    '',
    `### A typical customer's first 90 days (sign-up with a birthday, two carts, an order with coffee beans, shipping, delivery)`,
    '',
    "After: the customer's events go through the current dispatch, held starts included (ingest/held-starts.ts): a journey that first waits for quiet (abandoned cart, browse abandonment, win-back) and is not running gets no workflow until its wait is over, then starts with the events held for it; an exit before then cancels it. Here the first cart starts when its reminder is due, with both updates, and the order of day 10 holds win-back past day 90. The second cart is held too and the checkout cancels it: the relay's record (journey_instances) still lists the first cart's run, closed since, so the update is told to it as a signal, answered 'not found', and held. Before: every event started or reached its journey at once.",
    '',
    ...head,
    ...rows(before.customer, after.customer),
    `| **all journeys** (${before.customerRuns} → ${after.customerRuns} runs) | ${cell(before.customerTotal)} | ${cell(after.customerTotal)} | ${after.customerTotal.total - before.customerTotal.total} |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const compare = flag('--compare');
  if (compare) {
    const before = await countAll(compare);
    const after = await countAll(undefined);
    const markdown = comparison(before, after, compare);
    writeResultsSection('actions', markdown);
    console.log(markdown);
    return;
  }
  const recorded = flag('--recorded');
  const counted = await countAll(recorded, flag('--save-customer'));
  console.log(`## Per journey, full recorded timeline (${recorded ? `histories of ${recorded}` : 'current code'})\n`);
  console.log(table(counted.scenarios));
  console.log(`\n## A typical customer's first 90 days (${counted.customerRuns} runs)\n`);
  console.log(table([...counted.customer, { name: '**all journeys**', count: counted.customerTotal }]));
  console.log('\nQueries are billed as well (one per `state` query, e.g. GET /v1/customers/:id/journeys asks every running journey); they leave no trace in a history and are not counted here.');
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
