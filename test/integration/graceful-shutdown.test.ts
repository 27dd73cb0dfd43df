import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { TEST_API_KEY, startHarness, type Harness } from './harness';

/** Send one raw HTTP/1.1 request on an open socket and read the whole answer (or the error). */
function requestOn(socket: ReturnType<typeof connect>, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(
      `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_API_KEY}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}

describe('API shutdown (SIGTERM)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  test('requests arriving while it drains are answered, each closing its connection; then it stops accepting', async () => {
    const { port } = new URL(h.url);
    const closing = h.api.close({ drainMs: 500 });
    // A request that reaches the API just after the SIGTERM (a client that had not heard of it).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const event = { id: 'evt-shutdown-1', type: 'customer.created', customerId: 'c-shutdown', properties: { email: 'shutdown@example.com' } };
    const answer = await requestOn(socket, JSON.stringify(event));
    assert.match(answer, /^HTTP\/1\.1 202 /);
    assert.match(answer, /connection: close/i);
    await closing;
    const stored = await h.db.query('SELECT id FROM events WHERE id = $1', ['evt-shutdown-1']);
    assert.equal(stored.rowCount, 1);
    // Once drained and closed, nothing new is accepted.
    await assert.rejects(fetch(`${h.url}/healthz`), /fetch failed/);
  });
});
