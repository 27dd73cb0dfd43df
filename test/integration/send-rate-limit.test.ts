import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';

describe('one provider rate limit for every worker (the sends task queue)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { SEND_RATE_PER_SECOND: '2' } });
  });
  after(async () => {
    await h?.close();
  });

  test('a burst of twenty welcome emails reaches Resend at about 2 per second, not at once', async () => {
    const events = Array.from({ length: 20 }, (_, i) => ({
      id: `evt-rate-${i}`,
      type: 'customer.created',
      customerId: `cust-rate-${i}`,
      properties: { email: `rate-${i}@example.com`, marketingConsent: true },
    }));
    assert.equal((await h.request('POST', '/v1/events', { events })).status, 202);
    await eventually(async () => h.resend.emails.length === 20, 60_000, 'twenty welcome emails');
    const times = h.resend.requestTimes;
    // The server's limiter lets small bursts through (its task queue has several partitions),
    // but over the run it holds the rate. Without the limit all twenty arrive within a second.
    const offsets = times.map((t) => t - times[0]).join(' ');
    assert.ok(h.resend.peakRequests(2_000) <= 10, `at most 10 requests in any 2 s, got ${h.resend.peakRequests(2_000)} (ms: ${offsets})`);
    assert.ok(times[times.length - 1] - times[0] >= 6_000, `spread over ≥ 6 s (ms: ${offsets})`);
  });
});
