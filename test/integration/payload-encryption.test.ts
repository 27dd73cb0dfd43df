import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startHarness, type Harness } from './harness';

/** With TEMPORAL_PAYLOAD_KEY, Temporal's histories hold no customer data in clear; journeys still run. */
let h: Harness;
before(async () => {
  h = await startHarness({ env: { TEMPORAL_PAYLOAD_KEY: randomBytes(32).toString('base64') } });
});
after(() => h?.close());

test('histories are encrypted with TEMPORAL_PAYLOAD_KEY, and the journey runs as usual', { timeout: 60_000 }, async () => {
  await h.request('POST', '/v1/events', {
    type: 'customer.created',
    customerId: 'enc-1',
    properties: { email: 'grace.hopper@example.com', firstName: 'Grace', marketingConsent: true },
  });
  await eventually(async () => h.resend.emails.find((e) => e.body.to.includes('grace.hopper@example.com')), 30_000, 'the welcome email');
  const workflows: string[] = [];
  for await (const wf of h.env.client.workflow.list({ query: `CustomerId = 'enc-1'` })) workflows.push(wf.workflowId);
  assert.ok(workflows.length >= 1, 'the journey is in Temporal');
  for (const workflowId of workflows) {
    // Read with a client that has no key: what Temporal (and its UI) stores.
    const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
    // Markers (patch ids) and search attributes are the SDK's and the server's own, never encoded.
    const payloads: { encoding: string; data: string; system: boolean }[] = [];
    const text = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.from((v as Uint8Array) ?? [])).toString('latin1');
    const collect = (node: unknown, system = false): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.metadata && typeof n.metadata === 'object' && 'data' in n) {
        payloads.push({ encoding: text((n.metadata as Record<string, unknown>).encoding), data: text(n.data), system });
        return;
      }
      for (const [k, v] of Object.entries(n)) collect(v, system || k === 'searchAttributes' || k === 'markerRecordedEventAttributes');
    };
    collect(JSON.parse(JSON.stringify(history)));
    assert.ok(payloads.length > 3, `found the history's payloads (${payloads.length})`);
    for (const p of payloads) {
      if (!p.system) assert.equal(p.encoding, 'binary/encrypted', `every payload is encrypted (${p.encoding}: ${p.data.slice(0, 80)})`);
      for (const pii of ['grace.hopper@example.com', 'Grace']) assert.ok(!p.data.includes(pii), `${pii} is readable in ${workflowId}'s history`);
    }
  }
});
