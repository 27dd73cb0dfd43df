import express, { Router, type Response } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { readReplenishmentToken, type ReplenishmentLinkTarget } from '../../links/replenishment-links';
import { zonedTimeToInstant, isValidTimeZone } from '../../shared/zoned-time';
import { formatDate } from '../../shared/format';
import { toMs } from '../../shared/durations';
import {
  replenishmentRequestSignal,
  replenishmentWorkflowId,
  stateQuery,
  type JourneyStateView,
  type ReplenishmentRequest,
} from '../../workflows/messages';
import type { ApiDeps } from '../deps';
import { escapeHtml, page } from '../html';

/**
 * The snooze / reschedule page behind the buttons of a replenishment reminder. Public and
 * token-signed like the unsubscribe page: GET only shows (mail scanners open links), POST acts
 * by signalling the customer's replenishment journey.
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
  const settings = deps.config.journeys.replenishment;
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  router.get('/remind/:token', async (req, res) => {
    const target = readReplenishmentToken(secret, req.params.token);
    if (!target) return invalidLink(res);
    const reminder = await findReminder(deps, target);
    if (!reminder) return noLongerActive(res);
    const zone = await customerZone(deps, target.customerId);
    const today = dateIn(Date.now(), zone);
    const first = req.query.choice === 'reschedule' ? 'reschedule' : 'snooze';
    const snooze = `<form method="post" action=""><input type="hidden" name="action" value="snooze">
<button type="submit">Remind me in ${escapeHtml(settings.snoozeBy)}</button></form>`;
    const reschedule = `<form method="post" action=""><input type="hidden" name="action" value="reschedule">
<label>Remind me on <input type="date" name="date" required min="${addDays(today, 1)}" max="${addDays(today, Math.floor(toMs(settings.rescheduleWithin) / DAY))}"></label>
<button type="submit">Set date</button></form>`;
    sendPage(
      res,
      200,
      'Remind me later',
      `<div class="card"><h1>Remind me later about ${escapeHtml(reminder.title)}</h1>
<p>Next reminder: ${escapeHtml(reminder.nextReminderAt ? formatDate(reminder.nextReminderAt, 'en-GB', zone) : 'none planned')}.</p>
${first === 'snooze' ? snooze + '<p class="muted">or</p>' + reschedule : reschedule + '<p class="muted">or</p>' + snooze}</div>`,
    );
  });

  router.post('/remind/:token', form, async (req, res) => {
    const target = readReplenishmentToken(secret, req.params.token);
    if (!target) return invalidLink(res);
    const parsed = ReminderChoiceSchema.safeParse(req.body ?? {});
    if (!parsed.success) return sendPage(res, 422, 'Pick a date', '<h1>Please pick a date</h1><p>Go back and choose when to be reminded.</p>');
    const reminder = await findReminder(deps, target);
    if (!reminder) return noLongerActive(res);

    const zone = await customerZone(deps, target.customerId);
    let request: ReplenishmentRequest;
    let remindAt: number;
    if (parsed.data.action === 'snooze') {
      remindAt = Date.now() + toMs(settings.snoozeBy);
      request = { orderId: target.orderId, kind: 'snooze' };
    } else {
      const today = dateIn(Date.now(), zone);
      const latest = addDays(today, Math.floor(toMs(settings.rescheduleWithin) / DAY));
      if (parsed.data.date <= today || parsed.data.date > latest) {
        return sendPage(res, 422, 'Pick a date', `<h1>Please pick a date between tomorrow and ${escapeHtml(latest)}</h1>`);
      }
      const [year, month, day] = parsed.data.date.split('-').map(Number);
      remindAt = zonedTimeToInstant({ year, month, day, hour: settings.rescheduleAtLocalHour }, zone);
      request = { orderId: target.orderId, kind: 'reschedule', remindAt: new Date(remindAt).toISOString() };
    }
    try {
      await deps.temporal.workflow.getHandle(replenishmentWorkflowId(target.customerId, target.productId)).signal(replenishmentRequestSignal, request);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return noLongerActive(res);
      throw err;
    }
    sendPage(
      res,
      200,
      'Reminder moved',
      `<div class="card"><h1>Done</h1><p>We will remind you about ${escapeHtml(reminder.title)} on ${escapeHtml(formatDate(new Date(remindAt).toISOString(), 'en-GB', zone))}.</p></div>`,
    );
  });

  return router;
}

const DAY = 86_400_000;

const ReminderChoiceSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('snooze') }),
  z.object({ action: z.literal('reschedule'), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
]);

/** The running journey the link belongs to, or undefined (ended, someone else's, or an older cycle). */
async function findReminder(
  deps: Pick<ApiDeps, 'temporal'>,
  target: ReplenishmentLinkTarget,
): Promise<{ title: string; nextReminderAt: string | null } | undefined> {
  const handle = deps.temporal.workflow.getHandle(replenishmentWorkflowId(target.customerId, target.productId));
  let state: JourneyStateView;
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return undefined;
    state = await handle.query(stateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (state.journey !== 'replenishment' || state.customerId !== target.customerId || state.data.orderId !== target.orderId) {
    return undefined;
  }
  return {
    title: typeof state.data.productTitle === 'string' ? state.data.productTitle : target.productId,
    nextReminderAt: typeof state.data.nextReminderAt === 'string' ? state.data.nextReminderAt : null,
  };
}

async function customerZone(deps: Pick<ApiDeps, 'db' | 'config'>, customerId: string): Promise<string> {
  const { rows } = await deps.db.query<{ timezone: string | null }>('SELECT timezone FROM customers WHERE id = $1', [customerId]);
  const zones = [rows[0]?.timezone, deps.config.journeys.guardrails.defaultTimezone];
  return zones.find((z): z is string => !!z && isValidTimeZone(z)) ?? 'UTC';
}

/** YYYY-MM-DD as the customer's calendar shows `instant`. */
function dateIn(instant: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function invalidLink(res: Response): void {
  sendPage(res, 400, 'Invalid link', '<h1>This link is not valid</h1><p>It may have been copied incompletely. Use the link from the latest email.</p>');
}

function noLongerActive(res: Response): void {
  sendPage(
    res,
    410,
    'Reminder no longer active',
    '<h1>This reminder is no longer active</h1><p>You may have ordered again since, or the reminder has run its course. A new order starts a new reminder.</p>',
  );
}

function sendPage(res: Response, status: number, title: string, body: string): void {
  // The token in the URL is a credential: keep it out of caches, referrers and search engines.
  res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' });
  res.status(status).type('html').send(page(title, body));
}
