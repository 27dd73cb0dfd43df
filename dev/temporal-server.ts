/**
 * Runs `temporal server start-dev` for the one-command dev stack (`npm start`).
 *
 * Why not TestWorkflowEnvironment.createLocal(): it is built for tests (random ports, a temp
 * database deleted afterwards, the server dies with the test). The dev stack wants fixed ports,
 * the UI on 8233, and journeys that survive a restart, so we own the process:
 *  - state in `<dataDir>/temporal.sqlite` (WAL: readers don't block the writer, and
 *    synchronous=NORMAL fsyncs at checkpoints instead of on every commit; a crash of the machine,
 *    not of the process, can lose the last moments of history, which is fine for dev);
 *  - the journeys' search attributes (workflows/messages.ts) are registered on every start (the
 *    CLI skips ones that already exist, so restarts on the same file are fine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeCliFlags } from '../runtime/search-attributes';

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export interface TemporalDevServer {
  /** host:port of the gRPC frontend, for TEMPORAL_ADDRESS / Connection.connect. */
  address: string;
  /** Temporal Web UI. */
  uiUrl: string;
  /** SIGTERM, then SIGKILL if the server has not exited after 10 s. Idempotent. */
  stop(): Promise<void>;
}

export async function startTemporalDevServer(opts: {
  cliPath: string;
  dataDir: string;
  host?: string;
  port: number;
  uiPort: number;
  namespace: string;
  logger?: (line: string) => void;
}): Promise<TemporalDevServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger ?? (() => undefined);
  fs.mkdirSync(opts.dataDir, { recursive: true });

  // If something already listens there (often: a dev server left from an earlier run), our
  // readiness probe would happily talk to IT while our process dies on "address in use".
  await assertPortFree(host, opts.port, 'Temporal gRPC');
  await assertPortFree(host, opts.uiPort, 'Temporal UI');

  const args = [
    'server', 'start-dev',
    '--db-filename', path.join(opts.dataDir, 'temporal.sqlite'),
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    '--ip', host,
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--namespace', opts.namespace,
    ...searchAttributeCliFlags(),
    '--log-level', 'warn',
  ];
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  // Keep the last lines of output: they explain an early exit (bad flag, locked db file, …).
  const recent: string[] = [];
  let stopping: Promise<void> | undefined;
  const lineReader = () => {
    let partial = ''; // a chunk can end mid-line
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        recent.push(line);
        if (recent.length > 40) recent.shift();
        // Shutdown prints a burst of "connection refused"/"graceful_stop" warnings from the
        // server's internal workers; they are noise once we asked it to stop.
        if (!stopping) log(line);
      }
    };
  };
  child.stdout!.on('data', lineReader());
  child.stderr!.on('data', lineReader());

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // spawn() reports a missing/non-executable binary as an 'error' event, not an exit.
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  // Don't leave an orphan server holding the ports and the SQLite file when this process exits
  // without calling stop() (a crash, process.exit in a test runner, Ctrl-C handled elsewhere).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };

  const address = `${host}:${opts.port}`;
  const failure = Promise.race([
    exited.then(({ code, signal }) => new Error(`temporal server start-dev exited early (code ${code}, signal ${signal})`)),
    spawnError.then((err) => new Error(`could not run ${opts.cliPath}: ${err.message}`)),
  ]);
  // Aborted when the process fails first, so the probe loop doesn't go on polling a dead server
  // (and holding the event loop) until its timeout.
  const probe = new AbortController();
  try {
    await Promise.race([waitUntilServing(address, opts.namespace, probe.signal), failure.then((e) => Promise.reject(e))]);
  } catch (err) {
    probe.abort();
    await stop();
    const output = recent.length ? `\n--- last output of temporal server ---\n${recent.join('\n')}` : '';
    throw new Error(`Temporal dev server did not start: ${(err as Error).message}${output}`);
  }

  // A crash after a good start must not pass silently: the journeys would just stop moving.
  void exited.then(({ code, signal }) => {
    if (!stopping) log(`temporal server exited unexpectedly (code ${code}, signal ${signal})`);
  });

  return { address, uiUrl: `http://${host.includes(':') ? `[${host}]` : host}:${opts.uiPort}`, stop };
}

/**
 * Ready = the frontend answers and our namespace exists (it is created during startup, after the
 * port opens, so a bare TCP check would race the first client call).
 */
async function waitUntilServing(address: string, namespace: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline && !signal.aborted) {
    // lazy() + ensureConnected() rather than connect(): a failed connect() would drop the
    // Connection without closing its gRPC channel; this way every attempt is closed.
    const connection = Connection.lazy({ address, connectTimeout: 2_000 });
    try {
      await connection.ensureConnected();
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
  throw new Error(`not serving namespace "${namespace}" on ${address} after ${READY_TIMEOUT_MS / 1000}s: ${String(lastError)}`);
}

function assertPortFree(host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`${what} port ${host}:${port} is not available (${err.code ?? err.message}); is another server running?`)),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
