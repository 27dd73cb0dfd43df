import type { JourneysConfig } from '../config/journeys';
import type { EventType, ShopEvent, ShopEventOf } from './event-schemas';

/**
 * Which events reach which journeys — the one declarative table. The relay reads it; no
 * other code decides routing.
 *
 * - `startOn`: signal-with-start — the event starts the journey or, if it runs, reaches it.
 * - `signalOn`: the event reaches the journey only if it is running (an exit or an update).
 * - `restart`: 'never' = one journey per id ever (a closed one is not started again);
 *   'after-close' = a new run may start once the previous one has ended.
 */
export interface JourneyRoute<T extends EventType = EventType> {
  journey: string;
  /** shown in the Temporal UI as the workflow's summary */
  summary: string;
  workflowId: (event: ShopEvent) => string;
  startOn: T[];
  signalOn: EventType[];
  /** extra condition for starting (not for signals) */
  startWhen?: (event: ShopEventOf<T>) => boolean;
  restart: 'never' | 'after-close';
  input: (event: ShopEventOf<T>, config: JourneysConfig) => unknown;
}

const byCustomer = (prefix: string) => (event: ShopEvent) => `${prefix}/${event.customerId}`;

function route<T extends EventType>(r: JourneyRoute<T>): JourneyRoute {
  return r as unknown as JourneyRoute;
}

export const journeyRoutes: JourneyRoute[] = [
  route({
    journey: 'welcome',
    summary: 'Welcome series: coupon at once, reminder after 3 days without an order',
    workflowId: byCustomer('welcome'),
    startOn: ['customer.created'],
    signalOn: ['order.placed'],
    restart: 'never',
    input: (event, config) => ({ customerId: event.customerId, config: config.welcome }),
  }),
];

/** The routes an event touches, and how. */
export function routesFor(event: ShopEvent): { route: JourneyRoute; action: 'start' | 'signal' }[] {
  const matches: { route: JourneyRoute; action: 'start' | 'signal' }[] = [];
  for (const r of journeyRoutes) {
    if (r.startOn.includes(event.type) && (!r.startWhen || r.startWhen(event as never))) {
      matches.push({ route: r, action: 'start' });
    } else if (r.signalOn.includes(event.type) || r.startOn.includes(event.type)) {
      matches.push({ route: r, action: 'signal' });
    }
  }
  return matches;
}
