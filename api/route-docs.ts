import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
// Importing the event contract first extends zod with .openapi() for every schema here.
export { shopId } from '../ingest/event-schemas';

/**
 * Where every route documents itself. A route file registers its request and response schemas
 * right beside its handler (the very zod schemas the handler validates with), so the document
 * served at /openapi.json is assembled from the code and cannot drift from it; `api/openapi.ts`
 * only assembles. The API contract test calls every documented operation, validates the real
 * answers against the document, and fails on a route that registers no documentation.
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

export const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
export const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
export const error = (description: string) => json(ErrorSchema, description);

/** The answers every route can give (the error envelope), whatever it does. */
const commonErrors = {
  429: error('Too many requests from this API key or client: retry after `Retry-After` seconds'),
};
const v1Errors = {
  400: error('Malformed request'),
  401: error('Missing or wrong API key'),
  413: error('Body too large'),
  415: error('Not application/json'),
  422: error('Validation failed'),
};

/** Document a /v1 route: bearer auth and the error envelope come with it. */
export function documentV1(route: RouteConfig): void {
  registry.registerPath({
    ...route,
    security: [{ [bearer.name]: [] }],
    responses: { ...commonErrors, ...v1Errors, ...route.responses },
  });
}

/** Document a public route (no API key: health, docs, links in emails, webhooks). */
export function documentPublic(route: RouteConfig): void {
  const bodyErrors: RouteConfig['responses'] = route.request?.body ? { 413: error('Body too large') } : {};
  registry.registerPath({ ...route, responses: { ...commonErrors, ...bodyErrors, ...route.responses } });
}

/**
 * A signed link's token, as this API issues them: base64url(payload) "." base64url(HMAC-SHA256).
 */
export const linkToken = z
  .string()
  .max(4096)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
  .openapi({ description: 'A signed token from a link in an email: `base64url(payload).base64url(HMAC-SHA256)`' });
