import { Router } from 'express';
import { z } from 'zod';
import { CustomerProfileSchema } from '../../ingest/event-schemas';
import { upsertCustomerProfile } from '../../ingest/projections';
import { ApiError, validationError } from '../errors';
import type { ApiDeps } from '../deps';
import { listCustomerJourneys } from '../journeys';
import { heldJourneysOf } from '../../ingest/held-starts';
import { eraseCustomer } from '../erasure';
import { documentV1, error, json, shopId } from '../route-docs';

export const CustomerPutSchema = CustomerProfileSchema.partial({ email: true }).openapi('CustomerProfile');

export interface CustomerView {
  id: string;
  email: string | null;
  firstName: string | null;
  timezone: string | null;
  locale: string | null;
  birthday: string | null;
  marketingConsent: boolean;
  /** custom profile attributes */
  attributes: Record<string, string | number | boolean>;
  consentSource: string | null;
  consentAt: string | null;
  unsubscribedAt: string | null;
  unengagedAt: string | null;
  suppressed: boolean;
  createdAt: string;
  updatedAt: string;
}

export async function findCustomer(db: ApiDeps['db'], id: string): Promise<CustomerView | undefined> {
  const { rows } = await db.query(
    `SELECT c.*, EXISTS (SELECT 1 FROM suppressions s WHERE s.email = c.email) AS suppressed
       FROM customers c WHERE c.id = $1 AND c.erased_at IS NULL`,
    [id],
  );
  const r = rows[0];
  if (!r) return undefined;
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: r.id,
    email: r.email,
    firstName: r.first_name,
    timezone: r.timezone,
    locale: r.locale,
    birthday: r.birthday,
    marketingConsent: r.marketing_consent,
    attributes: r.attributes ?? {},
    consentSource: r.consent_source,
    consentAt: iso(r.consent_at),
    unsubscribedAt: iso(r.unsubscribed_at),
    unengagedAt: iso(r.unengaged_at),
    suppressed: r.suppressed,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const idParam = shopId;
const idParams = z.object({ id: shopId });

const CustomerSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    firstName: z.string().nullable(),
    timezone: z.string().nullable(),
    locale: z.string().nullable(),
    birthday: z.string().nullable(),
    marketingConsent: z.boolean(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    consentSource: z.string().nullable(),
    consentAt: z.string().nullable(),
    unsubscribedAt: z.string().nullable(),
    unengagedAt: z.string().nullable(),
    suppressed: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Customer');

const JourneySummarySchema = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    journey: z.string(),
    status: z.string(),
    step: z.string().nullable(),
    nextWakeUp: z.string().nullable(),
    startedAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .openapi('JourneySummary');

const HeldJourneySchema = z
  .object({
    workflowId: z.string().describe('the workflow id it will start under'),
    journey: z.string(),
    events: z.number().int().describe('start events held for it (cart updates, views), the newest last'),
    quietSince: z.string().describe('when the newest of them arrived: the wait counts from here'),
    dueAt: z.string().describe('when the journey starts (and sends its first email) unless an exit comes first (an order or checkout for a cart; a cart, checkout or order for browsing; a newer event pushes it back)'),
  })
  .openapi('HeldJourney');

documentV1({
  method: 'put',
  path: '/v1/customers/{id}',
  summary: 'Create or update a customer profile and consent',
  description: 'Creating a customer needs `email` (else 404: no such customer). Consent changes are recorded with source and time.',
  request: { params: idParams, body: { required: true, content: { 'application/json': { schema: CustomerPutSchema } } } },
  responses: {
    200: json(CustomerSchema, 'Updated'),
    201: json(CustomerSchema, 'Created'),
    404: error('No such customer, and no email to create one'),
    422: error('Invalid profile, or more custom attributes than a customer may keep (`too_many_attributes`)'),
  },
});
documentV1({
  method: 'get',
  path: '/v1/customers/{id}',
  summary: 'A customer, with consent, unsubscribe, engagement and suppression state',
  request: { params: idParams },
  responses: { 200: json(CustomerSchema, 'The customer'), 404: error('No such customer (or erased)') },
});
documentV1({
  method: 'delete',
  path: '/v1/customers/{id}',
  summary: 'Erase a customer (GDPR): terminate their running journeys, remove personal data',
  description:
    'Idempotent; an unknown id is erased too (a tombstone, so older events cannot revive it). Orders keep totals, currency and items. ' +
    'Leaves an audit_log row keyed by a keyed pseudonym of the id. A profile event that occurred after the erasure starts a fresh customer, with consent only as it gives it. ' +
    'The README section "Security" lists what erasure keeps and why.',
  request: { params: idParams },
  responses: { 204: { description: 'Erased' } },
});
documentV1({
  method: 'get',
  path: '/v1/customers/{id}/journeys',
  summary: "The customer's journeys (running and closed), with step and next wake-up; and those held back until the customer is quiet",
  description:
    'An abandoned-cart, browse-abandonment or win-back journey starts in Temporal only when its first email is due (DISPATCH_HOLD_UNTIL_QUIET): until then it is listed under `held`, with the time it is due.',
  request: { params: idParams },
  responses: {
    200: json(z.object({ journeys: z.array(JourneySummarySchema), held: z.array(HeldJourneySchema) }), 'Journeys'),
    404: error('The customer was erased'),
  },
});

export function customersRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/:id', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, 'path');
    const customer = await findCustomer(deps.db, id.data);
    if (!customer) throw new ApiError(404, 'not_found', 'No such customer');
    res.json(customer);
  });

  /** Profile and consent. Creates the customer when new (then email is required). */
  router.put('/:id', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, 'path');
    const parsed = CustomerPutSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const p = parsed.data;
    const exists = await deps.db.query('SELECT 1 FROM customers WHERE id = $1 AND erased_at IS NULL', [id.data]);
    if (!exists.rowCount && !p.email) {
      // Not a validation error: the same body updates a customer that exists.
      throw new ApiError(404, 'not_found', 'No such customer: send an email to create one');
    }
    await upsertCustomerProfile(deps.db, id.data, p, { source: 'api:PUT /v1/customers', at: new Date().toISOString() });
    res.status(exists.rowCount ? 200 : 201).json(await findCustomer(deps.db, id.data));
  });

  /** GDPR erasure: PII gone, journeys ended (see api/erasure.ts for what is kept). Idempotent. */
  router.delete('/:id', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, 'path');
    await eraseCustomer({ db: deps.db, temporal: deps.temporal, secret: deps.config.pseudonymSecret }, id.data);
    res.status(204).end();
  });

  router.get('/:id/journeys', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, 'path');
    const erased = await deps.db.query('SELECT 1 FROM customers WHERE id = $1 AND erased_at IS NOT NULL', [id.data]);
    if (erased.rowCount) throw new ApiError(404, 'not_found', 'No such customer (erased)');
    const [journeys, held] = await Promise.all([listCustomerJourneys(deps.temporal, id.data), heldJourneysOf(deps.db, id.data)]);
    res.json({ journeys, held });
  });

  return router;
}
