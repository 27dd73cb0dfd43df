/**
 * The statistics behind A/B results and holdout lift. Pure functions: the stats route, the
 * auto-winner and the tests compute the same numbers.
 *
 * Which test, and why: every A/B metric here (open, click, conversion rate) is a proportion
 * of recipients, and the arms are independent samples of customers (assignment is a hash of
 * the customer, not of the send). The standard test for two proportions is the pooled
 * two-proportion z-test (equivalent to Pearson's χ² on the 2×2 table: χ² = z²), two-sided
 * because a variant can be worse as well as better. It rests on the normal approximation to
 * the binomial, which holds when every arm has at least 5 successes and 5 failures (the
 * result says `approximate: false` otherwise); at the sample sizes an auto-winner waits for
 * (Klaviyo: 500 per variant) it is accurate. With more than two variants each is compared with
 * the leader, and the leader wins only when it beats every one of them at the confidence.
 * Holdout lift uses the unpooled (Wald) interval for a difference of proportions, and Welch's
 * normal interval for a difference of mean revenue per customer.
 */

/** Φ(x), the standard normal CDF, via erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = x === 0 ? 0 : 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface Proportion {
  successes: number;
  trials: number;
}

export interface ZTest {
  test: 'two-proportion z-test (pooled, two-sided)';
  /** rate of b minus rate of a */
  difference: number;
  z: number;
  pValue: number;
  /** 1 − p: how sure we are the two rates differ */
  confidence: number;
  /** false when an arm has fewer than 5 successes or failures: the normal approximation is rough */
  approximate: boolean;
}

/** Pooled two-proportion z-test of b against a. */
export function twoProportionZTest(a: Proportion, b: Proportion): ZTest {
  const test = 'two-proportion z-test (pooled, two-sided)' as const;
  const approximate = [a, b].every((p) => p.successes >= 5 && p.trials - p.successes >= 5);
  if (a.trials === 0 || b.trials === 0) return { test, difference: 0, z: 0, pValue: 1, confidence: 0, approximate: false };
  const pa = a.successes / a.trials;
  const pb = b.successes / b.trials;
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  const z = se === 0 ? 0 : (pb - pa) / se;
  const pValue = se === 0 ? 1 : 2 * (1 - normalCdf(Math.abs(z)));
  return { test, difference: pb - pa, z, pValue, confidence: 1 - pValue, approximate };
}

/** z for a two-sided interval of this confidence (0.9 → 1.645, 0.95 → 1.960). */
export function zFor(confidence: number): number {
  // Bisection on Φ: no table, any confidence.
  let lo = 0;
  let hi = 10;
  const target = 1 - (1 - confidence) / 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
  confidence: number;
}

/** Wald interval for rate(treated) − rate(control). */
export function differenceOfProportions(treated: Proportion, control: Proportion, confidence = 0.95): Interval {
  if (!treated.trials || !control.trials) return { estimate: 0, low: 0, high: 0, confidence };
  const pt = treated.successes / treated.trials;
  const pc = control.successes / control.trials;
  const se = Math.sqrt((pt * (1 - pt)) / treated.trials + (pc * (1 - pc)) / control.trials);
  const d = pt - pc;
  const z = zFor(confidence);
  return { estimate: d, low: d - z * se, high: d + z * se, confidence };
}

/** A sample summarised as n, Σx and Σx² (the database adds them up). */
export interface Sums {
  n: number;
  sum: number;
  sumOfSquares: number;
}

/** Welch's normal interval for mean(treated) − mean(control). */
export function differenceOfMeans(treated: Sums, control: Sums, confidence = 0.95): Interval {
  if (treated.n < 2 || control.n < 2) return { estimate: 0, low: 0, high: 0, confidence };
  const mean = (s: Sums) => s.sum / s.n;
  const variance = (s: Sums) => Math.max(0, (s.sumOfSquares - (s.sum * s.sum) / s.n) / (s.n - 1));
  const d = mean(treated) - mean(control);
  const se = Math.sqrt(variance(treated) / treated.n + variance(control) / control.n);
  const z = zFor(confidence);
  return { estimate: d, low: d - z * se, high: d + z * se, confidence };
}
