import type { Pool, PoolClient, QueryResult } from 'pg';
import { ensurePrepared, type PreparedStatement } from './prepared';

/**
 * Every transaction here says its isolation level: read committed, whatever the database's or
 * role's default_transaction_isolation. A lock taken in a transaction serialises only the
 * statements after it in their own snapshots; under repeatable read the snapshot would be taken
 * at the lock's statement, before the lock is granted, and the reads after it would miss what
 * the previous holder committed.
 */
const BEGIN = 'BEGIN ISOLATION LEVEL READ COMMITTED';

/**
 * Run `work` in one transaction on one pooled connection: COMMIT when it returns, ROLLBACK
 * when it throws, and the connection goes back to the pool either way.
 */
export async function withTransaction<T>(db: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  return transaction(db, () => BEGIN, work);
}

/**
 * `withTransaction` holding the transaction-scoped advisory lock of `lockKey` (released at
 * COMMIT or ROLLBACK), taken in the same round trip as BEGIN: every send pays this once.
 */
export async function withLockedTransaction<T>(db: Pool, lockKey: string, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  return transaction(db, (tx) => `${BEGIN}; SELECT pg_advisory_xact_lock(hashtext(${tx.escapeLiteral(lockKey)}))`, work);
}

/** What a `withLockedReads` transaction hands its work. */
export interface LockedReads {
  /** the transaction's connection */
  readonly tx: PoolClient;
  /** what the statement given to `withLockedReads` returned, read under the lock */
  readonly first: QueryResult;
  /**
   * Run `sql` (literals only: see db/literal.ts) and COMMIT in one round trip; its result.
   * The transaction ends here: `work` should return right after.
   */
  commitWith(sql: string): Promise<QueryResult>;
}

/**
 * A locked transaction in as few round trips as the send path needs: BEGIN, the lock and a
 * first statement (`firstSql`: literals only, the simple query protocol has no parameters) in
 * one, the last write and COMMIT in another. The first statement runs after the lock is
 * granted, in its own snapshot, so it sees every transaction of the same lock committed before.
 * `options.prepared`: statements `firstSql` and `commitWith` EXECUTE, prepared on the connection first if needed.
 */
export async function withLockedReads<T>(
  db: Pool,
  lockKey: string,
  firstSql: string,
  work: (tx: LockedReads) => Promise<T>,
  options: { prepared?: readonly PreparedStatement[] } = {},
): Promise<T> {
  let first: QueryResult | undefined;
  let committed = false;
  return transaction(
    db,
    (tx) => `${BEGIN}; SELECT pg_advisory_xact_lock(hashtext(${tx.escapeLiteral(lockKey)})); ${firstSql}`,
    (tx) =>
      work({
        tx,
        first: first!,
        async commitWith(sql: string): Promise<QueryResult> {
          const results = (await tx.query(`${sql}; COMMIT`)) as unknown as QueryResult[];
          committed = true;
          return results[0];
        },
      }),
    {
      began: (results) => {
        first = (results as unknown as QueryResult[])[2];
      },
      committed: () => committed,
      prepared: options.prepared,
    },
  );
}

/**
 * A transaction in as few round trips as the ingest of one profile event needs: BEGIN and
 * `firstSql` (one or more statements, literals only) in one, then `commitWith` the writes and
 * COMMIT in another. `results` are those of `firstSql`'s statements, in order.
 */
export async function withFirstStatements<T>(
  db: Pool,
  firstSql: string,
  work: (tx: { readonly tx: PoolClient; readonly results: QueryResult[]; commitWith(sql: string): Promise<void> }) => Promise<T>,
): Promise<T> {
  let results: QueryResult[] = [];
  let committed = false;
  return transaction(
    db,
    () => `${BEGIN}; ${firstSql}`,
    (tx) =>
      work({
        tx,
        get results() {
          return results;
        },
        async commitWith(sql: string): Promise<void> {
          await tx.query(sql ? `${sql}; COMMIT` : 'COMMIT');
          committed = true;
        },
      }),
    {
      began: (all) => {
        results = (all as unknown as QueryResult[]).slice(1);
      },
      committed: () => committed,
    },
  );
}

async function transaction<T>(
  db: Pool,
  begin: (tx: PoolClient) => string,
  work: (tx: PoolClient) => Promise<T>,
  hooks: { began?: (result: QueryResult) => void; committed?: () => boolean; prepared?: readonly PreparedStatement[] } = {},
): Promise<T> {
  const tx = await db.connect();
  // A connection cut while it is checked out (Postgres restarting, a failover,
  // pg_terminate_backend) makes the client emit 'error'; the pool only listens while the
  // client is idle, and an unheard 'error' crashes the process. The transaction fails anyway
  // (its queries reject), and the broken connection is dropped instead of returned.
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  tx.on('error', onError);
  try {
    // once per connection, before BEGIN: the transaction's statements may EXECUTE them
    for (const statement of hooks.prepared ?? []) await ensurePrepared(tx, statement);
    // (awaited on its own line: `hooks.began?.(await …)` would skip the query without the hook)
    const began = await tx.query(begin(tx));
    hooks.began?.(began);
    const result = await work(tx);
    if (!hooks.committed?.()) await tx.query('COMMIT');
    return result;
  } catch (err) {
    if (!broken) await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.removeListener('error', onError);
    tx.release(broken);
  }
}
