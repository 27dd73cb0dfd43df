import { Router } from 'express';
import { holdsLink, verifyToken, type LinkPayload } from '../../links/signed-links';
import type { ApiDeps } from '../deps';
import { escapeHtml, page } from '../html';
import { documentPublic, htmlPage, linkToken } from '../route-docs';
import { z } from 'zod';
import type { Request } from 'express';
import { withTransaction } from '../../db/transaction';
import { recordEngagement, type EngagementInput } from '../../ingest/engagement';
import { machineSettings } from '../../ingest/machine-engagement';

const tokenParams = z.object({ token: linkToken });
documentPublic({
  method: 'get',
  path: '/t/o/{token}',
  summary: 'Open pixel (public, signed): marks the message opened, answers a 1×1 GIF whatever the token',
  request: { params: tokenParams },
  responses: {
    200: { description: 'A 1×1 GIF (a well-formed but forged or expired token records nothing)', content: { 'image/gif': { schema: z.string().openapi({ format: 'binary' }) } } },
    404: { description: 'Not a token this API issues (the same GIF, so no email shows a broken image)', content: { 'image/gif': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
});
documentPublic({
  method: 'get',
  path: '/t/c/{token}',
  summary: 'Click redirect (public, signed): marks the message clicked, redirects only to a URL the message contained',
  request: { params: tokenParams },
  responses: { 302: { description: 'Redirect to the link the message contained' }, 404: htmlPage('Invalid, forged or expired link') },
});

const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * Public, token-signed tracking endpoints. The pixel always answers with the image (a bad
 * token records nothing); the click redirect only ever leads to a URL the message contained,
 * so it cannot be used as an open redirect.
 */
export function trackingRouter(deps: ApiDeps): Router {
  const router = Router();

  /** The message a genuine token names, when it still belongs to the link's holder (address, epoch). */
  const trackedMessage = async (payload: LinkPayload) => {
    const { rows } = await deps.db.query<{ links: string[]; email: string | null; link_epoch: number; erased_at: Date | null }>(
      `SELECT m.links, c.email, c.link_epoch, c.erased_at FROM messages m JOIN customers c ON c.id = m.customer_id
        WHERE m.id = $1 AND m.customer_id = $2`,
      [payload.m, payload.c],
    );
    return rows[0] && holdsLink(deps.config.tokenSecret, payload, rows[0]) ? rows[0] : undefined;
  };

  /**
   * Opens and clicks go through the engagement record: machine ones are flagged (Apple Mail
   * Privacy Protection, link scanners), a person's first one becomes an event for the journey.
   */
  const record = async (req: Request, hit: Omit<EngagementInput, 'at' | 'userAgent' | 'ip' | 'method'>) => {
    const recorded = await withTransaction(deps.db, (tx) =>
      recordEngagement(
        tx,
        { ...hit, at: new Date(), userAgent: req.get('user-agent'), ip: req.ip, method: req.method },
        machineSettings(deps.config.journeys.engagement),
      ),
    );
    if (recorded?.event) deps.nudgeRelay();
  };

  router.get('/t/o/:token', async (req, res) => {
    if (!linkToken.safeParse(req.params.token).success) {
      res.status(404).set({ 'Cache-Control': 'no-store, max-age=0', 'Content-Type': 'image/gif' }).send(PIXEL);
      return;
    }
    const payload = verifyToken(deps.config.tokenSecret, req.params.token, 'open');
    if (payload?.m && (await trackedMessage(payload))) await record(req, { message: { id: payload.m }, kind: 'open', source: 'pixel' });
    // Webmail shows the pixel from its own origin: the image must be loadable cross-origin.
    res.set({ 'Cache-Control': 'no-store, max-age=0', 'Content-Type': 'image/gif', 'Cross-Origin-Resource-Policy': 'cross-origin' }).send(PIXEL);
  });

  router.get('/t/c/:token', async (req, res) => {
    const payload = verifyToken(deps.config.tokenSecret, req.params.token, 'click');
    const index = Number(payload?.x);
    const message = payload?.m ? await trackedMessage(payload) : undefined;
    const target = Number.isInteger(index) ? message?.links?.[index] : undefined;
    if (!payload || !target) {
      res.status(404).type('html').send(page('Link not found', `<h1>This link is not valid</h1><p class="muted">${escapeHtml('It may have been mistyped or cut off.')}</p>`));
      return;
    }
    await record(req, { message: { id: payload.m! }, kind: 'click', source: 'redirect', link: `#${index}` });
    res.set('Cache-Control', 'no-store').redirect(302, target);
  });

  return router;
}

