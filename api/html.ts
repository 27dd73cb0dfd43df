import type { Response } from 'express';

/** Tiny helpers for the few server-rendered pages (outbox, unsubscribe). */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;background:#f6f6f4;color:#222}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px} table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eee;font-size:14px;vertical-align:top}
th{background:#fafafa} a{color:#1a5fb4} .muted{color:#888} .card{background:#fff;padding:20px;border-radius:8px}
iframe{width:100%;height:75vh;border:1px solid #ddd;background:#fff} code{background:#eee;padding:1px 4px;border-radius:3px}
button{font-size:15px;padding:10px 18px;border-radius:6px;border:0;background:#111;color:#fff;cursor:pointer}
</style></head><body><main>${body}</main></body></html>`;
}

/**
 * A page behind a signed link (unsubscribe, re-subscribe, keep-me, replenishment reminder). The token
 * in the URL is a credential: keep it out of caches, referrers and search engines.
 */
export function sendLinkPage(res: Response, status: number, title: string, body: string): void {
  res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' });
  res.status(status).type('html').send(page(title, body));
}

/** A forged, expired, superseded or truncated signed link. */
export function sendInvalidLink(res: Response): void {
  sendLinkPage(res, 400, 'Invalid link', '<h1>This link is not valid</h1><p>It may have been copied incompletely. Use the link from the latest email.</p>');
}
