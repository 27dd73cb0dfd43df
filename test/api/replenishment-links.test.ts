import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type Config } from '../../config/env';
import { replenishmentLinksRouter } from '../../api/routes/replenishment-links';
import { replenishmentLinks, replenishmentToken } from '../../links/replenishment-links';
import { signToken } from '../../links/signed-links';
import { journeyEventSignal, replenishmentWorkflowId, replenishmentStateQuery } from '../../workflows/messages';
import { replenishment } from '../../workflows/replenishment';
import type { Activities } from '../../activities';
import { createReplenishmentActivities } from '../../activities/replenishment';
import type { ShopEvent } from '../../ingest/event-schemas';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const SECRET = 'replenishment-link-test-secret';

const ordered = (customerId: string, productId: string, orderId: string, placedAt: number): ShopEvent => ({
  id: `evt-${customerId}-${orderId}`,
  type: 'order.placed',
  customerId,
  occurredAt: new Date(placedAt).toISOString(),
  properties: { orderId, total: 20, currency: 'EUR', items: [{ productId, title: 'Beans', price: 20, quantity: 1 }] },
});

const localTime = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(ms),
  );

describe('replenishment snooze / reschedule page', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let server: Server;
  let base: string;
  let config: Config;

  before(async () => {
    [env, db] = await Promise.all([startTimeSkipping(), createTestDatabase()]);
    await db.pool.query(`INSERT INTO customers (id, email, timezone) VALUES ('c-berlin', 'b@example.com', 'Europe/Berlin')`);
    config = loadConfig({ API_KEY: 'test-api-key-0123456789', TOKEN_SECRET: SECRET });
    const app = express().use(replenishmentLinksRouter({ db: db.pool, config, temporal: env.client }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await env?.teardown();
    await db?.drop();
  });

  /** The journey's activities: a fixed product, and links signed exactly as in production. */
  const journeyActivities = (): Pick<Activities, 'findReplenishableProduct' | 'replenishmentLinks' | 'planReschedule'> => ({
    planReschedule: createReplenishmentActivities({ db: db.pool, publicUrl: base, tokenSecret: SECRET, defaultTimezone: 'UTC' }).planReschedule,
    findReplenishableProduct: async (productId) => ({ productId, title: 'House blend, 1 kg', url: 'https://shop.example.com/p/beans', replenishDays: 30 }),
    replenishmentLinks: async (target) => replenishmentLinks(base, SECRET, target),
  });

  /** Start a journey for the customer and let time run to its first reminder (day 28). */
  async function remindedJourney(customerId: string, taskQueue: string, productId = 'beans') {
    const t0 = await env.currentTimeMs();
    const handle = await env.client.workflow.signalWithStart(replenishment, {
      workflowId: replenishmentWorkflowId(customerId, productId),
      taskQueue,
      args: [{ customerId, productId, config: config.journeys.replenishment }],
      signal: journeyEventSignal,
      signalArgs: [ordered(customerId, productId, 'o-1', t0)],
    });
    await env.sleep(29 * DAY);
    return handle;
  }

  const post = (url: string, form: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });

  test('GET shows the page without acting; POST snooze signals the journey, which reminds again 7 days later', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...journeyActivities() }, async (taskQueue) => {
      const handle = await remindedJourney('c-berlin', taskQueue);
      assert.equal(fake.sent.length, 1);
      const snoozeUrl = String(fake.sent[0].input.data.snoozeUrl);
      assert.ok(snoozeUrl.startsWith(`${base}/remind/`));

      const page = await fetch(snoozeUrl);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      const html = await page.text();
      assert.match(html, /Remind me later about House blend, 1 kg/);
      assert.match(html, /Remind me in 7 days/);
      assert.match(html, /type="date"/);
      await env.sleep(2 * DAY);
      assert.equal(fake.sent.length, 1, 'opening the page moved nothing');

      const clicked = await env.currentTimeMs();
      const done = await post(snoozeUrl.replace(/\?.*$/, ''), { action: 'snooze' });
      assert.equal(done.status, 200);
      assert.match(await done.text(), /We will remind you about House blend, 1 kg on/);
      await env.sleep(8 * DAY);
      assert.equal(fake.sent.length, 2);
      assert.ok(Math.abs(fake.sent[1].at - (clicked + 7 * DAY)) < HOUR, 'seven days after the click');
      await handle.terminate('test done');
    });
  });

  test('POST reschedule with a date reminds at 10:00 on that date in the customer time zone', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...journeyActivities() }, async (taskQueue) => {
      // A second Berlin customer, so the journeys of the tests are independent.
      await db.pool.query(`INSERT INTO customers (id, email, timezone) VALUES ('c-picks', 'p@example.com', 'Europe/Berlin')`);
      const handle = await remindedJourney('c-picks', taskQueue);
      const url = String(fake.sent[0].input.data.rescheduleUrl).replace(/\?.*$/, '');
      const date = localTime((await env.currentTimeMs()) + 12 * DAY, 'Europe/Berlin').slice(0, 10);
      const res = await post(url, { action: 'reschedule', date });
      assert.equal(res.status, 200);
      const state = await env.client.workflow.getHandle(handle.workflowId).query(replenishmentStateQuery);
      assert.equal(state.data.orderId, 'o-1');
      await env.sleep(15 * DAY);
      assert.equal(fake.sent.length, 2);
      assert.equal(localTime(fake.sent[1].at, 'Europe/Berlin'), `${date} 10:00`);

      const tooLate = await post(url, { action: 'reschedule', date: '2999-01-01' });
      assert.equal(tooLate.status, 422);
      const noDate = await post(url, { action: 'reschedule' });
      assert.equal(noDate.status, 422);
      await handle.terminate('test done');
    });
  });

  test('forged, foreign and outdated links get a 4xx and move nothing', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...journeyActivities() }, async (taskQueue) => {
      // Customer "a", product "b/c": a link for customer "a/b", product "c" must not reach it.
      const handle = await remindedJourney('a', taskQueue, 'b/c');
      assert.equal(fake.sent.length, 1);
      const valid = String(fake.sent[0].input.data.snoozeUrl).replace(/\?.*$/, '');
      const [body] = valid.split('/remind/')[1].split('.');

      const forged = `${base}/remind/${body}.${'A'.repeat(43)}`;
      const wrongSecret = `${base}/remind/${replenishmentToken('another-secret-entirely', { customerId: 'a', productId: 'b/c', orderId: 'o-1' })}`;
      const wrongPurpose = `${base}/remind/${signToken(SECRET, { p: 'unsubscribe', c: 'a', x: JSON.stringify({ product: 'b/c', order: 'o-1' }) })}`;
      const otherCustomer = `${base}/remind/${replenishmentToken(SECRET, { customerId: 'a/b', productId: 'c', orderId: 'o-1' })}`;
      const olderOrder = `${base}/remind/${replenishmentToken(SECRET, { customerId: 'a', productId: 'b/c', orderId: 'o-0' })}`;
      const noJourney = `${base}/remind/${replenishmentToken(SECRET, { customerId: 'nobody', productId: 'beans', orderId: 'o-1' })}`;

      for (const url of [forged, wrongSecret, wrongPurpose]) {
        assert.equal((await fetch(url)).status, 400, `GET ${url}`);
        assert.equal((await post(url, { action: 'snooze' })).status, 400, `POST ${url}`);
      }
      for (const url of [otherCustomer, olderOrder, noJourney]) {
        assert.equal((await fetch(url)).status, 410, `GET ${url}`);
        const res = await post(url, { action: 'snooze' });
        assert.equal(res.status, 410, `POST ${url}`);
        assert.match(await res.text(), /no longer active/);
      }
      assert.equal((await fetch(valid)).status, 200, 'the real link still works');

      // Nothing was moved: no second reminder, and the journey ends after its follow-up window.
      await env.client.workflow.getHandle(handle.workflowId).result();
      assert.equal(fake.sent.length, 1);
    });
  });
});
