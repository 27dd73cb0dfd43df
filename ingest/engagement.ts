import type { PoolClient } from 'pg';
import { EMAIL_CLICKED, EMAIL_OPENED, type EngagementEvent } from './engagement-events';
import { machineReason, type EngagementHit, type MachineReason, type MachineSettings } from './machine-engagement';
import { enqueueEvents } from './store';
import { clearUnengaged } from '../activities/engagement';

export interface EngagementInput extends Omit<EngagementHit, 'sentAt'> {
  /** our message id (pixel, redirect) or the provider's (webhook) */
  message: { id: number } | { providerMessageId: string };
  source: 'pixel' | 'redirect' | 'resend' | 'keep-link';
  /**
   * A click a person confirmed (the "yes, keep me" page's button, a form POST): no scanner
   * posts a form, so it is not classified.
   */
  confirmed?: true;
}

export interface RecordedEngagement {
  machine: MachineReason | null;
  /** the engagement event stored for the relay (the message's first human open or click) */
  event?: EngagementEvent;
}

interface MessageRow {
  id: string;
  customer_id: string;
  workflow_id: string;
  journey: string;
  step: string;
  sent_at: Date | null;
}

/**
 * Record an open or click in the caller's transaction, decide whether a person made it, and —
 * for the message's first human open, or first human click — store an engagement event that
 * the relay delivers to the journey that sent the message (stored, deduplicated by id, in the
 * customer's order, like a shop event). Returns undefined for a message we do not know.
 *
 * The message row is locked: two clicks of a scanner arriving together see each other.
 */
export async function recordEngagement(
  tx: PoolClient,
  input: EngagementInput,
  settings: MachineSettings,
): Promise<RecordedEngagement | undefined> {
  const { rows } = await tx.query<MessageRow>(
    `SELECT id, customer_id, workflow_id, journey, step, sent_at FROM messages
      WHERE ${'id' in input.message ? 'id = $1' : 'provider_message_id = $1'} ORDER BY id LIMIT 1 FOR UPDATE`,
    ['id' in input.message ? input.message.id : input.message.providerMessageId],
  );
  const message = rows[0];
  if (!message) return undefined;
  const messageId = Number(message.id);
  const earlier =
    input.kind === 'click'
      ? (
          await tx.query<{ link: string | null; at: Date }>(
            `SELECT link, at FROM message_engagements WHERE message_id = $1 AND kind = 'click'`,
            [messageId],
          )
        ).rows
      : [];
  const machine = input.confirmed ? null : machineReason({ ...input, sentAt: message.sent_at }, earlier, settings);
  await tx.query(
    'INSERT INTO message_engagements (message_id, kind, at, source, link, machine_reason) VALUES ($1, $2, $3, $4, $5, $6)',
    [messageId, input.kind, input.at, input.source, input.link ?? null, machine],
  );

  if (machine) {
    const column = input.kind === 'open' ? 'machine_opened_at' : 'machine_clicked_at';
    await tx.query(`UPDATE messages SET ${column} = coalesce(${column}, $2), updated_at = now() WHERE id = $1`, [messageId, input.at]);
    if (machine === 'every_link_within_seconds') await reclassifyBurst(tx, messageId, input.at, settings.linkBurstMs);
    return { machine };
  }

  // A click is an open too (images are often blocked).
  const first = await tx.query(
    input.kind === 'open'
      ? `UPDATE messages SET opened_at = $2, updated_at = now() WHERE id = $1 AND opened_at IS NULL RETURNING id`
      : `UPDATE messages SET clicked_at = $2, opened_at = coalesce(opened_at, $2), updated_at = now()
          WHERE id = $1 AND clicked_at IS NULL RETURNING id`,
    [messageId, input.at],
  );
  // A person's click brings an unengaged customer back (an open does not: see activities/engagement.ts).
  if (input.kind === 'click') await clearUnengaged(tx, message.customer_id);
  if (!first.rowCount) return { machine: null };
  const type = input.kind === 'open' ? EMAIL_OPENED : EMAIL_CLICKED;
  const event: EngagementEvent = {
    id: `${type}:${messageId}`,
    type,
    customerId: message.customer_id,
    occurredAt: input.at.toISOString(),
    properties: { messageId, workflowId: message.workflow_id, journey: message.journey, step: message.step },
  };
  await enqueueEvents(tx, [event]);
  return { machine: null, event };
}

/**
 * A second link clicked within seconds of another: the earlier clicks of that burst were the
 * same scanner's. They stop counting, and the message's first human click (and open) is
 * recomputed from what is left. An engagement event already sent for the first of them
 * stays sent: journeys only act on it after the click-within-seconds-of-send rule let it pass.
 */
async function reclassifyBurst(tx: PoolClient, messageId: number, at: Date, burstMs: number): Promise<void> {
  const from = new Date(at.getTime() - burstMs);
  const flagged = await tx.query(
    `UPDATE message_engagements SET machine_reason = 'every_link_within_seconds'
      WHERE message_id = $1 AND kind = 'click' AND machine_reason IS NULL AND at >= $2 RETURNING at`,
    [messageId, from],
  );
  if (!flagged.rowCount) return;
  await tx.query(
    `UPDATE messages m SET
        clicked_at = CASE WHEN m.clicked_at >= $2 THEN h.first_click ELSE m.clicked_at END,
        opened_at = CASE WHEN m.opened_at >= $2 THEN least(h.first_open, h.first_click) ELSE m.opened_at END,
        machine_clicked_at = least(m.machine_clicked_at, h.first_machine_click),
        updated_at = now()
       FROM (SELECT min(at) FILTER (WHERE kind = 'click' AND machine_reason IS NULL) AS first_click,
                    min(at) FILTER (WHERE kind = 'open' AND machine_reason IS NULL) AS first_open,
                    min(at) FILTER (WHERE kind = 'click' AND machine_reason IS NOT NULL) AS first_machine_click
               FROM message_engagements WHERE message_id = $1) AS h
      WHERE m.id = $1`,
    [messageId, from],
  );
}
