import type { Pool, PoolClient } from 'pg';

/**
 * Run `work` in one transaction on one pooled connection: COMMIT when it returns, ROLLBACK
 * when it throws, and the connection goes back to the pool either way.
 */
export async function withTransaction<T>(db: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  return transaction(db, () => 'BEGIN', work);
}

/**
 * `withTransaction` holding the transaction-scoped advisory lock of `lockKey` (released at
 * COMMIT or ROLLBACK), taken in the same round trip as BEGIN: every send pays this once.
 */
export async function withLockedTransaction<T>(db: Pool, lockKey: string, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  return transaction(db, (tx) => `BEGIN; SELECT pg_advisory_xact_lock(hashtext(${tx.escapeLiteral(lockKey)}))`, work);
}

async function transaction<T>(db: Pool, begin: (tx: PoolClient) => string, work: (tx: PoolClient) => Promise<T>): Promise<T> {
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
    await tx.query(begin(tx));
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    if (!broken) await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.removeListener('error', onError);
    tx.release(broken);
  }
}
