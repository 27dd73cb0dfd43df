import type { FakeResend, ReceivedEmail } from '../../test/helpers/fake-resend';
import { sleep } from './processes';
import type { ShopClient } from './shop-client';

/**
 * The customers of a run and what each of them must (and must not) receive. Every cohort's
 * traffic is written so that its expected mail does not depend on timing: an exit event is
 * posted well before the step it cancels is due, and an unsubscribe before the next marketing
 * step, even with faults delaying things by tens of seconds.
 */
export type Cohort =
  | 'browser' // signs up, never buys: welcome + reminder
  | 'buyer' // signs up and orders at once: welcome + confirmation, shipping, delivery
  | 'cart-abandoner' // signs up, leaves a cart (two updates posted out of order): welcome, reminder, both cart reminders
  | 'cart-buyer' // leaves a cart and orders soon after: no cart reminder, no welcome reminder
  | 'back-in-stock' // no marketing consent, asks for a sold-out product: only the back-in-stock alert
  | 'unsubscriber-cart' // unsubscribes from the welcome email, then the shop re-syncs consent and a cart comes: nothing more
  | 'unsubscriber-buyer' // unsubscribes from the welcome email, then orders: only the confirmation
  | 'consent-reversed'; // consent false, then an older "true" arrives late: no marketing at all

/** One cycle of cohorts; customers are dealt round-robin so every phase of a run has each kind. */
const CYCLE: Cohort[] = [
  'buyer', 'browser', 'cart-abandoner', 'back-in-stock', 'buyer', 'unsubscriber-cart', 'cart-buyer',
  'buyer', 'browser', 'cart-abandoner', 'back-in-stock', 'buyer', 'consent-reversed', 'unsubscriber-buyer',
  'buyer', 'browser', 'cart-abandoner', 'back-in-stock', 'cart-buyer', 'unsubscriber-cart',
];

/** `journey/step`, as the send path tags every email. */
export type MailKey =
  | 'welcome/welcome-email'
  | 'welcome/welcome-reminder'
  | 'order/order-confirmation'
  | 'order/shipping-notice'
  | 'order/delivered-notice'
  | 'abandoned-cart/first-reminder'
  | 'abandoned-cart/second-reminder'
  | 'back-in-stock/alert';

const EXPECTED: Record<Cohort, MailKey[]> = {
  browser: ['welcome/welcome-email', 'welcome/welcome-reminder'],
  buyer: ['welcome/welcome-email', 'order/order-confirmation', 'order/shipping-notice', 'order/delivered-notice'],
  'cart-abandoner': ['welcome/welcome-email', 'welcome/welcome-reminder', 'abandoned-cart/first-reminder', 'abandoned-cart/second-reminder'],
  'cart-buyer': ['welcome/welcome-email', 'order/order-confirmation'],
  'back-in-stock': ['back-in-stock/alert'],
  'unsubscriber-cart': ['welcome/welcome-email'],
  'unsubscriber-buyer': ['welcome/welcome-email', 'order/order-confirmation'],
  'consent-reversed': [],
};

export interface Shopper {
  id: string;
  email: string;
  cohort: Cohort;
  /** the API replica this customer's traffic goes to first (half each) */
  prefer: number;
  /** when our unsubscribe POST was answered: marketing accepted after this is a violation */
  unsubscribedAt?: number;
  /** the cart whose contents a reminder must show, and the stale one it must not */
  cartShown?: string;
  cartHidden?: string;
  /** the sold-out product asked for */
  wants?: string;
  /** a step of the script that could not be done (its expected mail never came) */
  stuck?: string;
}

export function expectedMail(shopper: Shopper): MailKey[] {
  return EXPECTED[shopper.cohort];
}

export function makeShoppers(count: number, soldOut: string[]): Shopper[] {
  return Array.from({ length: count }, (_, i) => {
    const cohort = CYCLE[i % CYCLE.length];
    const id = `chaos-${String(i).padStart(4, '0')}`;
    return {
      id,
      email: `${id}@chaos.example`,
      cohort,
      prefer: i % 2,
      ...(cohort === 'back-in-stock' ? { wants: soldOut[i % soldOut.length] } : {}),
    };
  });
}

export interface Catalogue {
  inStock: { id: string; title: string; price: number }[];
  soldOut: { id: string; title: string; price: number }[];
}

export function catalogue(soldOutCount: number): Catalogue {
  return {
    inStock: Array.from({ length: 6 }, (_, i) => ({ id: `tea-${i}`, title: `Chaos Tea No. ${i}`, price: 8 + i })),
    soldOut: Array.from({ length: soldOutCount }, (_, i) => ({ id: `kettle-${i}`, title: `Chaos Kettle No. ${i}`, price: 30 + i })),
  };
}

export interface ShopperContext {
  client: ShopClient;
  resend: FakeResend;
  catalogue: Catalogue;
  /** how long a shopper waits for an email it needs to see before its next move */
  mailWaitMs: number;
  /** how long after a cart a cart-buyer orders (well inside firstReminderAfter) */
  orderAfterCartMs: number;
  /** event ids of the run are unique to it */
  run: string;
}

/** The email of one customer with one tag set, when the fake has received it. */
export function findMail(resend: FakeResend, email: string, key: MailKey): ReceivedEmail | undefined {
  return resend.emails.find((m) => m.body.to.includes(email) && mailKey(m) === key);
}

export function mailKey(m: ReceivedEmail): string {
  const tag = (name: string) => m.body.tags?.find((t) => t.name === name)?.value ?? '?';
  return `${tag('journey')}/${tag('step')}`;
}

async function waitForMail(ctx: ShopperContext, shopper: Shopper, key: MailKey): Promise<ReceivedEmail | undefined> {
  const deadline = Date.now() + ctx.mailWaitMs;
  for (;;) {
    const mail = findMail(ctx.resend, shopper.email, key);
    if (mail) return mail;
    if (Date.now() > deadline) {
      shopper.stuck = `no ${key} within ${ctx.mailWaitMs / 1000} s`;
      return undefined;
    }
    await sleep(250);
  }
}

/** Play one customer's part of the run. */
export async function playShopper(ctx: ShopperContext, shopper: Shopper): Promise<void> {
  const { client } = ctx;
  let n = 0;
  // Offsets from half a minute ago: every occurredAt is in the past, in the order the script says.
  const t0 = Date.now() - 30_000;
  const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();
  const event = (type: string, properties: object, occurredAt = at(n * 10)) => ({
    id: `${ctx.run}-${shopper.id}-${++n}`,
    type,
    customerId: shopper.id,
    occurredAt,
    properties,
  });
  const post = (...events: object[]) => client.postEvents(events, shopper.prefer);
  const consent = !['back-in-stock', 'consent-reversed'].includes(shopper.cohort);
  const created = event('customer.created', { email: shopper.email, firstName: 'Chaos', marketingConsent: consent });
  const tea = ctx.catalogue.inStock[Number(shopper.id.slice(-4)) % ctx.catalogue.inStock.length];
  const otherTea = ctx.catalogue.inStock[(Number(shopper.id.slice(-4)) + 1) % ctx.catalogue.inStock.length];
  const line = (p: { id: string; title: string; price: number }) => ({ productId: p.id, title: p.title, price: p.price, quantity: 1, url: `https://shop.example/p/${p.id}` });
  const cart = (p: { id: string; title: string; price: number }, occurredAt?: string) =>
    event('cart.updated', { cartId: `cart-${shopper.id}`, cartUrl: `https://shop.example/cart/${shopper.id}`, items: [line(p)] }, occurredAt);
  const order = () => {
    const orderId = `order-${shopper.id}`;
    return { orderId, event: event('order.placed', { orderId, total: tea.price, currency: 'EUR', items: [line(tea)] }) };
  };

  switch (shopper.cohort) {
    case 'browser':
      await post(created);
      await post(created); // the shop's retry of the same event: accepted, applied once
      return;

    case 'buyer': {
      const placed = order();
      await post(created, placed.event); // one batch
      await sleep(1_000);
      const shipped = event('order.shipped', { orderId: placed.orderId, carrier: 'DHL', trackingNumber: `TRK-${shopper.id}`, trackingUrl: `https://track.example/${shopper.id}` });
      await post(shipped);
      await post(shipped); // repeated id
      // A delivery reported in the same moment as the shipment makes the shipping notice old
      // news (by design); a real parcel takes days, so the shop reports it after the notice.
      if (!(await waitForMail(ctx, shopper, 'order/shipping-notice'))) return;
      await post(event('order.delivered', { orderId: placed.orderId }));
      return;
    }

    case 'cart-abandoner': {
      await post(created);
      // The newer cart is posted first; the older one arrives late and must change nothing.
      const newer = cart(tea, at(5_000));
      const older = cart(otherTea, at(4_000));
      shopper.cartShown = tea.title;
      shopper.cartHidden = otherTea.title;
      await post(newer);
      await post(older);
      return;
    }

    case 'cart-buyer':
      await post(created, cart(tea));
      await sleep(ctx.orderAfterCartMs);
      await post(order().event);
      return;

    case 'back-in-stock':
      await post(created, event('back_in_stock.requested', { productId: shopper.wants }));
      return;

    case 'unsubscriber-cart':
    case 'unsubscriber-buyer': {
      await post(created);
      const welcome = await waitForMail(ctx, shopper, 'welcome/welcome-email');
      if (!welcome) return;
      const link = /<([^>]+)>/.exec(welcome.body.headers?.['List-Unsubscribe'] ?? '')?.[1];
      if (!link) {
        shopper.stuck = 'the welcome email has no List-Unsubscribe link';
        return;
      }
      // RFC 8058 one-click, exactly as a mailbox provider posts it.
      const answer = await client.postLink(link, 'List-Unsubscribe=One-Click', shopper.prefer);
      if (answer.status !== 200) {
        shopper.stuck = `one-click unsubscribe answered ${answer.status}`;
        return;
      }
      shopper.unsubscribedAt = Date.now();
      if (shopper.cohort === 'unsubscriber-buyer') {
        await post(order().event);
        return;
      }
      // The shop's nightly profile sync repeats the consent it always had: no re-subscribe.
      await post(event('customer.updated', { email: shopper.email, marketingConsent: true }, new Date().toISOString()));
      await sleep(5);
      await post(cart(tea, new Date().toISOString()));
      return;
    }

    case 'consent-reversed':
      await post(created);
      // The newer "no" arrives first, then an older "yes" that must not win.
      await post(event('customer.updated', { email: shopper.email, marketingConsent: false }, at(3_000)));
      await post(event('customer.updated', { email: shopper.email, marketingConsent: true }, at(2_000)));
      await post(cart(tea, at(4_000)));
      return;
  }
}
