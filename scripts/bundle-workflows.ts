/**
 * Bundles workflows/ once, at build time: `node dist/worker.js` then loads the file instead of
 * running webpack at every start (seconds of CPU and a few hundred MB of memory per process).
 *   tsx scripts/bundle-workflows.ts dist/workflow-bundle.js
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx scripts/bundle-workflows.ts <output.js>');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  writeFileSync(out, code);
  console.log(`› workflow bundle: ${out} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
