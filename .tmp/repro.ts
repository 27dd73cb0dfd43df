import pino from 'pino';
import { createApp } from '/work/wt/api/api/app';
import { startSendHarness, API_KEY } from '/work/wt/api/test/guardrails/harness';
(async () => {
  const h = await startSendHarness();
  const app = createApp({ db: h.db.pool, config: h.config, log: pino({ level: 'error' }), temporal: {} as never, nudgeRelay: () => {} });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as any).port}`;
  for (const firstName of ['\ud800', 'x\udfffy', "'; DROP TABLE customers; --", 'Ada\r\nBcc: v@x', '\u0000', 'x'.repeat(300), '${jndi:ldap://x}', '%00']) {
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: '\u000e', type: 'customer.created', customerId: '\u000e', properties: { email: 'hostile@example.com', firstName } }) });
    console.log(JSON.stringify(firstName).slice(0, 30), res.status);
  }
  const deep = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: '['.repeat(5000) + ']'.repeat(5000) });
  console.log('deep', deep.status);
  server.close(); await h.close();
})();
