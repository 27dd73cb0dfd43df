import express, { type Express } from 'express';
import { apiRateLimit } from './rate-limit';
import { securityHeaders } from './security-headers';
import { createMailer } from '../worker';
import type { ApiDeps } from './deps';
import { requireApiKey, requireJson } from './auth';
import { errorHandler, methodNotAllowed, notFound } from './errors';
import { documentedPaths, openApiDocument } from './openapi';
import { rejectNulCharacters } from './safe-input';
import { httpRequests } from './metrics';
import { eventsRouter } from './routes/events';
import { customersRouter } from './routes/customers';
import { productsRouter } from './routes/products';
import { messagesRouter } from './routes/messages';
import { statsRouter } from './routes/stats';
import { trackingRouter } from './routes/tracking';
import { keepSubscribedRouter } from './routes/keep-subscribed';
import { healthRouter } from './routes/health';
import { outboxRouter } from './routes/outbox';
import { docsRouter } from './routes/docs';
import { unsubscribeRouter } from './routes/unsubscribe';
import { replenishmentLinksRouter } from './routes/replenishment-links';
import { resendWebhookRouter } from './routes/webhooks';
import { suppressionsRouter } from './routes/suppressions';
import { deadLettersRouter } from './routes/dead-letters';
import { couponsRouter } from './routes/coupons';
import { dashboardRouter } from './routes/dashboard';
import { journeysRouter } from './routes/journeys';

/** Wires the HTTP app; handlers stay thin and take their store from `deps`. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders);
  app.use((req, res, next) => {
    res.on('finish', () => {
      httpRequests.inc({ method: req.method, route: req.route?.path ?? 'unmatched', status: String(res.statusCode) });
    });
    next();
  });

  // Before any parser or key check: a method no route takes is a 405 whatever else is wrong.
  const paths = documentedPaths(openApiDocument(deps.config.publicUrl));
  app.use(methodNotAllowed(() => paths));

  // Signed on the raw bytes: must see the body before any JSON parser does.
  app.use(resendWebhookRouter(deps));
  app.use(healthRouter(deps));
  app.use(docsRouter(deps));
  // The page and its assets only: every figure it shows is read from /v1 with the API key.
  app.use(dashboardRouter(deps));
  if (deps.config.mail.transport === 'outbox') {
    // Every recipient, coupon code and working unsubscribe link: open only to the embedded
    // stack's local browser; anywhere else it takes the API key.
    if (!deps.config.embedded) app.use(['/outbox', '/outbox.json'], requireApiKey(deps.config.api.key));
    app.use(outboxRouter(deps));
  }
  // Public, token-signed (no API key): the recipient has no login.
  app.use(unsubscribeRouter(deps, deps.mailer ?? createMailer(deps.config, deps.db)));
  app.use(replenishmentLinksRouter(deps));
  app.use(trackingRouter(deps));
  app.use(keepSubscribedRouter(deps));

  const v1 = express.Router();
  v1.use(apiRateLimit(deps.config.api.key, deps.config.api.rateLimitPerMinute));
  v1.use(requireApiKey(deps.config.api.key));
  v1.use(requireJson);
  v1.use(express.json({ limit: '1mb', strict: true }));
  v1.use(rejectNulCharacters);
  v1.use('/events', eventsRouter(deps));
  v1.use('/customers', customersRouter(deps));
  v1.use('/products', productsRouter(deps));
  v1.use('/messages', messagesRouter(deps));
  v1.use('/stats', statsRouter(deps));
  v1.use('/suppressions', suppressionsRouter(deps));
  v1.use('/dead-letters', deadLettersRouter(deps));
  v1.use('/coupons', couponsRouter(deps));
  v1.use('/journeys', journeysRouter(deps));
  app.use('/v1', v1);

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
