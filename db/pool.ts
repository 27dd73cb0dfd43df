import { Pool, types } from 'pg';

// numeric columns come back as strings by default; money here fits a double comfortably.
types.setTypeParser(types.builtins.NUMERIC, (v) => Number(v));
// bigint ids and counts: well below 2^53 here, and numbers are what callers expect.
types.setTypeParser(types.builtins.INT8, (v) => Number(v));
// DATE stays a 'YYYY-MM-DD' string: a birthday has no time zone.
types.setTypeParser(types.builtins.DATE, (v) => v);

export type Db = Pool;

export function createPool(url: string, max = 10, options: { durableCommits?: boolean } = {}): Pool {
  const pool = new Pool({ connectionString: url, max, ...(options.durableCommits === false ? { options: '-c synchronous_commit=off' } : {}) });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * The relay's pool. Its writes (claims, leases, "dispatched", retry counts) do not wait for the
 * WAL to reach the disk: a Postgres crash that loses the last of them loses no event. A lost claim
 * or lease is claimable again; a lost "dispatched" is delivered again, and the journey drops an
 * event id it has seen. Ingest (the API's pool) keeps durable commits: a 202 means stored.
 * Not on the embedded PGlite: its one session's settings would be every connection's, the API's too.
 */
export function createRelayPool(url: string, max: number, embedded: boolean): Pool {
  return createPool(url, max, { durableCommits: embedded });
}
