import express, { Router, type Response } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { readReplenishmentToken, rescheduleWindow, type ReplenishmentLinkTarget } from '../../links/replenishment-links';
import { resolveTimezone } from '../../activities/local-time';
import { formatDate } from '../../shared/format';
import {
  changeReplenishmentUpdate,
  replenishmentStateQuery,
  replenishmentWorkflowId,
  type ReplenishmentChange,
  type ReplenishmentView,
} from '../../workflows/messages';
import type { ApiDeps } from '../deps';
import { escapeHtml, sendInvalidLink, sendLinkPage } from '../html';
import { documentPublic, htmlPage, linkToken } from '../route-docs';
import { holdsLink, type LinkPayload } from '../../links/signed-links';

const tokenParams = z.object({ token: linkToken });
const gone = htmlPage('The reminder ended or was replaced by a newer order');
const invalid = htmlPage('Invalid, forged or expired link');
documentPublic({
  method: 'get',
  path: '/remind/{token}',
  summary: 'Replenishment reminder page (signed link from the reminder email): snooze or pick a date; changes nothing',
  request: { params: tokenParams, query: z.object({ choice: z.enum(['snooze', 'reschedule']).optional() }) },
  responses: { 200: htmlPage('The product, the next reminder, a snooze button and a date picker'), 400: invalid, 410: gone },
});

/**
 * The snooze / reschedule page behind the buttons of a replenishment reminder. Public and
 * token-signed like the unsubscribe page: GET only shows (mail scanners open links), POST acts
 * through the journey's `changeReplenishment` update, which checks the request against its own
 * cycle and config and answers with the new reminder time (or why not).
 *
 *   GET  /remind/:token   the product, the next reminder, "remind me in 7 days" and a date picker
 *   POST /remind/:token   action=snooze | action=reschedule&date=YYYY-MM-DD
 *
 * The workflow id comes from the signed customer and product; the journey's own state must name
 * the same customer and the order the email was sent for, or nothing is moved.
 */
export function replenishmentLinksRouter(deps: Pick<ApiDeps, 'db' | 'config' | 'temporal'>): Router {
  const router = Router();
  const secret = deps.config.tokenSecret;
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  router.get('/remind/:token', async (req, res) => {
    const target = readReplenishmentToken(secret, req.params.token);
    if (!target || !(await holdsReplenishmentLink(deps, target))) return sendInvalidLink(res);
    const reminder = await findReminder(deps, target);
    if (!reminder) return noLongerActive(res);
    const zone = await customerZone(deps, target.customerId);
    const { earliest, latest } = rescheduleWindow(Date.now(), zone, reminder.rescheduleWithin);
    const first = req.query.choice === 'reschedule' ? 'reschedule' : 'snooze';
    const snooze = `<form method="post" action=""><input type="hidden" name="action" value="snooze">
<button type="submit">Remind me in ${escapeHtml(String(reminder.snoozeBy))}</button></form>`;
    const reschedule = `<form method="post" action=""><input type="hidden" name="action" value="reschedule">
<label>Remind me on <input type="date" name="date" required min="${earliest}" max="${latest}"></label>
<button type="submit">Set date</button></form>`;
    sendLinkPage(
      res,
      200,
      'Remind me later',
      `<div class="card"><h1>Remind me later about ${escapeHtml(reminder.productTitle)}</h1>
<p>Next reminder: ${escapeHtml(formatDate(reminder.nextReminderAt, 'en-GB', zone))}.</p>
${first === 'snooze' ? snooze + '<p class="muted">or</p>' + reschedule : reschedule + '<p class="muted">or</p>' + snooze}</div>`,
    );
  });

  router.post('/remind/:token', form, async (req, res) => {
    const target = readReplenishmentToken(secret, req.params.token);
    if (!target || !(await holdsReplenishmentLink(deps, target))) return sendInvalidLink(res);
    const parsed = ReminderChoiceSchema.safeParse(req.body ?? {});
    if (!parsed.success) return sendLinkPage(res, 422, 'Pick a date', '<h1>Please pick a date</h1><p>Go back and choose when to be reminded.</p>');
    const reminder = await findReminder(deps, target);
    if (!reminder) return noLongerActive(res);

    const change: ReplenishmentChange =
      parsed.data.action === 'snooze'
        ? { orderId: target.orderId, kind: 'snooze' }
        : { orderId: target.orderId, kind: 'reschedule', date: parsed.data.date };
    let remindAt: string;
    try {
      const handle = deps.temporal.workflow.getHandle(replenishmentWorkflowId(target.customerId, target.productId));
      ({ remindAt } = await handle.executeUpdate(changeReplenishmentUpdate, { args: [change] }));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return noLongerActive(res);
      const reason = err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause : undefined;
      if (reason?.type === 'invalid_date') {
        return sendLinkPage(res, 422, 'Pick a date', `<h1>Please pick another date</h1><p>${escapeHtml(reason.message)}.</p>`);
      }
      if (reason?.type === 'stale_link') return noLongerActive(res);
      throw err;
    }
    const zone = await customerZone(deps, target.customerId);
    sendLinkPage(
      res,
      200,
      'Reminder moved',
      `<div class="card"><h1>Done</h1><p>We will remind you about ${escapeHtml(reminder.productTitle)} on ${escapeHtml(formatDate(remindAt, 'en-GB', zone))}.</p></div>`,
    );
  });

  return router;
}

const ReminderChoiceSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('snooze') }),
  z.object({ action: z.literal('reschedule'), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).openapi({ description: 'YYYY-MM-DD, between tomorrow and `rescheduleWithin` ahead' }) }),
]);

documentPublic({
  method: 'post',
  path: '/remind/{token}',
  summary: 'Move the next replenishment reminder (signals the journey)',
  request: { params: tokenParams, body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: ReminderChoiceSchema } } } },
  responses: {
    200: htmlPage('Moved; the page names the new date'),
    400: invalid,
    410: gone,
    422: htmlPage('No date, or a date outside tomorrow … rescheduleWithin'),
  },
});

/** The journey's current cycle when the link belongs to it; undefined when it ended, is someone else's or an older cycle. */
async function findReminder(deps: Pick<ApiDeps, 'temporal'>, target: ReplenishmentLinkTarget): Promise<ReplenishmentView | undefined> {
  const handle = deps.temporal.workflow.getHandle(replenishmentWorkflowId(target.customerId, target.productId));
  try {
    const state = await handle.query(replenishmentStateQuery);
    const view = state.data;
    const current = state.step !== 'done' && state.customerId === target.customerId && view.orderId === target.orderId;
    return current && isShown(view) ? view : undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** A bound link (address, epoch) must still belong to the customer as stored now. */
async function holdsReplenishmentLink(deps: Pick<ApiDeps, 'db' | 'config'>, target: { customerId: string; link: LinkPayload }): Promise<boolean> {
  if (target.link.e === undefined) return true;
  const { rows } = await deps.db.query('SELECT email, link_epoch, erased_at FROM customers WHERE id = $1', [target.customerId]);
  return holdsLink(deps.config.tokenSecret, target.link, rows[0]);
}

/** The journey shows its cycle once it has read the product; before that there is nothing to move. */
function isShown(view: Partial<ReplenishmentView>): view is ReplenishmentView {
  return view.nextReminderAt !== undefined && view.productTitle !== undefined;
}

/** For showing dates only: the journey itself decides what a picked date means. */
async function customerZone(deps: Pick<ApiDeps, 'db' | 'config'>, customerId: string): Promise<string> {
  const { rows } = await deps.db.query<{ timezone: string | null }>('SELECT timezone FROM customers WHERE id = $1', [customerId]);
  return resolveTimezone(rows[0]?.timezone, deps.config.journeys.guardrails.defaultTimezone);
}


function noLongerActive(res: Response): void {
  sendLinkPage(
    res,
    410,
    'Reminder no longer active',
    '<h1>This reminder is no longer active</h1><p>You may have ordered again since, or the reminder has run its course. A new order starts a new reminder.</p>',
  );
}
