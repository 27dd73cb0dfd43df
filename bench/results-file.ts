import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const FILE = join(resolve(__dirname, '..'), 'bench/RESULTS.md');
const HEADER =
  '# Bench results\n\n`npm run bench` (embedded stack) and `BENCH_DATABASE_URL=postgres://… npm run bench` (real Postgres) each replace their own sections. Every figure stands beside its baseline measured in the same run on the same machine; on a shared machine read the ratios, not the absolute numbers.\n';

/** Replace (or append) the section `key` of bench/RESULTS.md; other sections stay as they are. */
export function writeResultsSection(key: string, markdown: string): void {
  let text = existsSync(FILE) ? readFileSync(FILE, 'utf8') : HEADER;
  const section = `<!-- section:${key} -->\n${markdown}\n<!-- /section:${key} -->`;
  const pattern = new RegExp(`<!-- section:${key} -->[\\s\\S]*?<!-- /section:${key} -->`);
  text = pattern.test(text) ? text.replace(pattern, section) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(FILE, text);
}

/** When and how the run that measured a scenario ran. */
export interface RunStamp {
  at: string;
  mode: string;
  loadAverage: number[];
}

interface ScenarioResults {
  at: string;
  mode: string;
  machine: { loadAverage: number[] };
  carried?: Partial<Record<string, RunStamp>>;
}

/**
 * The results of a run of some scenarios, with the scenarios it did not run taken from the
 * previous results (each stamped with the run that measured it, in `carried`): a run of one
 * scenario replaces that scenario's figures, not the others'.
 */
export function carryOverScenarios<R extends ScenarioResults>(now: R, previous: R | undefined, scenarios: readonly (keyof R & string)[]): R {
  const carried: Partial<Record<string, RunStamp>> = {};
  const merged = { ...now };
  for (const key of scenarios) {
    if (now[key] !== undefined || previous?.[key] === undefined) continue;
    merged[key] = previous[key];
    carried[key] = previous.carried?.[key] ?? { at: previous.at, mode: previous.mode, loadAverage: previous.machine.loadAverage };
  }
  if (Object.keys(carried).length > 0) merged.carried = carried;
  else delete merged.carried;
  return merged;
}
