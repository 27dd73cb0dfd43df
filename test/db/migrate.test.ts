import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { migrate } from '../../db/migrate';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db?.drop();
});

test('applies every migration once, in file-name order, and records it', async () => {
  const { rows } = await db.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY applied_at, name');
  const names = rows.map((r) => r.name);
  assert.ok(names.length >= 1);
  assert.equal(names[0], '001_init.sql');
  assert.deepEqual([...names].sort(), names, 'applied in name order');
  assert.deepEqual(await migrate(db.pool), [], 'a second run applies nothing');
});

test('two concurrent migrators do not apply a file twice', async () => {
  const results = await Promise.all([migrate(db.pool), migrate(db.pool)]);
  assert.deepEqual(results, [[], []]);
  const { rows } = await db.pool.query('SELECT name, count(*)::int AS n FROM schema_migrations GROUP BY name HAVING count(*) > 1');
  assert.equal(rows.length, 0);
});
