import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal } from '../../workflows/messages';
import { order } from '../../workflows/order';
import type { ShopEvent, EventProperties } from '../../ingest/event-schemas';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const MINUTE = 60_000;

const placed = (orderId: string): ShopEvent & { type: 'order.placed' } => ({
  id: `evt-placed-${orderId}`,
  type: 'order.placed',
  customerId: 'c-1',
  occurredAt: '2026-03-01T09:00:00.000Z',
  properties: {
    orderId,
    total: 93.95,
    currency: 'EUR',
    items: [
      { productId: 'tea', title: 'Sencha', price: 12.5, quantity: 2 },
      { productId: 'pot', title: 'Kyusu', price: 64, quantity: 1 },
    ],
  },
});

const shipped = (orderId: string, props: Partial<EventProperties<'order.shipped'>> = {}, id = `evt-shipped-${orderId}`): ShopEvent => ({
  id,
  type: 'order.shipped',
  customerId: 'c-1',
  occurredAt: '2026-03-02T09:00:00.000Z',
  properties: { orderId, carrier: 'DHL', trackingNumber: 'JD0146', trackingUrl: 'https://track.example.com/JD0146', ...props },
});

const delivered = (orderId: string): ShopEvent => ({
  id: `evt-delivered-${orderId}`,
  type: 'order.delivered',
  customerId: 'c-1',
  occurredAt: '2026-03-04T09:00:00.000Z',
  properties: { orderId },
});

describe('order journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  function start(orderId: string, taskQueue: string) {
    const event = placed(orderId);
    return env.client.workflow.signalWithStart(order, {
      workflowId: `order/${orderId}`,
      taskQueue,
      args: [
        {
          customerId: event.customerId,
          orderId,
          placedAt: event.occurredAt,
          order: event.properties,
          config: defaultJourneysConfig.order,
        },
      ],
      signal: journeyEventSignal,
      signalArgs: [event],
    });
  }

  test('sends confirmation, shipping notice and delivered notice with the right data, then ends', async () => {
    const fake = fakeSend(env);
    await withWorker(env, fake.activities, async (taskQueue) => {
      const handle = await start('o-full', taskQueue);
      await env.sleep(1 * DAY);
      await handle.signal(journeyEventSignal, shipped('o-full'));
      await env.sleep(2 * DAY);
      await handle.signal(journeyEventSignal, delivered('o-full'));
      await handle.result();

      assert.deepEqual(fake.sent.map((s) => s.input.template), ['order-confirmation', 'order-shipped', 'order-delivered']);
      const [confirmation, shipping, delivery] = fake.sent.map((s) => s.input);
      for (const message of [confirmation, shipping, delivery]) {
        assert.equal(message.category, 'transactional');
        assert.equal(message.journey, 'order');
        assert.equal(message.customerId, 'c-1');
        assert.equal(message.coupon, undefined);
      }
      assert.equal(confirmation.idempotencyKey, 'order/o-full/order-confirmation');
      assert.equal(confirmation.data.total, 93.95);
      assert.equal(confirmation.data.currency, 'EUR');
      assert.equal(confirmation.data.orderId, 'o-full');
      assert.deepEqual(
        (confirmation.data.items as { title: string; currency: string }[]).map((i) => `${i.title}/${i.currency}`),
        ['Sencha/EUR', 'Kyusu/EUR'],
      );
      assert.equal(shipping.idempotencyKey, 'order/o-full/shipping-notice');
      assert.equal(shipping.data.carrier, 'DHL');
      assert.equal(shipping.data.trackingNumber, 'JD0146');
      assert.equal(shipping.data.trackingUrl, 'https://track.example.com/JD0146');
      assert.equal(delivery.idempotencyKey, 'order/o-full/delivered-notice');

      const [tConfirm, tShip, tDeliver] = fake.sent.map((s) => s.at);
      assert.ok(Math.abs(tShip - tConfirm - DAY) < MINUTE, 'shipping notice when the parcel ships');
      assert.ok(Math.abs(tDeliver - tShip - 2 * DAY) < MINUTE, 'delivered notice on delivery');
    });
  });

  test('ends after 60 days without a delivery, with no more mail', async () => {
    const fake = fakeSend(env);
    await withWorker(env, fake.activities, async (taskQueue) => {
      const handle = await start('o-lost', taskQueue);
      await env.sleep(DAY);
      await handle.signal(journeyEventSignal, shipped('o-lost'));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['order-confirmation', 'order-shipped']);
      const { startTime, closeTime, status } = await handle.describe();
      assert.equal(status.name, 'COMPLETED');
      const lifetime = closeTime!.getTime() - startTime.getTime();
      assert.ok(Math.abs(lifetime - 60 * DAY) < MINUTE, `ended after ${lifetime / DAY} days`);
    });
  });

  test('announces a split shipment once per tracking number and ignores a re-posted shipment', async () => {
    const fake = fakeSend(env);
    await withWorker(env, fake.activities, async (taskQueue) => {
      const handle = await start('o-split', taskQueue);
      await env.sleep(HOUR);
      await handle.signal(journeyEventSignal, shipped('o-split'));
      await handle.signal(journeyEventSignal, shipped('o-split', {}, 'evt-shipped-again'));
      await env.sleep(HOUR);
      await handle.signal(
        journeyEventSignal,
        shipped('o-split', { trackingNumber: 'JD0200', trackingUrl: 'https://track.example.com/JD0200' }, 'evt-shipped-2'),
      );
      await env.sleep(HOUR);
      await handle.signal(journeyEventSignal, delivered('o-split'));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.idempotencyKey), [
        'order/o-split/order-confirmation',
        'order/o-split/shipping-notice',
        'order/o-split/shipping-notice/2',
        'order/o-split/delivered-notice',
      ]);
      assert.equal(fake.sent[2].input.data.trackingUrl, 'https://track.example.com/JD0200');
    });
  });

  test('a delivery without a shipping event sends only the delivered notice after the confirmation', async () => {
    const fake = fakeSend(env);
    await withWorker(env, fake.activities, async (taskQueue) => {
      const handle = await start('o-direct', taskQueue);
      await env.sleep(3 * DAY);
      await handle.signal(journeyEventSignal, delivered('o-direct'));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['order-confirmation', 'order-delivered']);
    });
  });

  test('ignores events about another order and a redelivered order.placed', async () => {
    const fake = fakeSend(env);
    await withWorker(env, fake.activities, async (taskQueue) => {
      const handle = await start('o-mine', taskQueue);
      await handle.signal(journeyEventSignal, placed('o-mine'));
      await handle.signal(journeyEventSignal, shipped('o-other'));
      await handle.signal(journeyEventSignal, delivered('o-other'));
      await env.sleep(DAY);
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['order-confirmation']);
      await handle.signal(journeyEventSignal, delivered('o-mine'));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['order-confirmation', 'order-delivered']);
    });
  });
});
