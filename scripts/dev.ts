/**
 * `npm start`: the whole system on one machine with no other service.
 *   Postgres   DATABASE_URL if set, else embedded PGlite served over pglite-socket
 *   Temporal   TEMPORAL_ADDRESS if set, else `temporal server start-dev` on a SQLite file
 *   then       migrations, the worker, the API (and its event relay)
 * Everything persists under DATA_DIR (.data/): a second start resumes the journeys.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { loadConfig, loadDotEnv, type Config } from '../config/env';
import { createPool, createRelayPool } from '../db/pool';
import { migrate } from '../db/migrate';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../dev/embedded-postgres';
import { startTemporalDevServer, type TemporalDevServer } from '../dev/temporal-server';
import { ensureTemporalBinaries } from '../dev/temporal-binaries';
import { startApi } from '../api/server';
import { createJourneysWorker } from '../worker';
import { createLogger } from '../runtime/logger';
import { createTemporalClient, connectWorker } from '../runtime/temporal';

/**
 * Secrets the embedded stack invents once and keeps, so that API keys in a user's scripts
 * and the signed links in already-sent emails keep working across restarts.
 */
function devSecrets(dataDir: string): { apiKey: string; tokenSecret: string } {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = {
    apiKey: `dev_${randomBytes(18).toString('base64url')}`,
    tokenSecret: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function quietHoursLine(config: Config): string {
  const g = config.journeys.guardrails;
  const cap = `frequency cap ${g.frequencyCapCount} per ${g.frequencyCapWindow}`;
  if (g.quietHoursStart === g.quietHoursEnd) {
    return `${cap}; quiet hours off (embedded default; set JOURNEYS_CONFIG_FILE to use 21:00–08:00 like production)`;
  }
  return `${cap}; quiet hours ${g.quietHoursStart}:00–${g.quietHoursEnd}:00 local time`;
}

async function main(): Promise<void> {
  const started = Date.now();
  loadDotEnv();
  const dataDir = resolve(process.env.DATA_DIR || '.data');
  mkdirSync(dataDir, { recursive: true });
  const secrets = devSecrets(dataDir);
  const env = {
    ...process.env,
    API_KEY: process.env.API_KEY || secrets.apiKey,
    TOKEN_SECRET: process.env.TOKEN_SECRET || secrets.tokenSecret,
    // Quiet hours would hold every marketing email of a first try in the evening until 08:00;
    // the embedded stack turns them off unless a journeys config file is given.
    JOURNEYS_CONFIG_FILE: process.env.JOURNEYS_CONFIG_FILE || resolve(__dirname, '../dev/journeys.dev.json'),
    // Links in emails must reach this API unless a public URL is configured.
    PUBLIC_URL: process.env.PUBLIC_URL || `http://${process.env.API_HOST || '127.0.0.1'}:${process.env.API_PORT || 3000}`,
  } as NodeJS.ProcessEnv;
  const log = createLogger(process.env.LOG_LEVEL || 'info', 'journeys');
  // The SDK's own INFO lines (the webpack report of the workflow bundle) drown the URLs.
  Runtime.install({ logger: new DefaultLogger(process.env.LOG_LEVEL === 'debug' ? 'INFO' : 'WARN') });
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.error({ err }, 'shutdown step failed'));
  };

  try {
    let pg: EmbeddedPostgres | undefined;
    if (!env.DATABASE_URL) {
      pg = await startEmbeddedPostgres({ dataDir, port: Number(env.EMBEDDED_PG_PORT || 54329) });
      stops.push(() => pg!.stop());
      env.DATABASE_URL = pg.url;
    }
    let temporalServer: TemporalDevServer | undefined;
    if (!env.TEMPORAL_ADDRESS) {
      const { cli } = await ensureTemporalBinaries();
      const port = Number(env.TEMPORAL_PORT || 7233);
      temporalServer = await startTemporalDevServer({
        cliPath: cli,
        dataDir,
        port,
        uiPort: Number(env.TEMPORAL_UI_PORT || 8233),
        namespace: env.TEMPORAL_NAMESPACE || 'default',
        logger: (line) => log.debug({ temporal: line }),
      });
      stops.push(() => temporalServer!.stop());
      env.TEMPORAL_ADDRESS = temporalServer.address;
    }

    const config = loadConfig(env, { embedded: true });
    // One pool each: a burst of API requests must not starve the relay or the worker.
    const db = createPool(config.database.url!, config.database.poolSize);
    const relayDb = createRelayPool(config.database.url!, config.database.relayPoolSize, Boolean(pg));
    const workerDb = createPool(config.database.url!, config.database.workerPoolSize);
    stops.push(() => Promise.all([db.end(), relayDb.end(), workerDb.end()]));
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'migrations applied');

    const connection = await connectWorker(config);
    stops.push(() => connection.close());
    const worker = await createJourneysWorker({ config, db: workerDb, connection });
    const workerDone = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
    });

    const temporal = createTemporalClient(config);
    stops.push(() => temporal.connection.close());
    const api = await startApi({ config, db, relayDb, temporal, log });
    stops.push(() => api.close());

    const uiUrl = temporalServer?.uiUrl ?? `(your Temporal UI for ${config.temporal.address})`;
    const lines = [
      '',
      `Journeys is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  API          ${api.url}`,
      `  API docs     ${api.url}/docs`,
      `  Temporal UI  ${uiUrl}`,
      config.mail.transport === 'outbox'
        ? `  Outbox       ${api.url}/outbox   (no RESEND_API_KEY: emails are stored here, not sent)`
        : `  Email        Resend (${config.mail.from})`,
      `  Postgres     ${pg ? `embedded PGlite at ${config.database.url} (${join(dataDir, 'pglite')})` : 'DATABASE_URL'}`,
      `  Temporal     ${config.temporal.address}${temporalServer ? ` (dev server, ${join(dataDir, 'temporal.sqlite')})` : ''}`,
      `  Guardrails   ${quietHoursLine(config)}`,
      `  API key      ${config.api.key}${env.API_KEY === secrets.apiKey ? `   (generated; kept in ${join(dataDir, 'dev-secrets.json')})` : ''}`,
      '',
      'Try it:',
      `  curl -s -X POST ${api.url}/v1/events -H 'Authorization: Bearer ${config.api.key}' -H 'Content-Type: application/json' \\`,
      `    -d '{"type":"customer.created","customerId":"c-1","properties":{"email":"ada@example.com","firstName":"Ada","marketingConsent":true}}'`,
      '',
      'Ctrl-C stops everything; data stays in ' + dataDir,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');

    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      await stopAll();
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    workerDone.catch(async (err) => {
      log.error({ err }, 'worker stopped with an error');
      await shutdown('worker-error');
    });
  } catch (err) {
    await stopAll();
    throw err;
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
