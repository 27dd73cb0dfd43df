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
