import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { documentPublic, error, htmlPage } from '../route-docs';

/**
 * The dashboard: what each journey earns, for a person with the API key. The page and its
 * assets hold no data and need no key (a browser cannot send a bearer header on navigation);
 * the page's script asks for the key, keeps it in sessionStorage (gone with the tab, never in a
 * URL, a cookie or the server's logs) and reads `GET /v1/stats/journeys` with it, so the
 * dashboard shows exactly what the API answers, and nothing without the key.
 *
 * Everything is served from our own origin (Chart.js from the installed package: no CDN, works
 * offline), under a stricter CSP than the rest of the app: scripts and styles from files only
 * (no inline code at all), fetches to this origin only, not framable.
 */
const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join(';');

const ASSETS_DIR = join(__dirname, '../dashboard');
const ASSETS = {
  'app.js': { file: 'app.js', type: 'application/javascript' },
  'app.css': { file: 'app.css', type: 'text/css' },
} as const;

documentPublic({
  method: 'get',
  path: '/dashboard',
  summary: 'The dashboard: funnels, revenue, daily chart, experiments, holdouts and skipped messages per journey',
  description:
    'An HTML page with no data of its own: it asks for the API key (kept in the browser tab\'s sessionStorage) and shows what `GET /v1/stats/journeys` answers with it.',
  responses: { 200: htmlPage('The dashboard page') },
});
for (const [name, { type }] of Object.entries(ASSETS)) {
  documentPublic({
    method: 'get',
    path: `/dashboard/${name}`,
    summary: `The dashboard's ${type === 'text/css' ? 'style sheet' : 'script'}`,
    responses: { 200: { description: name, content: { [type]: { schema: z.string() } } } },
  });
}
documentPublic({
  method: 'get',
  path: '/dashboard/vendor/chart.umd.min.js',
  summary: "Chart.js, served from the installed package (the dashboard's charts, offline)",
  responses: { 200: { description: 'JavaScript', content: { 'application/javascript': { schema: z.string() } } }, 404: error('Chart.js is not installed') },
});

/** Resolved when first asked for: an API process on a tree without the package still starts. */
function chartJsPath(): string | undefined {
  try {
    const file = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Journeys · Dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
<script src="/dashboard/vendor/chart.umd.min.js" defer></script>
<script src="/dashboard/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1>Journeys <span class="muted">· what each journey earns</span></h1>
  <form id="range" class="range" hidden>
    <label>Range <select id="range-preset" name="preset">
      <option value="7" selected>Last 7 days</option>
      <option value="30">Last 30 days</option>
      <option value="90">Last 90 days</option>
      <option value="all">All time</option>
      <option value="custom">Custom…</option>
    </select></label>
    <label>From <input type="date" id="range-from" name="from"></label>
    <label>To <input type="date" id="range-to" name="to"></label>
    <label>Attribution <input type="number" id="range-window" name="window" min="1" max="60" value="5"> days</label>
    <button type="submit">Show</button>
    <button type="button" id="sign-out" class="secondary">Sign out</button>
  </form>
</header>
<main>
  <section id="sign-in" class="card sign-in" hidden>
    <h2>Sign in</h2>
    <p>Enter the API key of this deployment (<code>API_KEY</code>; <code>npm start</code> prints it). It stays in this browser tab only.</p>
    <form id="sign-in-form" method="post" action="/dashboard" autocomplete="off">
      <input type="password" id="api-key" name="key" placeholder="API key" required autofocus>
      <button type="submit">Sign in</button>
    </form>
    <p id="sign-in-error" class="error" role="alert" hidden></p>
  </section>
  <p id="status" class="status" role="status"></p>
  <div id="board" hidden></div>
</main>
</body>
</html>
`;

function noStore(res: Response): void {
  res.set('Content-Security-Policy', DASHBOARD_CSP);
  res.set('Cache-Control', 'no-cache');
}

export function dashboardRouter(_deps: ApiDeps): Router {
  const router = Router();
  router.get('/dashboard', (_req, res) => {
    noStore(res);
    res.type('html').send(PAGE);
  });
  for (const [name, { file, type }] of Object.entries(ASSETS)) {
    router.get(`/dashboard/${name}`, (_req, res) => {
      noStore(res);
      res.type(type).sendFile(join(ASSETS_DIR, file));
    });
  }
  router.get('/dashboard/vendor/chart.umd.min.js', (_req, res) => {
    const file = chartJsPath();
    if (!file) throw new ApiError(404, 'not_found', 'chart.js is not installed (npm install)');
    res.set('Content-Security-Policy', DASHBOARD_CSP);
    res.set('Cache-Control', 'public, max-age=86400');
    res.type('application/javascript').sendFile(file);
  });
  return router;
}
