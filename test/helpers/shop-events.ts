import type { IncomingEvent } from '../../ingest/store';

/** Events as the shop posts them, for tests of the dispatch path. */
const items = [{ productId: 'p-1', title: 'Tea', price: 5, quantity: 1 }];

export const cartUpdated = (id: string, customerId: string): IncomingEvent => ({
  id,
  type: 'cart.updated',
  customerId,
  properties: { cartId: `cart-${customerId}`, cartUrl: 'https://shop.example.com/cart', items },
});

export const orderPlaced = (id: string, customerId: string): IncomingEvent => ({
  id,
  type: 'order.placed',
  customerId,
  properties: { orderId: `order-${id}`, total: 5, currency: 'EUR', items },
});

export const customerCreated = (id: string, customerId: string): IncomingEvent => ({
  id,
  type: 'customer.created',
  customerId,
  properties: { email: `${customerId}@example.com`, marketingConsent: true },
});
