import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the API process, served at /metrics. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const eventsAccepted = new Counter({
  name: 'journeys_events_accepted_total',
  help: 'Events accepted by POST /v1/events',
  labelNames: ['duplicate'],
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'journeys_http_requests_total',
  help: 'HTTP requests by route and status',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});
