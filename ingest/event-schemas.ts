import { z } from 'zod';
import { regexes } from 'zod/v4/core';
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';

extendZodWithOpenApi(z);

/**
 * The v1 event contract (the public REST contract of POST /v1/events). Other systems are built against
 * these names: add, never rename. Workflows import the inferred *types* only.
 */
/**
 * A shop's id (customer, order, product, event): 1–200 characters without NUL and without
 * leading or trailing white space, so " c-1" and "c-1" can never be two customers. Spelled as a
 * pattern both JavaScript and the API document's JSON Schema readers agree on.
 */
export const shopId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\x00 \t\n\r\f\v](?:[^\x00]*[^\x00 \t\n\r\f\v])?$/, 'must not contain NUL or start or end with white space')
  .openapi({ description: "The shop's own id: 1–200 characters, no leading or trailing white space" });
const id = shopId;
/** Fits numeric(12, 2) with room to spare: no total overflows the column. */
export const money = z.number().finite().nonnegative().max(1_000_000_000);

/**
 * ISO-8601 date-time with an offset, as zod checks it (calendar-correct, leap years included),
 * spelled out as the document's pattern so a client can tell a valid timestamp from the schema.
 */
const DATE_TIME = regexes.datetime({ offset: true, precision: null, local: false }).source.replace(/^\^/, '');
const yearsFrom = (years: string) => `^(?=(?:${years})-)${DATE_TIME}`;

/**
 * A timestamp a journey can reason about: ISO-8601 with an offset, between 2000 and 2100
 * (a year-0913 event would be accepted by zod, rejected by Postgres, and wreck every timer).
 * The document promises 2001–2098, which no offset can push outside that range.
 */
export const timestamp = z
  .string()
  .datetime({ offset: true })
  .refine((v) => {
    const ms = Date.parse(v);
    return ms >= Date.UTC(2000, 0, 1) && ms < Date.UTC(2100, 0, 1);
  }, 'must be between 2000-01-01 and 2100-01-01')
  .openapi({ pattern: yearsFrom('200[1-9]|20[1-8]\\d|209[0-8]'), description: 'ISO-8601 date-time with offset, between 2000 and 2100' });

/**
 * How far ahead of our clock an event may claim to have happened. One shop server with a wrong
 * clock would otherwise win every "latest wins" comparison (cart contents, consent) for years.
 */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
const lastYear = new Date().getUTCFullYear() - 1;
const occurredAt = timestamp
  .refine((v) => Date.parse(v) <= Date.now() + MAX_FUTURE_SKEW_MS, 'must not be more than 5 minutes in the future')
  .openapi({
    // The pattern can only speak of whole years: it promises 2001 up to last year.
    pattern: yearsFrom(Array.from({ length: lastYear - 2000 }, (_, i) => 2001 + i).join('|')),
    description:
      'When it happened (ISO-8601 with offset, from 2000); default: when received. At most 5 minutes ahead of the server clock: a later time is rejected.',
  });

/** Links end up in emails: web addresses only (no javascript:, data: or file: links). */
const url = z
  .url({ protocol: /^https?$/, hostname: regexes.domain })
  .max(2000)
  .openapi({ pattern: '^https?://', description: 'An http(s) URL' });

/** An address as zod's email check accepts it; the document carries the same pattern. */
export const email = z.string().max(320).regex(regexes.email, 'must be an email address');

const TIME_ZONES = [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC'])].sort();
const timezone = z
  .string()
  .max(64)
  .refine(isValidTimezone, { message: 'must be an IANA time zone such as Europe/Berlin' })
  .openapi({ enum: TIME_ZONES, description: 'An IANA time zone (aliases such as US/Eastern are accepted too)' });

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
    const date = new Date(Date.UTC(2000, m - 1, d));
    // Year 2000 is a leap year: 29 February passes, and only the year's own leap rule decides it.
    date.setUTCFullYear(y);
    return y >= 1 && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  }, 'is not a calendar date')
  .openapi({ format: 'date', description: 'A calendar date, YYYY-MM-DD' });

/** How many custom attributes a customer may have, and how large each may be. */
export const ATTRIBUTE_LIMITS = { maxCount: 50, maxKeyLength: 40, maxStringLength: 500 } as const;

const ATTRIBUTE_KEY_PATTERN = `^[A-Za-z][A-Za-z0-9_]{0,${ATTRIBUTE_LIMITS.maxKeyLength - 1}}$`;
const attributeKey = z
  .string()
  .regex(
    new RegExp(ATTRIBUTE_KEY_PATTERN),
    `an attribute name is a letter, then letters, digits or _ (at most ${ATTRIBUTE_LIMITS.maxKeyLength} characters)`,
  );

/**
 * Custom profile attributes: templates personalise with them, journeys' audiences filter on them.
 * Merged into the stored ones key by key; `null` removes a key.
 */
export const CustomerAttributesSchema = z
  .record(
    attributeKey,
    z.union([z.string().max(ATTRIBUTE_LIMITS.maxStringLength), z.number().finite(), z.boolean(), z.null()]),
  )
  .refine((a) => Object.keys(a).length <= ATTRIBUTE_LIMITS.maxCount, {
    message: `at most ${ATTRIBUTE_LIMITS.maxCount} attributes`,
  })
  .openapi({
    description:
      `Custom attributes (e.g. \`{ "tier": "gold", "favoriteCategory": "coffee" }\`): names are a letter then letters, digits or _ ` +
      `(≤ ${ATTRIBUTE_LIMITS.maxKeyLength}); values a string (≤ ${ATTRIBUTE_LIMITS.maxStringLength}), number or boolean; null removes one. ` +
      `Merged into the stored attributes (last writer wins per attribute by occurredAt); a customer keeps at most ` +
      `${ATTRIBUTE_LIMITS.maxCount} (more: 422 too_many_attributes). Erased with the profile.`,
    example: { tier: 'gold', favoriteCategory: 'coffee' },
    // The record's key rule, in the document too (OpenAPI 3.1 is JSON Schema): a client generated
    // from it, or a fuzzer, knows which names are valid.
    ...({ propertyNames: { type: 'string', pattern: ATTRIBUTE_KEY_PATTERN } } as object),
    maxProperties: ATTRIBUTE_LIMITS.maxCount,
  });

export type AttributeValue = string | number | boolean;

export const CustomerProfileSchema = z
  .object({
    email,
    firstName: z.string().max(200).optional(),
    timezone: timezone.optional(),
    locale: z
      .string()
      .max(35)
      .optional()
      .openapi({
        description:
          'BCP 47 locale (de-AT, ar, th-TH): the language of the emails (en, de, fr, es, ru, th, ar are shipped; any other, or none, falls back to the shop default SHOP_LOCALE) and how dates and money are formatted',
        example: 'de-DE',
      }),
    birthday: birthday.optional(),
    marketingConsent: z.boolean().optional(),
    attributes: CustomerAttributesSchema.optional(),
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

/** Part of an order that was cancelled, refunded or returned; no items = the whole order. */
const ChangedItemSchema = z.object({
  productId: id,
  quantity: z.number().int().positive().max(10_000),
});
const changedItems = z
  .array(ChangedItemSchema)
  .min(1)
  .max(500)
  .optional()
  .openapi({ description: 'The products concerned; omitted: the whole order' });
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');

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
    couponCodes: z
      .array(z.string().min(1).max(100))
      .max(20)
      .optional()
      .openapi({ description: 'Codes used at checkout: each one we issued is redeemed for this order (once per order) and credits the order to the message that carried it' }),
  }),
  'order.shipped': z.object({
    orderId: id,
    carrier: z.string().max(100).optional(),
    trackingNumber: z.string().max(200).optional(),
    trackingUrl: url.optional(),
  }),
  'order.delivered': z.object({ orderId: id }),
  'order.cancelled': z.object({ orderId: id, items: changedItems }),
  'order.refunded': z.object({
    orderId: id,
    amount: money.openapi({ description: 'What this refund pays back (refunds of one order add up)' }),
    currency,
    items: changedItems,
  }),
  'order.returned': z.object({ orderId: id, items: changedItems }),
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
  occurredAt: occurredAt.optional(),
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
