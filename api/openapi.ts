import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { EventBatchSchema, EventSchema } from '../ingest/event-schemas';
import { CustomerPutSchema } from './routes/customers';
import { MessagesQuerySchema } from './routes/messages';
import { ProductPutSchema } from './routes/products';
import { StatsQuerySchema } from './routes/stats';
import { SuppressionPostSchema, SuppressionsQuerySchema } from './routes/suppressions';
import { DeadLettersQuerySchema } from './routes/dead-letters';

/**
 * The OpenAPI document served at /openapi.json and rendered at /docs. Request schemas are the
 * very zod schemas the handlers validate with, so the document cannot drift from the code.
 * A route added to the API gets its `registry.registerPath` here.
 */
export const registry = new OpenAPIRegistry();

const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
  type: 'http',
  scheme: 'bearer',
  description: 'The API_KEY of the deployment',
});

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = {
  400: json(ErrorSchema, 'Malformed request'),
  401: json(ErrorSchema, 'Missing or wrong API key'),
  413: json(ErrorSchema, 'Body too large'),
  415: json(ErrorSchema, 'Not application/json'),
  422: json(ErrorSchema, 'Validation failed'),
};

/** Register a /v1 route: bearer auth and the error envelope come with it. */
export function v1Path(route: RouteConfig): void {
  registry.registerPath({ ...route, security: [{ [bearer.name]: [] }], responses: { ...errors, ...route.responses } });
}

const ProductViewSchema = z
  .object({ ...ProductPutSchema.shape, id: z.string(), restocked: z.boolean().openapi({ description: 'stock went from 0 to more: back-in-stock alerts follow' }) })
  .openapi('ProductView');

const idParam = (name: string) => z.object({ [name]: z.string().min(1).max(200) });
const Accepted = z.object({ id: z.string(), duplicate: z.boolean() }).openapi('AcceptedEvent');

v1Path({
  method: 'post',
  path: '/v1/events',
  summary: 'Ingest one event or a batch',
  description:
    'Stored durably before the answer; dispatched to journeys after. A repeated `id` is accepted (duplicate: true) and not applied twice. A batch is all or nothing.',
  request: { body: { content: { 'application/json': { schema: z.union([EventSchema, EventBatchSchema]) } } } },
  responses: {
    202: json(z.union([Accepted, z.object({ accepted: z.array(Accepted) })]), 'Stored; will be applied once'),
  },
});

const CustomerSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    firstName: z.string().nullable(),
    timezone: z.string().nullable(),
    locale: z.string().nullable(),
    birthday: z.string().nullable(),
    marketingConsent: z.boolean(),
    consentSource: z.string().nullable(),
    consentAt: z.string().nullable(),
    unsubscribedAt: z.string().nullable(),
    unengagedAt: z.string().nullable(),
    suppressed: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Customer');

v1Path({
  method: 'put',
  path: '/v1/customers/{id}',
  summary: 'Create or update a customer profile and consent',
  request: { params: idParam('id'), body: { content: { 'application/json': { schema: CustomerPutSchema } } } },
  responses: { 200: json(CustomerSchema, 'Updated'), 201: json(CustomerSchema, 'Created') },
});
v1Path({
  method: 'get',
  path: '/v1/customers/{id}',
  summary: 'A customer, with consent, unsubscribe, engagement and suppression state',
  request: { params: idParam('id') },
  responses: { 200: json(CustomerSchema, 'The customer'), 404: json(ErrorSchema, 'No such customer') },
});
v1Path({
  method: 'get',
  path: '/v1/customers/{id}/journeys',
  summary: "The customer's journeys (running and closed), with step and next wake-up",
  request: { params: idParam('id') },
  responses: {
    200: json(
      z.object({
        journeys: z.array(
          z.object({
            workflowId: z.string(),
            runId: z.string(),
            journey: z.string(),
            status: z.string(),
            step: z.string().nullable(),
            nextWakeUp: z.string().nullable(),
            startedAt: z.string(),
            closedAt: z.string().nullable(),
          }),
        ),
      }),
      'Journeys',
    ),
  },
});
v1Path({
  method: 'put',
  path: '/v1/products/{id}',
  summary: 'Create or update a product; a stock change from 0 to >0 wakes back-in-stock journeys',
  description:
    'A restock (stock 0 → n) notifies waiting back-in-stock subscribers in batches: `subscribersPerUnit × stock` of the oldest subscriptions at once, the next batch after `batchInterval` while stock remains. `restocked` in the answer says whether this call was such a restock.',
  request: { params: idParam('id'), body: { content: { 'application/json': { schema: ProductPutSchema } } } },
  responses: {
    200: json(ProductViewSchema, 'Updated'),
    201: json(ProductViewSchema, 'Created'),
  },
});
v1Path({
  method: 'get',
  path: '/v1/products/{id}',
  summary: 'A product as stored (price, stock, related products, replenishment rhythm)',
  request: { params: idParam('id') },
  responses: {
    200: json(
      z
        .object({
          id: z.string(),
          title: z.string(),
          price: z.number(),
          currency: z.string(),
          url: z.string(),
          imageUrl: z.string().nullable(),
          stock: z.number().int(),
          relatedProductIds: z.array(z.string()),
          replenishDays: z.number().int().nullable(),
        })
        .openapi('StoredProduct'),
      'The product',
    ),
    404: json(ErrorSchema, 'No such product'),
  },
});
v1Path({
  method: 'get',
  path: '/v1/messages',
  summary: 'The message log, newest first (page with `before`)',
  request: { query: MessagesQuerySchema },
  responses: {
    200: json(
      z.object({
        messages: z.array(
          z.object({
            id: z.number(),
            customerId: z.string(),
            journey: z.string(),
            step: z.string(),
            template: z.string(),
            subject: z.string().nullable(),
            category: z.enum(['transactional', 'marketing']),
            status: z.enum(['pending', 'sent', 'skipped', 'deferred', 'failed', 'unconfirmed']),
            skipReason: z.string().nullable(),
            createdAt: z.string(),
            sentAt: z.string().nullable(),
          }),
        ),
        nextBefore: z.number().nullable(),
      }),
      'Messages',
    ),
  },
});

// Guardrails (issue 5): erasure, suppressions, and the public unsubscribe and webhook routes.
v1Path({
  method: 'delete',
  path: '/v1/customers/{id}',
  summary: 'Erase a customer (GDPR): terminate their running journeys, remove personal data',
  description:
    'Idempotent; an unknown id is erased too (a tombstone, so older events cannot revive it). Orders keep totals, currency and items. ' +
    'Leaves an audit_log row keyed by a SHA-256 of the id. A profile event that occurred after the erasure starts a fresh customer, with consent only as it gives it.',
  request: { params: idParam('id') },
  responses: { 204: { description: 'Erased' } },
});

const SuppressionSchema = registry.register(
  'Suppression',
  z.object({
    email: z.string(),
    reason: z.enum(['hard_bounce', 'complaint', 'manual']),
    source: z.string(),
    createdAt: z.string(),
  }),
);
const emailParam = z.object({ email: z.string().email() });
v1Path({
  method: 'get',
  path: '/v1/suppressions',
  summary: 'Suppressed addresses (no mail at all, transactional included), newest first',
  description: 'Page with `cursor` = the previous answer\'s `nextCursor`.',
  request: { query: SuppressionsQuerySchema },
  responses: {
    200: json(z.object({ suppressions: z.array(SuppressionSchema), nextCursor: z.string().nullable() }), 'Suppressions'),
  },
});
v1Path({
  method: 'get',
  path: '/v1/suppressions/{email}',
  summary: 'Whether one address is suppressed, and why',
  request: { params: emailParam },
  responses: { 200: json(SuppressionSchema, 'Suppressed'), 404: json(ErrorSchema, 'Not suppressed') },
});
v1Path({
  method: 'post',
  path: '/v1/suppressions',
  summary: 'Suppress an address by hand (default reason: manual)',
  request: { body: { content: { 'application/json': { schema: registry.register('SuppressionRequest', SuppressionPostSchema) } } } },
  responses: { 201: json(SuppressionSchema, 'Suppressed'), 200: json(SuppressionSchema, 'Was already suppressed') },
});
v1Path({
  method: 'delete',
  path: '/v1/suppressions/{email}',
  summary: 'Lift a suppression (recorded in the audit log)',
  request: { params: emailParam },
  responses: { 204: { description: 'Lifted' }, 404: json(ErrorSchema, 'Not suppressed') },
});

const DeadLetterSchema = registry.register(
  'DeadLetter',
  z.object({
    id: z.string(),
    type: z.string(),
    customerId: z.string(),
    occurredAt: z.string(),
    receivedAt: z.string(),
    deadLetteredAt: z.string(),
    attempts: z.number().int(),
    error: z.string().nullable(),
    holding: z.boolean().openapi({ description: "the customer's later events wait behind it now" }),
    holdsUntil: z.string().nullable().openapi({ description: 'when they stop waiting (null: until retried, or already released)' }),
    waitingBehind: z.number().int().openapi({ description: "the customer's later events waiting behind it" }),
  }),
);
v1Path({
  method: 'get',
  path: '/v1/dead-letters',
  summary: 'Events the relay gave up on after DISPATCH_MAX_ATTEMPTS failed attempts, oldest first',
  description:
    "A dead letter keeps its customer's later events waiting for DISPATCH_DEAD_LETTER_HOLD (default 15 minutes; `forever` = until retried), then they go on. `rule` states the rule in force. An unreachable Temporal never dead-letters an event.",
  request: { query: DeadLettersQuerySchema },
  responses: { 200: json(z.object({ rule: z.string(), deadLetters: z.array(DeadLetterSchema) }), 'Dead letters') },
});
v1Path({
  method: 'post',
  path: '/v1/dead-letters/{id}/retry',
  summary: 'Give a dead-lettered event a fresh set of attempts',
  description:
    "Still holding its customer's later events, it is dispatched next, ahead of them; after the hold, it joins the back of the customer's line.",
  request: { params: idParam('id') },
  responses: { 202: json(z.object({ id: z.string(), retried: z.literal(true) }), 'Queued for dispatch'), 404: json(ErrorSchema, 'No dead letter with this id') },
});

const token = z.object({ token: z.string() });
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
registry.registerPath({
  method: 'get',
  path: '/u/{token}',
  summary: 'Unsubscribe page (public, signed link from every marketing email); changes nothing',
  request: { params: token },
  responses: { 200: htmlPage('Page with an Unsubscribe button'), 400: htmlPage('Invalid or forged link') },
});
registry.registerPath({
  method: 'post',
  path: '/u/{token}',
  summary: 'Unsubscribe from marketing email (RFC 8058 one-click; no login, no cookies)',
  description: 'Body `List-Unsubscribe=One-Click` (form-encoded) from mailbox providers, or the page\'s form. Transactional mail still goes out.',
  request: {
    params: token,
    body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ 'List-Unsubscribe': z.literal('One-Click').optional() }) } } },
  },
  responses: { 200: htmlPage('Unsubscribed, with a re-subscribe button'), 400: htmlPage('Invalid or forged link') },
});
registry.registerPath({
  method: 'get',
  path: '/r/{token}',
  summary: 'Re-subscribe page (linked from the unsubscribe confirmation); changes nothing',
  request: { params: token },
  responses: { 200: htmlPage('Page with a Re-subscribe button'), 400: htmlPage('Invalid or forged link') },
});
registry.registerPath({
  method: 'post',
  path: '/r/{token}',
  summary: 'Re-subscribe: an explicit new opt-in, recorded with source and time',
  request: { params: token },
  responses: { 200: htmlPage('Subscribed again'), 400: htmlPage('Invalid or forged link') },
});
registry.registerPath({
  method: 'get',
  path: '/remind/{token}',
  summary: 'Replenishment reminder page (signed link from the reminder email): snooze or pick a date; changes nothing',
  request: { params: token, query: z.object({ choice: z.enum(['snooze', 'reschedule']).optional() }) },
  responses: {
    200: htmlPage('The product, the next reminder, a snooze button and a date picker'),
    400: htmlPage('Invalid or forged link'),
    410: htmlPage('The reminder ended or was replaced by a newer order'),
  },
});
registry.registerPath({
  method: 'post',
  path: '/remind/{token}',
  summary: 'Move the next replenishment reminder (signals the journey)',
  request: {
    params: token,
    body: {
      content: {
        'application/x-www-form-urlencoded': {
          schema: z.object({ action: z.enum(['snooze', 'reschedule']), date: z.string().optional().openapi({ description: 'YYYY-MM-DD, for reschedule' }) }),
        },
      },
    },
  },
  responses: {
    200: htmlPage('Moved; the page names the new date'),
    400: htmlPage('Invalid or forged link'),
    410: htmlPage('The reminder ended or was replaced by a newer order'),
    422: htmlPage('No date, or a date outside tomorrow … rescheduleWithin'),
  },
});
registry.registerPath({
  method: 'post',
  path: '/webhooks/resend',
  summary: 'Resend delivery events (Svix-signed; RESEND_WEBHOOK_SECRET)',
  description:
    'Verifies svix-id/svix-timestamp/svix-signature on the raw body (stale > 5 min rejected), applies each svix-id once. ' +
    'delivered/opened/clicked set the message log timestamps; a permanent bounce or a complaint suppresses the address; a soft bounce is only recorded.',
  request: { body: { content: { 'application/json': { schema: z.object({ type: z.string(), created_at: z.string(), data: z.object({}).passthrough() }) } } } },
  responses: {
    200: json(z.object({ received: z.literal(true), duplicate: z.boolean() }), 'Applied (or a duplicate svix-id)'),
    400: json(ErrorSchema, 'Bad, missing or stale signature'),
    503: json(ErrorSchema, 'RESEND_WEBHOOK_SECRET not set'),
  },
});

const StepStatsSchema = z.object({
  step: z.string(),
  entered: z.number(),
  sent: z.number(),
  skipped: z.record(z.string(), z.number()).openapi({ description: 'skipped messages by reason' }),
  deferred: z.number(),
  failed: z.number(),
  delivered: z.number(),
  opened: z.number(),
  clicked: z.number(),
  bounced: z.number(),
  complained: z.number(),
  converted: z.number(),
  revenue: z.record(z.string(), z.number()).openapi({ description: 'attributed revenue per currency' }),
});
v1Path({
  method: 'get',
  path: '/v1/stats/journeys',
  summary: 'Per journey and step: entered, sent, skipped by reason, delivered, opened, clicked, converted, revenue',
  description:
    'Counts come from the message log. An order counts as a conversion of the latest message sent to the customer before it, within the attribution window (default 5 days); revenue is reported per currency.',
  request: { query: StatsQuerySchema },
  responses: {
    200: json(
      z.object({
        attributionWindowDays: z.number(),
        journeys: z.array(z.object({ journey: z.string(), entered: z.number(), steps: z.array(StepStatsSchema) })),
      }),
      'Journey statistics',
    ),
  },
});
for (const [path, summary] of [
  ['/t/o/{token}', 'Open pixel (public, signed): marks the message opened, answers a 1×1 GIF'],
  ['/t/c/{token}', 'Click redirect (public, signed): marks the message clicked, redirects only to a URL the message contained'],
] as const) {
  registry.registerPath({ method: 'get', path, summary, request: { params: z.object({ token: z.string() }) }, responses: { 200: { description: 'OK' }, 302: { description: 'Redirect' }, 404: { description: 'Invalid token' } } });
}

for (const [path, summary] of [
  ['/healthz', 'The process answers'],
  ['/readyz', 'Postgres and Temporal answer (503 otherwise); `dispatch` shows the backlog, dead letters and the dead-letter rule'],
  ['/metrics', 'Prometheus metrics'],
] as const) {
  registry.registerPath({ method: 'get', path, summary, responses: { 200: { description: 'OK' } } });
}

/** Groups in the docs, by the path's first segment (a route added anywhere lands in one). */
const TAGS: [RegExp, string][] = [
  [/^\/v1\/events/, 'Events'],
  [/^\/v1\/customers/, 'Customers'],
  [/^\/v1\/products/, 'Products'],
  [/^\/v1\/messages/, 'Messages'],
  [/^\/v1\/stats/, 'Stats'],
  [/^\/v1\/suppressions/, 'Suppressions'],
  [/^\/v1\/dead-letters/, 'Dead letters'],
  [/^\/(u|r|remind|t)\//, 'Links in emails (public, signed)'],
  [/^\/webhooks\//, 'Webhooks'],
];

export function openApiDocument(publicUrl: string) {
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Journeys API',
      version: '1.0.0',
      description: 'Lifecycle messaging on Temporal: post shop events, read customers, journeys and the message log.',
    },
    servers: [{ url: publicUrl }],
  });
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const tag = TAGS.find(([re]) => re.test(path))?.[1] ?? 'Operations';
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (operation && !operation.tags?.length) operation.tags = [tag];
    }
  }
  return document;
}
