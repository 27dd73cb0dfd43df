import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Pool } from 'pg';
import { withLockedReads, withTransaction } from '../../db/transaction';
import { settledOrWaitingForLock } from '../helpers/stall';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database?.drop();
});

test('a connection cut inside a transaction fails that transaction, not the process', async () => {
  // An 'error' event nobody listens to is an uncaught exception: in the API or a worker, a crash.
  const crashes: Error[] = [];
  const crash = (err: Error) => crashes.push(err);
  process.on('uncaughtException', crash);
  const cut = withTransaction(database.pool, async (tx) => {
    const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // As pg_terminate_backend from an operator, or Postgres restarting, would do.
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    } finally {
      await admin.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    await tx.query('SELECT 1');
  });
  await assert.rejects(cut, /terminat|not queryable/i);
  await new Promise((resolve) => setTimeout(resolve, 100));
  process.off('uncaughtException', crash);
  assert.deepEqual(crashes.map((e) => e.message), []);
  // The broken connection is not handed out again.
  const again = await withTransaction(database.pool, (tx) => tx.query<{ one: number }>('SELECT 1 AS one'));
  assert.equal(again.rows[0].one, 1);
});

test('the customer lock serialises the reads after it even where the database defaults to repeatable read', async () => {
  // A database (or role) set to repeatable read by default: each session of this pool is.
  const rr = new Pool({ connectionString: database.url, max: 4 });
  rr.on('connect', (client) => void client.query(`SET default_transaction_isolation = 'repeatable read'`));
  await database.pool.query('CREATE TABLE lock_counter (n int NOT NULL); INSERT INTO lock_counter VALUES (0)');
  try {
    const shown = await rr.query('SHOW default_transaction_isolation');
    assert.equal(shown.rows[0].default_transaction_isolation, 'repeatable read');
    // Read-then-write under the lock, as the send path's claim does.
    const increment = (hold?: { inside(): void; until: Promise<void> }) =>
      withLockedReads(rr, 'counter', 'SELECT n FROM lock_counter', async (locked) => {
        hold?.inside();
        await hold?.until;
        const n = (locked.first.rows[0] as { n: number }).n;
        await locked.commitWith(`UPDATE lock_counter SET n = ${n + 1}`);
        return n;
      });
    let inside!: () => void;
    let release!: () => void;
    const firstInside = new Promise<void>((r) => (inside = r));
    const until = new Promise<void>((r) => (release = r));
    // The first holds the lock, its read done; the second asks for the lock meanwhile.
    const first = increment({ inside, until });
    await firstInside;
    const second = increment();
    assert.equal(await settledOrWaitingForLock(database.pool, second, 'pg_advisory_xact_lock'), 'waiting');
    release();
    assert.deepEqual(await Promise.all([first, second]), [0, 1], 'the second read what the first committed while it waited for the lock');
    assert.equal((await database.pool.query('SELECT n FROM lock_counter')).rows[0].n, 2);
  } finally {
    await rr.end();
    await database.pool.query('DROP TABLE lock_counter');
  }
});
