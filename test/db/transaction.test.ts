import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { withTransaction } from '../../db/transaction';
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
