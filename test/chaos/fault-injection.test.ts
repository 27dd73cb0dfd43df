import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHORT, runChaos } from '../../scripts/chaos/run';
import { formatTable } from '../../scripts/chaos/verify';

/**
 * The short fault-injection run (`npm run chaos -- --short`): two APIs, two workers, Temporal
 * on SQLite and real Postgres as separate processes, 40 customers, worker and API kills, a
 * Temporal restart, cut Postgres connections and a misbehaving provider. Nothing lost, nothing
 * twice, nobody unwanted.
 */
test('under crashes, restarts and provider faults every expected email arrives exactly once and nothing else', { timeout: 240_000 }, async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const lines: string[] = [];
  const report = await runChaos({ ...SHORT, seed, log: (line) => lines.push(line) });
  const table = formatTable(report.verdict);
  assert.ok(
    report.verdict.ok,
    `chaos run (CHAOS_SEED=${seed}) found violations: ${report.verdict.violations.map((v) => v.trim()).join('; ')}\n` +
      `${report.verdict.details.join('\n')}\n\n${table}\n\n${lines.join('\n')}\nlogs: ${report.runDir}`,
  );
});
