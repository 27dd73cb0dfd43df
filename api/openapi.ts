import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { EventBatchSchema, EventSchema } from '../ingest/event-schemas';
import { CustomerPutSchema } from './routes/customers';
import { MessagesQuerySchema } from './routes/messages';
import { ProductPutSchema } from './routes/products';

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
  request: { params: idParam('id'), body: { content: { 'application/json': { schema: ProductPutSchema } } } },
  responses: {
    200: json(ProductPutSchema.extend({ id: z.string(), restocked: z.boolean() }), 'Updated'),
    201: json(ProductPutSchema.extend({ id: z.string(), restocked: z.boolean() }), 'Created'),
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
            status: z.enum(['pending', 'sent', 'skipped', 'deferred', 'failed']),
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

for (const [path, summary] of [
  ['/healthz', 'The process answers'],
  ['/readyz', 'Postgres and Temporal answer (503 otherwise)'],
  ['/metrics', 'Prometheus metrics'],
] as const) {
  registry.registerPath({ method: 'get', path, summary, responses: { 200: { description: 'OK' } } });
}

export function openApiDocument(publicUrl: string) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Journeys API',
      version: '1.0.0',
      description: 'Lifecycle messaging on Temporal: post shop events, read customers, journeys and the message log.',
    },
    servers: [{ url: publicUrl }],
  });
}
