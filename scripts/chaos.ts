/**
 * `npm run chaos` — the fault-injection suite (see README "Proving it under faults").
 *   npm run chaos             the full run: 320 customers, every fault, < 10 minutes
 *   npm run chaos -- --short  the short run inside `npm test`: 40 customers, < 90 s
 *   CHAOS_SEED=n              replay a run's fault times and provider faults
 * Exits non-zero on any violation; the run's logs and report stay in .data/chaos/<run>/.
 */
import { FULL, SHORT, runChaos } from './chaos/run';
import { formatTable } from './chaos/verify';

async function main(): Promise<void> {
  const short = process.argv.includes('--short');
  const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const log = (line: string) => console.log(line);
  log(`chaos: ${short ? 'short' : 'full'} run, seed ${seed}`);
  const report = await runChaos({ ...(short ? SHORT : FULL), seed, log });
  log('');
  log(formatTable(report.verdict));
  log('');
  log(`finished in ${(report.durationMs / 1000).toFixed(1)} s; logs and report in ${report.runDir}`);
  if (!report.verdict.ok) {
    log(`\nVIOLATIONS: ${report.verdict.violations.map((v) => v.trim()).join('; ')}`);
    for (const d of report.verdict.details) log(`  ${d}`);
    process.exit(1);
  }
  log('no lost events, no duplicate emails, no unexpected emails');
  process.exit(0);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
