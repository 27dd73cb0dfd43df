import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createPool, type Db } from '../../db/pool';
import { migrate } from '../../db/migrate';

/**
 * A fresh, migrated database per test file, on the Postgres of TEST_DATABASE_URL (default: the
 * local server). Tests never share state; `drop()` removes it.
 */
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  pool: Db;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `journeys_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect().catch((err: Error) => {
    throw new Error(`the tests need a PostgreSQL server at ${SERVER_URL} (set TEST_DATABASE_URL): ${err.message}`);
  });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 10);
  await migrate(pool);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const c = new Client({ connectionString: SERVER_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
