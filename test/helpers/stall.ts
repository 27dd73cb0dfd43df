import type { Pool } from 'pg';

/**
 * Holding one party of a race at a chosen statement, so a test can run the other party's
 * statements in the window between: races made deterministic, no sleeps.
 */
export interface Stall {
  /** resolves once the held statement was reached (it has not run yet) */
  reached: Promise<void>;
  /** lets the held statement run */
  release(): void;
}

function stall(): Stall & { hold(): Promise<void> } {
  let reached!: () => void;
  let release!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  const releaseP = new Promise<void>((r) => (release = r));
  return {
    reached: reachedP,
    release,
    hold: () => {
      reached();
      return releaseP;
    },
  };
}

/** `target` with `name` replaced; every other member bound to `target` itself. */
function withMember<T extends object>(target: T, name: PropertyKey, member: unknown): T {
  return new Proxy(target, {
    get(t, prop) {
      if (prop === name) return member;
      const value = Reflect.get(t, prop, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

/**
 * The pool as one party sees it: its first query on the pool itself (not on a connection it
 * checked out for a transaction) waits at `reached` until released. After the send path's claim
 * that query is the hand-over (Resend) or the outbox's one-statement send.
 */
export function stallFirstPoolQuery(pool: Pool): { pool: Pool; stall: Stall } {
  const s = stall();
  let held = false;
  const query = async (...args: unknown[]) => {
    if (!held) {
      held = true;
      await s.hold();
    }
    return (pool.query as (...a: unknown[]) => unknown)(...args);
  };
  return { pool: withMember(pool, 'query', query), stall: s };
}

/**
 * The pool as one party sees it: inside a transaction (a connection it checked out), the first
 * statement whose text matches `statement` waits at `reached` until released, the transaction
 * open and its locks held.
 */
export function stallTransactionBefore(pool: Pool, statement: RegExp): { pool: Pool; stall: Stall } {
  const s = stall();
  let held = false;
  const connect = async () => {
    const client = await pool.connect();
    const query = async (text: unknown, ...rest: unknown[]) => {
      if (!held && typeof text === 'string' && statement.test(text)) {
        held = true;
        await s.hold();
      }
      return (client.query as (...a: unknown[]) => unknown)(text, ...rest);
    };
    return withMember(client, 'query', query);
  };
  return { pool: withMember(pool, 'connect', connect), stall: s };
}

/**
 * Resolves once `settled` did, or once a statement of another session whose text matches
 * `statement` waits for a lock (it is blocked by the party a test holds): whichever comes first.
 */
export async function settledOrWaitingForLock(pool: Pool, settled: Promise<unknown>, statement: string): Promise<'settled' | 'waiting'> {
  let done = false;
  const settles = settled.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 1000 && !done; i++) {
    const { rowCount } = await pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND position($1 in query) > 0`,
      [statement],
    );
    if (rowCount) return 'waiting';
    await Promise.race([settles, new Promise((r) => setTimeout(r, 10))]);
  }
  if (done) return 'settled';
  throw new Error(`neither settled nor waiting for a lock: ${statement}`);
}
