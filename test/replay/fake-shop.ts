import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../activities';
import type { SendMessageInput } from '../../activities/types';
import type { CatalogProduct } from '../../activities/catalog';
import type { ReplenishableProduct } from '../../activities/replenishment';
import type { SubscriptionStatus } from '../../activities/back-in-stock';
import { nextBirthdaySendTime } from '../../activities/birthday';
import { defaultNurtureCatalogPath, loadNurtureCatalog, pickNurturePiece } from '../../activities/nurture-catalog';
import { replenishmentLinks } from '../../links/replenishment-links';
import type { EventProperties, ShopEvent } from '../../ingest/event-schemas';
import { fakeSend } from '../helpers/time-skipping';

/**
 * The shop the recorder's journeys run in: typed fakes of every activity a journey calls, over
 * in-memory state a scenario arranges the way the projections would (orders stored before
 * the event reaches a journey, a waitlist row per back-in-stock request, profiles). Only the
 * activities' answers end up in a history, so the fakes answer as the real ones would and
 * skip the database.
 */
export interface FakeShop {
  /** idempotency key → why the send path skips that message (no consent, sold out at send time) */
  refusals: Map<string, string>;
  /** units per product; a product not listed has plenty */
  stock: Map<string, number>;
  waitlist: { customerId: string; productId: string; requestedAt: string; status: SubscriptionStatus | 'notifying'; requeues?: number }[];
  orders: (EventProperties<'order.placed'> & { customerId: string })[];
  /** opens and clicks of any email, workflow-clock ms */
  engagement: { customerId: string; at: number }[];
  profiles: Map<string, { birthday: string; timezone?: string }>;
  /** customer ids the sunset sweep finds lapsed, in id order (the real one reads Postgres) */
  lapsed: string[];
  /** every message the journeys handed to the send path */
  sent: { input: SendMessageInput; at: number }[];
  /** stores an order.placed (as the projection does) and returns the event for the journeys */
  place(customerId: string, orderId: string, at: number, items: OrderLine[]): ShopEvent;
}

export type OrderLine = { productId: string; quantity: number };

const SHOP = 'https://shop.example.com';

/** The catalogue: teas, a teapot, cups, and coffee beans that run out every 30 days. */
export const catalogue: Record<string, Omit<CatalogProduct, 'stock'> & { replenishDays?: number }> = {
  sencha: { productId: 'sencha', title: 'Sencha green tea', price: 12.5, currency: 'EUR', url: `${SHOP}/p/sencha` },
  kyusu: { productId: 'kyusu', title: 'Kyusu teapot', price: 64, currency: 'EUR', url: `${SHOP}/p/kyusu`, imageUrl: `${SHOP}/img/kyusu.jpg` },
  cups: { productId: 'cups', title: 'Hagi cups, set of 2', price: 38, currency: 'EUR', url: `${SHOP}/p/cups` },
  beans: { productId: 'beans', title: 'House blend, 1 kg', price: 24, currency: 'EUR', url: `${SHOP}/p/beans`, replenishDays: 30 },
};

export function openShop(env: TestWorkflowEnvironment): { shop: FakeShop; activities: Partial<Activities> } {
  const send = fakeSend(env, (input, n) => {
    const reason = shop.refusals.get(input.idempotencyKey);
    return reason ? { status: 'skipped', reason } : { status: 'sent', messageId: n, providerMessageId: `fake-${n}` };
  });
  const shop: FakeShop = {
    refusals: new Map(),
    stock: new Map(),
    waitlist: [],
    orders: [],
    engagement: [],
    profiles: new Map(),
    lapsed: [],
    sent: send.sent,
    place(customerId, orderId, at, lines) {
      const items = lines.map(({ productId, quantity }) => ({ productId, title: catalogue[productId].title, price: catalogue[productId].price, quantity }));
      const properties = { orderId, currency: 'EUR', total: items.reduce((sum, i) => sum + i.price * i.quantity, 0), items };
      shop.orders.push({ customerId, ...properties });
      return { id: `evt-${orderId}`, type: 'order.placed', customerId, occurredAt: new Date(at).toISOString(), properties };
    },
  };
  const inStock = (productId: string) => shop.stock.get(productId) ?? 100;
  const product = (productId: string): CatalogProduct | undefined =>
    catalogue[productId] && { ...withoutReplenishDays(catalogue[productId]), stock: inStock(productId) };
  const ordersOf = (customerId: string) => shop.orders.filter((o) => o.customerId === customerId);
  const latestEngagement = (customerId: string, since: string) => {
    const times = shop.engagement.filter((e) => e.customerId === customerId && e.at >= Date.parse(since)).map((e) => e.at);
    return times.length
      ? { engagedAt: new Date(Math.max(...times)).toISOString(), how: 'opened' as const }
      : { engagedAt: null, how: null };
  };

  const activities: Partial<Activities> = {
    ...send.activities,
    findProducts: async (ids) => ids.flatMap((id) => product(id) ?? []),

    claimBackInStockBatch: async ({ productId, subscribersPerUnit }) => {
      const stock = inStock(productId);
      const subscribers = shop.waitlist
        .filter((s) => s.productId === productId && s.status === 'waiting')
        .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt))
        .slice(0, stock * subscribersPerUnit)
        .map((s) => {
          s.status = 'notifying';
          return { customerId: s.customerId, requestedAt: s.requestedAt };
        });
      return { stock, subscribers };
    },
    // Like the real one: a subscriber whose journey was not running waits for the next batch,
    // and after three such batches the subscription expires.
    requeueBackInStockSubscribers: async ({ productId, subscribers }) => {
      for (const { customerId, requestedAt } of subscribers) {
        const row = shop.waitlist.find((s) => s.customerId === customerId && s.productId === productId && s.requestedAt === requestedAt);
        if (!row || row.status !== 'notifying') continue;
        row.requeues = (row.requeues ?? 0) + 1;
        row.status = row.requeues >= 3 ? 'expired' : 'waiting';
      }
    },
    settleBackInStockSubscription: async ({ customerId, productId, requestedAt, status }) => {
      const row = shop.waitlist.find((s) => s.customerId === customerId && s.productId === productId && s.requestedAt === requestedAt);
      if (row) row.status = status;
    },

    isFirstOrder: async ({ customerId, orderId }) => ordersOf(customerId).every((o) => o.orderId === orderId),
    itemsToReview: async ({ orderId }) =>
      (shop.orders.find((o) => o.orderId === orderId)?.items ?? []).map((i) => ({
        productId: i.productId,
        title: i.title,
        reviewUrl: `${catalogue[i.productId]?.url ?? SHOP}#reviews`,
      })),
    crossSellProducts: async ({ customerId, limit }) => {
      const bought = new Set(ordersOf(customerId).flatMap((o) => o.items.map((i) => i.productId)));
      return Object.values(catalogue)
        .filter((p) => !bought.has(p.productId) && inStock(p.productId) > 0)
        .slice(0, limit)
        .map(({ productId, title, url, price, currency }) => ({ productId, title, url, price, currency }));
    },
    browsedProducts: async ({ productIds, maxViewed, maxRelated }) => {
      const card = (id: string) => {
        const { productId, title, price, currency, url } = catalogue[id];
        return { productId, title, price, currency, url };
      };
      const items = productIds.filter((id) => catalogue[id] && inStock(id) > 0).slice(0, maxViewed).map(card);
      const related = Object.keys(catalogue).filter((id) => !productIds.includes(id) && inStock(id) > 0).slice(0, maxRelated).map(card);
      return { items, related };
    },
    orderChangeItems: async ({ orderId, items }) => {
      const ordered = shop.orders.find((o) => o.orderId === orderId)?.items ?? [];
      return (items ?? ordered).map((item) => ({
        title: ordered.find((o) => o.productId === item.productId)?.title ?? item.productId,
        quantity: item.quantity,
      }));
    },
    claimStep: async () => ({ claimed: true }),
    releaseStep: async () => undefined,

    customerEngagement: async ({ customerId, since }) => latestEngagement(customerId, since),
    sunsetIfUnengaged: async ({ customerId, since }) => {
      const engagement = latestEngagement(customerId, since);
      return { ...engagement, sunset: engagement.engagedAt === null };
    },
    // Two customers per batch, so a pass of a few lapsed customers takes several batches.
    sweepLapsedRecipients: async ({ after }) => {
      const rest = shop.lapsed.filter((id) => after === null || id > after);
      const batch = rest.slice(0, 2);
      return { scanned: batch.length, handedOver: batch.length, next: rest.length > 2 ? batch.at(-1)! : null, paused: false, sweepEvery: '1 day', maxPerPass: 10_000 };
    },
    stillLapsed: async ({ customerId, lapsedSince }) => {
      const engaged = latestEngagement(customerId, lapsedSince).engagedAt !== null || ordersOf(customerId).length > 0;
      return engaged ? { lapsed: false, reason: 'engaged' } : { lapsed: true };
    },
    vipStanding: async ({ customerId }) => {
      const invitation = shop.sent.find((s) => s.input.customerId === customerId && s.input.step === 'vip-invitation' && !shop.refusals.has(s.input.idempotencyKey));
      return {
        orderCount: ordersOf(customerId).length,
        lifetimeRevenue: ordersOf(customerId).reduce((sum, o) => sum + o.total, 0),
        currency: 'EUR',
        invitedAt: invitation ? new Date(invitation.at).toISOString() : null,
      };
    },

    planBirthday: async (req) => {
      const profile = shop.profiles.get(req.customerId);
      if (!profile) return { status: 'ended', reason: 'erased' };
      const timezone = profile.timezone ?? req.defaultTimezone;
      const next = nextBirthdaySendTime({
        birthday: profile.birthday,
        timezone,
        hour: req.sendAtLocalHour,
        after: Date.parse(req.after),
        celebratedThrough: req.celebratedThrough,
      });
      return { status: 'planned', year: next.year, sendAt: new Date(next.sendAt).toISOString(), birthday: profile.birthday, timezone };
    },

    // The real content catalog: what a lead would really be sent.
    nextNurturePiece: async (req) =>
      pickNurturePiece(await loadNurtureCatalog(defaultNurtureCatalogPath), req.topics, req.exclude) ?? null,

    // The welcome series' last nudge: the fake shop's bestsellers by units, else the real catalog's first piece.
    lastNudgeContent: async ({ customerId, pick }) => {
      if (ordersOf(customerId).length) return { kind: 'ordered' };
      const units = new Map<string, number>();
      for (const item of shop.orders.flatMap((o) => o.items)) units.set(item.productId, (units.get(item.productId) ?? 0) + item.quantity);
      const items = [...units.entries()]
        .filter(([id]) => catalogue[id] && inStock(id) > 0)
        .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
        .slice(0, 3)
        .map(([id]) => withoutReplenishDays(catalogue[id]));
      const piece = (await loadNurtureCatalog(defaultNurtureCatalogPath)).pieces[0];
      if (pick === 'bestsellers' && items.length) return { kind: 'bestsellers', items };
      return piece ? { kind: 'content', piece } : items.length ? { kind: 'bestsellers', items } : { kind: 'nothing' };
    },

    findReplenishableProduct: async (productId): Promise<ReplenishableProduct | null> => {
      const p = catalogue[productId];
      if (!p?.replenishDays) return null;
      return { productId, title: p.title, url: p.url, ...(p.imageUrl ? { imageUrl: p.imageUrl } : {}), replenishDays: p.replenishDays };
    },
    replenishmentLinks: async (target) => replenishmentLinks(SHOP, 'replay-recorder-secret', target),
  };
  return { shop, activities };
}

function withoutReplenishDays<T extends { replenishDays?: number }>({ replenishDays: _, ...rest }: T): Omit<T, 'replenishDays'> {
  return rest;
}
