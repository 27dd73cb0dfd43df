import express, { Router } from 'express';
import type { Pool } from 'pg';
import { addressHash, holdsLink, signLink, verifyToken, type LinkHolder, type LinkPayload, type LinkPurpose } from '../../links/signed-links';
import type { Mailer } from '../../activities/email/mailer';
import type { ApiDeps } from '../deps';
import { escapeHtml, page, sendInvalidLink, sendLinkPage } from '../html';
import { NEW_SHOP_WEBHOOK_ID } from '../shop-webhooks';
import { documentPublic, htmlPage, linkToken } from '../route-docs';
import { z } from 'zod';

const tokenParams = z.object({ token: linkToken });
const invalid = htmlPage('Invalid, forged, expired or superseded link');
documentPublic({
  method: 'get',
  path: '/u/{token}',
  summary: 'Unsubscribe page (public, signed link from every marketing email); changes nothing',
  request: { params: tokenParams },
  responses: { 200: htmlPage('Page with an Unsubscribe button'), 400: invalid },
});
documentPublic({
  method: 'post',
  path: '/u/{token}',
  summary: 'Unsubscribe from marketing email (RFC 8058 one-click; no login, no cookies)',
  description: "Body `List-Unsubscribe=One-Click` (form-encoded) from mailbox providers, or the page's form. Transactional mail still goes out.",
  request: {
    params: tokenParams,
    body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ 'List-Unsubscribe': z.literal('One-Click').optional() }) } } },
  },
  responses: { 200: htmlPage('Unsubscribed, with a re-subscribe button'), 400: invalid },
});
documentPublic({
  method: 'get',
  path: '/r/{token}',
  summary: 'Re-subscribe page (linked from the unsubscribe confirmation, or from the confirmation email); changes nothing',
  request: { params: tokenParams },
  responses: { 200: htmlPage('Page with a Re-subscribe button'), 400: invalid },
});
documentPublic({
  method: 'post',
  path: '/r/{token}',
  summary: 'Re-subscribe: with the page\'s link, mails a confirmation link to the address; with the confirmation link, the explicit new opt-in',
  description: 'Only the confirmation link (mailed to the address itself, valid 2 days) grants consent: a forwarded email cannot re-subscribe its original recipient.',
  request: { params: tokenParams },
  responses: { 200: htmlPage('Subscribed again'), 400: invalid },
});

/**
 * The public, token-signed unsubscribe pages (no API key, no login, no cookies: the HMAC in the
 * link is the proof). RFC 8058: GET only shows a page — link scanners and previews must never
 * unsubscribe anyone — and POST unsubscribes, whether it is the mailbox provider's one-click
 * (`List-Unsubscribe=One-Click`) or the button on the page. Every link must still belong to
 * its holder: same address, same link epoch, not erased (links/signed-links.ts).
 *
 *   GET  /u/:token   page with an Unsubscribe button
 *   POST /u/:token   unsubscribe (idempotent), then a page offering to re-subscribe
 *   GET  /r/:token   re-subscribe page: offers to mail a confirmation link ('resubscribe'), or
 *                    with a confirmation link ('resubscribe-confirm') a Confirm button
 *   POST /r/:token   'resubscribe': mails the confirmation link to the address on file;
 *                    'resubscribe-confirm': the explicit new opt-in, recorded like any consent
 * A forwarded email's unsubscribe page therefore never grants consent by itself: only a click
 * in a confirmation that reached the address does.
 */
export function unsubscribeRouter(deps: ApiDeps, mailer: Mailer): Router {
  const router = Router();
  const secret = deps.config.tokenSecret;
  const shop = deps.config.mail.shopName;
  // The one-click body is tiny; anything bigger is not a mailbox provider.
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const holder = async (token: string, purpose: LinkPurpose) => {
    const link = verifyToken(secret, token, purpose);
    if (!link) return undefined;
    const customer = await findRecipient(deps.db, link.c);
    return customer && holdsLink(secret, link, customer) ? { link, customer } : undefined;
  };
  const resubscribeLink = async (token: string) =>
    (await holder(token, 'resubscribe-confirm')) ?? (await holder(token, 'resubscribe'));

  router.get('/u/:token', async (req, res) => {
    const found = await holder(req.params.token, 'unsubscribe');
    if (!found) return sendInvalidLink(res);
    const { link, customer } = found;
    if (customer.unsubscribed_at) return sendLinkPage(res, 200, 'Unsubscribed', unsubscribedBody(shop, customer, resubscribePath(deps.config.publicUrl, secret, link, customer)));
    sendLinkPage(
      res,
      200,
      'Unsubscribe',
      `<div class="card"><h1>Unsubscribe from ${escapeHtml(shop)} marketing emails?</h1>
<p>${escapeHtml(maskEmail(customer.email))} will get no more offers, reminders or news from us. Order and shipping emails still arrive.</p>
<form method="post" action=""><input type="hidden" name="via" value="page"><button type="submit">Unsubscribe</button></form></div>`,
    );
  });

  router.post('/u/:token', form, async (req, res) => {
    const found = await holder(req.params.token, 'unsubscribe');
    if (!found) return sendInvalidLink(res);
    const { link } = found;
    const oneClick = (req.body as Record<string, unknown> | undefined)?.['List-Unsubscribe'] === 'One-Click';
    const source = `unsubscribe-link:${oneClick ? 'one-click' : 'page'}${link.m ? `:message/${link.m}` : ''}`;
    await unsubscribe(deps.db, link.c, source);
    const customer = await findRecipient(deps.db, link.c);
    sendLinkPage(res, 200, 'Unsubscribed', unsubscribedBody(shop, customer, customer ? resubscribePath(deps.config.publicUrl, secret, link, customer) : ''));
  });

  router.get('/r/:token', async (req, res) => {
    const found = await resubscribeLink(req.params.token);
    if (!found) return sendInvalidLink(res);
    const { link, customer } = found;
    if (!customer.unsubscribed_at && customer.marketing_consent) {
      return sendLinkPage(res, 200, 'Subscribed', `<h1>You are subscribed</h1><p>${escapeHtml(maskEmail(customer.email))} receives ${escapeHtml(shop)}'s emails.</p>`);
    }
    const confirming = link.p === 'resubscribe-confirm';
    sendLinkPage(
      res,
      200,
      'Re-subscribe',
      `<div class="card"><h1>Hear from ${escapeHtml(shop)} again?</h1>
<p>${escapeHtml(maskEmail(customer.email))} will receive our offers and news again. You can unsubscribe from any email.</p>
${confirming ? '' : '<p class="muted">We will send a confirmation link to this address first.</p>'}
<form method="post" action=""><button type="submit">${confirming ? 'Confirm: re-subscribe' : 'Send me the confirmation link'}</button></form></div>`,
    );
  });

  router.post('/r/:token', form, async (req, res) => {
    const found = await resubscribeLink(req.params.token);
    if (!found) return sendInvalidLink(res);
    const { link, customer } = found;
    if (link.p === 'resubscribe') {
      await mailResubscribeConfirmation(deps, mailer, customer);
      return sendLinkPage(
        res,
        200,
        'Check your inbox',
        `<h1>Check your inbox</h1><p>We sent a confirmation link to ${escapeHtml(maskEmail(customer.email))}. It works for two days.</p>`,
      );
    }
    const done = await resubscribe(deps.db, link.c, 'resubscribe-confirmation');
    if (!done) return sendInvalidLink(res);
    sendLinkPage(res, 200, 'Subscribed', `<h1>Welcome back</h1><p>You will hear from ${escapeHtml(shop)} again.</p>`);
  });

  return router;
}

interface Recipient {
  id: string;
  email: string | null;
  marketing_consent: boolean;
  unsubscribed_at: Date | null;
  link_epoch: number;
  erased_at: Date | null;
}

async function findRecipient(db: Pool, customerId: string): Promise<Recipient | undefined> {
  const { rows } = await db.query<Recipient>(
    'SELECT id, email, marketing_consent, unsubscribed_at, link_epoch, erased_at FROM customers WHERE id = $1 AND erased_at IS NULL',
    [customerId],
  );
  return rows[0];
}

const toHolder = (customer: Recipient): LinkHolder => ({ customerId: customer.id, email: customer.email, epoch: customer.link_epoch });

/**
 * The confirmation that grants consent goes to the address on file, so only its owner can
 * re-subscribe it. Transactional (the person asked for it); one per ten minutes per customer
 * and address, by the idempotency key, so the button cannot be used to flood a mailbox.
 */
async function mailResubscribeConfirmation(deps: ApiDeps, mailer: Mailer, customer: Recipient): Promise<void> {
  if (!customer.email) return;
  const shop = deps.config.mail.shopName;
  const url = `${deps.config.publicUrl}/r/${signLink(deps.config.tokenSecret, 'resubscribe-confirm', toHolder(customer))}`;
  const window = Math.floor(Date.now() / 600_000);
  await mailer.send({
    to: customer.email,
    from: deps.config.mail.from,
    subject: `Confirm: hear from ${shop} again`,
    html: page(
      `Confirm: hear from ${shop} again`,
      `<div class="card"><h1>Hear from ${escapeHtml(shop)} again?</h1><p>Someone asked to re-subscribe this address to ${escapeHtml(shop)}'s emails. If it was you, confirm within two days:</p>
<p><a href="${escapeHtml(url)}">Yes, re-subscribe me</a></p><p class="muted">If it was not you, ignore this email: nothing changes. ${escapeHtml(deps.config.mail.postalAddress)}</p></div>`,
    ),
    text: `Someone asked to re-subscribe this address to ${shop}'s emails. If it was you, confirm within two days: ${url}\nIf it was not you, ignore this email: nothing changes.\n${deps.config.mail.postalAddress}`,
    headers: {},
    idempotencyKey: `resubscribe-confirmation/${addressHash(deps.config.tokenSecret, customer.email)}/${window}`,
  });
}

/**
 * Withdraw marketing consent at once: the send path reads this row under the customer's lock
 * before every marketing send, so running journeys stop at their next step. The unsubscribe
 * covers the address too (another customer id with the same address gets no marketing
 * either), and the shop hears of it through its webhook, in the same statement. A repeat
 * keeps the first unsubscribe's time and source.
 */
export async function unsubscribe(db: Pool, customerId: string, source: string, at = new Date()): Promise<boolean> {
  const { rowCount } = await db.query(
    `WITH changed AS (
       UPDATE customers SET unsubscribed_at = $3, marketing_consent = false, consent_source = $2, consent_at = $3, updated_at = now()
        WHERE id = $1 AND erased_at IS NULL AND unsubscribed_at IS NULL RETURNING id, email),
     address AS (
       INSERT INTO address_unsubscribes (email, unsubscribed_at, source)
       SELECT lower(email), $3, $2 FROM changed WHERE email IS NOT NULL ON CONFLICT (email) DO NOTHING),
     webhook AS (
       INSERT INTO shop_webhooks (webhook_id, type, payload)
       SELECT ${NEW_SHOP_WEBHOOK_ID}, 'customer.unsubscribed',
              jsonb_build_object('customerId', id, 'email', email, 'occurredAt', $4::text, 'source', $2::text) FROM changed)
     INSERT INTO audit_log (action, subject, details)
     SELECT 'unsubscribe', 'customer:' || id, jsonb_build_object('source', $2::text) FROM changed`,
    [customerId, source, at, at.toISOString()],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * An explicit new opt-in through our link: clears the unsubscribe of the customer and of its
 * address, records consent with its source, and tells the shop. A re-subscribe is engagement:
 * it also lifts a sunset's unengaged mark.
 */
export async function resubscribe(db: Pool, customerId: string, source: string, at = new Date()): Promise<boolean> {
  const { rowCount } = await db.query(
    `WITH changed AS (
       UPDATE customers SET unsubscribed_at = NULL, marketing_consent = true, consent_source = $2, consent_at = $3,
                            resubscribed_at = $3, unengaged_at = NULL, updated_at = now()
        WHERE id = $1 AND erased_at IS NULL RETURNING id, email),
     address AS (DELETE FROM address_unsubscribes WHERE email IN (SELECT lower(email) FROM changed)),
     webhook AS (
       INSERT INTO shop_webhooks (webhook_id, type, payload)
       SELECT ${NEW_SHOP_WEBHOOK_ID}, 'customer.resubscribed',
              jsonb_build_object('customerId', id, 'email', email, 'occurredAt', $4::text, 'source', $2::text) FROM changed)
     INSERT INTO audit_log (action, subject, details)
     SELECT 'resubscribe', 'customer:' || id, jsonb_build_object('source', $2::text) FROM changed`,
    [customerId, source, at, at.toISOString()],
  );
  return (rowCount ?? 0) > 0;
}

function resubscribePath(publicUrl: string, secret: string, link: LinkPayload, customer: Recipient): string {
  return `${publicUrl}/r/${signLink(secret, 'resubscribe', toHolder(customer), { m: link.m })}`;
}

function unsubscribedBody(shop: string, customer: Recipient | undefined, resubscribe: string): string {
  const who = customer?.email ? escapeHtml(maskEmail(customer.email)) : 'This address';
  return `<div class="card"><h1>You are unsubscribed</h1>
<p>${who} will get no more marketing emails from ${escapeHtml(shop)}. Order and shipping emails still arrive.</p>
${customer ? `<form method="post" action="${escapeHtml(resubscribe)}"><p class="muted">Changed your mind?</p><button type="submit">Re-subscribe</button></form>` : ''}</div>`;
}



/** Enough for the owner to recognise the address, not enough to harvest it from a leaked link. */
export function maskEmail(email: string | null): string {
  if (!email) return 'Your address';
  const [local, domain] = email.split('@');
  if (!domain) return '***';
  return `${local.slice(0, 1)}***@${domain}`;
}
