import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import madge from 'madge';

/**
 * Modules form a tree, not a knot: an activity that imports the workflow kit (which imports
 * the activities' types) is the cycle this guards against. Type imports count, as they do for
 * a reader. Same check as `npx madge --circular --extensions ts,tsx .`.
 */
test('the import graph has no cycle', { timeout: 60_000 }, async () => {
  const root = join(__dirname, '../..');
  const graph = await madge(root, {
    fileExtensions: ['ts', 'tsx'],
    tsConfig: join(root, 'tsconfig.json'),
    excludeRegExp: [/^node_modules\//, /^\.tools\//, /^dist\//],
  });
  assert.deepEqual(graph.circular(), []);
});
