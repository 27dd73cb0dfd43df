import type { Pool, PoolClient } from 'pg';

/**
 * Run `work` in one transaction on one pooled connection: COMMIT when it returns, ROLLBACK
 * when it throws, and the connection goes back to the pool either way.
 */
export async function withTransaction<T>(db: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const tx = await db.connect();
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}
