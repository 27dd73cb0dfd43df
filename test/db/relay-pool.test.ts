import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, createRelayPool } from '../../db/pool';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database?.drop();
});

const setting = async (pool: ReturnType<typeof createPool>) => {
  try {
    return (await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0].synchronous_commit;
  } finally {
    await pool.end();
  }
};

test("the relay's commits do not wait for the disk on Postgres; ingest's do", async () => {
  assert.equal(await setting(createRelayPool(database.url, 1, false)), 'off');
  assert.equal(await setting(createPool(database.url, 1)), 'on', 'the API stores events durably');
});

test('on the embedded database (one shared session) the relay keeps durable commits', async () => {
  assert.equal(await setting(createRelayPool(database.url, 1, true)), 'on');
});
