import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carryOverScenarios } from '../../bench/results-file';

interface Results {
  at: string;
  mode: string;
  machine: { loadAverage: number[] };
  sendPath?: { perSecond: number };
  sleeping?: { journeys: number };
  carried?: Record<string, { at: string; mode: string; loadAverage: number[] }>;
}

const earlier: Results = { at: '2026-12-01T12:00:00Z', mode: 'short', machine: { loadAverage: [1, 1, 1] }, sendPath: { perSecond: 250 }, sleeping: { journeys: 2000 } };

test('a run of one scenario keeps the figures of the others, stamped with the run that measured them', () => {
  const now: Results = { at: '2026-12-01T18:45:00Z', mode: 'full', machine: { loadAverage: [3, 3, 3] }, sleeping: { journeys: 20000 } };
  const merged = carryOverScenarios(now, earlier, ['sendPath', 'sleeping']);
  assert.deepEqual(merged.sleeping, { journeys: 20000 });
  assert.deepEqual(merged.sendPath, { perSecond: 250 });
  assert.deepEqual(merged.carried, { sendPath: { at: earlier.at, mode: 'short', loadAverage: [1, 1, 1] } });
});

test('a figure carried twice keeps the stamp of the run that measured it', () => {
  const middle = carryOverScenarios({ at: 'b', mode: 'full', machine: { loadAverage: [2] }, sleeping: { journeys: 1 } }, earlier, ['sendPath', 'sleeping']);
  const last = carryOverScenarios({ at: 'c', mode: 'full', machine: { loadAverage: [4] }, sleeping: { journeys: 2 } }, middle, ['sendPath', 'sleeping']);
  assert.equal(last.carried?.sendPath?.at, earlier.at);
});

test('a run of every scenario carries nothing', () => {
  const now: Results = { at: 'x', mode: 'full', machine: { loadAverage: [0] }, sendPath: { perSecond: 1 }, sleeping: { journeys: 1 } };
  const merged = carryOverScenarios(now, earlier, ['sendPath', 'sleeping']);
  assert.equal(merged.carried, undefined);
  assert.deepEqual(merged.sendPath, { perSecond: 1 });
});
