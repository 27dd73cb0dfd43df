/**
 * Embedded Postgres for the one-command dev stack (`npm start`; production uses a real Postgres).
 *
 * PGlite is Postgres compiled to WASM and running in this Node process; pglite-socket serves it
 * over the Postgres wire protocol so the app's `pg` Pool talks to it exactly as it would to a
 * real server (same DATABASE_URL code path in dev and in production).
 *
 * PGlite is ONE backend. pglite-socket lets several TCP connections share it through a query
 * multiplexer: protocol messages run one at a time, and while one connection is inside an
 * explicit transaction (BEGIN … COMMIT) every other connection's messages wait. Consequences
 * (verified in test/dev/embedded-postgres.test.ts, except LISTEN/NOTIFY: a manual check):
 *  - Correctness comes from serialisation, not from locks: `SELECT … FOR UPDATE`,
 *    `INSERT … ON CONFLICT` and `pg_advisory_xact_lock` all work, and two transactions never
 *    overlap, so they can never conflict either.
 *  - Session state is shared by all connections: `SET` (search_path, statement_timeout, …),
 *    session-level advisory locks (`pg_advisory_lock` never blocks another connection), temp
 *    tables and named prepared statements belong to every "connection" at once.
 *  - Code that opens a transaction on one client and then awaits a query on ANOTHER client
 *    deadlocks here (the second query queues behind the open transaction). Likewise a client
 *    idling inside a transaction stalls everyone: keep transactions short.
 *  - Connections above `maxConnections` are refused with a non-Postgres error, so the sum of
 *    every Pool's `max` in the process must stay below EMBEDDED_PG_MAX_CONNECTIONS.
 *  - LISTEN/NOTIFY does not reach a listener on another connection; no SSL; no query cancel
 *    (pglite-socket drops cancel requests); COPY FROM STDIN is unsafe under concurrency
 *    (copy-in mode is not held for its connection; by reading of the code, not tested).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * Connection slots the socket server accepts. Statements are serialised anyway, so more slots
 * don't add throughput; they only have to cover every Pool in the dev process (api + worker +
 * migrations + tests) with room to spare: a connection over the limit is reset (pg reports
 * "Connection terminated unexpectedly", not a Postgres error), and a closed connection frees its
 * slot a moment after the client sees it closed. Keep each Pool's `max` at 10 or below.
 */
export const EMBEDDED_PG_MAX_CONNECTIONS = 64;

export interface EmbeddedPostgres {
  /** postgres://postgres@<host>:<port>/postgres — hand it to `pg` as DATABASE_URL. */
  url: string;
  /** Closes client sockets, the listener, then the database (flushes it to disk). Idempotent. */
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  host?: string;
  /** 0 picks a free port; the chosen one is in `url`. */
  port: number;
}): Promise<EmbeddedPostgres> {
  const host = opts.host ?? '127.0.0.1';
  const pgDir = path.join(opts.dataDir, 'pglite');
  fs.mkdirSync(pgDir, { recursive: true });

  // A directory path makes PGlite persist there with its Node filesystem (initdb on first run).
  const db = await PGlite.create(pgDir);
  const server = new PGLiteSocketServer({
    db: holdExtendedProtocolBatches(db),
    host,
    port: opts.port,
    maxConnections: EMBEDDED_PG_MAX_CONNECTIONS,
  });
  try {
    await server.start();
  } catch (err) {
    // Typically EADDRINUSE: close the database so its files are not left half-open.
    await db.close().catch(() => undefined);
    throw new Error(
      `embedded Postgres could not listen on ${host}:${opts.port}: ${(err as Error).message}` +
        ' (set DATABASE_URL to use an external Postgres, or pick another port)',
    );
  }

  // getServerConn() reports the OS-assigned port when port 0 was asked for.
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@${urlHost}:${port}/postgres`,
    stop() {
      stopping ??= (async () => {
        await server.stop();
        // Let handler detaches queued by stop() (they may ROLLBACK an open transaction) run
        // before the database goes away.
        await new Promise((resolve) => setImmediate(resolve));
        await db.close();
      })();
      return stopping;
    },
  };
}

// Extended-protocol messages that leave the backend waiting for more of the same batch.
// Sync ('S') ends a batch; a simple Query ('Q') is a batch on its own.
const MID_BATCH = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/**
 * Works around a pglite-socket 0.2.17 multiplexer bug. It queues each protocol message on its
 * own and only keeps other connections out while `db.isInTransaction()`. `pg` sends a
 * parameterised query as Parse/Bind/Describe/Execute/Sync; when that batch arrives in more than
 * one TCP read (any parameter over ~64 KB, e.g. a rendered email), another connection's Parse
 * can run between this one's Parse and Bind, replacing the unnamed statement: the Bind then
 * fails ("bind message supplies 1 parameters, but prepared statement "" requires 2") or, with
 * matching parameter counts, silently runs the other connection's SQL.
 *
 * The multiplexer asks `isInTransaction()` to decide whether the connection that ran last keeps
 * the database; answering "yes" until that connection's Sync holds the batch together. A Proxy
 * keeps the change outside the library (every method is bound to the real PGlite, whose
 * #private fields a Proxy `this` could not reach).
 */
function holdExtendedProtocolBatches(db: PGlite): PGlite {
  let midBatch = false;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'isInTransaction') return () => midBatch || target.isInTransaction();
      if (prop === 'execProtocolRawStream') {
        return (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          // A startup message starts with a length (first byte 0), never with a type letter.
          midBatch = MID_BATCH.has(message[0]);
          return target.execProtocolRawStream(message, options);
        };
      }
      if (prop === 'exec') {
        // Only called by the multiplexer to ROLLBACK after its connection went away: first end
        // that connection's unfinished batch so the next connection starts on a clean protocol.
        return async (query: string, options?: Parameters<PGlite['exec']>[1]) => {
          if (midBatch) {
            midBatch = false;
            await target.execProtocolRaw(SYNC);
          }
          return target.exec(query, options);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
