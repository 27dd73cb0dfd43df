import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from the signal we sent to the exit */
  afterMs: number;
}

/** A fault the run injected, when, and how the process it hit went down. */
export interface FaultRecord {
  at: number;
  what: string;
  exit?: Exit;
}

/**
 * One app process of the stack (an API or a worker), started from its real entry point with
 * its env, logging to a file. `kill` sends a signal and resolves when the process is gone;
 * `start` runs it again with the same env (a restart after a crash).
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private readonly log: WriteStream;
  private killing = false;
  private stopped = false;
  starts = 0;
  /** exits nobody asked for (a crash): each is a violation, and the process is restarted */
  readonly crashes: string[] = [];

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    logFile: string,
    private readonly ready: (proc: AppProcess, output: () => string) => Promise<void>,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.starts++;
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, this.entry)], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
    const collect = (chunk: Buffer) => {
      this.log.write(chunk);
      if (output.length < 200_000) output += chunk.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    this.log.write(`\n--- start #${this.starts} pid ${child.pid} at ${new Date().toISOString()}\n`);
    let ready = false;
    const died = this.exited.then(({ code, signal }) => {
      if (!ready) throw new Error(`${this.name} exited during start (code ${code}, signal ${signal}):\n${output.slice(-2000)}`);
      if (this.killing || this.stopped) return;
      // Like a container's restart policy: note the crash, bring the process back.
      this.crashes.push(`${this.name} pid ${child.pid} exited by itself (code ${code}, signal ${signal}): ${lastLines(output)}`);
      setTimeout(() => void (this.stopped ? undefined : this.start().catch(() => undefined)), 500);
    });
    await Promise.race([this.ready(this, () => output), died]);
    ready = true;
    died.catch(() => undefined);
  }

  async kill(signal: NodeJS.Signals): Promise<Exit> {
    const child = this.child;
    if (!child || !this.running) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null, afterMs: 0 };
    const sentAt = Date.now();
    this.log.write(`\n--- ${signal} at ${new Date().toISOString()}\n`);
    this.killing = true;
    child.kill(signal);
    const { code, signal: bySignal } = await this.exited!;
    this.killing = false;
    return { code, signal: bySignal, afterMs: Date.now() - sentAt };
  }

  /** SIGKILL if still running (the end of the run, or a failed start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.running) await this.kill('SIGKILL');
    await new Promise<void>((done) => this.log.end(done));
  }
}

function lastLines(output: string): string {
  return output.trim().split('\n').slice(-12).join(' | ').slice(-1500);
}

/** Resolves when `url` answers 200, polling every 100 ms, within `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Resolves when the process has printed `marker`. */
export async function waitForOutput(output: () => string, marker: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!output().includes(marker)) {
    if (Date.now() > deadline) throw new Error(`no "${marker}" within ${timeoutMs} ms:\n${output().slice(-2000)}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
