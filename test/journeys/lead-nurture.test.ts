import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, stateQuery } from '../../workflows/messages';
import { leadNurture } from '../../workflows/lead-nurture';
import { pickNurturePiece, type NextNurturePieceRequest, type NurtureCatalog } from '../../activities/nurture-catalog';
import type { Activities } from '../../activities';
import type { ShopEvent } from '../../ingest/event-schemas';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const piece = (id: string, ...topics: string[]) => ({
  id,
  topics,
  title: `Title of ${id}`,
  summary: `Summary of ${id}`,
  url: `https://shop.example.com/journal/${id}`,
});

const catalog: NurtureCatalog = {
  pieces: [
    piece('coffee-1', 'coffee'),
    piece('tea-1', 'tea'),
    piece('coffee-2', 'coffee'),
    piece('both-1', 'coffee', 'tea'),
    piece('coffee-3', 'coffee'),
    piece('coffee-4', 'coffee'),
    piece('coffee-5', 'coffee'),
    piece('coffee-6', 'coffee'),
    piece('garden-1', 'gardening'),
  ],
};

/** The catalog activity over an in-memory catalog; records what it was asked. */
function fakeCatalog() {
  const asked: NextNurturePieceRequest[] = [];
  const activities: Pick<Activities, 'nextNurturePiece'> = {
    nextNurturePiece: async (req) => {
      asked.push(req);
      return pickNurturePiece(catalog, req.topics, req.exclude) ?? null;
    },
  };
  return { asked, activities };
}

const formSubmitted = (customerId: string, topics: string[], n = 1): ShopEvent => ({
  id: `evt-form-${customerId}-${n}`,
  type: 'form.submitted',
  customerId,
  occurredAt: '2026-01-01T00:00:00.000Z',
  properties: { formId: 'newsletter', topics },
});

const orderPlaced = (customerId: string): ShopEvent => ({
  id: `evt-order-${customerId}`,
  type: 'order.placed',
  customerId,
  occurredAt: '2026-01-05T00:00:00.000Z',
  properties: { orderId: 'o-1', total: 20, currency: 'EUR', items: [{ productId: 'p', title: 'Beans', price: 20, quantity: 1 }] },
});

describe('lead nurture journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  async function start(customerId: string, taskQueue: string, topics: string[]) {
    return env.client.workflow.signalWithStart(leadNurture, {
      workflowId: `lead-nurture/${customerId}`,
      taskQueue,
      args: [{ customerId, config: defaultJourneysConfig.leadNurture }],
      signal: journeyEventSignal,
      signalArgs: [formSubmitted(customerId, topics)],
    });
  }

  test('sends a piece at once and the next every 2 days, five in all, then ends', async () => {
    const fake = fakeSend(env);
    const content = fakeCatalog();
    await withWorker(env, { ...fake.activities, ...content.activities }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-five', taskQueue, ['coffee']);
      await handle.result();
      const ids = fake.sent.map((s) => (s.input.data.piece as { id: string }).id);
      assert.deepEqual(ids, ['coffee-1', 'coffee-2', 'both-1', 'coffee-3', 'coffee-4'], 'catalog order, coffee only, five');
      assert.ok(fake.sent[0].at - t0 < HOUR, 'first piece at once');
      for (let i = 1; i < fake.sent.length; i++) {
        const gap = fake.sent[i].at - fake.sent[i - 1].at;
        assert.ok(gap >= 2 * DAY && gap < 2 * DAY + HOUR, `gap ${i}: ${gap / HOUR} h`);
      }
      assert.deepEqual(
        fake.sent.map((s) => s.input.idempotencyKey),
        ids.map((id) => `lead-nurture/c-five/nurture-piece/${id}`),
      );
      assert.deepEqual(fake.sent.map((s) => s.input.data.pieceNumber), [1, 2, 3, 4, 5]);
      assert.equal(fake.sent[0].input.category, 'marketing');
      assert.equal((fake.sent[0].input.data.piece as { title: string }).title, 'Title of coffee-1');
      assert.equal((await handle.query(stateQuery)).details, 'all 5 pieces sent');
    });
  });

  test('stops on the first order: no piece after it', async () => {
    const fake = fakeSend(env);
    const content = fakeCatalog();
    await withWorker(env, { ...fake.activities, ...content.activities }, async (taskQueue) => {
      const handle = await start('c-buys', taskQueue, ['coffee']);
      await env.sleep(3 * DAY);
      await handle.signal(journeyEventSignal, orderPlaced('c-buys'));
      await handle.result();
      await env.sleep(10 * DAY);
      assert.equal(fake.sent.length, 2, 'day 0 and day 2 only');
      assert.match((await handle.query(stateQuery)).details, /converted/);
    });
  });

  test('a second form adds its topics; no piece is sent twice', async () => {
    const fake = fakeSend(env);
    const content = fakeCatalog();
    await withWorker(env, { ...fake.activities, ...content.activities }, async (taskQueue) => {
      const handle = await start('c-merge', taskQueue, ['tea']);
      await env.sleep(1 * DAY);
      await handle.signal(journeyEventSignal, formSubmitted('c-merge', ['Coffee', 'tea'], 2));
      await handle.result();
      const ids = fake.sent.map((s) => (s.input.data.piece as { id: string }).id);
      assert.deepEqual(ids, ['tea-1', 'coffee-1', 'coffee-2', 'both-1', 'coffee-3']);
      assert.equal(new Set(ids).size, ids.length);
      assert.deepEqual(content.asked.at(-1)?.topics, ['tea', 'Coffee'], 'topics merged case-insensitively');
      assert.deepEqual(content.asked.at(-1)?.exclude, ['tea-1', 'coffee-1', 'coffee-2', 'both-1']);
    });
  });

  test('ends when the catalog has nothing more for the topics', async () => {
    const fake = fakeSend(env);
    const content = fakeCatalog();
    await withWorker(env, { ...fake.activities, ...content.activities }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-garden', taskQueue, ['gardening']);
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => (s.input.data.piece as { id: string }).id), ['garden-1']);
      const state = await handle.query(stateQuery);
      assert.match(state.details, /nothing more on gardening/);
      assert.ok((await env.currentTimeMs()) - t0 >= 2 * DAY, 'looked for the next piece after the interval');
    });
  });

  test('stops when a piece is not sent (no consent): the next would fare no better', async () => {
    const fake = fakeSend(env, () => ({ status: 'skipped', reason: 'no_consent' }));
    const content = fakeCatalog();
    await withWorker(env, { ...fake.activities, ...content.activities }, async (taskQueue) => {
      const handle = await start('c-no-consent', taskQueue, ['coffee']);
      await handle.result();
      assert.equal(fake.sent.length, 1);
      assert.match((await handle.query(stateQuery)).details, /no_consent/);
    });
  });
});
