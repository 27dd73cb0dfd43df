import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assignVariant, holdoutGroupOf } from '../../activities/experiments';
import { ExperimentSchema } from '../../config/measurement';
import { JourneysConfigSchema } from '../../config/journeys';
import { differenceOfMeans, differenceOfProportions, normalCdf, twoProportionZTest, zFor } from '../../shared/significance';

const experiment = (variants: { name: string; weight: number }[], id = 'win-back-subject') =>
  ExperimentSchema.parse({ id, journey: 'win-back', step: 'win-back', variants });
const customers = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);

describe('variant assignment', () => {
  test('is a pure function of experiment and customer: the same variant every time, in any process', () => {
    const e = experiment([
      { name: 'control', weight: 1 },
      { name: 'urgent', weight: 1 },
    ]);
    const first = customers.map((c) => assignVariant(e, c).name);
    // A fresh experiment object (another process, a restart, after continue-as-new) agrees.
    const again = customers.map((c) => assignVariant(structuredClone(e), c).name);
    assert.deepEqual(again, first);
    // Pinned: a change of the hash would reshuffle customers already in a running test.
    assert.deepEqual(
      ['customer-0', 'customer-1', 'customer-2', 'customer-3', 'customer-4', 'customer-5'].map((c) => assignVariant(e, c).name),
      PINNED,
    );
  });

  test('splits 10,000 customers by the weights, within three standard deviations', () => {
    for (const weights of [
      [1, 1],
      [70, 20, 10],
      [1, 1, 1, 1],
    ]) {
      const e = experiment(weights.map((weight, i) => ({ name: `v${i}`, weight })));
      const counts = new Map<string, number>();
      for (const c of customers) counts.set(assignVariant(e, c).name, (counts.get(assignVariant(e, c).name) ?? 0) + 1);
      const total = weights.reduce((a, b) => a + b, 0);
      weights.forEach((w, i) => {
        const p = w / total;
        const expected = customers.length * p;
        const sd = Math.sqrt(customers.length * p * (1 - p));
        const got = counts.get(`v${i}`) ?? 0;
        assert.ok(Math.abs(got - expected) <= 3 * sd, `weights ${weights}: v${i} got ${got}, expected ${expected} ± ${Math.round(3 * sd)}`);
      });
    }
  });

  test('another experiment shuffles customers independently', () => {
    const a = experiment([{ name: 'a0', weight: 1 }, { name: 'a1', weight: 1 }], 'first');
    const b = experiment([{ name: 'b0', weight: 1 }, { name: 'b1', weight: 1 }], 'second');
    const inA0 = customers.filter((c) => assignVariant(a, c).name === 'a0');
    const alsoB0 = inA0.filter((c) => assignVariant(b, c).name === 'b0').length;
    const sd = Math.sqrt(inA0.length * 0.25);
    assert.ok(Math.abs(alsoB0 - inA0.length / 2) <= 3 * sd, `${alsoB0} of ${inA0.length}`);
  });

  test('holdout groups take the configured share of 10,000 customers, independent of variants', () => {
    const control = customers.filter((c) => holdoutGroupOf('win-back', 5, c) === 'control');
    const sd = Math.sqrt(10_000 * 0.05 * 0.95);
    assert.ok(Math.abs(control.length - 500) <= 3 * sd, `${control.length} in control`);
    assert.deepEqual(control, customers.filter((c) => holdoutGroupOf('win-back', 5, c) === 'control'), 'stable');
    assert.equal(customers.filter((c) => holdoutGroupOf('win-back', 0, c) === 'control').length, 0);
    const e = experiment([{ name: 'x', weight: 1 }, { name: 'y', weight: 1 }]);
    const x = control.filter((c) => assignVariant(e, c).name === 'x').length;
    assert.ok(Math.abs(x - control.length / 2) <= 3 * Math.sqrt(control.length * 0.25), `${x} of ${control.length}`);
  });

  test('the config rejects duplicate variants, a single variant and two tests on one step', () => {
    assert.throws(() => experiment([{ name: 'same', weight: 1 }, { name: 'same', weight: 1 }]));
    assert.throws(() => experiment([{ name: 'alone', weight: 1 }]));
    const e = { journey: 'welcome', step: 'welcome-email', variants: [{ name: 'a' }, { name: 'b' }] };
    assert.throws(() => JourneysConfigSchema.parse({ experiments: [{ id: 'one', ...e }, { id: 'two', ...e }] }), /one experiment per journey step/);
    const parsed = JourneysConfigSchema.parse({ experiments: [{ id: 'one', ...e, autoWinner: {} }], holdouts: { welcome: { percent: 5 } } });
    assert.deepEqual(parsed.experiments[0].autoWinner, { minRecipientsPerVariant: 500, confidence: 0.9 });
    assert.equal(parsed.experiments[0].metric, 'click');
  });
});

describe('significance', () => {
  test('the two-proportion z-test on a worked example', () => {
    // 500 recipients each; control 50 clicks (10 %), variant 75 clicks (15 %).
    // pooled p = 125/1000 = 0.125; SE = √(0.125 · 0.875 · (1/500 + 1/500)) = 0.020917;
    // z = 0.05 / 0.020917 = 2.3905; two-sided p = 2 · (1 − Φ(2.3905)) = 0.01683.
    const r = twoProportionZTest({ successes: 50, trials: 500 }, { successes: 75, trials: 500 });
    assert.equal(r.test, 'two-proportion z-test (pooled, two-sided)');
    assert.ok(Math.abs(r.difference - 0.05) < 1e-12);
    assert.ok(Math.abs(r.z - 2.3905) < 1e-4, `z ${r.z}`);
    assert.ok(Math.abs(r.pValue - 0.01683) < 1e-5, `p ${r.pValue}`);
    assert.ok(Math.abs(r.confidence - 0.98317) < 1e-5);
    assert.equal(r.approximate, true);
    // Swapped arms: the same evidence, the other sign.
    const swapped = twoProportionZTest({ successes: 75, trials: 500 }, { successes: 50, trials: 500 });
    assert.ok(Math.abs(swapped.z + r.z) < 1e-12 && Math.abs(swapped.pValue - r.pValue) < 1e-12);
  });

  test('no difference, tiny samples and empty arms', () => {
    assert.equal(twoProportionZTest({ successes: 20, trials: 200 }, { successes: 20, trials: 200 }).pValue, 1);
    assert.equal(twoProportionZTest({ successes: 1, trials: 10 }, { successes: 3, trials: 10 }).approximate, false);
    assert.deepEqual(twoProportionZTest({ successes: 0, trials: 0 }, { successes: 3, trials: 10 }).confidence, 0);
  });

  test('the normal distribution as tables give it', () => {
    assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
    assert.ok(Math.abs(normalCdf(-1) - 0.158655) < 1e-6);
    assert.ok(Math.abs(zFor(0.95) - 1.959964) < 1e-5);
    assert.ok(Math.abs(zFor(0.9) - 1.644854) < 1e-5);
  });

  test('lift intervals on a worked example', () => {
    // treated 60/400 = 15 %, control 10/100 = 10 %: d = 0.05,
    // SE = √(0.15·0.85/400 + 0.1·0.9/100) = 0.034906; 95 %: 0.05 ± 1.96 · SE = [−0.0184, 0.1184].
    const d = differenceOfProportions({ successes: 60, trials: 400 }, { successes: 10, trials: 100 });
    assert.ok(Math.abs(d.estimate - 0.05) < 1e-12);
    assert.ok(Math.abs(d.low + 0.018424) < 1e-5 && Math.abs(d.high - 0.118424) < 1e-5, `${d.low} ${d.high}`);
    // revenue per customer: treated [10, 0, 20, 0] (mean 7.5, var 91.667), control [0, 0, 10, 0] (mean 2.5, var 25)
    const m = differenceOfMeans({ n: 4, sum: 30, sumOfSquares: 500 }, { n: 4, sum: 10, sumOfSquares: 100 });
    assert.ok(Math.abs(m.estimate - 5) < 1e-12);
    const se = Math.sqrt(91.6667 / 4 + 25 / 4);
    assert.ok(Math.abs(m.high - (5 + 1.959964 * se)) < 1e-3);
  });
});

/** The first six customers' variants, as the hash assigns them (see the stability test). */
const PINNED = ['control', 'urgent', 'urgent', 'control', 'control', 'control'];
