import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Client } from '@temporalio/client';
import { loadConfig, loadDotEnv, type Config } from '../config/env';
import { createPool, createRelayPool } from '../db/pool';
import { EventRelay } from '../ingest/relay';
import { createLogger } from '../runtime/logger';
import { createTemporalClient } from '../runtime/temporal';
import { ensureSunsetSweep } from '../runtime/sunset-sweep';
import { createApp } from './app';
import { checkAudiences } from '../ingest/routes';
import { ShopWebhookSender } from './shop-webhooks';
import { sweepErasures } from './erasure';

const ERASURE_SWEEP_INTERVAL_MS = 10_000;
const SUNSET_SWEEP_CHECK_INTERVAL_MS = 3_600_000;

export interface RunningApi {
  url: string;
  relay: EventRelay;
  /**
   * `drainMs`: keep serving this long first, every answer closing its connection, so requests
   * already on their way (some still in the listen backlog) are answered rather than reset.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

/** Start the HTTP API and the event relay on given resources (the caller owns pool and client). */
export async function startApi(options: {
  config: Config;
  db: Pool;
  /** the relay's own pool, so a burst of requests cannot starve dispatch (default: `db`) */
  relayDb?: Pool;
  temporal: Client;
  log: Logger;
  relayPollInterval?: number;
  /** start the sunset sweep if it does not run (default true; test harnesses opt in) */
  sunsetSweep?: boolean;
}): Promise<RunningApi> {
  const { config, db, temporal, log } = options;
  checkAudiences(config.journeys);
  const relay = new EventRelay({
    db: options.relayDb ?? db,
    client: temporal,
    taskQueue: config.temporal.taskQueue,
    journeys: config.journeys,
    log,
    pollInterval: options.relayPollInterval,
    ...config.dispatch,
  });
  const app = createApp({ db, config, log, temporal, nudgeRelay: (lane) => relay.nudge(lane), handOffToRelay: (n) => relay.handOff(n) });
  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 calls back with the error when listening fails (EADDRINUSE, EACCES).
    const s = app.listen(config.api.port, config.api.host, (err?: Error) =>
      err
        ? reject(new Error(`the API could not listen on ${config.api.host}:${config.api.port}: ${err.message} (set API_PORT to use another port)`))
        : resolve(s),
    );
  });
  let draining = false;
  server.on('request', (_req, res) => {
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
  });
  // A client that trickles its headers or body (slowloris) is cut off instead of holding a socket.
  server.requestTimeout = config.api.requestTimeoutMs;
  server.headersTimeout = Math.min(config.api.requestTimeoutMs, 10_000);
  relay.start();
  // Every replica drains the webhook outbox; rows are leased, so none is posted twice at once.
  const shopWebhooks = config.shopWebhook ? new ShopWebhookSender({ db, ...config.shopWebhook, log }) : undefined;
  shopWebhooks?.start();
  // Second passes of erasures come due a minute or so after each erasure; durable, so any replica may run them.
  const erasureSweep = setInterval(() => {
    sweepErasures({ db, temporal, secret: config.pseudonymSecret }).catch((err: Error) => log.warn({ err: err.message }, 'erasure second pass failed; retrying'));
  }, ERASURE_SWEEP_INTERVAL_MS);
  erasureSweep.unref();
  // The sunset coordinator (workflows/sunset-sweep.ts) runs in Temporal; any replica may start it.
  const keepSunsetSweep = () =>
    ensureSunsetSweep(temporal, config.temporal.taskQueue).catch((err: Error) => log.warn({ err: err.message }, 'could not start the sunset sweep; trying again within the hour'));
  const sunsetSweepCheck = options.sunsetSweep === false ? undefined : setInterval(keepSunsetSweep, SUNSET_SWEEP_CHECK_INTERVAL_MS);
  sunsetSweepCheck?.unref();
  if (sunsetSweepCheck) void keepSunsetSweep();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.api.host}:${port}`,
    relay,
    async close({ drainMs = 0 } = {}) {
      draining = true;
      if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
      // Stop accepting connections and let in-flight requests finish (server.close() waits for
      // them and closes idle keep-alive sockets); the relay finishes its pass meanwhile. An
      // event it could not dispatch stays stored for the next relay, here or on a replica.
      clearInterval(erasureSweep);
      if (sunsetSweepCheck) clearInterval(sunsetSweepCheck);
      await Promise.all([
        relay.stop(),
        shopWebhooks?.stop(),
        new Promise<void>((resolve) => server.close(() => resolve())),
      ]);
      server.closeAllConnections?.();
    },
  };
}

const SHUTDOWN_TIMEOUT_MS = 20_000;
/** A replica behind a load balancer is taken out of rotation meanwhile; a direct client is still served. */
const SHUTDOWN_DRAIN_MS = 1_000;

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'api');
  if (!config.database.url) throw new Error('DATABASE_URL is required (npm start runs an embedded database)');
  const db = createPool(config.database.url, config.database.poolSize);
  const relayDb = createRelayPool(config.database.url, config.database.relayPoolSize, false);
  const temporal = createTemporalClient(config);
  const api = await startApi({ config, db, relayDb, temporal, log });
  log.info({ url: api.url }, 'api listening');
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'api shutting down: finishing in-flight requests');
    // A request that hangs (a client that never finishes its body) must not keep the process.
    setTimeout(() => {
      log.error(`api did not stop within ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    await api.close({ drainMs: SHUTDOWN_DRAIN_MS });
    await temporal.connection.close();
    await Promise.all([db.end(), relayDb.end()]);
    log.info('api stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
