import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const ROOT = resolve(__dirname, '../..');
const WORKFLOWS = join(ROOT, 'workflows');
/** Bundled with the workflows: they import its sandbox-safe helpers. */
const SHARED = join(ROOT, 'shared');
const CACHE = join(ROOT, '.data', 'test-cache');

/**
 * Bundling the workflows takes seconds; every test file needs the same bundle. Cache it on
 * disk, keyed by the workflow sources and the SDK version, so the suite bundles once.
 */
export async function workflowBundle(): Promise<{ code: string }> {
  const hash = createHash('sha256');
  for (const dir of [WORKFLOWS, SHARED]) {
    for (const file of readdirSync(dir, { recursive: true }).map(String).sort()) {
      if (!/\.tsx?$/.test(file)) continue;
      hash.update(file).update(readFileSync(join(dir, file)));
    }
  }
  hash.update(readFileSync(join(ROOT, 'node_modules/@temporalio/workflow/package.json')));
  const path = join(CACHE, `workflows-${hash.digest('hex').slice(0, 16)}.js`);
  if (existsSync(path)) return { code: readFileSync(path, 'utf8') };
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
  mkdirSync(CACHE, { recursive: true });
  // Write then rename: parallel test files may race to fill the cache.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bundle.code);
  renameSync(tmp, path);
  return bundle;
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
