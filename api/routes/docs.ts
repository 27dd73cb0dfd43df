import express, { Router } from 'express';
import { absolutePath } from 'swagger-ui-dist';
import type { ApiDeps } from '../deps';
import { openApiDocument } from '../openapi';
import { documentPublic } from '../route-docs';
import { z } from 'zod';

documentPublic({
  method: 'get',
  path: '/openapi.json',
  summary: 'This document (OpenAPI 3.1)',
  responses: { 200: { description: 'The API document', content: { 'application/json': { schema: z.object({ openapi: z.string() }).passthrough() } } } },
});
documentPublic({
  method: 'get',
  path: '/docs',
  summary: 'The API reference (Swagger UI, served offline)',
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
});
documentPublic({
  method: 'get',
  path: '/docs/init.js',
  summary: "The reference page's script",
  responses: { 200: { description: 'JavaScript', content: { 'application/javascript': { schema: z.string() } } } },
});

/** /openapi.json and /docs (Swagger UI served from the package: works with no internet). */
export function docsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(deps.config.publicUrl));
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Journeys API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(
      `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', persistAuthorization: true });`,
    );
  });
  router.use('/docs/assets', express.static(absolutePath(), { index: false }));
  return router;
}
