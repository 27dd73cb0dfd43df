import express, { Router } from 'express';
import { z } from 'zod';
import { holdsLink, verifyToken } from '../../links/signed-links';
import { withTransaction } from '../../db/transaction';
import { recordEngagement } from '../../ingest/engagement';
import { machineSettings } from '../../ingest/machine-engagement';
import type { ApiDeps } from '../deps';
import { escapeHtml, sendInvalidLink, sendLinkPage } from '../html';
import { documentPublic, htmlPage, linkToken } from '../route-docs';

const tokenParams = z.object({ token: linkToken });
const invalid = htmlPage('Invalid, forged, expired or superseded link');
documentPublic({
  method: 'get',
  path: '/k/{token}',
  summary: '"Yes, keep me subscribed" page (public, signed link of a marketing email: the sunset question); changes nothing',
  request: { params: tokenParams },
  responses: { 200: htmlPage('Page with a "Keep me subscribed" button'), 400: invalid },
});
documentPublic({
  method: 'post',
  path: '/k/{token}',
  summary: '"Yes, keep me subscribed": a person\'s click of the message — engagement that ends the sunset and lifts an unengaged mark',
  description:
    'Recorded as a human click of the message that carried the link (source `keep-link`): the sunset journey hears of it at once, ' +
    'and "engaged" (win-back, sunset) counts it. It grants no consent: an unsubscribed address stays unsubscribed.',
  request: { params: tokenParams },
  responses: { 200: htmlPage('Thanks: you stay subscribed'), 400: invalid },
});

/**
 * The public "keep me" link (no API key, no login: the HMAC in the link is the proof, and it
 * must still belong to its holder — same address, same link epoch, not erased). GET only shows
 * a page, as with unsubscribing: mail scanners follow every link, and a scanner's visit must
 * never count as the customer's answer. The page's POST is a person's.
 */
export function keepSubscribedRouter(deps: ApiDeps): Router {
  const router = Router();
  const secret = deps.config.tokenSecret;
  const shop = deps.config.mail.shopName;
  const form = express.urlencoded({ extended: false, limit: '8kb' });

  const holder = async (token: string) => {
    const link = verifyToken(secret, token, 'keep');
    if (!link || link.m === undefined) return undefined;
    const { rows } = await deps.db.query<{ email: string | null; link_epoch: number; erased_at: Date | null; subscribed: boolean }>(
      `SELECT c.email, c.link_epoch, c.erased_at, (c.marketing_consent AND c.unsubscribed_at IS NULL) AS subscribed
         FROM messages m JOIN customers c ON c.id = m.customer_id WHERE m.id = $1 AND m.customer_id = $2`,
      [link.m, link.c],
    );
    return rows[0] && holdsLink(secret, link, rows[0]) ? { link, customer: rows[0] } : undefined;
  };

  router.get('/k/:token', async (req, res) => {
    const found = await holder(req.params.token);
    if (!found) return sendInvalidLink(res);
    sendLinkPage(
      res,
      200,
      'Keep me subscribed',
      `<div class="card"><h1>Keep hearing from ${escapeHtml(shop)}?</h1>
<p>Press the button and we will keep sending you our news and offers. You can unsubscribe from any email.</p>
<form method="post" action=""><button type="submit">Yes, keep me subscribed</button></form></div>`,
    );
  });

  router.post('/k/:token', form, async (req, res) => {
    const found = await holder(req.params.token);
    if (!found) return sendInvalidLink(res);
    await withTransaction(deps.db, (tx) =>
      recordEngagement(
        tx,
        { message: { id: found.link.m! }, kind: 'click', at: new Date(), source: 'keep-link', link: 'keep', confirmed: true },
        machineSettings(deps.config.journeys.engagement),
      ),
    );
    if (!found.customer.subscribed) {
      return sendLinkPage(res, 200, 'Not subscribed', `<h1>Thanks</h1><p>This address is not subscribed to ${escapeHtml(shop)}'s marketing emails, so nothing more will arrive. Order and shipping emails still do.</p>`);
    }
    sendLinkPage(res, 200, 'You stay subscribed', `<h1>Thanks — you stay subscribed</h1><p>You will keep hearing from ${escapeHtml(shop)}.</p>`);
  });

  return router;
}
