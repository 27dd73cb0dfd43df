import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/**
 * Reading the dashboard as a person sees it (shared by its browser test and the demo's): sign
 * in through the form, then compare every figure shown with the stats answer it names.
 */
export async function signIn(page: Page, baseUrl: string, apiKey: string): Promise<{ url: string; authorization: string | undefined; body: any }> {
  await page.goto(`${baseUrl}/dashboard`);
  await page.locator('#api-key').fill(apiKey);
  const response = page.waitForResponse((r) => r.url().includes('/v1/stats/journeys') && r.status() === 200);
  await page.locator('#sign-in-form button').click();
  const res = await response;
  await page.locator('body[data-loaded="true"]').waitFor();
  return { url: res.url(), authorization: (await res.request().allHeaders()).authorization, body: await res.json() };
}

/** The answer's value at a figure's `data-stat` path: [journey, step | '' (the journey) | '*' (its steps added up) | '@' (top level), ...fields]. */
export function statAt(stats: any, path: (string | number)[]): number | undefined {
  const [journeyName, stepName, ...rest] = path;
  const dig = (v: any, keys: (string | number)[]) => keys.reduce((o, k) => (o == null ? undefined : o[k]), v);
  if (journeyName === '@') return dig(stats, [stepName, ...rest]);
  const journey = stats.journeys.find((j: { journey: string }) => j.journey === journeyName);
  if (!journey) return undefined;
  if (stepName === '') return dig(journey, rest);
  if (stepName === '*') return journey.steps.reduce((n: number, s: unknown) => n + (Number(dig(s, rest)) || 0), 0);
  return dig(journey.steps.find((s: { step: string }) => s.step === stepName), rest);
}

/** Every figure on the page against the answer; returns how many were compared. */
export async function compareShownFigures(page: Page, stats: any): Promise<number> {
  const shown = await page
    .locator('[data-stat]')
    .evaluateAll((nodes) => nodes.map((n) => ({ path: (n as HTMLElement).dataset.stat!, scale: Number((n as HTMLElement).dataset.scale ?? 1), text: n.textContent ?? '' })));
  for (const { path, scale, text } of shown) {
    const expected = statAt(stats, JSON.parse(path));
    assert.notEqual(expected, undefined, `${path} is in the answer`);
    // shown rounded: money to cents, a rate as percent (scale 100) to one decimal
    const value = Number(text.replace(/[^0-9.-]/g, ''));
    const tolerance = scale === 1 ? 0.005 : 0.05;
    assert.ok(Math.abs(value - Number(expected) * scale) <= tolerance + 1e-9, `${path}: the page shows ${text}, the API says ${expected}`);
  }
  return shown.length;
}
