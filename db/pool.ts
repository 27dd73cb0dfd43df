import { Pool, types } from 'pg';

// numeric columns come back as strings by default; money here fits a double comfortably.
types.setTypeParser(types.builtins.NUMERIC, (v) => Number(v));
// bigint ids and counts: well below 2^53 here, and numbers are what callers expect.
types.setTypeParser(types.builtins.INT8, (v) => Number(v));
// DATE stays a 'YYYY-MM-DD' string: a birthday has no time zone.
types.setTypeParser(types.builtins.DATE, (v) => v);

export type Db = Pool;

export function createPool(url: string, max = 10): Pool {
  const pool = new Pool({ connectionString: url, max });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}
