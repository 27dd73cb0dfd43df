import { z } from 'zod';
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';

extendZodWithOpenApi(z);

/**
 * The v1 event contract (the public REST contract of POST /v1/events). Other systems are built against
 * these names: add, never rename. Workflows import the inferred *types* only.
 */
const id = z.string().trim().min(1).max(200);
/** Fits numeric(12, 2) with room to spare: no total overflows the column. */
export const money = z.number().finite().nonnegative().max(1_000_000_000);

/**
 * A timestamp a journey can reason about: ISO-8601 with an offset, between 2000 and 2100
 * (a year-0913 event would be accepted by zod, rejected by Postgres, and wreck every timer).
 */
export const timestamp = z
  .string()
  .datetime({ offset: true })
  .refine((v) => {
    const ms = Date.parse(v);
    return ms >= Date.UTC(2000, 0, 1) && ms < Date.UTC(2100, 0, 1);
  }, 'must be between 2000-01-01 and 2100-01-01');
const url = z.string().url().max(2000);

const timezone = z
  .string()
  .max(64)
  .refine(isValidTimezone, { message: 'must be an IANA time zone such as Europe/Berlin' });

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const birthday = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number);
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  }, 'is not a calendar date');

export const CustomerProfileSchema = z
  .object({
    email: z.string().email().max(320),
    firstName: z.string().max(200).optional(),
    timezone: timezone.optional(),
    locale: z.string().max(35).optional(),
    birthday: birthday.optional(),
    marketingConsent: z.boolean().optional(),
  })
  .strict();

const CartItemSchema = z.object({
  productId: id,
  title: z.string().max(500),
  price: money,
  quantity: z.number().int().positive().max(10_000),
  imageUrl: url.optional(),
  url: url.optional(),
});

const OrderItemSchema = z.object({
  productId: id,
  title: z.string().max(500),
  price: money,
  quantity: z.number().int().positive().max(10_000),
});

export const eventPropertySchemas = {
  'customer.created': CustomerProfileSchema,
  'customer.updated': CustomerProfileSchema.partial({ email: true }),
  'cart.updated': z.object({ cartId: id, cartUrl: url, items: z.array(CartItemSchema).max(500) }),
  'checkout.started': z.object({ cartId: id }),
  'order.placed': z.object({
    orderId: id,
    total: money,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
    items: z.array(OrderItemSchema).min(1).max(500),
  }),
  'order.shipped': z.object({
    orderId: id,
    carrier: z.string().max(100).optional(),
    trackingNumber: z.string().max(200).optional(),
    trackingUrl: url.optional(),
  }),
  'order.delivered': z.object({ orderId: id }),
  'product.viewed': z.object({ productId: id }),
  'back_in_stock.requested': z.object({ productId: id }),
  'form.submitted': z.object({ formId: id, topics: z.array(z.string().min(1).max(100)).min(1).max(50) }),
} as const;

export type EventType = keyof typeof eventPropertySchemas;
export const eventTypes = Object.keys(eventPropertySchemas) as EventType[];
export type EventProperties<T extends EventType> = z.infer<(typeof eventPropertySchemas)[T]>;

const envelope = z.object({
  id: id.optional().openapi({ description: 'Idempotency key: a repeated id is accepted and not applied twice' }),
  customerId: id,
  occurredAt: timestamp.optional(),
});

/** One event of the contract; a discriminated union so each type validates its own properties. */
export const EventSchema = z
  .discriminatedUnion(
    'type',
    eventTypes.map((type) =>
      envelope.extend({ type: z.literal(type), properties: eventPropertySchemas[type] }),
    ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  )
  .openapi('Event');

export const EventBatchSchema = z
  .object({
    events: z.array(EventSchema).min(1).max(500),
    import: z
      .boolean()
      .optional()
      .describe('History from another system: stored and projected (profiles, orders, products), starting and reaching no journey'),
  })
  .openapi('EventBatch');

/** An event as stored and as delivered to journeys (id and occurredAt always present). */
export type ShopEvent = {
  [T in EventType]: {
    id: string;
    type: T;
    customerId: string;
    occurredAt: string;
    properties: EventProperties<T>;
  };
}[EventType];

export type ShopEventOf<T extends EventType> = Extract<ShopEvent, { type: T }>;
