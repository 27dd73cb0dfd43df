import { Router } from 'express';
import { z } from 'zod';
import { CustomerProfileSchema } from '../../ingest/event-schemas';
import { upsertCustomerProfile } from '../../ingest/projections';
import { ApiError, validationError } from '../errors';
import type { ApiDeps } from '../deps';
import { listCustomerJourneys } from '../journeys';
import { eraseCustomer } from '../erasure';

export const CustomerPutSchema = CustomerProfileSchema.partial({ email: true }).openapi('CustomerProfile');

export interface CustomerView {
  id: string;
  email: string | null;
  firstName: string | null;
  timezone: string | null;
  locale: string | null;
  birthday: string | null;
  marketingConsent: boolean;
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
    consentSource: r.consent_source,
    consentAt: iso(r.consent_at),
    unsubscribedAt: iso(r.unsubscribed_at),
    unengagedAt: iso(r.unengaged_at),
    suppressed: r.suppressed,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const idParam = z.string().trim().min(1).max(200);

export function customersRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/:id', async (req, res) => {
    const customer = await findCustomer(deps.db, req.params.id);
    if (!customer) throw new ApiError(404, 'not_found', `No customer ${req.params.id}`);
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
      throw new ApiError(422, 'validation_failed', 'email is required to create a customer', [
        { path: 'email', message: 'Required' },
      ]);
    }
    await upsertCustomerProfile(deps.db, id.data, p, { source: 'api:PUT /v1/customers', at: new Date().toISOString() });
    res.status(exists.rowCount ? 200 : 201).json(await findCustomer(deps.db, id.data));
  });

  /** GDPR erasure: PII gone, journeys ended (see api/erasure.ts for what is kept). Idempotent. */
  router.delete('/:id', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, 'path');
    await eraseCustomer({ db: deps.db, temporal: deps.temporal }, id.data);
    res.status(204).end();
  });

  router.get('/:id/journeys', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, 'path');
    res.json({ journeys: await listCustomerJourneys(deps.temporal, id.data) });
  });

  return router;
}
