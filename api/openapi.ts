import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { registry } from './route-docs';

/**
 * Assembles the OpenAPI document served at /openapi.json and rendered at /docs from what each
 * route file registered beside its handler (see `api/route-docs.ts`). Nothing is documented here.
 */

/** Groups in the docs, by the path's first segment (a route added anywhere lands in one). */
const TAGS: [RegExp, string][] = [
  [/^\/v1\/events/, 'Events'],
  [/^\/v1\/customers/, 'Customers'],
  [/^\/v1\/products/, 'Products'],
  [/^\/v1\/messages/, 'Messages'],
  [/^\/v1\/stats/, 'Stats'],
  [/^\/v1\/suppressions/, 'Suppressions'],
  [/^\/v1\/dead-letters/, 'Dead letters'],
  [/^\/v1\/coupons/, 'Coupons'],
  [/^\/v1\/journeys/, 'Journeys'],
  [/^\/(u|r|remind|t)\//, 'Links in emails (public, signed)'],
  [/^\/webhooks\//, 'Webhooks'],
  [/^\/outbox/, 'Outbox (embedded stack only)'],
  [/^\/(healthz|readyz|metrics)$/, 'Operations'],
  [/^\/(docs|openapi)/, 'Documentation'],
];

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;
type SchemaObject = NonNullable<NonNullable<OpenApiDocument['components']>['schemas']>[string];

let cached: { publicUrl: string; document: OpenApiDocument } | undefined;

export function openApiDocument(publicUrl: string): OpenApiDocument {
  if (cached?.publicUrl === publicUrl) return cached.document;
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
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation && !operation.tags?.length) operation.tags = [tag];
    }
  }
  forbidNulInText(document);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, NulFreeValue: NUL_FREE_VALUE } };
  cached = { publicUrl, document };
  return document;
}

/**
 * Postgres text cannot hold U+0000, so every request rejects it (api/safe-input.ts). Free-text
 * string schemas and every object's property names say so with a pattern; strings with a
 * pattern, format or enum already exclude it.
 */
const NO_NUL = '^[^\\x00]*$';
/** Any JSON value whose strings and keys hold no NUL. */
const NUL_FREE_VALUE: SchemaObject = {
  anyOf: [
    { type: 'string', pattern: NO_NUL },
    { type: ['number', 'boolean', 'null'] },
    { type: 'array', items: { $ref: '#/components/schemas/NulFreeValue' } },
    { type: 'object', propertyNames: { pattern: NO_NUL }, additionalProperties: { $ref: '#/components/schemas/NulFreeValue' } },
  ],
};

function forbidNulInText(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(forbidNulInText);
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.type === 'string' && !('pattern' in schema) && !('format' in schema) && !('enum' in schema) && !('const' in schema)) {
    schema.pattern = NO_NUL;
  }
  if (schema.type === 'object') {
    schema.propertyNames ??= { pattern: NO_NUL };
    // Keys a schema does not name are dropped by validation, but their text is checked too.
    schema.additionalProperties ??= { $ref: '#/components/schemas/NulFreeValue' };
  }
  for (const value of Object.values(schema)) forbidNulInText(value);
}

/** Each documented path as a matcher, with the methods it answers (for 405 + Allow). */
export function documentedPaths(document: OpenApiDocument): { pattern: RegExp; methods: string[] }[] {
  return Object.entries(document.paths ?? {}).map(([path, item]) => {
    const source = path
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    const methods = HTTP_METHODS.filter((m) => item[m]).map((m) => m.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    return { pattern: new RegExp(`^${source}/?$`), methods };
  });
}
