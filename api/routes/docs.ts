import express, { Router } from 'express';
import { absolutePath } from 'swagger-ui-dist';
import type { ApiDeps } from '../deps';
import { openApiDocument } from '../openapi';

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
