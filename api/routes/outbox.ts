import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { escapeHtml, page } from '../html';
import { documentPublic, error, htmlPage, json } from '../route-docs';
import { z } from 'zod';

const onlyEmbedded = 'Only in the embedded stack (`npm start` without RESEND_API_KEY); 404 everywhere else.';
const missing = error('Not the embedded stack, or no such message');
const outboxId = z.object({ id: z.string().regex(/^\d{1,18}$/) });
documentPublic({
  method: 'get',
  path: '/outbox',
  summary: 'Local outbox: the emails the embedded stack stored instead of sending',
  description: onlyEmbedded,
  responses: { 200: htmlPage('The newest 200 stored emails'), 404: missing },
});
documentPublic({
  method: 'get',
  path: '/outbox.json',
  summary: 'Local outbox as JSON',
  description: onlyEmbedded,
  responses: {
    200: json(
      z.object({
        messages: z.array(
          z.object({
            id: z.number().int(),
            to: z.string(),
            from: z.string(),
            subject: z.string(),
            headers: z.record(z.string(), z.string()),
            idempotencyKey: z.string(),
            providerId: z.string(),
            createdAt: z.string(),
          }),
        ),
      }),
      'The newest 200 stored emails',
    ),
    404: missing,
  },
});
for (const [path, summary, type] of [
  ['/outbox/{id}', 'One stored email with its headers', 'text/html'],
  ['/outbox/{id}/html', "One stored email's HTML part", 'text/html'],
  ['/outbox/{id}/text', "One stored email's plain-text part", 'text/plain'],
] as const) {
  documentPublic({
    method: 'get',
    path,
    summary,
    description: onlyEmbedded,
    request: { params: outboxId },
    responses: { 200: { description: 'The email', content: { [type]: { schema: z.string() } } }, 404: missing },
  });
}

/**
 * The local outbox (embedded default, no RESEND_API_KEY): a page listing what would have been
 * mailed, and each message rendered as the recipient would see it. Mounted only when the
 * outbox is the transport.
 */
export function outboxRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/outbox', async (_req, res) => {
    const { rows } = await deps.db.query(
      `SELECT o.id, o.to_email, o.subject, o.created_at, m.journey, m.step, m.category
         FROM outbox o LEFT JOIN messages m ON m.idempotency_key = o.idempotency_key
        ORDER BY o.id DESC LIMIT 200`,
    );
    const list = rows
      .map(
        (r) => `<tr><td>${r.id}</td><td>${escapeHtml(r.created_at.toISOString())}</td><td>${escapeHtml(r.to_email)}</td>
<td><a href="outbox/${r.id}">${escapeHtml(r.subject)}</a></td><td>${escapeHtml(r.journey ?? '')}</td>
<td>${escapeHtml(r.step ?? '')}</td><td>${escapeHtml(r.category ?? '')}</td></tr>`,
      )
      .join('');
    res.type('html').send(
      page(
        'Outbox',
        `<h1>Outbox</h1><p class="muted">Emails the local transport stored instead of sending (set RESEND_API_KEY to send for real). Newest first; JSON at <a href="outbox.json">outbox.json</a>.</p>
<table><thead><tr><th>#</th><th>Stored</th><th>To</th><th>Subject</th><th>Journey</th><th>Step</th><th>Category</th></tr></thead>
<tbody>${list || '<tr><td colspan="7" class="muted">Nothing yet. Post a customer.created event (see the README).</td></tr>'}</tbody></table>`,
      ),
    );
  });

  router.get('/outbox.json', async (_req, res) => {
    const { rows } = await deps.db.query(
      'SELECT id, to_email, from_email, subject, headers, idempotency_key, provider_id, created_at FROM outbox ORDER BY id DESC LIMIT 200',
    );
    res.json({
      messages: rows.map((r) => ({
        id: Number(r.id),
        to: r.to_email,
        from: r.from_email,
        subject: r.subject,
        headers: r.headers,
        idempotencyKey: r.idempotency_key,
        providerId: r.provider_id,
        createdAt: r.created_at.toISOString(),
      })),
    });
  });

  router.get('/outbox/:id', async (req, res) => {
    const r = await findOutboxMessage(deps, req.params.id);
    const headers = Object.entries(r.headers as Record<string, string>)
      .map(([k, v]) => `<div><code>${escapeHtml(k)}: ${escapeHtml(v)}</code></div>`)
      .join('');
    res.type('html').send(
      page(
        r.subject,
        `<p><a href="../outbox">← Outbox</a></p><div class="card"><h1>${escapeHtml(r.subject)}</h1>
<p>From <b>${escapeHtml(r.from_email)}</b> to <b>${escapeHtml(r.to_email)}</b> · ${escapeHtml(r.created_at.toISOString())}</p>
<p class="muted">Idempotency key <code>${escapeHtml(r.idempotency_key)}</code></p>${headers}
<p><a href="${r.id}/text">Plain-text part</a></p></div>
<iframe sandbox="allow-popups" src="${r.id}/html" title="rendered email"></iframe>`,
      ),
    );
  });

  router.get('/outbox/:id/html', async (req, res) => {
    const r = await findOutboxMessage(deps, req.params.id);
    // The email's own HTML, isolated: a sandboxed iframe and no scripts.
    res.set('Content-Security-Policy', "default-src 'none'; img-src * data:; style-src 'unsafe-inline'");
    res.type('html').send(r.html);
  });

  router.get('/outbox/:id/text', async (req, res) => {
    const r = await findOutboxMessage(deps, req.params.id);
    res.type('text/plain').send(r.text);
  });

  return router;
}

async function findOutboxMessage(deps: ApiDeps, id: string) {
  if (!/^\d{1,18}$/.test(id)) throw new ApiError(404, 'not_found', `No outbox message ${id}`);
  const { rows } = await deps.db.query('SELECT * FROM outbox WHERE id = $1', [id]);
  if (!rows[0]) throw new ApiError(404, 'not_found', `No outbox message ${id}`);
  return rows[0];
}
