// A node:test reporter for `npm test`: after the run, the ten test files that took longest (the
// sum of their top-level tests), so the suite's time is watched where it is spent (CI allows 15
// minutes; keep well under). The usual TAP output is unchanged beside it.
export default async function* slowestTestFiles(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0) continue;
    const file = event.data.file ?? '(unknown file)';
    perFile.set(file, (perFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
  }
  const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 10);
  const cwd = process.cwd() + '/';
  yield `\nslowest test files (seconds, sum of their top-level tests):\n`;
  for (const [file, ms] of slowest) yield `  ${(ms / 1000).toFixed(1).padStart(6)}  ${file.replace(cwd, '')}\n`;
}
